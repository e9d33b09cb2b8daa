"""Every figure of a page as its own character, standing where it was drawn (batch side).

`load_cast` turns an input into the cast: one RigPlan per kept figure of a drawing (or the one
of a character folder), their places on the page (rig/page_layout.py) and what was skipped.
`build_cast` creates one character per figure (own collection, armature, mesh), places it,
and gives it its clip with its time offset. `PageStage` is the page as the backdrop
(`--background page`): the photo with the figures lifted off, seen by the render camera.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..motions.extra_limbs import extra_limb_chains
from ..rig.page_layout import PageFrame, Placement, clips_for_figures, page_backdrop, place_on_page
from .batch_item import Timer, apply_motion, clip_range
from .build_face import key_idle_blinks
from .character import build_character, character_name_for, plan_from_character_dir
from .squash_hop import apply_hop

FIGURE_MODES = ("all", "first")
PAGE_BACKGROUND = "page"


@dataclass
class PageCast:
    plans: list                                     # RigPlan per figure, the first figure first
    frame: PageFrame
    placements: list[Placement]
    page: np.ndarray                                # (H, W, 3) the page photo (character folder: its texture)
    masks: list[np.ndarray] = field(default_factory=list)   # each figure's mask in page pixels
    bodies: list[str] = field(default_factory=list)  # body kind per figure (models/body_kind.py)
    source: str = ""                                # the drawing or character folder, as given
    notes: list[str] = field(default_factory=list)  # what was skipped or may look wrong (summary warnings)


def load_cast(path: str, timer: Timer, box=None, figures: str = "all", fps: float = 30.0) -> PageCast:
    """The figures of a drawing (only the first with figures="first", only the boxed one with a
    box) or the character of a character folder, planned and placed. Raises InputError /
    NoFigureError naming the file."""
    started = time.perf_counter()
    source = Path(path)
    if source.is_dir():
        plan = plan_from_character_dir(source)
        timer.add("plan", started)
        page = plan.texture[..., :3]
        corners, masks = [(0.0, 0.0)], [plan.mask]
        plans, notes, bodies = [plan], [], ["extra_limbs" if extra_limb_chains(plan.bones) else "biped"]
    else:
        plans, corners, masks, page, notes, bodies = _plan_drawing(source, timer, box, figures)
    height, width = page.shape[:2]
    frame, placements = place_on_page((width, height), corners, [p.origin_uv for p in plans],
                                      [p.scale for p in plans], fps)
    return PageCast(plans, frame, placements, page, masks=masks, bodies=bodies, notes=notes, source=path)


def _plan_drawing(source: Path, timer: Timer, box, figures: str):
    from ..models.analyze import AnalysisSettings, analyze_image, figure_to_character
    from ..pipeline.plan import figure_doubts
    from ..rig.plan import build_rig_plan

    started = time.perf_counter()
    analysis = analyze_image(source, AnalysisSettings(manual_box=box))
    timer.add("analyze", started)
    count = 1 if figures == "first" else len(analysis.figures)
    notes = list(analysis.warnings)
    if count < len(analysis.figures):
        notes.append(f"--figures first: {len(analysis.figures) - 1} more figure(s) on the page not animated")
    started = time.perf_counter()
    base = character_name_for(source)
    plans, corners, masks = [], [], []
    for k in range(count):
        texture, mask, config, bbox = figure_to_character(analysis, k)   # bbox: the crop's place on the page
        name = base if k == 0 else f"{Path(base).stem}_figure_{k + 1}"
        plans.append(build_rig_plan(texture, mask, config, name))
        plans[-1].analysis_warnings = figure_doubts(analysis, k)
        corners.append((bbox["left"], bbox["top"]))
        masks.append(analysis.figures[k].mask)
    timer.add("plan", started)
    bodies = [figure.body for figure in analysis.figures[:count]]
    return plans, corners, masks, analysis.image, notes, bodies


def figure_clips(motion: str, figure_motions: list[str] | None, count: int) -> list[str]:
    """Each figure's clip: the item's motion for all, or `--figure-motions` round-robin."""
    return clips_for_figures(count, figure_motions or [motion])


def build_figures(context, cast: PageCast, timer: Timer, face: bool = True) -> list:
    """One character per figure (own collection, armature, mesh, and face rig unless `face` is
    False), placed on the page; the armatures."""
    armatures = []
    for plan, placement, body in zip(cast.plans, cast.placements, cast.bodies):
        started = time.perf_counter()
        armature = build_character(context, plan, source_path=cast.source, face=face)
        armature.location = placement.location
        armature.scale = (placement.scale,) * 3
        armature.animate_drawing.body = body
        armatures.append(armature)
        timer.add("build", started)
    return armatures


def build_cast(context, cast: PageCast, clips: list[str], fps: float, timer: Timer, face: bool = True,
               frames: int | None = None) -> list[int]:
    """`build_figures`, each with its clip and time offset (and idle blinks over the first
    `frames`, all when None, with `face`); returns the clip lengths."""
    lengths = []
    for armature, placement, clip, body in zip(build_figures(context, cast, timer, face), cast.placements, clips,
                                               cast.bodies):
        started = time.perf_counter()
        if body == "limbless":      # no limbs to follow a clip with: it hops, squashing and stretching
            lengths.append(apply_hop(armature, fps, placement.time_offset))
        else:
            lengths.append(apply_motion(armature, clip, fps, placement.time_offset))
        if face:
            key_idle_blinks(armature, 1, clip_range(lengths[-1:], frames)[1], fps)
        timer.add("motion", started)
    return lengths


def summary_keys(cast: PageCast, keys: dict) -> dict:
    """summary.json keys of a page item: the figure count, and the page's notes before the motion's warnings."""
    return {**keys, "figures": len(cast.plans), "warnings": cast.notes + list(keys.get("warnings", []))}


class PageStage:
    """The page behind the figures: framed whole, the figures lifted off it and their holes
    filled with paper, so a figure that moves leaves no copy of itself behind."""

    def __init__(self, cast: PageCast):
        from ..imaging.inpaint import lift_figures

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
