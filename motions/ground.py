"""Nothing sinks below the ground line: lift the root where the posed drawing would.

Retargeting grounds the drawn skeleton's joints, but the drawing reaches below them (shoes
drawn under the ankle joint, a foot turned on its toes): measured on the skinned mesh, figures
sank up to 30% of their height in a crouch. Here the root rises by what the lowest vertex lies
below z = 0, eased in and out over `EASE_SECONDS` so a planted foot is lifted gently instead
of hopping from one frame to the next.
"""

from __future__ import annotations

import numpy as np

from .quality import posed_vertices

EASE_SECONDS = 0.25


def keep_above_ground(plan, result) -> np.ndarray:
    """Raise `result.root_location` (in place) so no vertex of `plan` goes below z = 0;
    returns the lift per frame (world units)."""
    lowest = posed_vertices(plan, result.rotation, result.root_location)[..., 1].min(axis=1)
    lift = np.maximum(0.0, -lowest)
    half = int(round(EASE_SECONDS * result.fps / 2))
    if half and lift.any():
        # A moving average of the moving maximum (both 2·half + 1 wide) is smooth and never
        # below the lift any frame needs.
        mode = "wrap" if result.cyclic else "edge"
        window = 2 * half + 1
        peaks = np.lib.stride_tricks.sliding_window_view(np.pad(lift, 2 * half, mode=mode), window).max(axis=1)
        lift = np.convolve(peaks, np.ones(window) / window, mode="valid")
    result.root_location[:, 1] += lift
    return lift
