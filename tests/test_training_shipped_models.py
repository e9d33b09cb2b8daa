"""The shipped ONNX models, run through the runtime classes, on fresh synthetic validation pages."""
from pathlib import Path

import pytest

pytest.importorskip("torch")

from animate_drawing.vision_dev.training.evaluate_synthetic import evaluate  # noqa: E402

MODELS = Path(__file__).resolve().parents[1] / "models"


@pytest.mark.skipif(not (MODELS / "figure_pose.onnx").exists(), reason="models not exported yet")
def test_shipped_models_find_segment_and_pose_synthetic_figures():
    m = evaluate(MODELS, pages=12, threads=1)
    assert m["figures"] >= 12
    assert m["recall@0.5"] >= 0.8 and m["box_iou"] >= 0.7
    assert m["false_pos_per_page"] <= 0.5
    assert m["mask_iou"] >= 0.8
    assert m["pck10"] >= 0.8 and m["pck05"] >= 0.6
