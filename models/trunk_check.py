"""Catching a pose-net skeleton whose trunk is upside down, and rebuilding it from the outline.

The pose net knows people; on a figure it misreads (professor_cat's big cat head) it can put the
hips at the face and a shoulder on the trousers. A rig built on that swings whole parts from the
wrong place: the cat's raised arm hung from its "shoulder" on the trousers and walked below the
body as a detached piece. Mid-hips above mid-shoulders is never a drawn standing figure, so then
the trunk and the limbs' middle joints come from the outline's guess (`pose.geometric_pose`), and
only the joints the net sees clearly at the ends of the body (head, hands, feet) are kept.
"""

from __future__ import annotations

import numpy as np

from .joints import COCO17, LOW_CONFIDENCE
from .pose import geometric_pose

_C = {name: i for i, name in enumerate(COCO17)}
_SHOULDERS = [_C["left_shoulder"], _C["right_shoulder"]]
_HIPS = [_C["left_hip"], _C["right_hip"]]
_HEAD = [_C[n] for n in ("nose", "left_eye", "right_eye", "left_ear", "right_ear")]
_WRISTS = [_C["left_wrist"], _C["right_wrist"]]
_ANKLES = [_C["left_ankle"], _C["right_ankle"]]
# (root, middle, end) of each limb: the middle joint is placed halfway along it, as the outline guess does.
_LIMBS = tuple((_C[f"{side}_{a}"], _C[f"{side}_{b}"], _C[f"{side}_{c}"])
               for side in ("left", "right")
               for a, b, c in (("shoulder", "elbow", "wrist"), ("hip", "knee", "ankle")))


def trunk_upside_down(xy: np.ndarray) -> bool:
    """True when the mid-hips are not below the mid-shoulders (image y grows downwards)."""
    return bool(xy[_HIPS, 1].mean() <= xy[_SHOULDERS, 1].mean())


def with_upright_trunk(xy: np.ndarray, conf: np.ndarray, mask: np.ndarray
                       ) -> tuple[np.ndarray, np.ndarray, bool]:
    """(17, 2) COCO keypoints and confidences with an upside-down trunk rebuilt from `mask`.

    Returns (xy, conf, rebuilt). Kept: head keypoints above the guessed shoulders, hands and
    feet the net is sure of (feet below the guessed hips); the rest is the outline's guess at its
    low confidence, so the review shows them as unsure.
    """
    xy = np.asarray(xy, np.float64)
    conf = np.asarray(conf, np.float64)
    if not trunk_upside_down(xy) or not mask.any():
        return xy, conf, False
    guess_xy, guess_conf = geometric_pose(mask)
    shoulder_y, hip_y = guess_xy[_SHOULDERS, 1].mean(), guess_xy[_HIPS, 1].mean()
    keep = np.zeros(len(COCO17), bool)
    keep[_HEAD] = xy[_HEAD, 1] < shoulder_y
    keep[_WRISTS] = conf[_WRISTS] >= LOW_CONFIDENCE
    keep[_ANKLES] = (conf[_ANKLES] >= LOW_CONFIDENCE) & (xy[_ANKLES, 1] > hip_y)
    out_xy = np.where(keep[:, None], xy, guess_xy)
    if keep[_C["nose"]]:
        # The outline's fixed shoulder height falls inside a big drawn head; halfway from the
        # seen face down to the hips puts them under it.
        out_xy[_SHOULDERS, 1] = max(shoulder_y, (xy[_C["nose"], 1] + hip_y) / 2.0)
    out_conf = np.where(keep, conf, guess_conf)
    for root, middle, end in _LIMBS:
        out_xy[middle] = (out_xy[root] + out_xy[end]) / 2.0
    return out_xy, out_conf, True
