"""Author the shipped motion library: keyframed cycles on a simple biped, exported to BVH.

Run `python -m animate_drawing.motions.authoring` to regenerate `clips/*.bvh`; the output is
deterministic (no randomness), so the files only change when this script does.

The skeleton is Y-up and faces +Z (the actor's left is +X), arms hanging down at rest. Every
joint has channels "Zrotation Xrotation Yrotation", i.e. R = Rz · Rx · Ry, which reads as:
  x  bends about the actor's left–right axis: positive leans an upward segment forward and
     swings a downward one backward (so a forward arm swing or thigh lift is negative x),
  z  turns about the forward axis: positive moves a segment toward the actor's left,
  y  twists about the vertical.
Curves are periodic Catmull–Rom splines through keyframes, so every clip loops cleanly.
Root motion is derived, not keyed: the root is lowered or raised so the lowest foot touches
the floor (plus any keyed lift, e.g. a jump), and walking clips move forward exactly as fast
as the planted foot slides back, so feet do not skate.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import numpy as np

from .bvh import BvhClip, BvhJoint, write_bvh
from .library import CLIP_DIR, CLIPS

FPS = 30
CHANNELS = ["Zrotation", "Xrotation", "Yrotation"]
ROOT_CHANNELS = ["Xposition", "Yposition", "Zposition"] + CHANNELS
HIP_HEIGHT = 95.0

# name, parent, offset (cm), end-site offset — parents first, depth-first (BVH order).
_SKELETON = [
    ("Hips", None, (0, HIP_HEIGHT, 0), None),
    ("Spine", "Hips", (0, 10, 0), None),
    ("Chest", "Spine", (0, 15, 0), None),
    ("Neck", "Chest", (0, 17, 0), None),
    ("Head", "Neck", (0, 9, 0), (0, 20, 0)),
    ("LeftShoulder", "Chest", (4, 13, 0), None),
    ("LeftArm", "LeftShoulder", (13, 0, 0), None),
    ("LeftForeArm", "LeftArm", (0, -28, 0), None),
    ("LeftHand", "LeftForeArm", (0, -25, 0), (0, -16, 0)),
    ("RightShoulder", "Chest", (-4, 13, 0), None),
    ("RightArm", "RightShoulder", (-13, 0, 0), None),
    ("RightForeArm", "RightArm", (0, -28, 0), None),
    ("RightHand", "RightForeArm", (0, -25, 0), (0, -16, 0)),
    ("LeftUpLeg", "Hips", (9, -5, 0), None),
    ("LeftLeg", "LeftUpLeg", (0, -42, 0), None),
    ("LeftFoot", "LeftLeg", (0, -41, 0), None),
    ("LeftToe", "LeftFoot", (0, -6, 13), (0, 0, 6)),
    ("RightUpLeg", "Hips", (-9, -5, 0), None),
    ("RightLeg", "RightUpLeg", (0, -42, 0), None),
    ("RightFoot", "RightLeg", (0, -41, 0), None),
    ("RightToe", "RightFoot", (0, -6, 13), (0, 0, 6)),
]
_FEET = ("LeftFoot", "LeftToe", "RightFoot", "RightToe")


def skeleton() -> list[BvhJoint]:
    names = [s[0] for s in _SKELETON]
    return [BvhJoint(name, names.index(parent) if parent else -1, np.array(offset, float),
                     list(ROOT_CHANNELS if parent is None else CHANNELS),
                     None if end is None else np.array(end, float))
            for name, parent, offset, end in _SKELETON]


def keys(phase: np.ndarray, points: list[tuple[float, float]]) -> np.ndarray:
    """Periodic Catmull–Rom curve through (phase, value) keys, phase in [0, 1); evaluated at
    `phase` (any real numbers: the curve repeats every 1.0)."""
    at = np.array([p for p, _ in points], float)
    val = np.array([v for _, v in points], float)
    n = len(at)
    t = np.mod(phase, 1.0)
    i = (np.searchsorted(at, t, side="right") - 1) % n
    t0, t1 = at[i], np.where(i + 1 < n, at[(i + 1) % n], at[0] + 1.0)
    t = np.where(t < t0, t + 1.0, t)
    u = (t - t0) / (t1 - t0)
    p0, p1, p2, p3 = val[(i - 1) % n], val[i], val[(i + 1) % n], val[(i + 2) % n]
    return 0.5 * (2 * p1 + (p2 - p0) * u + (2 * p0 - 5 * p1 + 4 * p2 - p3) * u ** 2
                  + (3 * p1 - p0 - 3 * p2 + p3) * u ** 3)


def wave(phase: np.ndarray, amplitude: float, offset: float = 0.0, shift: float = 0.0) -> np.ndarray:
    return offset + amplitude * np.sin(2 * np.pi * (phase + shift))


Pose = dict[str, tuple]   # joint → (x, z, y) degree arrays or scalars; "lift"/"sway" for the root


def build_clip(name: str, frames: int, cycles: float, pose: Callable[[np.ndarray], Pose],
               travel: bool = False, fps: float = FPS) -> BvhClip:
    """Evaluate `pose(phase)` for every frame (phase runs 0 → cycles, excluding the end so the
    clip loops), then derive the root height (and, for `travel`, forward motion)."""
    joints = skeleton()
    names = [j.name for j in joints]
    phase = np.arange(frames) * cycles / frames
    spec = pose(phase)
    motion = np.zeros((frames, sum(len(j.channels) for j in joints)))
    column = 0
    for joint in joints:
        if joint.parent < 0:
            motion[:, 0:3] = joint.offset
            column = 3
        x, z, y = (np.broadcast_to(np.asarray(v, float), (frames,)) for v in spec.get(joint.name, (0, 0, 0)))
        motion[:, column:column + 3] = np.stack([z, x, y], axis=1)
        column += 3
    clip = BvhClip(f"{name}.bvh", joints, 1.0 / fps, motion)

    pos, rot = clip.world_transforms()
    tips = clip.end_site_positions(pos, rot)
    feet = [names.index(n) for n in _FEET]
    foot_points = np.concatenate([pos[:, feet]] + [tips[i][:, None] for i in feet if i in tips], axis=1)
    lowest = foot_points[:, :, 1].min(axis=1)
    # A keyed lift only raises (splines overshoot a little below their keys).
    motion[:, 1] += -lowest + np.maximum(np.broadcast_to(spec.get("lift", 0.0), (frames,)), 0.0)
    motion[:, 0] += np.broadcast_to(spec.get("sway", 0.0), (frames,))
    if travel:
        # The stance (lowest) foot point stays put: the body moves as fast as that point moves
        # relative to the hips, the other way. Sideways drift is spread evenly so loops close.
        stance = np.argmin(foot_points[:, :, 1], axis=1)[:-1]
        step = -(foot_points[1:] - foot_points[:-1])[np.arange(frames - 1), stance]
        sideways = np.cumsum(step[:, 0])
        motion[1:, 0] += sideways - sideways[-1] * np.arange(1, frames) / frames
        motion[1:, 2] += np.cumsum(step[:, 2])
    return clip


# ---------------------------------------------------------------- the clips
# Degrees. Arms: z > 0 raises the LEFT arm sideways, z < 0 the RIGHT one; x < 0 swings forward.

def idle(p):
    breath = wave(p, 1.0)
    return {"LeftArm": (wave(p, 4, shift=0.2), 8 + 3 * breath, 0), "RightArm": (wave(p, -4, shift=0.2), -8 - 3 * breath, 0),
            "Spine": (wave(p, 1.5, shift=0.1), wave(p, 2), 0), "Chest": (wave(p, -2.0), 0, 0),
            "Neck": (wave(p, 3.0, shift=0.3), wave(p, 6, shift=0.6), 0),
            "LeftForeArm": (-8, 0, 0), "RightForeArm": (-8, 0, 0), "lift": 0.3 * (1 + breath)}


def wave_hello(p):
    return {"LeftArm": (0, 8, 0), "LeftForeArm": (-10, 0, 0),
            "RightArm": (0, -125, 0), "RightForeArm": (0, wave(p, 28, -25), 0),
            "RightHand": (0, wave(p, 15, -5, shift=-0.1), 0),
            "Neck": (0, wave(p, 4, -3), 0), "Spine": (0, wave(p, 2), 0)}


def walk(p, stride: float = 28, knee: float = 55, arm: float = 26, lean: float = 3):
    """One cycle = two steps. Right leg forward at phase 0."""
    return {"RightUpLeg": (keys(p, [(0, -stride), (0.5, stride)]) , 0, 0),
            "LeftUpLeg": (keys(p + 0.5, [(0, -stride), (0.5, stride)]), 0, 0),
            "RightLeg": (keys(p, [(0, 5), (0.15, 15), (0.5, 5), (0.7, knee), (0.85, knee * 0.6)]), 0, 0),
            "LeftLeg": (keys(p + 0.5, [(0, 5), (0.15, 15), (0.5, 5), (0.7, knee), (0.85, knee * 0.6)]), 0, 0),
            "RightFoot": (keys(p, [(0, -10), (0.15, 0), (0.55, 15), (0.75, 0)]), 0, 0),
            "LeftFoot": (keys(p + 0.5, [(0, -10), (0.15, 0), (0.55, 15), (0.75, 0)]), 0, 0),
            "RightArm": (wave(p, arm, shift=0.25), -8, 0), "LeftArm": (wave(p, -arm, shift=0.25), 8, 0),
            "RightForeArm": (wave(p, 10, -20, shift=0.25), 0, 0), "LeftForeArm": (wave(p, -10, -20, shift=0.25), 0, 0),
            "Spine": (lean, 0, wave(p, 6)), "Chest": (0, 0, wave(p, -8)), "Hips": (0, wave(p, 3), wave(p, -5))}


def run(p):
    pose = walk(p, stride=45, knee=105, arm=45, lean=12)
    pose.update({"RightForeArm": (-90, 0, 0), "LeftForeArm": (-90, 0, 0),
                 "RightArm": (wave(p, 45, shift=0.25), -12, 0), "LeftArm": (wave(p, -45, shift=0.25), 12, 0),
                 "lift": np.abs(wave(p * 2, 5.0))})
    return pose


def jump(p):
    crouch = keys(p, [(0, 0), (0.15, 1), (0.3, 1), (0.4, -0.1), (0.55, 0.2), (0.7, 1), (0.85, 0.3)])
    arms_up = keys(p, [(0, 0.1), (0.15, -0.4), (0.3, -0.5), (0.4, 1), (0.55, 1), (0.7, 0.2), (0.85, 0)])
    lift = keys(p, [(0, 0), (0.3, 0), (0.4, 12), (0.47, 32), (0.55, 10), (0.62, 0), (0.8, 0)])
    return {"RightUpLeg": (-60 * crouch, -4, 0), "LeftUpLeg": (-60 * crouch, 4, 0),
            "RightLeg": (100 * crouch + 10, 0, 0), "LeftLeg": (100 * crouch + 10, 0, 0),
            "RightFoot": (-45 * crouch, 0, 0), "LeftFoot": (-45 * crouch, 0, 0),
            "Spine": (30 * crouch, 0, 0), "Chest": (10 * crouch, 0, 0), "Neck": (-25 * crouch, 0, 0),
            "RightArm": (np.minimum(0, -40 * arms_up), -10 - 150 * np.maximum(arms_up, 0), 0),
            "LeftArm": (np.minimum(0, -40 * arms_up), 10 + 150 * np.maximum(arms_up, 0), 0),
            "RightForeArm": (-15, 0, 0), "LeftForeArm": (-15, 0, 0), "lift": lift}


def jumping_jacks(p):
    open_ = keys(p, [(0, 0), (0.12, 0.15), (0.38, 1), (0.5, 1), (0.62, 0.85), (0.88, 0)])
    return {"RightArm": (0, -10 - 160 * open_, 0), "LeftArm": (0, 10 + 160 * open_, 0),
            "RightForeArm": (0, -20 * open_, 0), "LeftForeArm": (0, 20 * open_, 0),
            "RightUpLeg": (0, -3 - 16 * open_, 0), "LeftUpLeg": (0, 3 + 16 * open_, 0),
            "RightFoot": (0, 16 * open_, 0), "LeftFoot": (0, -16 * open_, 0),
            "RightLeg": (keys(p, [(0, 20), (0.25, 5), (0.5, 20), (0.75, 5)]), 0, 0),
            "LeftLeg": (keys(p, [(0, 20), (0.25, 5), (0.5, 20), (0.75, 5)]), 0, 0),
            "lift": keys(p, [(0, 0), (0.2, 9), (0.5, 0), (0.7, 9)])}


def dance(p):
    """Two-count groove: hips sway, arms alternate up, knees bounce, head bobs."""
    bounce = keys(p * 2, [(0, 1), (0.5, 0)])
    return {"sway": wave(p, 5), "Hips": (0, wave(p, 6), wave(p, 10)), "Spine": (0, wave(p, -10), 0),
            "Chest": (0, wave(p, -6), wave(p, -12)), "Neck": (wave(p * 2, 8), wave(p, 8), 0),
            "RightArm": (0, keys(p, [(0, -150), (0.25, -90), (0.5, -30), (0.75, -90)]), 0),
            "LeftArm": (0, keys(p, [(0, 30), (0.25, 90), (0.5, 150), (0.75, 90)]), 0),
            "RightForeArm": (0, keys(p, [(0, -20), (0.5, -90)]), 0),
            "LeftForeArm": (0, keys(p, [(0, 90), (0.5, 20)]), 0),
            "RightUpLeg": (-20 * bounce, -8, 0), "LeftUpLeg": (-20 * bounce, 8, 0),
            "RightLeg": (40 * bounce, 0, 0), "LeftLeg": (40 * bounce, 0, 0),
            "RightFoot": (-20 * bounce, 0, 0), "LeftFoot": (-20 * bounce, 0, 0)}


def dab(p):
    """Neutral → dab → neutral: the right arm points up to the actor's right, the left arm
    crosses in front of the face pointing the same way, the head ducks into the left elbow."""
    d = keys(p, [(0, 0), (0.1, 0), (0.3, 1), (0.65, 1), (0.85, 0)])
    return {"RightArm": (-10 * d, -10 - 130 * d, 0), "RightForeArm": (0, -5 * d, 0),
            "LeftArm": (-30 * d, 10 - 100 * d, 0), "LeftForeArm": (0, -55 * d, 0),
            "Neck": (30 * d, -15 * d, 0), "Head": (10 * d, -5 * d, 0), "Spine": (5 * d, -6 * d, 0),
            "RightUpLeg": (0, -5 - 8 * d, 0), "LeftUpLeg": (0, 5 + 8 * d, 0)}


def zombie_walk(p):
    pose = walk(p, stride=18, knee=35, arm=0, lean=10)
    pose.update({"RightArm": (-85 + wave(p, 6), -6, 0), "LeftArm": (-85 + wave(p, -6, shift=0.2), 6, 0),
                 "RightForeArm": (wave(p, 8, -10), 0, 0), "LeftForeArm": (wave(p, 8, -10, shift=0.3), 0, 0),
                 "RightHand": (20, 0, 0), "LeftHand": (20, 0, 0),
                 "Neck": (15, wave(p, 12) - 12, 0), "Head": (10, -8, 0),
                 "Chest": (0, wave(p, 6), wave(p, -12)), "Spine": (10, wave(p, 4), 0)})
    return pose


def cheer(p):
    pump = keys(p * 2, [(0, 0), (0.4, 1), (0.6, 1)])
    return {"RightArm": (0, -135 - 25 * pump, 0), "LeftArm": (0, 135 + 25 * pump, 0),
            "RightForeArm": (0, -60 * (1 - pump), 0), "LeftForeArm": (0, 60 * (1 - pump), 0),
            "Neck": (-15 * pump, 0, 0), "Spine": (-6 * pump, 0, 0),
            "RightUpLeg": (-15 * (1 - pump), -5, 0), "LeftUpLeg": (-15 * (1 - pump), 5, 0),
            "RightLeg": (30 * (1 - pump), 0, 0), "LeftLeg": (30 * (1 - pump), 0, 0),
            "lift": 6 * np.maximum(0, np.sin(2 * np.pi * (p * 2 - 0.15)))}


# id → (frames, cycles in the file, pose, travels)
RECIPES = {
    "idle": (90, 1, idle, False),
    "wave": (40, 2, wave_hello, False),
    "walk": (34, 1, walk, True),
    "run": (20, 1, run, True),
    "jump": (48, 1, jump, False),
    "jumping_jacks": (30, 1, jumping_jacks, False),
    "dance": (64, 2, dance, False),
    "dab": (60, 1, dab, False),
    "zombie_walk": (779, 16, zombie_walk, True),    # 779 frames: the render benchmark's length
    "cheer": (40, 2, cheer, False),
}


def author_all(out_dir: str | Path = CLIP_DIR) -> list[Path]:
    """Write every library clip to `out_dir`; returns the paths."""
    from .quadruped_clips import RECIPES as FOUR_LEGGED   # it builds on this module's curves

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    recipes = {**RECIPES, **FOUR_LEGGED}
    assert set(recipes) == set(CLIPS), "library.CLIPS and the recipes must list the same clips"
    paths = []
    for clip_id, (frames, cycles, pose, travels) in recipes.items():
        path = out_dir / f"{clip_id}.bvh"
        write_bvh(build_clip(clip_id, frames, cycles, pose, travels), path)
        paths.append(path)
    return paths


if __name__ == "__main__":
    for written in author_all():
        print(written)
