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

from ...models.analyze import AnalysisSettings, DrawingAnalysis
from ...pipeline.plan import apply_review
from ..preferences import get_preferences

_cache: dict[str, DrawingAnalysis] = {}


def settings_from_preferences(context=None) -> AnalysisSettings:
    prefs = get_preferences(context)
    return AnalysisSettings(provider=prefs.execution_provider.lower(), threads=prefs.threads,
                            custom_models=prefs.custom_models)


def figures_to_json(analysis: DrawingAnalysis) -> str:
    return json.dumps([
        {"box": [float(c) for c in figure.box], "score": float(figure.score),
         "joints": np.asarray(figure.joints, dtype=float).tolist(),
         "joint_conf": np.asarray(figure.joint_conf, dtype=float).tolist(),
         "face": None if figure.face is None else figure.face.to_json()}
        for figure in analysis.figures
    ])


def remember(analysis: DrawingAnalysis) -> None:
    """Keep a finished analysis (with its masks) for `animate`, e.g. from a background job."""
    _cache[os.path.abspath(analysis.image_path)] = analysis


def cached_analysis(path: str | os.PathLike) -> DrawingAnalysis | None:
    """The analysis of `path` kept this session (with its masks), or None (e.g. after reopening)."""
    return _cache.get(os.path.abspath(path))


def keep_for_review(context, image_path: str, figures_json: str) -> None:
    """A new review in `Scene.animate_drawing_analysis`: every figure ticked, moving with the
    page's clip, nothing edited by hand yet."""
    stored = context.scene.animate_drawing_analysis
    stored.image_path = os.path.abspath(image_path)
    stored.figures_json = figures_json
    stored.figure_index = 0
    stored.include_figures = (True,) * len(stored.include_figures)
    stored.joints_edited = stored.face_edited = False
    stored.figure_choices.clear()
    for _ in stored.figures:
        stored.figure_choices.add()


def store(context, analysis: DrawingAnalysis) -> None:
    """Keep a fresh analysis for review and `animate`: masks in the cache, figures in the scene."""
    remember(analysis)
    keep_for_review(context, analysis.image_path, figures_to_json(analysis))


def stored_review(context, path: str | os.PathLike) -> dict | None:
    """The review of `path` kept in the scene (main thread): {"indices": the ticked figures,
    "figures": their JSON in that order, "clips": their own clips in that order ("": the page's),
    "count": how many figures, "joints_edited", "face_edited"}; None when the scene holds no
    ticked figure of this image."""
    stored = context.scene.animate_drawing_analysis
    figures = stored.figures if stored.image_path == os.path.abspath(path) else []
    indices = stored.included if figures else []
    if not indices:
        return None
    return {"indices": indices, "figures": [figures[k] for k in indices], "count": len(figures),
            "clips": [stored.clip_of(k) for k in indices],
            "joints_edited": stored.joints_edited, "face_edited": stored.face_edited}


def analysis_for(path: str | os.PathLike, review: dict | None,
                 settings: AnalysisSettings) -> tuple[DrawingAnalysis, list[int]]:
    """(analysis, figure indices) to build from: the reviewed one with its ticked figures
    (hand-edited joints applied, from this session's cache when it holds the reviewed figures)
    when there is a `review`, else a fresh analysis's first figure. Any thread. Raises InputError."""
    cached = cached_analysis(path) if review is not None else None
    return apply_review(cached, review, settings, path)
