"""Every figure of a page in Blender: one character each, standing where it was drawn, moving
out of step; and `animate` on a composed page end to end (real bpy, ONNX models, library clips)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from animate_drawing.imaging.image_file import read_image

from composed_pages import FAMILY, paper, write_page

pytestmark = pytest.mark.blender
CLI = [sys.executable, "-m", "animate_drawing.cli"]


def run_cli(*args) -> subprocess.CompletedProcess:
    env = dict(os.environ, OMP_NUM_THREADS="1")
    return subprocess.run([*CLI, *map(str, args)], capture_output=True, text=True, env=env, timeout=600)


def first_key(armature) -> float:
    from animate_drawing.addon.build import build_action

    anim = armature.animation_data
    curves = build_action.fcurve_collection(anim.action, getattr(anim, "action_slot", None)).fcurves
    return min(c.keyframe_points[0].co[0] for c in curves if len(c.keyframe_points))


def test_each_figure_is_its_own_character_at_its_place_on_the_page(blender, tmp_path, shared_data):
    bpy = blender
    from animate_drawing.addon.build import page_cast
    from animate_drawing.addon.batch.batch_item import Timer
    from animate_drawing.addon.output.scene_setup import evaluated_world_vertices

    path, masks = write_page(tmp_path)
    cast = page_cast.load_cast(str(path), Timer(), fps=30.0)
    assert len(cast.plans) == len(FAMILY)
    page_cast.build_cast(bpy.context, cast, page_cast.figure_clips("wave", ["wave", "jump"], 3), 30.0, Timer())
    armatures = [ob for ob in bpy.data.objects if ob.type == "ARMATURE"]
    assert len(armatures) == 3 and len({ob.users_collection[0].name for ob in armatures}) == 3

    depsgraph = bpy.context.evaluated_depsgraph_get()
    bpy.context.scene.frame_set(1)
    for plan, placement in zip(cast.plans, cast.placements):
        armature = next(ob for ob in armatures if ob.animate_drawing.character_name == plan.name)
        mesh = armature.animate_drawing.mesh_object
        mesh_world = np.asarray(mesh.matrix_world)
        rest = np.c_[plan.vertices_world, np.ones(len(plan.vertices_world))] @ mesh_world.T
        u, v = cast.frame.to_page(rest[:, 0], rest[:, 2])
        # The rest mesh lies on its figure's drawn outline on the page (within a few pixels).
        drawn = max(masks, key=lambda m: m[np.clip(v.astype(int), 0, 639), np.clip(u.astype(int), 0, 1099)].mean())
        ys, xs = np.nonzero(drawn)
        assert abs(u.min() - xs.min()) < 8 and abs(u.max() - xs.max() - 1) < 8
        assert abs(v.min() - ys.min()) < 8 and abs(v.max() - ys.max() - 1) < 8
        # Lower feet stand nearer the camera (at −Y): depth follows the page.
        assert evaluated_world_vertices(mesh, depsgraph)[:, 1].mean() == pytest.approx(placement.location[1], abs=0.3)
    ranks = sorted(cast.placements, key=lambda p: p.depth_rank)
    assert [p.location[1] for p in ranks] == sorted(p.location[1] for p in ranks)

    # Figure 1 waves, figure 2 jumps, figure 3 waves again; the later ones start further into their loop.
    actions = [ob.animation_data.action.name for ob in sorted(armatures, key=lambda o: o.name)]
    assert sum("wave" in a for a in actions) == 2 and sum("jump" in a for a in actions) == 1
    starts = {ob.animate_drawing.character_name: first_key(ob) for ob in armatures}
    assert [starts[p.name] for p in cast.plans] == [1 - p.time_offset for p in cast.placements]
    assert len({p.time_offset for p in cast.placements}) == 3


@pytest.fixture(scope="module")
def page_run(tmp_path_factory, shared_data):
    folder = tmp_path_factory.mktemp("page")
    path, masks = write_page(folder)
    out = folder / "out"
    done = run_cli("animate", path, "--figure-motions", "wave,jump", "--background", "page", "--out", out,
                   "--format", "png", "--size", 160, "--frames", 6, "--json")
    return done, out, path, masks


def test_animate_a_page_moves_every_figure_over_its_own_paper(page_run):
    done, out, path, masks = page_run
    assert done.returncode == 0, done.stderr[-2000:]
    (item,) = json.loads(done.stdout)["items"]
    assert item["figures"] == 3 and item["motion"] == "wave+jump"
    frame = read_image(out / "family_frames" / "frame_0001.png")[0]
    assert (frame[..., 3] == 255).all()                     # the page fills the frame: nothing transparent
    # The page (1100x640) is framed whole across the 160 px frame: 1 frame px ≈ 6.9 page px.
    page_px = 1100 / 160
    top = round((160 - 640 / page_px) / 2)
    clean = paper(160, round(640 / page_px))
    shown = frame[top:top + clean.shape[0], :, :3].astype(int)
    differs = np.abs(shown - clean).max(axis=2) > 30
    assert 0.05 < differs.mean() < 0.35                     # figures are drawn; the rest is paper


def test_figures_first_and_both_motion_options(tmp_path, shared_data):
    path, _ = write_page(tmp_path)
    both = run_cli("animate", path, "--motion", "wave", "--figure-motions", "jump", "--out", tmp_path / "x")
    assert both.returncode == 2 and "one of the two" in both.stderr
    done = run_cli("animate", path, "--motion", "wave", "--figures", "first", "--out", tmp_path / "one",
                   "--format", "png", "--size", 64, "--frames", 2, "--json")
    assert done.returncode == 0, done.stderr[-2000:]
    (item,) = json.loads(done.stdout)["items"]
    assert item["figures"] == 1
    assert any("--figures first: 2 more figure(s)" in w for w in item["warnings"])
    done = run_cli("animate", path, "--motion", "wave,jump", "--out", tmp_path / "two",
                   "--format", "png", "--size", 64, "--frames", 2, "--json")
    assert done.returncode == 0, done.stderr[-2000:]
    items = json.loads(done.stdout)["items"]                  # one output per clip, every figure in each
    assert [(i["motion"], i["figures"]) for i in items] == [("wave", 3), ("jump", 3)]


def test_a_page_with_text_a_scribble_and_a_figure_cut_by_the_edge(blender, tmp_path, shared_data):
    bpy = blender
    from animate_drawing.addon.build import page_cast
    from animate_drawing.addon.batch.batch_item import Timer
    from animate_drawing.imaging.draw import draw_polyline, draw_text
    from animate_drawing.imaging.image_file import write_png

    from composed_pages import compose

    page, _ = compose((("char11_texture", 420, 80, 560), ("char8_texture", 300, 980, 520)))
    draw_text(page, "MY FAMILY 2024", (420, 80), (40, 40, 40), scale=5)
    zigzag = np.cumsum(np.random.default_rng(1).normal(0, 12, (40, 2)), axis=0) + (600, 420)
    draw_polyline(page, zigzag, (60, 60, 200), 3)
    path = tmp_path / "bad.png"
    write_png(path, page)
    cast = page_cast.load_cast(str(path), Timer())
    assert len(cast.plans) == 2                                  # the text and the scribble are not figures
    assert any("cut by the photo's right edge" in note for note in cast.notes)
    lengths = page_cast.build_cast(bpy.context, cast, ["walk", "walk"], 30.0, Timer())
    assert len(lengths) == 2 and min(lengths) > 10


def test_a_limbless_figure_hops_squashing_and_stretching(blender):
    bpy = blender
    from animate_drawing.addon.build.character import build_character
    from animate_drawing.addon.animate.squash_hop import apply_hop
    from animate_drawing.models.body_kind import body_kind
    from animate_drawing.models.joints import AD_SKELETON
    from animate_drawing.motions.squash_hop import SQUASH
    from animate_drawing.formats.char_cfg import CharacterConfig, Joint
    from animate_drawing.rig.plan import build_rig_plan

    mask = np.zeros((240, 160), bool)
    yy, xx = np.mgrid[:240, :160]
    mask[((xx - 80) / 70) ** 2 + ((yy - 120) / 110) ** 2 < 1] = True     # a round top…
    mask[120:226, 12:148] = True                                          # … on a sack: no limbs
    assert body_kind(mask) == "limbless"
    joints = [Joint(name, parent, (80, 60 + 8 * k)) for k, (name, parent) in enumerate(AD_SKELETON)]
    plan = build_rig_plan(np.full((240, 160, 3), 200, np.uint8), mask, CharacterConfig(160, 240, joints), "sack")
    armature = build_character(bpy.context, plan)
    armature.location = (1.0, 0.0, 0.5)
    length = apply_hop(armature, 30.0, offset=0)
    assert length == 30
    scene = bpy.context.scene
    heights, widths, lifts = [], [], []
    for frame in range(1, 31):
        scene.frame_set(frame)
        heights.append(armature.scale[2])
        widths.append(armature.scale[0])
        lifts.append(armature.location[2] - 0.5)
    heights, widths, lifts = map(np.array, (heights, widths, lifts))
    assert heights.min() < SQUASH + 0.05 and heights.max() > 1.05          # squashes and stretches
    np.testing.assert_allclose(heights * widths, 1.0, atol=0.02)            # the area is kept
    assert lifts.max() > 0.5 and lifts.min() > -1e-3 and abs(lifts[0]) < 1e-3   # leaps, lands, never sinks
    scene.frame_set(31)
    assert armature.scale[2] == pytest.approx(heights[0], abs=1e-3)          # and loops


def test_the_pig_keeps_its_body_level_when_it_walks_in_blender(blender, shared_data):
    bpy = blender
    from animate_drawing.addon.build import page_cast
    from animate_drawing.addon.batch.batch_item import Timer
    from animate_drawing.addon.animate.motion import resolve_clip, retarget_clip
    from animate_drawing.motions.retarget import RetargetOptions

    cast = page_cast.load_cast(str(shared_data / "drawings" / "annotated" / "A2S-LAB_AnimatedTale__test_2" /
                                   "image.png"), Timer())
    assert cast.bodies == ["quadruped"]
    page_cast.build_cast(bpy.context, cast, ["walk"], 30.0, Timer())
    (armature,) = [ob for ob in bpy.data.objects if ob.type == "ARMATURE"]
    assert armature.animate_drawing.body == "quadruped"
    # Any later retarget (the Motion panel) follows the stored body too: legs only.
    path, name, _ = resolve_clip("dance")
    _, result = retarget_clip(armature, path, name, RetargetOptions(cyclic=True))
    assert {"hip", "torso", "neck"}.isdisjoint(result.drivers)
    assert any("shoulder" in bone or "elbow" in bone for bone in result.drivers)
