"""A tail's follow-through: it lags the body's turns, swings with its moves and settles (pure).

A tail pinned at the hips is a damped pendulum on a moving pivot. Its spring holds it in its
drawn pose relative to the hips; when the hips turn, it keeps pointing where it pointed for a
moment and is then pulled round; when the body speeds up, bobs or stops, the pivot's
acceleration swings it back or on (the pull on its middle, across its length); with the body
still, the swing dies away. Integrated frame by frame from the pivot's path in the picture
(angle and position, `retarget.pose_2d`), so a walk's bob, a jump's landing and a dance's
turns each give their own swing, baked into the tail's rotations like any clip's.
"""

from __future__ import annotations

import numpy as np

FREQUENCY_HZ = 1.5          # the tail's own swing rate
DAMPING = 0.4               # damping ratio: a swing dies to 5% of itself in about 0.8 s
MAX_SWAY = np.radians(50)   # the tail turns at most this far from its drawn pose on the hips
SUBSTEPS = 4                # integration steps per frame
WARM_LOOPS = 2              # a looping clip is run this many times first, so its last frame leads into its first


def follow_through(pivot_angle: np.ndarray, pivot: np.ndarray, length: float, fps: float,
                   cyclic: bool = False, cycle_offset: np.ndarray | None = None) -> np.ndarray:
    """(T,) the tail's turn relative to the bone it hangs from, radians.

    pivot_angle: (T,) the tail's world angle were it rigid on its parent (its drawn direction
    turned with the hips); pivot: (T, 2) world (x, z) of its root joint; length: the tail's
    length (world units). A looping clip (`cyclic`, the pivot moving `cycle_offset` per loop)
    gives a looping swing; a one-shot clip starts with the tail at rest."""
    frames = len(pivot_angle)
    if frames < 3 or length <= 0:
        return np.zeros(frames)
    angle = np.unwrap(np.asarray(pivot_angle, float))
    spin = _second_difference(angle, cyclic, 0.0) * fps ** 2                       # (T,) rad/s²
    push = _second_difference(np.asarray(pivot, float), cyclic,
                              np.zeros(2) if cycle_offset is None else np.asarray(cycle_offset, float)) * fps ** 2
    omega = 2 * np.pi * FREQUENCY_HZ
    arm = 2.0 * length / 3.0      # a uniform rod about its end: the pivot's pull acts at 2/3 of its length
    step = 1.0 / (fps * SUBSTEPS)
    sway, speed = 0.0, 0.0
    out = np.zeros(frames)
    for loop in range(WARM_LOOPS + 1 if cyclic else 1):
        for t in range(frames):
            for _ in range(SUBSTEPS):
                heading = angle[t] + sway
                pull = (np.cos(heading) * push[t, 1] - np.sin(heading) * push[t, 0]) / arm
                speed += step * (-omega ** 2 * sway - 2 * DAMPING * omega * speed - spin[t] - pull)
                sway += step * speed
                if abs(sway) > MAX_SWAY:               # held at the stop: it does not keep pushing outward
                    sway = float(np.clip(sway, -MAX_SWAY, MAX_SWAY))
                    speed = 0.0 if speed * sway > 0 else speed
            out[t] = sway
    return out


def _second_difference(values: np.ndarray, cyclic: bool, offset) -> np.ndarray:
    """Per frame x[t+1] − 2 x[t] + x[t−1]: across the loop's end for a looping clip (shifted by
    the loop's `offset`), held still before the first frame and after the last otherwise."""
    if cyclic:
        padded = np.concatenate([values[-1:] - offset, values, values[:1] + offset])
    else:
        padded = np.concatenate([values[:1], values, values[-1:]])
    return padded[2:] - 2 * padded[1:-1] + padded[:-2]
