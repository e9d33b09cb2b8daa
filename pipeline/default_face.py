"""Where a face goes on a figure that has none found: two eyes and a mouth at the usual places
on its head, for the artist to drag onto the drawn ones in the review ("Add Face").

The face is centred on the `neck` joint's column (AnimatedDrawings puts the joint on the head,
the pose net on the nose). The head is measured on the figure's mask from that joint: up the
column of mask pixels through it to the head's top (following the middle of each row, so a joint
near the head's side still finds its crown), as far below the joint as the top is above it (never
below the shoulders, `torso`), and as wide as the mask's row through the eyes. Without a mask, or
with the joint off it, the head is a square around the joint sized from the neck-to-shoulders
distance. The shares of the head below are the hand-labelled drawings' medians
(vision_dev/training/face_labels.json, measured with their own joints and masks).
"""

from __future__ import annotations

import numpy as np

from ..models.face import Eye, Face, Mouth
from ..models.joints import AD_NAMES

NECK, TORSO = AD_NAMES.index("neck"), AD_NAMES.index("torso")
EYE_ROW, MOUTH_ROW = 0.45, 0.8   # how far down the head (top 0, chin 1) the eyes and the mouth lie
EYE_SPACING = 0.3                # eye centres apart, × the head's width
EYE_RADIUS = 0.055               # × the head's height
MOUTH_WIDTH = 0.3                # corner to corner, × the head's width
MIN_RADIUS = 1.5                 # pixels: an eye small enough to miss still gets lids to close
HEAD_REACH = 2.5                 # the head's top lies at most this × the neck-shoulders distance above the neck
HEAD_SIZE = 1.6                  # a head with no mask to measure: this × the neck-shoulders distance across
WIDEST_HEAD = 1.3                # a head is at most this × its height wide (a row running on into raised arms)


def default_face(joints, mask: np.ndarray | None = None) -> Face:
    """A face for the head of a figure with AnimatedDrawings `joints` (16, 2) and its `mask` (H, W)
    bool in the same pixels (None: from the joints alone): eyes listed left to right as seen."""
    centre_x, top, width, height = head_box(joints, mask)
    eye_y, mouth_y = top + EYE_ROW * height, top + MOUTH_ROW * height
    radius = max(MIN_RADIUS, EYE_RADIUS * height)
    eyes = tuple(Eye((centre_x + side * EYE_SPACING * width / 2, eye_y), radius, None) for side in (-1, 1))
    corners = tuple((centre_x + side * MOUTH_WIDTH * width / 2, mouth_y) for side in (-1, 1))
    return Face(eyes, Mouth((centre_x, mouth_y), corners))


def head_box(joints, mask: np.ndarray | None = None) -> tuple[float, float, float, float]:
    """(centre x, top y, width, height) of the head, pixels (see the module's docstring)."""
    joints = np.asarray(joints, dtype=np.float64).reshape(-1, 2)
    neck, torso = joints[NECK], joints[TORSO]
    reach = max(float(np.hypot(*(neck - torso))), 2.0)
    measured = _measured_head(mask, neck, torso[1], reach) if mask is not None else None
    size = HEAD_SIZE * reach
    top, width, height = measured if measured is not None else (neck[1] - size / 2, size, size)
    return float(neck[0]), float(top), float(width), float(height)


def _measured_head(mask: np.ndarray, neck: np.ndarray, shoulders_y: float, reach: float):
    """(top y, width, height) of the head on `mask`, or None when the neck joint is off it."""
    height_px = mask.shape[0]
    row = int(round(neck[1]))
    if not 0 <= row < height_px:
        return None
    run = _run_near(mask[row], neck[0], reach / 2)
    if run is None:
        return None
    middle, top = (run[0] + run[1]) / 2, row
    highest = max(0, int(np.floor(neck[1] - HEAD_REACH * reach)))
    while top > highest:   # up the head, each row's run found under the middle of the one below
        above = _run_near(mask[top - 1], middle, 0.0)
        if above is None:
            break
        top -= 1
        middle = (above[0] + above[1]) / 2
    chin = neck[1] + (neck[1] - top)
    if shoulders_y > neck[1]:
        chin = min(chin, shoulders_y)
    height = max(chin - top, 2.0)
    eye_row = min(height_px - 1, int(round(top + EYE_ROW * height)))
    run = _run_near(mask[eye_row], middle, reach / 2)
    width = run[1] - run[0] + 1 if run is not None else height
    return top, (width if width <= WIDEST_HEAD * height else height), height


def _run_near(row: np.ndarray, x: float, reach: float) -> tuple[int, int] | None:
    """(first, last) column of the run of True in `row` nearest column `x`, if within `reach`."""
    columns = np.flatnonzero(row)
    if len(columns) == 0:
        return None
    breaks = np.flatnonzero(np.diff(columns) > 1)
    firsts, lasts = columns[np.r_[0, breaks + 1]], columns[np.r_[breaks, len(columns) - 1]]
    distance = np.maximum(0.0, np.maximum(firsts - x, x - lasts))
    k = int(np.argmin(distance))
    return (int(firsts[k]), int(lasts[k])) if distance[k] <= reach else None
