"""The flat rasteriser against Cycles (the reference) on a real character in motion, and the
motion-wide camera framing."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import ANNOTATED, BVH_DIR

pytestmark = pytest.mark.blender
CHARACTER = ANNOTATED / "AnimatedDrawings_Server-Backend__example1"
SIZE, FRAMES = 160, 40


@pytest.fixture
def animated(blender):
    if not (CHARACTER.is_dir() and BVH_DIR.is_dir()):
        pytest.skip("../shared/data is not beside the repository")
    from animate_drawing.addon.batch import batch_item
    from animate_drawing.addon.batch.batch_plan import BatchOptions

    options = BatchOptions(inputs=[], motions=[], out="", size=SIZE, frames=FRAMES)
    timer = batch_item.Timer()
    plan = batch_item.load_plan(str(CHARACTER), timer)
    lengths = batch_item.build_animated(blender.context, [(plan, str(BVH_DIR / "fair1" / "jumping.bvh"))],
                                        options, timer)
    scene = blender.context.scene
    scene.frame_start, scene.frame_end = batch_item.clip_range(lengths, FRAMES)
    scene["clip_length"] = lengths[0]
    return scene


def _frame(scene, engine, frame):
    from animate_drawing.addon.output import render, scene_setup

    scene_setup.configure_render(scene, engine, SIZE, SIZE, 30)
    frames = range(scene.frame_start, scene.frame_end + 1)
    scene_setup.frame_camera(scene, scene_setup.motion_bounds(scene, scene_setup.rendered_objects(scene), frames))
    return next(render.render_frames(scene, engine, [frame]))[1]


@pytest.mark.parametrize("engine, frame", [("cycles", 1), ("cycles", FRAMES), ("workbench", FRAMES)])
def test_flat_matches_blender_engines(animated, engine, frame):
    from animate_drawing.addon.output.scene_setup import gl_available

    if engine == "workbench" and not gl_available():
        pytest.skip("no OpenGL here: Workbench would abort the process")
    flat = _frame(animated, "flat", frame).astype(int)
    cycles = _frame(animated, engine, frame).astype(int)
    flat_in, cycles_in = flat[..., 3] >= 128, cycles[..., 3] >= 128
    assert flat_in.mean() > 0.05  # the figure is there
    iou = (flat_in & cycles_in).sum() / (flat_in | cycles_in).sum()
    assert iou > 0.98
    both = flat_in & cycles_in
    colour_error = np.abs(flat[both, :3] - cycles[both, :3])
    assert colour_error.mean() < 2.0
    assert np.percentile(colour_error.max(1), 95) <= 8


def test_camera_frames_every_frame_of_the_motion(animated):
    """A jump leaves the rest-pose frame: the camera must hold the figure on every frame."""
    from animate_drawing.addon.batch import batch_item
    from animate_drawing.addon.output import render

    scene = animated
    scene.frame_start, scene.frame_end = batch_item.clip_range([scene["clip_length"]], None)  # the whole jump
    _frame(scene, "flat", 1)  # configures and frames the camera over the whole clip
    heights = []
    for _, rgba in render.render_frames(scene, "flat", range(scene.frame_start, scene.frame_end + 1)):
        alpha = rgba[..., 3] > 0
        assert not (alpha[0].any() or alpha[-1].any() or alpha[:, 0].any() or alpha[:, -1].any())
        rows = np.flatnonzero(alpha.any(1))
        heights.append((rows.min(), rows.max()))
    tops, bottoms = np.array(heights).T
    assert tops.min() < tops.max()  # the figure really moves vertically within the frame
    # The tightest side touches the margin on some frame: framing is not wastefully loose.
    assert tops.min() < SIZE * 0.15 or bottoms.max() > SIZE * 0.85


def test_engine_names_are_checked():
    from animate_drawing.addon.output.scene_setup import resolve_engine

    assert resolve_engine("flat") == "flat" and resolve_engine("cycles") == "cycles"
    with pytest.raises(ValueError, match="unknown engine 'povray'"):
        resolve_engine("povray")
