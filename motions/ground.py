"""Nothing sinks below the ground line: lift the root where the posed drawing would.

Retargeting grounds the drawn skeleton's joints, but the drawing reaches below them (shoes
drawn under the ankle joint, a foot turned on its toes): measured on the skinned mesh, figures
sank up to 30% of their height in a crouch. Here the root rises by what the lowest vertex lies
below z = 0, eased in and out over `EASE_SECONDS` so a planted foot is lifted gently instead
of hopping from one frame to the next.
"""

from __future__ import annotations

import numpy as np

from .foot_plant import eased_envelope
from .quality import posed_vertices

EASE_SECONDS = 0.25


def keep_above_ground(plan, result) -> np.ndarray:
    """Raise `result.root_location` (in place) so no vertex of `plan` goes below z = 0;
    returns the lift per frame (world units)."""
    lowest = posed_vertices(plan, result.rotation, result.root_location)[..., 1].min(axis=1)
    lift = eased_envelope(np.maximum(0.0, -lowest), int(round(EASE_SECONDS * result.fps / 2)), result.cyclic)
    result.root_location[:, 1] += lift
    return lift
