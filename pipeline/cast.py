"""The plan stage's result: the cast, every character to build with where it stands.

A cast is one RigPlan per figure with its place (`rig.page_layout.Placement`) and body kind:
the figures of one drawing where they were drawn on the page, the one character of a character
folder, or (`--scene`) several inputs' first figures side by side. The Blender stages build,
animate and render a cast whatever it came from. Plain Python.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..models.analyze import DrawingAnalysis
from ..rig.page_layout import PageFrame, Placement, place_on_page
from ..rig.plan import RigPlan
from ..rig.skeleton import extra_limb_joints
from .plan import character_name_for, plan_figure, plan_from_character_dir

SCENE_GAP = 0.25  # world units between characters placed side by side (characters are 2 tall)


@dataclass
class PageCast:
    plans: list                                     # RigPlan per figure, the first figure first
    frame: PageFrame | None                         # None for a row of several inputs (--scene)
    placements: list[Placement]
    page: np.ndarray | None                         # (H, W, 3) the page photo (character folder: its texture)
    masks: list[np.ndarray] = field(default_factory=list)   # each figure's mask in page pixels
    bodies: list[str] = field(default_factory=list)  # body kind per figure (models/body_kind.py)
    source: str = ""                                # the drawing or character folder, as given
    notes: list[str] = field(default_factory=list)  # what was skipped or may look wrong (summary warnings)

    def source_of(self, index: int) -> str:
        """What figure `index` was made from (a row of inputs has no one source: its plan's name)."""
        return self.source or self.plans[index].name


def body_of_character(plan: RigPlan) -> str:
    """A character folder says no body kind: chains of extra joints off the body make it
    "extra_limbs" (they follow the nearest limb), anything else is a biped."""
    return "extra_limbs" if extra_limb_joints(plan.config) else "biped"


def cast_of_character_dir(path: str | os.PathLike, density: float = 1.0, fps: float = 30.0) -> PageCast:
    """The one character of a character folder; its texture is the page."""
    plan = plan_from_character_dir(path, density)
    return _placed([plan], [(0.0, 0.0)], plan.texture[..., :3], [plan.mask], [body_of_character(plan)], [],
                   os.fspath(path), fps)


def cast_of_analysis(analysis: DrawingAnalysis, source: str | os.PathLike, figures: list[int],
                     density: float = 1.0, fps: float = 30.0, notes: list[str] | None = None) -> PageCast:
    """The analysed figures `figures` (indices), planned and placed where they stand on the page.
    The first is named after the drawing, the others `<stem>_figure_<k + 1>`."""
    base = character_name_for(source)
    plans, corners, masks = [], [], []
    for k in figures:
        plan, corner = plan_figure(analysis, k, base if not plans else f"{Path(base).stem}_figure_{k + 1}", density)
        plans.append(plan)
        corners.append(corner)
        masks.append(analysis.figures[k].mask)
    bodies = [analysis.figures[k].body for k in figures]
    return _placed(plans, corners, analysis.image, masks, bodies, notes or [], os.fspath(source), fps)


def _placed(plans, corners, page, masks, bodies, notes, source, fps) -> PageCast:
    height, width = page.shape[:2]
    frame, placements = place_on_page((width, height), corners, [p.origin_uv for p in plans],
                                      [p.scale for p in plans], fps)
    return PageCast(plans, frame, placements, page, masks=masks, bodies=bodies, notes=notes, source=source)


def row_cast(plans: list[RigPlan], bodies: list[str]) -> PageCast:
    """Characters left to right with `SCENE_GAP` between them (`--scene`: one per input)."""
    placements, x = [], 0.0
    for plan in plans:
        placements.append(Placement((x, 0.0, 0.0), 1.0, 0, 0))
        world = plan.to_world(plan.vertices_uv)
        x += float(world[:, 0].max() - world[:, 0].min()) + SCENE_GAP
    return PageCast(list(plans), None, placements, None, bodies=list(bodies))
