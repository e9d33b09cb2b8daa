"""Four-legged clips we author: walk, trot, sit and jump (pure; written by `authoring.author_all`).

They use the library's own upright skeleton read the way a quadruped figure is rigged
(models/quadruped.py): the arms are the front legs, the legs the hind legs, and the spine's
lean from upright is the body's pitch (`body_mapping` lets a quadruped's trunk follow it).
So the joint names, the automatic mapping and the retarget stay the ones every clip uses.

Leg phases are the gaits' footfall patterns: a walk is four-beat (left hind, left fore,
right hind, right fore, a quarter cycle apart, three feet down most of the time); a trot
moves diagonal pairs together (left hind with right fore, half a cycle from the other pair).
"""

from __future__ import annotations

import numpy as np

from .authoring import keys, wave

WALK_PHASES = {"LeftUpLeg": 0.0, "LeftArm": 0.25, "RightUpLeg": 0.5, "RightArm": 0.75}
TROT_PHASES = {"LeftUpLeg": 0.0, "RightArm": 0.0, "RightUpLeg": 0.5, "LeftArm": 0.5}
_LOWER = {"LeftUpLeg": "LeftLeg", "RightUpLeg": "RightLeg", "LeftArm": "LeftForeArm", "RightArm": "RightForeArm"}


def _stepping(p, phases: dict[str, float], stride: float, bend: float, duty: float) -> dict:
    """Each leg planted for `duty` of its cycle, sweeping back from `stride` degrees forward to
    `stride` back, then lifted (its lower segment folding back by `bend`) and brought forward.
    x < 0 swings a hanging segment forward, x > 0 folds a lower one back (authoring.py)."""
    swing_mid = duty + (1.0 - duty) / 2.0
    pose = {}
    for upper, shift in phases.items():
        u = p - shift
        pose[upper] = (keys(u, [(0, -stride), (duty, stride), (swing_mid, 0.2 * stride)]), 0, 0)
        pose[_LOWER[upper]] = (keys(u, [(0, 4), (duty, 10), (swing_mid, bend), (swing_mid + 0.6 * (1 - swing_mid), 10)]),
                               0, 0)
    return pose


def walk(p):
    pose = _stepping(p, WALK_PHASES, stride=18, bend=45, duty=0.7)
    pose.update({"Spine": (wave(p * 2, 1.5), 0, 0), "Neck": (wave(p * 2, 4, shift=0.2), 0, 0)})
    return pose


def trot(p):
    pose = _stepping(p, TROT_PHASES, stride=26, bend=70, duty=0.5)
    pose.update({"Spine": (wave(p * 2, 2.0), 0, 0), "Neck": (wave(p * 2, 5, shift=0.15), 0, 0),
                 "lift": np.abs(wave(p * 2, 3.0))})
    return pose


def sit(p):
    """Stand, sit down on the haunches (hind legs folded, body tilted nose up, front legs kept
    upright under the chest), hold, stand up again."""
    s = keys(p, [(0, 0), (0.12, 0), (0.35, 1), (0.7, 1), (0.9, 0)])
    return {"Spine": (-35 * s, 0, 0), "Neck": (25 * s, 0, 0),
            "LeftArm": (30 * s, 0, 0), "RightArm": (30 * s, 0, 0),
            "LeftUpLeg": (-70 * s, 0, 0), "RightUpLeg": (-70 * s, 0, 0),
            "LeftLeg": (120 * s, 0, 0), "RightLeg": (120 * s, 0, 0),
            "LeftFoot": (-50 * s, 0, 0), "RightFoot": (-50 * s, 0, 0)}


def jump(p):
    """Crouch on all fours, spring up nose first with the front legs reaching forward and the
    hind legs kicked back, land front first and settle."""
    crouch = keys(p, [(0, 0), (0.15, 1), (0.3, 1), (0.38, 0), (0.62, 0.2), (0.7, 0.8), (0.85, 0.2)])
    reach = keys(p, [(0, 0), (0.3, 0), (0.4, 1), (0.55, 1), (0.65, 0), (0.9, 0)])
    pitch = keys(p, [(0, 0), (0.3, -3), (0.4, -15), (0.5, 0), (0.6, 12), (0.7, 0), (0.9, 0)])
    lift = keys(p, [(0, 0), (0.32, 0), (0.4, 30), (0.47, 60), (0.55, 26), (0.63, 0), (0.8, 0)])
    pose = {"Spine": (pitch, 0, 0), "Neck": (-0.5 * pitch, 0, 0), "lift": lift}
    for arm, fore in (("LeftArm", "LeftForeArm"), ("RightArm", "RightForeArm")):
        pose[arm] = (-10 * crouch - 45 * reach, 0, 0)
        pose[fore] = (60 * crouch + 20 * reach, 0, 0)
    for thigh, shin, foot in (("LeftUpLeg", "LeftLeg", "LeftFoot"), ("RightUpLeg", "RightLeg", "RightFoot")):
        pose[thigh] = (-45 * crouch + 40 * reach, 0, 0)
        pose[shin] = (90 * crouch + 15 * reach, 0, 0)
        pose[foot] = (-40 * crouch + 20 * reach, 0, 0)
    return pose


# id → (frames, cycles in the file, pose, travels), as authoring.RECIPES
RECIPES = {
    "quadruped_walk": (40, 1, walk, True),
    "quadruped_trot": (24, 1, trot, True),
    "quadruped_sit": (90, 1, sit, False),
    "quadruped_jump": (48, 1, jump, False),
}
