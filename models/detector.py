"""Figure detection: boxes of drawn figures in a whole photo, best/largest first."""

from __future__ import annotations

import numpy as np

from ..imaging.resample import resize
from .classical_segmentation import blobs, enclosed_regions, stroke_map
from .decoders import (Detections, decode_box_heatmap, decode_dets_labels, decode_yolo_det,
                       decode_yolo_pose)
from .runtime import OnnxModel

CLASSICAL_MIN_FRACTION = 0.25    # a second blob counts as a figure if ≥ this × the largest
CLASSICAL_MIN_AREA = 0.002       # … and covers at least this fraction of the page
CLASSICAL_WORK_SIDE = 1000       # page analysed at this long side (speed; figures are big)
CLASSICAL_MAX_ELONGATION = 6.0   # thinner blobs are page borders, rulers, text lines


class FigureDetector:
    """Detector model per its sidecar, or the classical page segmentation when `model` is None."""

    def __init__(self, model: OnnxModel | None = None):
        self.model = model

    @property
    def name(self) -> str:
        return self.model.spec.name if self.model else "classical"

    def detect(self, rgb: np.ndarray) -> Detections:
        """Boxes in image pixels, sorted by score (model) or area (classical)."""
        if self.model is None:
            return classical_figure_boxes(rgb)
        tensor, transform = self.model.preprocess(rgb)
        outputs = self.model.ordered_outputs(self.model.infer(tensor))
        dets = self.decode(outputs)
        h, w = rgb.shape[:2]
        boxes = transform.boxes_to_image(dets.boxes)
        boxes = np.clip(boxes, 0, [w, h, w, h])
        keep = (boxes[:, 2] - boxes[:, 0] >= 2) & (boxes[:, 3] - boxes[:, 1] >= 2)
        kpts = None
        if dets.keypoints is not None:
            kpts = dets.keypoints.copy()
            kpts[:, :, :2] = transform.to_image(kpts[:, :, :2])
            kpts = kpts[keep]
        return Detections(boxes[keep], dets.scores[keep], dets.labels[keep], kpts)

    def decode(self, outputs: list[np.ndarray]) -> Detections:
        out = self.model.spec.output
        kind = self.model.spec.kind
        thr = float(out.get("score_threshold", 0.3))
        iou = float(out.get("iou_threshold", 0.45))
        classes = out.get("classes")
        if kind == "yolo_det":
            n = out.get("num_classes")
            return decode_yolo_det(outputs[0], thr, iou, classes, None if n is None else int(n))
        if kind == "dets_labels":
            return decode_dets_labels(outputs[0], outputs[1], thr, iou, classes)
        if kind == "yolo_pose":
            return decode_yolo_pose(outputs[0], int(out.get("num_keypoints", 17)), thr, iou)
        centre, ltrb = _split_box_heatmap(outputs)
        return decode_box_heatmap(centre, ltrb, self.model.size_hw, thr, iou,
                                  stride=out.get("stride"), centre_offset=float(out.get("centre_offset", 0.5)),
                                  ltrb_unit=out.get("ltrb_unit", "stride"),
                                  activation=out.get("activation", "sigmoid"))


def _split_box_heatmap(outputs: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    # Tell the centre map (1 channel) from the distances (4 channels) by shape, so the
    # output order in the graph does not matter.
    by_channels = {np.asarray(o).shape[-3] if np.asarray(o).ndim >= 3 else 1: o for o in outputs[:2]}
    if set(by_channels) != {1, 4}:
        raise ValueError(f"box_heatmap needs a 1-channel centre map and a 4-channel distance map, "
                         f"got shapes {[np.asarray(o).shape for o in outputs[:2]]}")
    return by_channels[1], by_channels[4]


def classical_figure_boxes(rgb: np.ndarray) -> Detections:
    """Figures as the large enclosed blobs of the page (no model): area order, score 0.5.

    Coarse on photos (paper edges and shadows can merge into the figure) but needs nothing.
    """
    h, w = rgb.shape[:2]
    s = min(1.0, CLASSICAL_WORK_SIDE / max(h, w))
    small = resize(rgb, (round(w * s), round(h * s)), "area") if s < 1 else rgb
    found = blobs(enclosed_regions(stroke_map(small)), CLASSICAL_MIN_FRACTION)
    min_area = CLASSICAL_MIN_AREA * small.shape[0] * small.shape[1]
    boxes = []
    for blob in found:
        if blob.sum() < min_area:
            continue
        x, y, bw, bh = _mask_box(blob)
        if max(bw, bh) > CLASSICAL_MAX_ELONGATION * min(bw, bh):
            continue
        boxes.append([x / s, y / s, min(w, (x + bw) / s), min(h, (y + bh) / s)])
    boxes = np.array(boxes, np.float64).reshape(-1, 4)
    n = len(boxes)
    return Detections(boxes, np.full(n, 0.5), np.zeros(n, np.int64))


def _mask_box(mask: np.ndarray) -> tuple[int, int, int, int]:
    """(x, y, width, height) of the True pixels of a non-empty mask."""
    rows, cols = np.flatnonzero(mask.any(1)), np.flatnonzero(mask.any(0))
    return int(cols[0]), int(rows[0]), int(cols[-1] - cols[0] + 1), int(rows[-1] - rows[0] + 1)
