"""Decoders: raw ONNX outputs → boxes / keypoints / mask probabilities in *network-input* pixels.

Each function takes numpy arrays exactly as onnxruntime returns them (batch of one) and
knows nothing about the original image; `runtime.Transform` maps results back.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..imaging.morphology import max_filter


@dataclass
class Detections:
    boxes: np.ndarray                  # (N, 4) x0, y0, x1, y1
    scores: np.ndarray                 # (N,)
    labels: np.ndarray                 # (N,) int
    keypoints: np.ndarray | None = None  # (N, K, 3) x, y, confidence (YOLO-pose only)

    def __len__(self) -> int:
        return len(self.scores)


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(x, -60.0, 60.0)))


def _drop_batch(a: np.ndarray, ndim: int) -> np.ndarray:
    a = np.asarray(a)
    while a.ndim > ndim and a.shape[0] == 1:
        a = a[0]
    return a


# --- keypoints ---------------------------------------------------------------------------

def decode_heatmap(heatmaps: np.ndarray, input_hw: tuple[int, int], align: str = "corner",
                   activation: str = "none") -> tuple[np.ndarray, np.ndarray]:
    """(1, K, h, w) heatmaps → (K, 2) xy in input px and (K,) confidence in 0..1.

    Argmax refined to sub-pixel by a quadratic fit through the peak and its two neighbours
    on each axis. `align="corner"` maps heatmap cell i to input coordinate i·stride (mmpose /
    SimpleBaseline convention); `"center"` maps it to the cell's centre (i + 0.5)·stride.
    """
    hm = _drop_batch(heatmaps, 3).astype(np.float32)
    k, h, w = hm.shape
    flat = hm.reshape(k, -1)
    idx = flat.argmax(axis=1)
    peak = flat[np.arange(k), idx]
    y, x = np.divmod(idx, w)
    kk = np.arange(k)
    dx = _quadratic_offset(hm[kk, y, np.maximum(x - 1, 0)], peak, hm[kk, y, np.minimum(x + 1, w - 1)],
                           (x > 0) & (x < w - 1))
    dy = _quadratic_offset(hm[kk, np.maximum(y - 1, 0), x], peak, hm[kk, np.minimum(y + 1, h - 1), x],
                           (y > 0) & (y < h - 1))
    sx, sy = input_hw[1] / w, input_hw[0] / h
    shift = 0.5 if align == "center" else 0.0
    xy = np.stack([(x + dx + shift) * sx, (y + dy + shift) * sy], axis=1)
    conf = sigmoid(peak) if activation == "sigmoid" else peak
    return xy, np.clip(conf, 0.0, 1.0)


def _quadratic_offset(left, centre, right, interior) -> np.ndarray:
    curvature = left - 2.0 * centre + right
    with np.errstate(divide="ignore", invalid="ignore"):
        off = np.where(interior & (curvature < 0), 0.5 * (left - right) / curvature, 0.0)
    return np.clip(np.nan_to_num(off), -0.5, 0.5)


def decode_simcc(simcc_x: np.ndarray, simcc_y: np.ndarray, split_ratio: float = 2.0) -> tuple[np.ndarray, np.ndarray]:
    """RTMPose SimCC (1, K, W·r) and (1, K, H·r) → (K, 2) xy in input px, (K,) confidence.

    Confidence is the smaller of the two 1-D peaks (a joint is only as sure as its worse axis).
    """
    sx = _drop_batch(simcc_x, 2)
    sy = _drop_batch(simcc_y, 2)
    x = sx.argmax(axis=1) / split_ratio
    y = sy.argmax(axis=1) / split_ratio
    conf = np.minimum(sx.max(axis=1), sy.max(axis=1))
    return np.stack([x, y], axis=1).astype(np.float64), np.clip(conf, 0.0, 1.0)


# --- detections --------------------------------------------------------------------------

def nms(boxes: np.ndarray, scores: np.ndarray, score_threshold: float, iou_threshold: float) -> np.ndarray:
    """Indices kept by class-agnostic non-maximum suppression, best first.

    Greedy, as cv2.dnn.NMSBoxes: boxes scoring above `score_threshold`, best first (ties in
    input order), each dropping the later ones that overlap it by IoU > `iou_threshold`."""
    order = np.flatnonzero(scores > score_threshold)
    order = order[np.argsort(-scores[order], kind="stable")]
    x0, y0, x1, y1 = np.asarray(boxes, np.float64).reshape(-1, 4).T
    area = np.maximum(x1 - x0, 0) * np.maximum(y1 - y0, 0)
    keep = []
    while len(order):
        best, rest = order[0], order[1:]
        keep.append(best)
        inter = (np.maximum(np.minimum(x1[best], x1[rest]) - np.maximum(x0[best], x0[rest]), 0)
                 * np.maximum(np.minimum(y1[best], y1[rest]) - np.maximum(y0[best], y0[rest]), 0))
        union = area[best] + area[rest] - inter
        iou = np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)
        order = rest[iou <= iou_threshold]
    return np.asarray(keep, np.int64)


def _yolo_rows(output: np.ndarray, channels: int | None) -> np.ndarray:
    """(1, C, N) or (1, N, C) → (N, C); C is the smaller axis unless `channels` says."""
    a = _drop_batch(output, 2).astype(np.float32)
    if channels is not None:
        return a.T if a.shape[0] == channels and a.shape[1] != channels else a
    return a.T if a.shape[0] < a.shape[1] else a


def _cxcywh_to_xyxy(b: np.ndarray) -> np.ndarray:
    half = b[:, 2:4] / 2.0
    return np.concatenate([b[:, 0:2] - half, b[:, 0:2] + half], axis=1)


def decode_yolo_det(output: np.ndarray, score_threshold: float = 0.25, iou_threshold: float = 0.45,
                    classes: list[int] | None = None, num_classes: int | None = None) -> Detections:
    """Ultralytics-style (1, 4 + C, N): cx, cy, w, h then one score per class (no objectness).

    Without `num_classes` the layout is guessed (the box axis is the longer one).
    """
    rows = _yolo_rows(output, None if num_classes is None else 4 + num_classes)
    class_scores = rows[:, 4:]
    if classes is not None:
        mask = np.zeros(class_scores.shape[1], bool)
        mask[[c for c in classes if c < class_scores.shape[1]]] = True
        class_scores = np.where(mask, class_scores, -np.inf)
    labels = class_scores.argmax(axis=1)
    scores = class_scores[np.arange(len(rows)), labels]
    boxes = _cxcywh_to_xyxy(rows[:, :4])
    keep = nms(boxes, scores, score_threshold, iou_threshold)
    return Detections(boxes[keep].astype(np.float64), scores[keep].astype(np.float64), labels[keep])


def decode_yolo_pose(output: np.ndarray, num_keypoints: int = 17, score_threshold: float = 0.25,
                     iou_threshold: float = 0.45) -> Detections:
    """YOLO-pose (1, 5 + 3K, N): cx, cy, w, h, person score, then K × (x, y, visibility)."""
    channels = 5 + 3 * num_keypoints
    rows = _yolo_rows(output, channels)
    if rows.shape[1] != channels:
        raise ValueError(f"YOLO-pose output has {rows.shape[1]} values per row, expected {channels}")
    boxes = _cxcywh_to_xyxy(rows[:, :4])
    scores = rows[:, 4]
    keep = nms(boxes, scores, score_threshold, iou_threshold)
    kpts = rows[keep, 5:].reshape(-1, num_keypoints, 3).astype(np.float64)
    vis = kpts[:, :, 2]
    if vis.size and (vis.min() < 0 or vis.max() > 1):  # exported without the final sigmoid
        kpts[:, :, 2] = sigmoid(vis)
    return Detections(boxes[keep].astype(np.float64), scores[keep].astype(np.float64),
                      np.zeros(len(keep), np.int64), kpts)


def decode_dets_labels(dets: np.ndarray, labels: np.ndarray, score_threshold: float = 0.25,
                       iou_threshold: float = 0.45, classes: list[int] | None = None) -> Detections:
    """mmdet/RTMDet end-to-end export: dets (1, N, 5) x0, y0, x1, y1, score and labels (1, N)."""
    d = _drop_batch(dets, 2).astype(np.float64)
    lab = _drop_batch(labels, 1).astype(np.int64).reshape(-1)
    if d.shape[-1] != 5 or len(lab) != len(d):
        raise ValueError(f"dets must be (N, 5) with N labels, got {d.shape} and {lab.shape}")
    if classes is not None:
        keep_class = np.isin(lab, classes)
        d, lab = d[keep_class], lab[keep_class]
    keep = nms(d[:, :4], d[:, 4], score_threshold, iou_threshold)
    return Detections(d[keep, :4], d[keep, 4], lab[keep])


def decode_box_heatmap(centre: np.ndarray, ltrb: np.ndarray, input_hw: tuple[int, int],
                       score_threshold: float = 0.3, iou_threshold: float = 0.45,
                       stride: float | None = None, centre_offset: float = 0.5,
                       ltrb_unit: str = "stride", activation: str = "sigmoid") -> Detections:
    """CenterNet-style detector: centre logits (1, 1, h, w) + distances (1, 4, h, w) l, t, r, b.

    A box is read at every 3×3 local maximum of the centre map whose score passes the
    threshold: centre pixel = (cell + centre_offset) · stride, sides = centre ∓ distances
    (distances in units of the stride, or in input pixels with `ltrb_unit="pixels"`).
    """
    c = _drop_batch(centre, 2).astype(np.float32)
    d = _drop_batch(ltrb, 3).astype(np.float32)
    h, w = c.shape
    if d.shape != (4, h, w):
        raise ValueError(f"box distances must be (4, {h}, {w}), got {d.shape}")
    score = sigmoid(c) if activation == "sigmoid" else c
    peaks = (score >= max_filter(score, 3)) & (score >= score_threshold)
    ys, xs = np.nonzero(peaks)
    sx = stride or input_hw[1] / w
    sy = stride or input_hw[0] / h
    cx, cy = (xs + centre_offset) * sx, (ys + centre_offset) * sy
    dist = d[:, ys, xs].T.astype(np.float64)
    if ltrb_unit == "stride":
        dist = dist * np.array([sx, sy, sx, sy])
    boxes = np.column_stack([cx - dist[:, 0], cy - dist[:, 1], cx + dist[:, 2], cy + dist[:, 3]])
    scores = score[ys, xs].astype(np.float64)
    keep = nms(boxes, scores, score_threshold, iou_threshold)
    return Detections(boxes[keep], scores[keep], np.zeros(len(keep), np.int64))


# --- masks -------------------------------------------------------------------------------

def decode_mask_logits(logits: np.ndarray, activation: str = "sigmoid") -> np.ndarray:
    """Mask output → (h, w) float32 foreground probability.

    (1, 1, h, w) or (h, w): sigmoid of logits (or as-is with activation "none");
    (1, 2, h, w): softmax over background/foreground, channel 1 is the figure.
    """
    a = _drop_batch(logits, 3).astype(np.float32)
    if a.ndim == 3 and a.shape[0] == 2:
        e = np.exp(a - a.max(axis=0, keepdims=True))
        return e[1] / e.sum(axis=0)
    if a.ndim == 3:
        a = a[0]
    return sigmoid(a) if activation == "sigmoid" else np.clip(a, 0.0, 1.0)
