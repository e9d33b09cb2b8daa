"""The output stage's work in Blender: frame the motion, render every frame once, stream it
into every requested format (`write_outputs`); and one-call runs of the earlier stages for
scripts and tests (`load_plan`, `build_animated`). A batch item's whole run is
`addon.stages.item_stages`; everything it creates is removed afterwards
(`DataSnapshot.rollback`), so a long batch keeps a flat memory profile in one process.
"""

from __future__ import annotations

import contextlib
import itertools
import time
from collections.abc import Callable
from pathlib import Path

from ...output_formats import FORMATS as OUTPUT_FORMATS, FrameSettings
from ...pipeline.run import Timer
from .. import places
from ..interrupt import signals_deferred
from ..output import encode, render, scene_setup
from ..stages import clip_range
from .batch_plan import BatchOptions


def load_plan(path: str, timer: Timer, box: tuple[float, float, float, float] | None = None):
    """The analyse and plan stages for one character: a character folder's, or a drawing's most
    person-like figure (inside `box`, image pixels, when given: no detection)."""
    from ..build.page_cast import load_cast

    return load_cast(path, timer, box, figures="first").plans[0]


def build_animated(context, plans_and_motions, options: BatchOptions, timer: Timer):
    """The build and motion stages for characters side by side (`--scene`), each with its own
    clip; returns the clip lengths."""
    from ...pipeline.cast import row_cast
    from ...pipeline.run import run_stages
    from ..stages import build_stage, motion_stage

    face = options.face != "off"
    plans = [plan for plan, _ in plans_and_motions]
    built = run_stages([build_stage(face=face),
                        motion_stage([motion for _, motion in plans_and_motions], options.fps, options.face, options.frames)],
                       row_cast(plans, ["biped"] * len(plans)), timer=timer)
    return built.lengths


def write_outputs(context, built, outputs: dict[str, Path], options: BatchOptions, timer: Timer,
                  on_frame: Callable[[int, int], None] | None = None, stage=None) -> None:
    """Frame the whole motion of `built` (addon.stages.BuiltCast) with the render camera and each
    character's own camera (a saved .blend opens on it), render every frame once, feed every
    requested format. A `stage` (page_cast.PageStage: --background page) widens the frame to the
    page and is the backdrop."""
    scene = context.scene
    started = time.perf_counter()
    size = options.size + options.size % 2  # H.264 4:2:0 needs even sides
    scene_setup.configure_render(scene, options.engine, size, size, options.fps)
    scene.frame_start, scene.frame_end = clip_range(built.lengths, options.frames)
    frames = range(scene.frame_start, scene.frame_end + 1)
    objects = scene_setup.rendered_objects(scene)
    evaluated: dict = {}  # the frames' vertices, evaluated once for the framing and the flat renderer
    bounds = scene_setup.frame_characters(scene, built.armatures, frames, objects,
                                          keep=evaluated if options.engine == "flat" else None)
    if stage is None:
        scene_setup.frame_camera(scene, bounds)
        backdrop = encode.parse_background(options.background, size, size)
    else:
        backdrop = stage.backdrop(scene_setup.frame_camera(scene, stage.bounds(bounds), margin=0.0), size, size)
    folder = next(iter(outputs.values())).parent
    folder.mkdir(parents=True, exist_ok=True)
    places.check_free_space(folder, places.estimate_bytes(outputs, len(frames), size, size))
    sinks: list = []  # filled one by one inside the try: a failure or interrupt while opening
    try:              # the third still removes the first two's partial files
        _open_sinks(sinks, outputs, FrameSettings(backdrop, size, options.fps, objects))
        timer.add("setup", started)
        if sinks:
            _render_into(scene, options.engine, frames, sinks, timer, on_frame, evaluated)
        started = time.perf_counter()
        for sink in sinks:
            sink.close()
        timer.add("encode", started)
    except BaseException:
        for sink in sinks:
            with contextlib.suppress(OSError):  # each sink's partial goes, even if another's clean-up fails
                sink.abort()
        raise
    started = time.perf_counter()
    for name, fmt in OUTPUT_FORMATS.items():
        if fmt.export is not None and name in outputs:
            fmt.export(outputs[name])
    timer.add("export", started)


def _open_sinks(sinks: list, outputs, frames: FrameSettings) -> None:
    """Append a sink per frame format asked for; each is opened whole or not at all (an interrupt
    waits), so every partial file that exists belongs to a sink in `sinks`."""
    for name, fmt in OUTPUT_FORMATS.items():
        if fmt.open_sink is not None and name in outputs:
            with signals_deferred():
                sinks.append(fmt.open_sink(outputs[name], frames))


def _render_into(scene, engine, frames, sinks, timer, on_frame, evaluated=None) -> None:
    """Render every frame once and stream it into every sink. The MP4 sink pulls frames (its
    encoder drives the loop); the others are fed on the way. "render" is the time of the
    whole loop (rendering and encoding overlap), "write_frames" the share spent in the
    GIF/PNG sinks."""
    video = next((sink for sink in sinks if isinstance(sink, encode.Mp4Sink)), None)
    others = [sink for sink in sinks if sink is not video]
    total = len(frames)

    def streamed():
        # Closed here, not when garbage collected: an interrupt while the renderer shuts down
        # must reach the caller, not be printed and dropped by the collector.
        with contextlib.closing(render.render_stream(
                scene, engine, frames, video.prepare if video is not None else None, rgba=bool(others),
                evaluated=evaluated)) as stream:
            for done, (frame, rgba, prepared) in enumerate(stream, 1):
                started = time.perf_counter()
                for sink in others:
                    sink.write(frame, rgba)
                timer.add("write_frames", started)
                if on_frame is not None:
                    on_frame(done, total)
                yield prepared

    started = time.perf_counter()
    with contextlib.closing(streamed()) as stream:
        if video is not None:
            first = next(stream)  # a scene the renderer refuses fails here, before the encoder starts
            video.encode(itertools.chain([first], stream), total)
        else:
            for _ in stream:
                pass
    timer.add("render", started)
