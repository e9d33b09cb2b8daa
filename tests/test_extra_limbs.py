"""Extra limbs: a real drawing given a second pair of arms (its own arms' pixels pasted lower
on the body, their joints listed in char_cfg.yaml) gets bones for them, and they follow the
arm beside them a quarter loop later (motions/extra_limbs.py)."""

from __future__ import annotations

import numpy as np
import pytest

from animate_drawing.formats.char_cfg import Joint, load_char_cfg, save_char_cfg
from animate_drawing.imaging.image_file import read_image, write_png
from animate_drawing.motions.extra_limbs import extra_limb_chains, follow_extra_limbs

pytestmark = pytest.mark.blender   # PNG decoding and the Blender half
DRAWING = "mikaelapisani_AnimatedDrawings-JM__output"   # arms held out level at shoulder height
DROP = 16                                             # px: the extra arms hang this far below the real ones


def four_armed_folder(shared_data, out):
    """A character folder: the drawing with both arms copied DROP px lower, joints `extra_*`."""
    source = shared_data / "drawings" / "annotated" / DRAWING
    texture = read_image(source / "texture.png")[0]
    mask = read_image(source / "mask.png")[0][..., 0] > 127
    config = load_char_cfg(source / "char_cfg.yaml")
    loc = {j.name: np.array(j.loc, float) for j in config.joints}
    joints = list(config.joints)
    for side in ("left", "right"):
        chain = [f"{side}_{part}" for part in ("shoulder", "elbow", "hand")]
        us = [loc[name][0] for name in chain]
        u0, u1 = int(min(us)) - 6, int(max(us)) + 6
        v0, v1 = int(loc[chain[0]][1]) - 7, int(loc[chain[0]][1]) + 7
        arm = mask[v0:v1, u0:u1]
        target = (slice(v0 + DROP, v1 + DROP), slice(u0, u1))
        texture[target][arm] = texture[v0:v1, u0:u1][arm]
        mask[target] |= arm
        parent = "torso"
        for name in chain:
            extra = f"extra_{name}"
            u, v = loc[name]
            joints.append(Joint(extra, parent, (int(u), int(v) + DROP)))
            parent = extra
    out.mkdir(parents=True, exist_ok=True)
    write_png(out / "texture.png", texture)
    write_png(out / "mask.png", np.repeat((mask * 255).astype(np.uint8)[..., None], 3, axis=2))
    config.joints = joints
    save_char_cfg(config, out / "char_cfg.yaml")
    return out


def test_extra_arms_get_bones_and_follow_the_arm_beside_them_a_quarter_loop_later(shared_data, tmp_path):
    from animate_drawing.motions.bvh import load_bvh
    from animate_drawing.motions.library import resolve_motion
    from animate_drawing.motions.retarget import RetargetOptions, retarget
    from animate_drawing.rig.character import load_character_dir
    from animate_drawing.rig.extra_limbs import EXTRA_LIMBS
    from animate_drawing.rig.features import add_features
    from animate_drawing.rig.plan import build_rig_plan

    texture, mask, config = load_character_dir(four_armed_folder(shared_data, tmp_path / "four"))
    body = build_rig_plan(texture, mask, config, "four")
    assert len(body.bones) == 16                                  # the body leaves the extra arms to the feature
    plan = add_features(body, [EXTRA_LIMBS])
    chains = extra_limb_chains(plan.bones)
    assert chains == {("extra_left_shoulder", "extra_left_elbow", "extra_left_hand"): ("left_shoulder", "left_elbow", "left_hand"),
                      ("extra_right_shoulder", "extra_right_elbow", "extra_right_hand"): ("right_shoulder", "right_elbow", "right_hand")}
    assert plan.weights.shape[1] == len(plan.bones) == 22                     # the extra arms skin the pasted pixels
    extra = [plan.bones.index(b) for b in plan.bones if b.name == "extra_left_elbow"][0]
    assert plan.weights[:, extra].max() > 0.5

    result = retarget(load_bvh(resolve_motion("dance")), plan.bones, None, RetargetOptions(cyclic=True), scale=plan.scale)
    column = {name: k for k, name in enumerate(result.bone_names)}
    assert np.ptp(result.rotation[:, column["extra_left_shoulder"]]) == 0           # unmapped: the drawn pose
    moved = follow_extra_limbs(result, plan.bones)
    assert set(moved) == {name for chain in chains for name in chain}
    quarter = round(result.frame_count / 4)
    for side in ("left", "right"):
        own = result.rotation[:, column[f"{side}_shoulder"]]
        copy = result.rotation[:, column[f"extra_{side}_shoulder"]]
        assert np.ptp(copy) > 0.5 and np.allclose(copy, np.roll(own, quarter))


def test_a_character_folder_with_extra_arms_is_an_extra_limbs_body_and_moves_them_in_blender(blender, shared_data, tmp_path):
    bpy = blender
    from animate_drawing.addon.build import page_cast
    from animate_drawing.addon.batch.batch_item import Timer

    cast = page_cast.load_cast(str(four_armed_folder(shared_data, tmp_path / "four")), Timer())
    assert cast.bodies == ["extra_limbs"]
    page_cast.build_cast(bpy.context, cast, ["wave"], 30.0, Timer(), face=False)
    (armature,) = [ob for ob in bpy.data.objects if ob.type == "ARMATURE"]
    assert armature.animate_drawing.body == "extra_limbs"
    scene = bpy.context.scene
    angles = {name: [] for name in ("right_elbow", "extra_right_elbow")}
    for frame in range(1, 41, 2):
        scene.frame_set(frame)
        for name in angles:
            angles[name].append(armature.pose.bones[name].rotation_euler[2])
    own, extra = (np.array(angles[name]) for name in ("right_elbow", "extra_right_elbow"))
    assert np.ptp(extra) > 0.3 and np.ptp(own) > 0.3                 # the waving forearm and its twin both move
    assert not np.allclose(own, extra, atol=0.05)                     # out of step


CAT = "ihayvuk_AnimatedDrawings__professor_cat"       # an upright cat with a tail at its hip


def annotated_figure(shared_data, name):
    from animate_drawing.models.joints import AD_NAMES
    folder = shared_data / "drawings" / "annotated" / name
    mask = read_image(folder / "mask.png")[0][..., 0] > 127
    config = load_char_cfg(folder / "char_cfg.yaml")
    loc = {j.name: j.loc for j in config.joints}
    return folder, mask, config, np.array([loc[n] for n in AD_NAMES], float)


def test_the_cats_tail_is_found_and_no_annotated_biped_gets_an_extra_limb(shared_data):
    from animate_drawing.models.extra_limbs import find_extra_limbs
    found = {}
    for mask_file in sorted((shared_data / "drawings" / "annotated").glob("*/mask.png")):
        _, mask, _, joints = annotated_figure(shared_data, mask_file.parent.name)
        found[mask_file.parent.name] = find_extra_limbs(mask, joints)
    assert len(found) >= 14
    (tail,) = found.pop(CAT)
    assert tail.parent == "hip" and 3 <= len(tail.joints) <= 4
    assert 95 < tail.joints[0][0] < 140 and tail.joints[-1][0] < 30      # from the trousers' edge to the tip, leftwards
    assert np.all(np.abs(tail.joints[:, 1] - 365) < 25)                 # along the tail, at knee height
    assert {name: limbs for name, limbs in found.items() if limbs} == {}


def cat_with_tail_folder(shared_data, out):
    """The cat's character folder with its detected tail written as joints, as `annotate` writes it."""
    from animate_drawing.models.extra_limbs import find_extra_limbs, limb_joints
    folder, mask, config, joints = annotated_figure(shared_data, CAT)
    out.mkdir(parents=True, exist_ok=True)
    for file in ("texture.png", "mask.png"):
        (out / file).write_bytes((folder / file).read_bytes())
    config.joints = list(config.joints) + limb_joints(find_extra_limbs(mask, joints))
    save_char_cfg(config, out / "char_cfg.yaml")
    return out


def test_a_detected_tail_gets_bones_with_weights_that_move_and_a_plain_biped_gets_none(blender, shared_data, tmp_path):
    bpy = blender
    from animate_drawing.addon.build import page_cast
    from animate_drawing.addon.batch.batch_item import Timer

    cast = page_cast.load_cast(str(cat_with_tail_folder(shared_data, tmp_path / "cat")), Timer())
    plain = page_cast.load_cast(str(shared_data / "drawings" / "annotated" / DRAWING), Timer())
    assert cast.bodies == ["extra_limbs"] and plain.bodies == ["biped"]
    page_cast.build_cast(bpy.context, cast, ["walk"], 30.0, Timer(), face=False)
    (armature,) = [ob for ob in bpy.data.objects if ob.type == "ARMATURE"]
    tail = [bone.name for bone in armature.data.bones if bone.name.startswith("extra_")]
    assert tail == ["extra_1_1", "extra_1_2", "extra_1_3"] and armature.data.bones["extra_1_1"].parent.name == "hip"
    mesh = armature.animate_drawing.mesh_object
    group = mesh.vertex_groups["extra_1_1"].index
    heavy = [v for v in mesh.data.vertices if any(g.group == group and g.weight > 0.9 for g in v.groups)]
    assert len(heavy) > 30                                        # the tail's own pixels, not the thigh's
    thigh = mesh.vertex_groups["right_hip"].index
    tail_groups = {mesh.vertex_groups[name].index for name in tail}
    for v in mesh.data.vertices:                                  # a flap: no vertex mixes tail and thigh
        groups = {g.group for g in v.groups if g.weight > 0}
        assert not (groups & tail_groups and thigh in groups)
    scene = bpy.context.scene
    angles = []
    for frame in range(1, 35, 3):
        scene.frame_set(frame)
        angles.append(armature.pose.bones["extra_1_1"].rotation_euler[2])
    assert np.ptp(angles) > 0.1                                   # the tail swings with the walk

    page_cast.build_cast(bpy.context, plain, ["walk"], 30.0, Timer(), face=False)
    (other,) = [ob for ob in bpy.data.objects if ob.type == "ARMATURE" and ob != armature]
    assert len(other.data.bones) == 16


def test_a_tail_follows_through_on_the_hips_lagging_their_turns_and_settling_after_a_stop(shared_data, tmp_path):
    """professor_cat's tail on a third-party clip (fair1 jumping) stopped dead where the hips turn
    fastest: the tail's own turn on the hips follows their turns a few frames later (its world
    angle trails theirs), swings on past the stop and is still within a second."""
    import dataclasses
    from animate_drawing.motions.bvh import load_bvh
    from animate_drawing.motions.extra_limbs import is_tail
    from animate_drawing.motions.retarget import RetargetOptions, retarget
    from animate_drawing.rig.character import load_character_dir
    from animate_drawing.rig.extra_limbs import EXTRA_LIMBS
    from animate_drawing.rig.features import add_features
    from animate_drawing.rig.plan import build_rig_plan

    texture, mask, config = load_character_dir(cat_with_tail_folder(shared_data, tmp_path / "cat"))
    plan = add_features(build_rig_plan(texture, mask, config, "cat"), [EXTRA_LIMBS])
    (tail,) = extra_limb_chains(plan.bones)
    assert is_tail(tail, plan.bones)
    clip = load_bvh(shared_data / "bvh" / "fair1" / "jumping.bvh")
    result = retarget(clip, plan.bones, options=RetargetOptions(fps=30.0, cyclic=False), scale=plan.scale)
    column = {name: k for k, name in enumerate(result.bone_names)}
    hips = result.rotation[:, column["root"]] + result.rotation[:, column["hip"]]   # the hips' turn in the picture
    stop = int(np.argmax(np.abs(np.diff(hips)))) + 1
    held = lambda series: np.concatenate([series[:stop], np.repeat(series[stop - 1:stop], 60, axis=0)])  # noqa: E731
    still = dataclasses.replace(result, frame_count=stop + 60, rotation=held(result.rotation),
                                root_location=held(result.root_location), layer_offset=held(result.layer_offset))
    assert follow_extra_limbs(still, plan.bones, plan.scale) == list(tail)
    hips, sway = hips[:stop], still.rotation[:, column[tail[0]]]
    world = hips + sway[:stop]
    trail = [np.corrcoef(hips[:stop - shift], world[shift:])[0, 1] for shift in range(15)]
    assert np.argmax(trail) >= 2, trail                          # the tail points where the hips pointed frames ago
    assert np.abs(sway[stop:stop + 10]).max() > np.radians(3)    # it swings on past the stop …
    assert np.abs(sway[stop + 30:]).max() < np.radians(1)        # … and is still within a second
    assert np.abs(still.rotation[stop:, column[tail[-1]]]).max() < np.abs(sway[stop:]).max()   # the tip a share of it


def test_a_third_leg_is_no_tail_and_follows_a_leg(shared_data):
    """A chain from the hips that reaches below the knees is a leg: it keeps the quarter-loop follow."""
    from animate_drawing.motions.extra_limbs import is_tail
    from animate_drawing.rig.skeleton import BonePlan, plan_bones
    config = load_char_cfg(shared_data / "drawings" / "annotated" / CAT / "char_cfg.yaml")
    bones = plan_bones(config, 487.0)
    leg = [BonePlan("extra_1_1", "hip", (212, 350), (212, 400)), BonePlan("extra_1_2", "extra_1_1", (212, 400), (212, 462))]
    tail = [BonePlan("extra_1_1", "hip", (150, 360), (90, 350)), BonePlan("extra_1_2", "extra_1_1", (90, 350), (30, 330))]
    assert not is_tail(("extra_1_1", "extra_1_2"), bones + leg)
    assert is_tail(("extra_1_1", "extra_1_2"), bones + tail)
    assert extra_limb_chains(bones + leg)[("extra_1_1", "extra_1_2")][0].endswith("_hip")
