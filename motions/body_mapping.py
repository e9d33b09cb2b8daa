"""Which joints of a drawn body follow a (two-legged) clip, by body kind (pure).

A biped follows every mapped joint (`auto_map`). A quadruped's 16 joints carry the usual
names (models/quadruped.py) but its trunk lies along the ground: driven by a standing actor's
spine it would be stood upright, so only its four legs follow the clip (front legs the
arms, back legs the legs) and its body keeps its drawn pose, carried by the root.
"""

from __future__ import annotations

from .bvh import BvhClip
from .mapping import auto_map

TRUNK = ("hip", "torso", "neck")


def body_mapping(clip: BvhClip, body: str) -> dict[str, str] | None:
    """The mapping for `retarget` (None: the automatic one, every joint)."""
    if body != "quadruped":
        return None
    return {ours: theirs for ours, theirs in auto_map(clip).items() if ours not in TRUNK}
