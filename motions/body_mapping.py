"""Which joints of a drawn body follow a (two-legged) clip, by body kind (pure).

A biped follows every mapped joint (`auto_map`). A quadruped's 16 joints carry the usual
names (models/quadruped.py) but its trunk lies along the ground: driven by a standing actor's
spine it would be stood upright, so only its four legs follow the clip (front legs the
arms, back legs the legs) and its body keeps its drawn pose, carried by the root. The
library's four-legged clips (motions/quadruped_clips.py) drive every joint: their spine's lean
from upright is the body's pitch (`RetargetOptions.trunk_follows_lean`).
"""

from __future__ import annotations

import dataclasses

from .bvh import BvhClip
from .library import is_four_legged_clip
from .mapping import auto_map
from .retarget import RetargetOptions

TRUNK = ("hip", "torso", "neck")


def body_mapping(clip: BvhClip, body: str) -> dict[str, str] | None:
    """The mapping for `retarget` (None: the automatic one, every joint)."""
    if body != "quadruped" or pitches_body(clip, body):
        return None
    return {ours: theirs for ours, theirs in auto_map(clip).items() if ours not in TRUNK}


def options_for_body(clip: BvhClip, body: str, options: RetargetOptions) -> RetargetOptions:
    """`options` as this body plays `clip`: a quadruped's trunk pitches with a four-legged
    clip's lean, and its hind legs keep the side view (stepping outward is for two legs seen
    from the front; it broke the trot's diagonal pairs)."""
    if body != "quadruped":
        return options
    return dataclasses.replace(options, trunk_follows_lean=pitches_body(clip, body), legs_step_outward=False)


def pitches_body(clip: BvhClip, body: str) -> bool:
    """Whether the clip's spine lean pitches this body (a quadruped playing a four-legged clip)."""
    return body == "quadruped" and is_four_legged_clip(clip.path)
