"""models.decoders.nms (numpy) keeps exactly what cv2.dnn.NMSBoxes kept."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from animate_drawing.models.decoders import nms


def reference_nms(boxes, scores, score_threshold, iou_threshold):
    xywh = np.column_stack([boxes[:, :2], boxes[:, 2:] - boxes[:, :2]])
    keep = cv2.dnn.NMSBoxes(xywh.tolist(), scores.astype(float).tolist(), score_threshold, iou_threshold)
    keep = np.asarray(keep, np.int64).reshape(-1)
    return keep[np.argsort(-scores[keep], kind="stable")]


@pytest.mark.parametrize("iou_threshold", [0.3, 0.45, 0.7])
def test_nms_equals_cv2_on_clustered_boxes(iou_threshold):
    rng = np.random.default_rng(int(iou_threshold * 100))
    for _ in range(50):
        n = int(rng.integers(0, 40))
        centres = rng.uniform(0, 300, (max(n // 5, 1), 2))[rng.integers(0, max(n // 5, 1), n)]
        xy = centres + rng.normal(0, 15, (n, 2))
        wh = rng.uniform(10, 120, (n, 2))
        boxes = np.column_stack([xy, xy + wh])
        scores = rng.choice(np.linspace(0.05, 0.95, 19), n).astype(np.float32)   # ties included
        np.testing.assert_array_equal(nms(boxes, scores, 0.25, iou_threshold),
                                      reference_nms(boxes, scores, 0.25, iou_threshold))


def test_nms_drops_overlaps_and_low_scores():
    boxes = np.array([[0, 0, 10, 10], [1, 1, 11, 11], [20, 20, 30, 30], [0, 0, 10, 10]], float)
    scores = np.array([0.6, 0.9, 0.8, 0.1])
    np.testing.assert_array_equal(nms(boxes, scores, 0.2, 0.5), [1, 2])
    assert nms(np.zeros((0, 4)), np.zeros(0), 0.2, 0.5).shape == (0,)
