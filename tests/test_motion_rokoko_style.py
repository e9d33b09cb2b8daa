"""A Rokoko-style clip (Y up, centimetres, 100 fps, Rokoko's joint names) moves a drawing as its
original does: the shared FAIR and CMU captures and a library clip, converted at test time
(tests/rokoko_style.py), give the same picture within a few percent of the height. Units, up
axis, facing, frame rate and joint names must all cancel out: a root travel read in the
file's own units, a missed up axis or an ignored frame time would move, tilt or stretch the figure."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from conftest import ANNOTATED, BVH_DIR, REPO_ROOT
from rokoko_style import FAIR_TO_ROKOKO, convert
from animate_drawing.motions.bvh import load_bvh
from animate_drawing.motions.mapping import find_preset
from animate_drawing.motions.retarget import RetargetOptions, pose_2d, retarget
from animate_drawing.rig.character import load_character_dir
from animate_drawing.rig.skeleton import plan_bones

HEIGHT = 2.0
TURN_ABOUT_Y = np.array([[0.0, 0.0, 1.0], [0.0, 1.0, 0.0], [-1.0, 0.0, 0.0]])   # a Y-up actor facing +X instead of +Z
INCH = 2.54
# (clip, axes, names, joint prefix): FAIR's Z-up captures become Y-up Rokoko or Mixamo files,
# CMU's and the library's Y-up actors are turned a quarter about the up axis.
CLIPS = [
    (BVH_DIR / "fair1" / "jumping.bvh", None, FAIR_TO_ROKOKO, ""),
    (BVH_DIR / "fair1" / "dab.bvh", None, FAIR_TO_ROKOKO, ""),
    (BVH_DIR / "fair1" / "wave_hello.bvh", None, None, "mixamorig:"),
    (BVH_DIR / "cmu1" / "jumping_jacks.bvh", TURN_ABOUT_Y, None, ""),
    (REPO_ROOT / "motions" / "clips" / "walk.bvh", TURN_ABOUT_Y, None, ""),
]
DRAWINGS = ("xkromkad_AnimatedDrawings-1__postava_out", "AnimatedDrawings_Server-Backend__example1")


def drawing(name):
    folder = ANNOTATED / name
    if not folder.is_dir():
        pytest.skip(f"{folder} is missing")
    _, mask, config = load_character_dir(folder)
    rows = np.flatnonzero(mask.any(axis=1))
    return plan_bones(config), HEIGHT / (rows[-1] - rows[0] + 1)


def converted(path, axes, names, prefix):
    if not Path(path).is_file():
        pytest.skip(f"{path} is missing")
    clip = load_bvh(path)
    return clip, convert(clip, **({} if axes is None else {"axes": axes}), scale=INCH, fps=100.0,
                         names=names, prefix=prefix)


def test_the_converter_keeps_the_performance():
    """Same frame rate: every joint lands exactly where the original's does, in the new axes and units."""
    clip = load_bvh(BVH_DIR / "fair1" / "dab.bvh")
    rokoko = convert(clip, scale=INCH, fps=clip.fps, names=FAIR_TO_ROKOKO)
    expected = INCH * clip.world_positions() @ np.array([[1.0, 0, 0], [0, 0, 1], [0, -1, 0]]).T
    assert np.abs(rokoko.world_positions() - expected).max() < 1e-6
    assert find_preset(rokoko)["name"] == "Rokoko"
    assert rokoko.joints[0].channels[3:] == ["Zrotation", "Xrotation", "Yrotation"]


@pytest.mark.parametrize("name", DRAWINGS, ids=lambda n: n.split("__")[-1])
@pytest.mark.parametrize("path, axes, names, prefix", CLIPS, ids=lambda p: Path(p).stem if isinstance(p, Path) else "")
def test_a_rokoko_style_clip_draws_the_same_picture(name, path, axes, names, prefix):
    bones, scale = drawing(name)
    original, rokoko = converted(path, axes, names, prefix)
    # Legs stepping outward (postava's walk) flip the root's travel where a foot lands or lifts,
    # so a plant's timing shows: it must not depend on the frame rate the clip was sampled at.
    options = RetargetOptions(fps=30)
    results = [retarget(c, bones, options=options, scale=scale) for c in (original, rokoko)]
    assert abs(results[0].frame_count - results[1].frame_count) <= 1          # 100 fps read as 100 fps
    assert results[0].projection == results[1].projection
    frames = min(r.frame_count for r in results)
    joints = [pose_2d(bones, r.rotation[:frames], r.root_location[:frames], scale)[0] for r in results]
    error = np.linalg.norm(joints[0] - joints[1], axis=-1) / HEIGHT
    # A foot lands and lifts between frames, at the instant its height and speed cross their
    # limits: found at frames instead, 30 fps plants ended up to 33 ms early or late and moved
    # the root (walk, legs stepping outward: 2.9% median; half a step held at each edge: 1.6%).
    assert np.median(error) < 0.01 and np.percentile(error, 95) < 0.02
    # The complaints: a figure framed tiny (its motion spanning 4x its height) that
    # jumped 75-80 px of its 115 px from one frame to the next; a real takeoff moves 7% a frame.
    assert np.ptp(joints[1][..., 1]) < 1.6 * HEIGHT and np.ptp(joints[1][..., 1], axis=1).max() > 0.5 * HEIGHT
    assert np.linalg.norm(np.diff(results[1].root_location, axis=0), axis=1).max() < 0.15 * HEIGHT
