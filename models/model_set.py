"""Which model serves each stage: the user's custom ONNX, else the shipped one, else classical.

A custom model that cannot be used (missing/corrupt ONNX, bad sidecar, wrong task) never
stops the analysis: the reason is reported and the shipped model takes over.
"""

from __future__ import annotations

import threading
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError
from .detector import FigureDetector
from .pose import PoseEstimator
from .runtime import MODELS_DIR, ModelFallbackWarning, OnnxModel, choose_providers, default_threads, \
    load_model_spec, shipped_specs
from .segmenter import FigureSegmenter

TASKS = ("detection", "segmentation", "pose")


@dataclass
class ModelSet:
    detector: FigureDetector
    segmenter: FigureSegmenter
    pose: PoseEstimator
    warnings: list[str] = field(default_factory=list)

    @property
    def segmenter_shares_pose_net(self) -> bool:
        """True when the pose model's mask output can stand in for the segmenter (no segmentation
        model, or the segmentation sidecar points at the pose network itself)."""
        if not self.pose.gives_mask:
            return False
        seg = self.segmenter.model
        return seg is None or (seg.spec.onnx_path.resolve() == self.pose.model.spec.onnx_path.resolve()
                               and seg.spec.input_tuple() == self.pose.model.spec.input_tuple())

    def names(self) -> dict[str, str]:
        segmentation = self.segmenter.name
        if self.segmenter.model is None and self.segmenter_shares_pose_net:
            segmentation = f"{self.pose.name} (mask output)"
        return {"detection": self.detector.name, "segmentation": segmentation, "pose": self.pose.name}


_CACHE: dict[tuple, ModelSet] = {}
_LOCK = threading.Lock()


def load_model_set(provider: str = "auto", threads: int = 0, custom_models: dict[str, str] | None = None,
                   models_dir: Path = MODELS_DIR) -> ModelSet:
    """The models for these settings, built once per settings and shipped-file state."""
    custom = {task: str(path) for task, path in (custom_models or {}).items() if path}
    unknown = set(custom) - set(TASKS)
    if unknown:
        raise InputError(None, f"unknown model task(s) {sorted(unknown)}; use {TASKS}")
    shipped_state = tuple(sorted((p.name, p.stat().st_mtime_ns) for p in models_dir.glob("*.json")))
    key = (provider.lower(), threads, tuple(sorted(custom.items())), str(models_dir), shipped_state)
    with _LOCK:
        if key not in _CACHE:
            _CACHE[key] = _build(provider, threads, custom, models_dir)
        return _CACHE[key]


def _build(provider: str, threads: int, custom: dict[str, str], models_dir: Path) -> ModelSet:
    providers = choose_providers(provider)
    threads = threads or default_threads()
    notes: list[str] = []
    models: dict[str, OnnxModel | None] = {}
    for task in TASKS:
        models[task] = None
        if task in custom:
            try:
                models[task] = OnnxModel(load_model_spec(custom[task], task), providers, threads)
                continue
            except InputError as exc:
                notes.append(f"custom {task} model not used: {exc}; falling back to the shipped model")
        for spec in shipped_specs(task, models_dir):
            try:
                models[task] = OnnxModel(spec, providers, threads)
                break
            except InputError as exc:
                notes.append(f"shipped {task} model not used: {exc}")
    for note in notes:
        warnings.warn(note, ModelFallbackWarning, stacklevel=3)
    return ModelSet(FigureDetector(models["detection"]), FigureSegmenter(models["segmentation"]),
                    PoseEstimator(models["pose"]), notes)
