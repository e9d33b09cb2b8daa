"""The Blender stages: build the cast, give it its motion, render it into the output files.

Each stage is a `pipeline.run.Stage` on the main thread over plain data (`PageCast` →
`BuiltCast` → `BuiltCast` with clip lengths → files). `item_stages` is the whole run of one
input (analyse → plan → build → motion → output) as a batch item does it; the animate operator
takes the pure stages with its own analysis and ends after the motion; `animate-drawing rig`
ends after the build. See docs/ARCHITECTURE.md ("Pipeline").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import bpy

from ..errors import place_error
from ..pipeline.cast import PageCast
from ..pipeline.run import Hooks, Stage, Timer
from ..rig.page_layout import clips_for_figures
from .animate.squash_hop import apply_hop
from .build.build_face import key_idle_blinks
from .build.character import build_character

BUILD = "Building the character"
MOTION = "Retargeting the motion"
OUTPUT = "Rendering"


@dataclass
class BuiltCast:
    """The build stage's result: one armature per figure of `cast`; the motion stage adds each
    figure's clip length in scene frames."""
    cast: PageCast
    armatures: list
    lengths: list[int] = field(default_factory=list)


def build_figures(context, cast: PageCast, density: float = 1.0, face: bool = True) -> list:
    """One character per figure (own collection, armature, mesh, and face rig unless `face` is
    False), standing at its placement; the armatures."""
    armatures = []
    for index, (plan, placement, body) in enumerate(zip(cast.plans, cast.placements, cast.bodies)):
        armature = build_character(context, plan, cast.source_of(index), density, face=face)
        armature.location = placement.location
        armature.scale = (placement.scale,) * 3
        armature.animate_drawing.body = body   # the body kind decides which joints follow a clip
        armatures.append(armature)
    return armatures


def build_stage(density: float = 1.0, face: bool = True) -> Stage:
    def build(cast: PageCast) -> BuiltCast:
        from .jobs import window_context

        # A job's timer callback has no window; the bones' mode switches want one.
        with bpy.context.temp_override(**window_context()):
            return BuiltCast(cast, build_figures(bpy.context, cast, density, face))
    return Stage(BUILD, build, on_main_thread=True, timing="build")


def apply_motion(armature, motion: str, fps: float, offset: int = 0, frame_start: int = 1,
                 face: str = "off", frames: int | None = None) -> int:
    """Retarget a library clip (looping), a .bvh file or a video onto the character as its
    active action, and key its face (`face`: off / idle / video, over its first `frames`, all
    when None); returns the clip's length in scene frames. `offset` frames shift the clip: a
    looping clip is that far into its cycle at `frame_start`, a one-shot clip starts that much later."""
    from ..motions.library import clip_for_body
    from ..motions.retarget import RetargetOptions
    from ..motions.source import open_motion
    from .animate.face_motion import key_face
    from .animate.motion import retarget_track
    from .animate.video_source import sources

    opened = open_motion(clip_for_body(motion, armature.animate_drawing.body), sources(face=face == "video"))
    start = frame_start - offset if opened.loops else frame_start + offset
    _, result = retarget_track(armature, opened.track, opened.name, RetargetOptions(fps=fps, cyclic=opened.loops),
                               frame_start=start)
    length = int(round(result.frame_count * fps / result.fps))
    length = length if opened.loops else length + offset
    key_face(armature, face, opened, *clip_range([length], frames, frame_start), fps, clip_start=start)
    return length


def clip_range(lengths: list[int], limit: int | None, frame_start: int = 1) -> tuple[int, int]:
    """Scene frames from `frame_start` covering the longest clip (a looping clip once, without the
    closing key that repeats its first pose), or its first `limit` frames."""
    count = max(lengths)
    if limit is not None:
        count = min(count, limit)
    return frame_start, frame_start + count - 1


def motion_stage(motions: list[str], fps: float, face: str = "idle", frames: int | None = None,
                 frame_start: int = 1) -> Stage:
    """Figure k gets motion k mod len(`motions`) shifted by its placement's time offset (a
    limbless figure hops instead), and its face keyed over its first `frames` (all when None):
    `face` off, idle (blinks) or video (the performer's face where the motion is a video)."""
    def animate(built: BuiltCast) -> BuiltCast:
        clips = clips_for_figures(len(built.armatures), motions)
        lengths = []
        for armature, placement, clip, body in zip(built.armatures, built.cast.placements, clips, built.cast.bodies):
            if body == "limbless":      # no limbs to follow a clip with: it hops, squashing and stretching
                length = apply_hop(armature, fps, placement.time_offset, frame_start)
                if face != "off":
                    key_idle_blinks(armature, *clip_range([length], frames, frame_start), fps)
            else:
                length = apply_motion(armature, clip, fps, placement.time_offset, frame_start, face, frames)
            lengths.append(length)
        return BuiltCast(built.cast, built.armatures, lengths)
    return Stage(MOTION, animate, on_main_thread=True, timing="motion")


def output_stage(outputs: dict[str, Path], options, timer: Timer, hooks: Hooks | None = None,
                 on_frame: Callable[[int, int], None] | None = None) -> Stage:
    """Frame the motion, render every frame once into every requested format (the page behind
    the figures with `--background page`). A failing output place raises PlaceError: later
    items would fail alike, so a batch stops on it."""
    def frame_done(done: int, total: int) -> None:
        if hooks is not None:
            hooks.advance(done / total)
        if on_frame is not None:
            on_frame(done, total)

    def write(built: BuiltCast) -> BuiltCast:
        from .batch.batch_item import write_outputs
        from .build.page_cast import PAGE_BACKGROUND, PageStage

        backdrop = PageStage(built.cast) if options.background == PAGE_BACKGROUND else None
        try:
            write_outputs(bpy.context, built, outputs, options, timer, frame_done, backdrop)
        except OSError as exc:   # the output place, said in words (PlaceError passes as it is)
            raise place_error(exc, next(iter(outputs.values())).parent) from None
        return built
    return Stage(OUTPUT, write, on_main_thread=True)   # write_outputs times its own parts


def item_stages(source: str, motions: list[str], options, outputs: dict[str, Path],
                timer: Timer, hooks: Hooks | None = None, on_frame=None) -> list[Stage]:
    """One batch item: `source` analysed (`options.box`, `options.figures`), planned, built,
    each figure given its motion (round-robin over `motions`), rendered into `outputs`."""
    from ..models.analyze import AnalysisSettings
    from ..pipeline.stages import cast_stages, find_figures

    face = options.face != "off"
    find = find_figures(AnalysisSettings(manual_box=options.box), options.figures)
    return cast_stages(source, find, fps=options.fps) + [
        build_stage(face=face),
        motion_stage(motions, options.fps, options.face, options.frames),
        output_stage(outputs, options, timer, hooks, on_frame),
    ]
