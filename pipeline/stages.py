"""The pure stages: analyse (decode, then find the figures) and plan (the cast), for any caller.

`cast_stages(source, …)` is the start of every run: a character folder is planned in one
stage; a drawing is decoded, analysed and its figures planned. A caller changes what "find"
means (the review's figure instead of a fresh analysis) or adds its own stages after the
analysis (the animate operator keeps it in the scene) without writing the rest again.
Plain Python: every stage here may run on a worker thread.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..models.analyze import AnalysisSettings, DrawingAnalysis, LoadedImage, analyze_image, load_drawing
from .cast import cast_of_analysis, cast_of_character_dir
from .plan import is_character_dir
from .run import Stage

LOAD = "Loading the drawing"
FIND = "Finding the figure, its mask and joints"
PLAN = "Meshing and skin weights"


@dataclass
class Found:
    """The analyse stage's result: the analysis and which of its figures to plan."""
    analysis: DrawingAnalysis
    figures: list[int]
    notes: list[str] = field(default_factory=list)   # for the summary's warnings


def find_figures(settings: AnalysisSettings | None = None, figures: str = "all") -> Callable[[LoadedImage], Found]:
    """The analysis of a decoded drawing: every figure ("all") or the most person-like ("first").
    Raises InputError / NoFigureError naming the file."""
    def find(loaded: LoadedImage) -> Found:
        analysis = analyze_image(loaded, settings or AnalysisSettings())
        count = 1 if figures == "first" else len(analysis.figures)
        notes = list(analysis.warnings)
        if count < len(analysis.figures):
            notes.append(f"--figures first: {len(analysis.figures) - 1} more figure(s) on the page not animated")
        return Found(analysis, list(range(count)), notes)
    return find


def load_stage(source: str | os.PathLike) -> Stage:
    """Decode the drawing (Pillow: any thread). Raises InputError naming the file."""
    return Stage(LOAD, lambda _: load_drawing(source), timing="analyze")


def is_character_source(source: str | os.PathLike) -> bool:
    """A folder (or a char_cfg.yaml) is planned as a character folder; anything else is a drawing."""
    return (os.fspath(source) != "" and Path(source).is_dir()) or is_character_dir(source)   # "" is no folder


def character_stages(source: str | os.PathLike, density: float = 1.0, fps: float = 30.0) -> list[Stage]:
    """The plan of a character folder (or its char_cfg.yaml) as one stage ending in a `PageCast`.
    Raises InputError naming the folder when it is not one."""
    return [Stage(PLAN, lambda _: cast_of_character_dir(source, density, fps), timing="plan")]


def cast_stages(source: str | os.PathLike, find: Callable[[LoadedImage], Found] | None = None,
                density: float = 1.0, fps: float = 30.0, after_analysis: Sequence[Stage] = ()) -> list[Stage]:
    """analyse → plan for one input, ending in a `PageCast`. `find` turns the decoded drawing
    into a `Found` (default: `find_figures()`); `after_analysis` stages take and return it."""
    if is_character_source(source):
        return character_stages(source, density, fps)

    def plan(found: Found):
        return cast_of_analysis(found.analysis, source, found.figures, density, fps, found.notes)

    return [
        load_stage(source),
        Stage(FIND, find or find_figures(), timing="analyze"),
        *after_analysis,
        Stage(PLAN, plan, timing="plan"),
    ]
