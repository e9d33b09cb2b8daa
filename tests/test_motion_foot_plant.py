"""Planted feet stay put: contacts from the clip, 2D IK on the legs (motions/foot_plant.py).

Real clips (the library, the shared FAIR and CMU captures) on real annotated drawings; the
bones come from the drawings' own char_cfg (no mesh needed: the feet are the skeleton's)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from animate_drawing.motions.bvh import load_bvh
from animate_drawing.motions.foot_plant import _two_bone
from animate_drawing.motions.library import list_clips
from animate_drawing.motions.retarget import CONTACT_MIN_SECONDS, RetargetOptions, pose_2d, retarget
from animate_drawing.rig.character import load_character_dir
from animate_drawing.rig.skeleton import plan_bones

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
needs_shared = pytest.mark.skipif(not (SHARED / "bvh").is_dir(), reason="../shared/data is not beside the repository")
LIBRARY = {clip_id: path for clip_id, _, path in list_clips()}
HEIGHT = 2.0                                   # world units: every character's height
DRAWINGS = ("xkromkad_AnimatedDrawings-1__postava_out", "limefresh5455_animation_drawing__boyHERE",
            "AnimatedDrawings_Server-Backend__example1")
CLIPS = [(LIBRARY[c], True) for c in ("walk", "zombie_walk", "jump", "cheer")] + \
        [(SHARED / "bvh" / p, False) for p in ("fair1/jumping.bvh", "fair1/dab.bvh", "cmu1/jumping_jacks.bvh")]


def drawing(name):
    _, mask, config = load_character_dir(SHARED / "drawings" / "annotated" / name)
    rows = np.flatnonzero(mask.any(axis=1))
    return plan_bones(config), HEIGHT / (rows[-1] - rows[0] + 1)


def planted_steps(bones, result, scale):
    """Per planted frame pair: the ankle's (dx, dz) / height, all feet together."""
    heads, _ = pose_2d(bones, result.rotation, result.root_location, scale)
    names = [b.name for b in bones]
    steps = [np.diff(heads[:, names.index(foot)], axis=0)[planted[1:] & planted[:-1]]
             for foot, planted in result.contacts.items()]
    return np.concatenate(steps) / HEIGHT


@needs_shared
@pytest.mark.parametrize("name", DRAWINGS, ids=lambda n: n.split("__")[-1])
@pytest.mark.parametrize("path, cyclic", CLIPS, ids=lambda p: Path(str(p)).stem)
def test_planted_feet_do_not_slide(name, path, cyclic):
    bones, scale = drawing(name)
    clip = load_bvh(path)
    pinned = retarget(clip, bones, options=RetargetOptions(fps=30, cyclic=cyclic), scale=scale)
    steps = planted_steps(bones, pinned, scale)
    assert len(steps) > 10
    # Along the ground not at all (the target is 0.5% of the height per frame) …
    assert np.abs(steps[:, 0]).max() < 0.0005
    # … and on average little up or down (a heel lifts where the drawn leg is too short: jumps).
    assert np.linalg.norm(steps, axis=1).mean() < 0.01
    # Nothing of the skeleton goes below the floor it stands on.
    heads, tails = pose_2d(bones, pinned.rotation, pinned.root_location, scale)
    rest = min(min(-b.head_uv[1], -b.tail_uv[1]) for b in bones) * scale
    assert np.minimum(heads[..., 1], tails[..., 1]).min() >= rest - 1e-9


@needs_shared
def test_without_pinning_the_feet_slide_where_the_legs_differ_from_the_actors():
    # The measure above sees sliding when there is some: the same clip unpinned slides.
    bones, scale = drawing(DRAWINGS[0])
    clip = load_bvh(SHARED / "bvh" / "fair1/jumping.bvh")
    free = retarget(clip, bones, options=RetargetOptions(fps=30, pin_feet=False), scale=scale)
    pinned = retarget(clip, bones, options=RetargetOptions(fps=30), scale=scale)
    moved = [np.abs(planted_steps(bones, r, scale)[:, 0]).max() for r in (free, pinned)]
    assert moved[0] > 0.002 and moved[1] < 0.0005


def test_legs_keep_their_lengths_and_bend_the_clips_way():
    bones, scale = drawing(DRAWINGS[0]) if (SHARED / "bvh").is_dir() else (None, None)
    if bones is None:
        pytest.skip("../shared/data is not beside the repository")
    clip = load_bvh(LIBRARY["walk"])
    free = retarget(clip, bones, options=RetargetOptions(fps=30, cyclic=True, pin_feet=False), scale=scale)
    pinned = retarget(clip, bones, options=RetargetOptions(fps=30, cyclic=True), scale=scale)
    names = [b.name for b in bones]
    for side in ("left", "right"):
        chain = [names.index(f"{side}_{j}") for j in ("hip", "knee", "foot")]
        bends = []
        for result in (free, pinned):
            heads, _ = pose_2d(bones, result.rotation, result.root_location, scale)
            hip, knee, ankle = (heads[:, j] for j in chain)
            for a, b in ((hip, knee), (knee, ankle)):
                length = np.linalg.norm(b - a, axis=1)
                assert np.ptp(length) < 1e-9
            thigh, shin = knee - hip, ankle - knee
            bends.append(np.sign(thigh[:, 0] * shin[:, 1] - thigh[:, 1] * shin[:, 0]))
        bent = np.abs(bends[0]) > 0
        assert np.mean(bends[0][bent] == bends[1][bent]) > 0.95, side


def test_two_bone_ik_reaches_or_keeps_the_foot_over_its_place():
    hip = np.zeros((3, 2))
    target = np.array([[0.3, -0.8], [0.5, -1.5], [0.2, -3.0]])    # reachable, out of reach, far below
    angles = _two_bone(hip, target, (0.5, 0.5), np.ones(3))
    knee = hip + 0.5 * np.stack([np.cos(angles[:, 0]), np.sin(angles[:, 0])], axis=1)
    ankle = knee + 0.5 * np.stack([np.cos(angles[:, 1]), np.sin(angles[:, 1])], axis=1)
    assert np.allclose(ankle[0], target[0])
    assert ankle[1, 0] == pytest.approx(0.5) and ankle[1, 1] > target[1, 1]    # the heel lifts, no slide
    assert ankle[2, 0] == pytest.approx(0.2)
    cross = (knee[0, 0] * (ankle[0, 1] - knee[0, 1]) - knee[0, 1] * (ankle[0, 0] - knee[0, 0]))
    assert cross > 0                                                            # bends the asked way


@needs_shared
def test_contacts_do_not_flicker():
    clip = load_bvh(SHARED / "bvh" / "fair1/dab.bvh")
    bones, scale = drawing(DRAWINGS[0])
    result = retarget(clip, bones, options=RetargetOptions(fps=clip.fps), scale=scale)
    shortest = round(CONTACT_MIN_SECONDS * clip.fps) - 1     # resampling may take a frame off a run
    for planted in result.contacts.values():
        edges = np.flatnonzero(np.diff(planted.astype(int))) + 1
        runs = np.diff(edges)                       # plants and lifts inside the clip
        assert len(runs) == 0 or runs.min() >= shortest
