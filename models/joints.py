"""COCO-17 keypoints → the 16-joint AnimatedDrawings skeleton, and keeping joints on the figure."""

from __future__ import annotations

import numpy as np

from ..imaging.contours import trace_outlines

COCO17 = ("nose", "left_eye", "right_eye", "left_ear", "right_ear", "left_shoulder",
          "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist",
          "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle")
# Index of each keypoint's mirror image (left <-> right) for flip testing.
COCO17_FLIP = tuple(COCO17.index(n.replace("left", "@").replace("right", "left").replace("@", "right"))
                    for n in COCO17)

# (name, parent) in AnimatedDrawings order; "right" is the figure's own right.
AD_SKELETON = (
    ("root", None), ("hip", "root"), ("torso", "hip"), ("neck", "torso"),
    ("right_shoulder", "torso"), ("right_elbow", "right_shoulder"), ("right_hand", "right_elbow"),
    ("left_shoulder", "torso"), ("left_elbow", "left_shoulder"), ("left_hand", "left_elbow"),
    ("right_hip", "root"), ("right_knee", "right_hip"), ("right_foot", "right_knee"),
    ("left_hip", "root"), ("left_knee", "left_hip"), ("left_foot", "left_knee"),
)
AD_NAMES = tuple(name for name, _ in AD_SKELETON)
AD_PARENT_INDEX = tuple(-1 if p is None else AD_NAMES.index(p) for _, p in AD_SKELETON)

# Each AD joint is the mean of these COCO keypoints (root = hip = mid-hips,
# torso = mid-shoulders, neck = nose: the head, as AnimatedDrawings places it).
_C = {name: i for i, name in enumerate(COCO17)}
_AD_FROM_COCO = (
    (_C["left_hip"], _C["right_hip"]), (_C["left_hip"], _C["right_hip"]),
    (_C["left_shoulder"], _C["right_shoulder"]), (_C["nose"],),
    (_C["right_shoulder"],), (_C["right_elbow"],), (_C["right_wrist"],),
    (_C["left_shoulder"],), (_C["left_elbow"],), (_C["left_wrist"],),
    (_C["right_hip"],), (_C["right_knee"],), (_C["right_ankle"],),
    (_C["left_hip"],), (_C["left_knee"],), (_C["left_ankle"],),
)
# Averaging matrix (16, 17) so the mapping is one matrix product.
_MAP = np.zeros((16, 17))
for _row, _cols in enumerate(_AD_FROM_COCO):
    _MAP[_row, list(_cols)] = 1.0 / len(_cols)

LOW_CONFIDENCE = 0.3
SNAP_FLAG_FRACTION = 0.03   # a snap farther than this × crop diagonal marks the joint unsure


def coco17_to_ad16(xy: np.ndarray, conf: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(17, 2) + (17,) COCO keypoints → (16, 2) + (16,) AnimatedDrawings joints.

    A joint averaged from two keypoints is only as confident as the weaker one.
    """
    xy = np.asarray(xy, np.float64).reshape(17, 2)
    conf = np.asarray(conf, np.float64).reshape(17)
    joints = _MAP @ xy
    joint_conf = np.array([conf[list(cols)].min() for cols in _AD_FROM_COCO])
    return joints, joint_conf


def snap_into_mask(joints: np.ndarray, conf: np.ndarray, mask: np.ndarray,
                   flag_distance: float | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Move every joint whose pixel is outside `mask` to the nearest mask pixel.

    Returns (joints, conf, snapped) where `snapped` marks moved joints; a joint moved
    farther than `flag_distance` px (default 3 % of the mask's box diagonal) gets its
    confidence capped at LOW_CONFIDENCE so a reviewer looks at it. Afterwards
    `mask[round(v), round(u)]` holds for every joint (the mesh needs joints on the figure).
    """
    joints = np.asarray(joints, np.float64).copy()
    conf = np.asarray(conf, np.float64).copy()
    h, w = mask.shape
    cols = np.clip(np.rint(joints[:, 0]).astype(int), 0, w - 1)
    rows = np.clip(np.rint(joints[:, 1]).astype(int), 0, h - 1)
    inside = mask[rows, cols] & (np.rint(joints[:, 0]) == cols) & (np.rint(joints[:, 1]) == rows)
    snapped = ~inside
    if not snapped.any() or not mask.any():
        return joints, conf, snapped & mask.any()
    # The nearest mask pixel to an outside point lies on the mask boundary (holes included).
    boundary = np.concatenate([o.points for o in trace_outlines(mask)]).astype(np.float64)
    out = joints[snapped]
    d2 = ((out[:, None, :] - boundary[None, :, :]) ** 2).sum(axis=2)
    nearest = d2.argmin(axis=1)
    distance = np.sqrt(d2[np.arange(len(out)), nearest])
    joints[snapped] = boundary[nearest]
    if flag_distance is None:
        ys, xs = np.nonzero(mask)
        flag_distance = SNAP_FLAG_FRACTION * float(np.hypot(np.ptp(xs) + 1, np.ptp(ys) + 1))
    far = np.zeros(len(conf), bool)
    far[snapped] = distance > flag_distance
    conf[far] = np.minimum(conf[far], LOW_CONFIDENCE)
    return joints, conf, snapped
