"""Analyse and plan: a drawing or a character folder → `RigPlan`, in plain Python.

No Blender here (the import graph and `make test-markers` check it): images are decoded by
Pillow, so every function may run on a worker thread. The operators' jobs, the batch driver
and the CLI all reach the rig through these functions.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import numpy as np

from ..errors import InputError
from ..formats.char_cfg import CharacterConfig
from ..models.analyze import (AnalysisSettings, DrawingAnalysis, Figure, analyze_image, figure_to_character,
                              person_likeness)
from ..models.face import Face
from ..models.joints import AD_NAMES
from ..motions.quality import analysis_warnings
from ..rig.character import CFG_FILE, load_character_dir
from ..rig.plan import RigPlan, build_rig_plan


def is_character_dir(path: str | os.PathLike) -> bool:
    """An AnimatedDrawings character folder, given as the folder or its char_cfg.yaml."""
    path = Path(path)
    return (path / CFG_FILE).is_file() or path.name == CFG_FILE


def character_name_for(path: str | os.PathLike) -> str:
    """What a character is named after: the folder of a character folder (its files are always
    called texture.png/char_cfg.yaml), else the drawing's file. `build_rig_plan` sanitizes it."""
    path = Path(path)
    if path.is_dir():
        return path.resolve().name
    if path.name == CFG_FILE:
        return path.resolve().parent.name
    return path.name


def character_dir_of(path: str | os.PathLike) -> Path:
    """A character folder given as the folder itself or its char_cfg.yaml."""
    path = Path(path)
    if path.is_dir():
        return path
    if path.name == CFG_FILE:
        return path.parent
    if not path.exists():
        raise InputError(path, "not found")
    raise InputError(path, f"expected an AnimatedDrawings character folder or its {CFG_FILE}")


def check_joints_inside(config: CharacterConfig, cfg_path) -> None:
    """A joint off the image is a broken annotation (snapping it onto the figure would rig
    the wrong part), unlike one just off the mask, which the planner snaps."""
    for joint in config.joints:
        u, v = joint.loc
        if not (0 <= u <= config.width and 0 <= v <= config.height):
            raise InputError(cfg_path, f"joint '{joint.name}' at ({u}, {v}) is outside the "
                                       f"{config.width}x{config.height} px image")


def plan_from_character_dir(path: str | os.PathLike, density: float = 1.0) -> RigPlan:
    """Load a character folder and plan its rig. Raises InputError."""
    directory = character_dir_of(path)
    texture, mask, config = load_character_dir(directory)
    check_joints_inside(config, directory / CFG_FILE)
    return build_rig_plan(texture, mask, config, character_name_for(path), density=density)


def apply_review(analysis: DrawingAnalysis, review: dict | None, settings: AnalysisSettings,
                 source: str | os.PathLike) -> tuple[DrawingAnalysis, list[int]]:
    """(analysis, figure indices) to build from. Without a `review`: figure 0 of `analysis` (None:
    analyse `source`). With one (kept in the scene: {"indices", "figures": the ticked figures'
    JSON in that order, "count", "joints_edited", "face_edited"}): those figures, found again
    inside their boxes when `analysis` does not hold the reviewed figures, with the artist's
    joints and faces when edited."""
    if review is None:
        return (analysis if analysis is not None else analyze_image(source, settings)), [0]
    indices, reviewed = list(review["indices"]), review["figures"]
    if analysis is None or len(analysis.figures) != review["count"]:
        # The masks are not saved with the scene: find each reviewed figure again inside its box.
        analysis, indices = _found_in_boxes(source, settings, reviewed), list(range(len(reviewed)))
    if review["joints_edited"] or review.get("face_edited"):
        # A copy with the artist's edits: the given analysis stays as detected.
        figures = list(analysis.figures)
        for index, figure in zip(indices, reviewed):
            figures[index] = _edited_figure(figures[index], figure, review)
        analysis = dataclasses.replace(analysis, figures=figures)
    return analysis, indices


def _edited_figure(figure: Figure, reviewed: dict, review: dict) -> Figure:
    """`figure` with the joints and the face of its reviewed JSON, where the artist edited them."""
    if review["joints_edited"]:
        joints = np.asarray(reviewed["joints"], dtype=np.float64).reshape(-1, 2)
        # Joints the artist placed are sure: no low-confidence warning about them later.
        figure = dataclasses.replace(figure, joints=joints, joint_conf=np.ones(len(joints)))
    if review.get("face_edited") and reviewed.get("face") is not None:
        figure = dataclasses.replace(figure, face=Face.from_json(reviewed["face"]), face_edited=True)
    return figure


def _found_in_boxes(source, settings: AnalysisSettings, reviewed: list[dict]) -> DrawingAnalysis:
    """One analysis holding the figure found inside each reviewed figure's box, in that order."""
    found = [analyze_image(source, dataclasses.replace(settings, manual_box=tuple(figure["box"])))
             for figure in reviewed]
    warnings = list(dict.fromkeys(warning for each in found for warning in each.warnings))
    return dataclasses.replace(found[0], figures=[each.figures[0] for each in found], warnings=warnings)


def plan_from_analysis(analysis: DrawingAnalysis, index: int, name: str, density: float = 1.0) -> RigPlan:
    """The rig of one analysed figure (its crop, mask and joints), carrying what the vision
    models doubted about it (for the quality verdict and summary warnings)."""
    return plan_figure(analysis, index, name, density)[0]


def plan_figure(analysis: DrawingAnalysis, index: int, name: str,
                density: float = 1.0) -> tuple[RigPlan, tuple[int, int]]:
    """`plan_from_analysis` and where the figure's crop lies on the page (its top-left corner,
    image pixels), which places the figure among the others."""
    texture, mask, config, bbox = figure_to_character(analysis, index)
    plan = build_rig_plan(texture, mask, config, name, density=density)
    plan.analysis_warnings = figure_doubts(analysis, index)
    figure = analysis.figures[index]
    if figure.face_edited and figure.face is not None:   # image → texture pixels
        plan.edited_face = figure.face.moved(-bbox["left"], -bbox["top"])
    return plan, (bbox["left"], bbox["top"])


def figure_doubts(analysis: DrawingAnalysis, index: int) -> list[str]:
    """What the vision models doubted about one figure, as warnings for its results."""
    figure = analysis.figures[index]
    return analysis_warnings(list(AD_NAMES), figure.joint_conf, person_likeness(figure))
