"""Every figure of a page as its own character, standing where it was drawn (batch side).

The cast (`pipeline.cast.PageCast`: one RigPlan per kept figure, their places on the page, what
was skipped) is planned and built by the pipeline's stages (`pipeline.stages`, `addon.stages`);
`load_cast`, `build_figures` and `build_cast` run those stages for callers that want one step.
`PageStage` is the page as the backdrop (`--background page`): the photo with the figures
lifted off, seen by the render camera.
"""

from __future__ import annotations

import numpy as np

from ...pipeline.cast import PageCast
from ...pipeline.run import Timer, run_stages
from ...pipeline.stages import cast_stages, find_figures
from ...rig.page_layout import clips_for_figures, page_backdrop
from ..stages import BuiltCast, build_stage, motion_stage

PAGE_BACKGROUND = "page"


def load_cast(path: str, timer: Timer, box=None, figures: str = "all", fps: float = 30.0) -> PageCast:
    """The figures of a drawing (only the first with figures="first", only the boxed one with a
    box) or the character of a character folder, planned and placed: the analyse and plan
    stages. Raises InputError / NoFigureError naming the file."""
    from ...models.analyze import AnalysisSettings

    return run_stages(cast_stages(path, find_figures(AnalysisSettings(manual_box=box), figures), fps=fps),
                      timer=timer)


def figure_clips(motion: str, figure_motions: list[str] | None, count: int) -> list[str]:
    """Each figure's clip: the item's motion for all, or `--figure-motions` round-robin."""
    return clips_for_figures(count, figure_motions or [motion])


def build_figures(context, cast: PageCast, timer: Timer, face: bool = True) -> list:
    """The build stage: one character per figure, placed on the page; the armatures."""
    return run_stages([build_stage(face=face)], cast, timer=timer).armatures


def build_cast(context, cast: PageCast, clips: list[str], fps: float, timer: Timer, face: bool = True,
               frames: int | None = None) -> list[int]:
    """The build and motion stages: each figure with its clip and time offset (and idle blinks
    over the first `frames`, all when None, with `face`); returns the clip lengths."""
    stages = [build_stage(face=face), motion_stage(clips, fps, "idle" if face else "off", frames)]
    built: BuiltCast = run_stages(stages, cast, timer=timer)
    return built.lengths


def summary_keys(cast: PageCast, keys: dict) -> dict:
    """summary.json keys of a page item: the figure count, and the page's notes before the motion's warnings."""
    return {**keys, "figures": len(cast.plans), "warnings": cast.notes + list(keys.get("warnings", []))}


class PageStage:
    """The page behind the figures: framed whole, the figures lifted off it and their holes
    filled with paper, so a figure that moves leaves no copy of itself behind."""

    def __init__(self, cast: PageCast):
        from ...imaging.inpaint import lift_figures

        self.frame = cast.frame
        self.page = lift_figures(cast.page, cast.masks)
        self.paper = np.median(self.page.reshape(-1, 3), axis=0).astype(np.float32)

    def bounds(self, motion_bounds) -> tuple[float, float, float, float]:
        """The page, grown where a figure moves past its edge (a jump above the top)."""
        page = self.frame.world_bounds()
        return (min(page[0], motion_bounds[0]), max(page[1], motion_bounds[1]),
                min(page[2], motion_bounds[2]), max(page[3], motion_bounds[3]))

    def backdrop(self, camera, width: int, height: int) -> np.ndarray:
        units_per_pixel = camera.data.ortho_scale / max(width, height)
        centre = (float(camera.location.x), float(camera.location.z))
        return page_backdrop(self.page, self.frame, centre, units_per_pixel, width, height, self.paper)
