"""A hop for a figure without limbs: squash, leap, stretch in the air, land, squash (pure).

Volume (area, for a flat drawing) is kept: the width scales by 1 / the height's scale, so a
squashed figure bulges and a stretched one thins, the classic cartoon rule. One hop lasts
`HOP_SECONDS`; the curves loop (the last frame leads back into the first).
"""

from __future__ import annotations

import numpy as np

HOP_SECONDS = 1.0
HOP_HEIGHT = 0.35      # × the figure's height at the top of the leap
SQUASH = 0.78          # height scale at the deepest squash (before take-off and after landing)
STRETCH = 1.15         # height scale at take-off and landing speed


def hop_curves(fps: float) -> dict[str, np.ndarray]:
    """One hop at `fps`: {"lift": height above the ground (× figure height), "scale_z", "scale_x"}
    per frame, frame 0 at rest."""
    count = max(4, round(HOP_SECONDS * fps))
    t = np.arange(count) / count                                  # 0..1, one cycle
    air = (t >= 0.3) & (t < 0.8)                                  # in the air between 0.3 and 0.8
    phase = np.clip((t - 0.3) / 0.5, 0.0, 1.0)
    lift = np.where(air, HOP_HEIGHT * 4.0 * phase * (1.0 - phase), 0.0)
    # Squash before take-off (around t = 0.2) and after landing (t = 0.9); stretch at both ends of the flight.
    squash = (1.0 - SQUASH) * (np.exp(-((t - 0.2) / 0.07) ** 2) + np.exp(-((t - 0.9) / 0.06) ** 2))
    stretch = (STRETCH - 1.0) * np.where(air, np.abs(1.0 - 2.0 * phase) ** 2, 0.0)
    scale_z = 1.0 - squash + stretch
    return {"lift": lift, "scale_z": scale_z, "scale_x": 1.0 / scale_z}
