"""Keep a drawing's analysis between `analyze` (review) and `animate` (build).

The figures' boxes, joints and confidences are stored as JSON in
`Scene.animate_drawing_analysis` (saved with the .blend, editable by the review UI); the
full result with its masks stays in a per-session cache, and is recomputed from the image
when the cache is gone (e.g. after reopening the file), with hand-edited joints re-applied.
"""

from __future__ import annotations

import json
import os

import numpy as np

from ..models.analyze import AnalysisSettings, DrawingAnalysis, analyze_image, figure_to_character
from .preferences import get_preferences

_cache: dict[str, DrawingAnalysis] = {}


def settings_from_preferences(context=None) -> AnalysisSettings:
    prefs = get_preferences(context)
    return AnalysisSettings(provider=prefs.execution_provider.lower(), threads=prefs.threads,
                            custom_models=prefs.custom_models)


def figures_to_json(analysis: DrawingAnalysis) -> str:
    return json.dumps([
        {"box": [float(c) for c in figure.box], "score": float(figure.score),
         "joints": np.asarray(figure.joints, dtype=float).tolist(),
         "joint_conf": np.asarray(figure.joint_conf, dtype=float).tolist()}
        for figure in analysis.figures
    ])


def remember(analysis: DrawingAnalysis) -> None:
    """Keep a finished analysis (with its masks) for `animate`, e.g. from a background job."""
    _cache[os.path.abspath(analysis.image_path)] = analysis


def analyze(context, path: str | os.PathLike) -> DrawingAnalysis:
    """Run the vision pipeline and remember the result in the scene. Raises InputError."""
    analysis = analyze_image(path, settings_from_preferences(context))
    remember(analysis)
    stored = context.scene.animate_drawing_analysis
    stored.image_path = os.path.abspath(path)
    stored.figures_json = figures_to_json(analysis)
    stored.figure_index = 0
    stored.joints_edited = False
    return analysis


def reviewed_analysis(context, path: str | os.PathLike) -> tuple[DrawingAnalysis, int]:
    """(analysis, figure index) for `path`: the reviewed one stored in the scene when it is
    about this image (hand-edited joints applied), else a fresh analysis."""
    key = os.path.abspath(path)
    stored = context.scene.animate_drawing_analysis
    figures = stored.figures if stored.image_path == key else []
    if not figures:
        return analyze(context, path), 0
    index = min(stored.figure_index, len(figures) - 1)
    reviewed = figures[index]
    analysis = _cache.get(key)
    if analysis is None or len(analysis.figures) != len(figures):
        # The masks are not saved with the scene: find the reviewed figure again inside its box.
        settings = settings_from_preferences(context)
        settings.manual_box = tuple(reviewed["box"])
        analysis, index = analyze_image(path, settings), 0
    if stored.joints_edited:
        analysis.figures[index].joints = np.asarray(reviewed["joints"], dtype=np.float64).reshape(-1, 2)
    return analysis, index


def character_arrays(analysis: DrawingAnalysis, index: int):
    """(texture RGBA, mask, CharacterConfig) of one analysed figure."""
    texture, mask, config, _bbox = figure_to_character(analysis, index)
    return texture, mask, config
