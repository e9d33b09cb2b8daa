"""Joints for a four-legged figure drawn from the side (pure numpy).

The pose net knows only people, so on a dog or a pig its joints are guesses. A quadruped's
joints are read from its outline instead, under the 16 usual names so the rest of the rig
(bones, weights, retargeting) is unchanged: the front legs take the arm chains (shoulder at
the leg's top, elbow half way, hand at the hoof), the back legs the leg chains, `root`/`hip`
the middle of the body, `torso` the withers and `neck` the head. Walking clips then swing the
front legs like arms and the back legs like legs: in a biped walk arms and legs swing in
opposite phase, which on four legs is a quadruped's diagonal walk.
"""

from __future__ import annotations

import numpy as np

FEET_ROW = 0.9          # fraction of the height where the legs are found


def quadruped_joints(mask: np.ndarray) -> dict[str, tuple[float, float]]:
    """{joint name: (u, v) pixel} on `mask` (bool, H x W), or {} when fewer than two legs show."""
    ys, xs = np.nonzero(mask)
    y0, y1, x0, x1 = int(ys.min()), int(ys.max()) + 1, int(xs.min()), int(xs.max()) + 1
    height = y1 - y0
    legs = _runs(mask[y0 + int(FEET_ROW * height)])
    if len(legs) < 2:
        return {}
    if not _head_on_right(mask[y0:y1, x0:x1]):        # worked out facing right, then mirrored back
        width = mask.shape[1]
        return {name: (width - 1 - u, v) for name, (u, v) in quadruped_joints(mask[:, ::-1]).items()}
    back, front = (legs[:2], legs[-2:]) if len(legs) >= 4 else ([legs[0]] * 2, [legs[-1]] * 2)
    inner_back, inner_front = int(centre(back[-1])), int(centre(front[0]))
    belly = _belly_row(mask, inner_back, inner_front, y0 + int(FEET_ROW * height))
    mid = (inner_back + inner_front) // 2
    top = int(np.flatnonzero(mask[:, mid])[0])
    spine = (top + belly) / 2.0
    head_v, head_u = _middle(mask[:int(belly), int(centre(front[-1])):])
    head_u += int(centre(front[-1]))

    def leg(run):
        u = centre(run)
        foot = float(np.flatnonzero(mask[:, int(u)])[-1])
        return (u, belly - 0.15 * (belly - spine)), (u, (belly + foot) / 2.0), (u, foot)

    joints = {"root": (float(mid), spine), "hip": (float(mid), spine),
              "torso": (centre(front[0]), spine), "neck": (head_u, head_v)}
    for side, run in (("right", front[-1]), ("left", front[0])):
        joints.update(zip((f"{side}_shoulder", f"{side}_elbow", f"{side}_hand"), leg(run)))
    for side, run in (("right", back[0]), ("left", back[-1])):
        joints.update(zip((f"{side}_hip", f"{side}_knee", f"{side}_foot"), leg(run)))
    return joints


def centre(run: tuple[int, int]) -> float:
    return (run[0] + run[1]) / 2.0


def _runs(row: np.ndarray) -> list[tuple[int, int]]:
    """(first, last) column of each stretch of mask along a row, left to right."""
    padded = np.concatenate([[0], row.astype(np.int8), [0]])
    edges = np.flatnonzero(np.diff(padded))
    return [(int(a), int(b) - 1) for a, b in zip(edges[::2], edges[1::2])]


def _head_on_right(box: np.ndarray) -> bool:
    """The head is the end with more of the figure in its upper half (a tail is thin)."""
    height, width = box.shape
    upper = box[: height // 2]
    quarter = max(width // 4, 1)
    return upper[:, -quarter:].sum() >= upper[:, :quarter].sum()


def _middle(region: np.ndarray) -> tuple[float, float]:
    """(row, column) centre of the mask pixels in a region (its top-left at 0, 0)."""
    rows, cols = np.nonzero(region)
    return float(rows.mean()), float(cols.mean())


def _belly_row(mask: np.ndarray, left: int, right: int, feet_row: int) -> float:
    """The lowest row above the feet where the body spans unbroken between the inner legs."""
    for row in range(feet_row, -1, -1):
        if mask[row, left:right + 1].all():
            return float(row)
    return float(feet_row)
