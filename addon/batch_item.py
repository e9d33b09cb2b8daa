"""One batch item in Blender: drawing → character → motion → framed scene → output files.

Everything an item creates is removed afterwards (`DataSnapshot.rollback`), so a long
batch keeps a flat memory profile in one process.
"""

from __future__ import annotations

import contextlib
import itertools
import time
from collections.abc import Callable
from pathlib import Path

import bpy

from ..output_formats import FORMATS as OUTPUT_FORMATS, FrameSettings
from . import encode, places, render, scene_setup
from .batch_plan import BatchOptions
from .interrupt import signals_deferred
from .character import build_character

SCENE_GAP = 0.25  # world units between characters placed side by side (characters are 2 tall)


class Timer:
    """Accumulates milliseconds per named stage."""

    def __init__(self):
        self.ms: dict[str, float] = {}

    def add(self, stage: str, started: float) -> None:
        self.ms[stage] = self.ms.get(stage, 0.0) + (time.perf_counter() - started) * 1000.0


def load_plan(path: str, timer: Timer, box: tuple[float, float, float, float] | None = None):
    """RigPlan from a character folder, or from a drawing via the vision pipeline (inside
    `box`, image pixels, when given: no detection)."""
    from ..models.analyze import AnalysisSettings, analyze_image
    from ..pipeline.plan import character_name_for, plan_from_analysis, plan_from_character_dir

    started = time.perf_counter()
    source = Path(path)
    if source.is_dir():
        plan = plan_from_character_dir(source)
        timer.add("plan", started)
        return plan
    # Raises InputError / NoFigureError naming the file.
    analysis = analyze_image(source, AnalysisSettings(manual_box=box))
    timer.add("analyze", started)
    started = time.perf_counter()
    plan = plan_from_analysis(analysis, 0, character_name_for(source))
    timer.add("plan", started)
    return plan


def apply_motion(armature, motion: str, fps: float, offset: int = 0, face: str = "off",
                 frames: int | None = None) -> int:
    """Retarget a library clip (looping), a .bvh file or a video onto the character as its
    active action, and key its face (`face`: off / idle / video, over its first `frames`);
    returns the clip's length in scene frames. `offset` frames shift the clip: a looping clip
    is that far into its cycle at frame 1, a one-shot clip starts that much later."""
    from ..motions.retarget import RetargetOptions
    from ..motions.source import open_motion
    from .face_motion import key_face
    from .motion import retarget_track
    from .video_source import sources

    opened = open_motion(motion, sources(face=face == "video"))
    start = 1 - offset if opened.loops else 1 + offset
    _, result = retarget_track(armature, opened.track, opened.name, RetargetOptions(fps=fps, cyclic=opened.loops),
                               frame_start=start)
    length = int(round(result.frame_count * fps / result.fps))
    length = length if opened.loops else length + offset
    key_face(armature, face, opened, *clip_range([length], frames), fps, clip_start=start)
    return length


def clip_range(lengths: list[int], limit: int | None) -> tuple[int, int]:
    """Scene frames 1… covering the longest clip (a looping clip once, without the closing
    key that repeats its first pose), or its first `limit` frames."""
    count = max(lengths)
    if limit is not None:
        count = min(count, limit)
    return 1, count


def build_animated(context, plans_and_motions, options: BatchOptions, timer: Timer):
    """Build characters (side by side when several) with their clips; returns the clip lengths."""
    lengths, offset = [], 0.0
    for plan, motion in plans_and_motions:
        started = time.perf_counter()
        armature = build_character(context, plan, source_path=plan.name, face=options.face != "off")
        timer.add("build", started)
        if offset:
            armature.location.x += offset
        started = time.perf_counter()
        lengths.append(apply_motion(armature, motion, options.fps, face=options.face, frames=options.frames))
        timer.add("motion", started)
        world = plan.to_world(plan.vertices_uv)
        offset += float(world[:, 0].max() - world[:, 0].min()) + SCENE_GAP
    return lengths


def write_outputs(context, lengths: list[int], outputs: dict[str, Path], options: BatchOptions, timer: Timer,
                  on_frame: Callable[[int, int], None] | None = None, stage=None) -> None:
    """Frame the whole motion, render every frame once, feed every requested format. A `stage`
    (page_cast.PageStage: --background page) widens the frame to the page and is the backdrop."""
    scene = context.scene
    started = time.perf_counter()
    size = options.size + options.size % 2  # H.264 4:2:0 needs even sides
    scene_setup.configure_render(scene, options.engine, size, size, options.fps)
    scene.frame_start, scene.frame_end = clip_range(lengths, options.frames)
    frames = range(scene.frame_start, scene.frame_end + 1)
    objects = scene_setup.rendered_objects(scene)
    bounds = scene_setup.motion_bounds(scene, objects, frames)
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
            _render_into(scene, options.engine, frames, sinks, timer, on_frame)
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


def _render_into(scene, engine, frames, sinks, timer, on_frame) -> None:
    """Render every frame once and stream it into every sink. The MP4 sink pulls frames (its
    encoder drives the loop); the others are fed on the way. "render" is the time of the
    whole loop (rendering and encoding overlap), "write_frames" the share spent in the
    GIF/PNG sinks."""
    video = next((sink for sink in sinks if isinstance(sink, encode.Mp4Sink)), None)
    others = [sink for sink in sinks if sink is not video]
    total = len(frames)

    def streamed():
        stream = render.render_stream(scene, engine, frames, video.prepare if video is not None else None)
        for done, (frame, rgba, prepared) in enumerate(stream, 1):
            started = time.perf_counter()
            for sink in others:
                sink.write(frame, rgba)
            timer.add("write_frames", started)
            if on_frame is not None:
                on_frame(done, total)
            yield prepared

    started = time.perf_counter()
    stream = streamed()
    if video is not None:
        first = next(stream)  # a scene the renderer refuses fails here, before the encoder starts
        video.encode(itertools.chain([first], stream), total)
    else:
        for _ in stream:
            pass
    timer.add("render", started)
