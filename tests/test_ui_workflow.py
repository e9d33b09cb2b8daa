"""The artist's path through the UI operators: review → accept → fix → motion, on real bpy.

Undo: in background mode Blender pushes no undo step after an operator (only an explicit
`ed.undo_push` records one; `ed.undo` then works). Review and accept run as jobs, which push
their own step when they finish, in background mode too.
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.blender

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "drawing.png"


def _scene_state(bpy):
    return (sorted(o.name for o in bpy.data.objects), sorted(c.name for c in bpy.data.collections),
            sorted(a.name for a in bpy.data.actions))


def _animate_reviewed(bpy):
    assert bpy.ops.animate_drawing.ui_review_drawing(filepath=str(EXAMPLE)) == {"FINISHED"}
    assert bpy.ops.animate_drawing.ui_accept_review() == {"FINISHED"}
    armature = bpy.context.view_layer.objects.active
    assert armature.animate_drawing.is_character
    return armature


def test_accept_builds_the_character_and_one_undo_restores_the_review(blender):
    bpy = blender
    # The animate job records the step when it finishes; an operator step would come too early
    # (before the character exists, while the job still runs behind the interface).
    assert "UNDO" not in bpy.types.ANIMATE_DRAWING_OT_ui_accept_review.bl_options
    assert "UNDO" not in bpy.types.ANIMATE_DRAWING_OT_animate.bl_options
    bpy.ops.ed.undo_push(message="start")
    bpy.ops.animate_drawing.ui_review_drawing(filepath=str(EXAMPLE))  # pushes its own step
    reviewed = _scene_state(bpy)
    assert bpy.ops.animate_drawing.ui_accept_review() == {"FINISHED"}

    objects, collections, actions = _scene_state(bpy)
    assert len(objects) == 4 and len(collections) == 1 and len(actions) == 1   # + the face rig
    assert not bpy.context.window_manager.animate_drawing_show_review

    bpy.ops.ed.undo()
    assert _scene_state(bpy) == reviewed
    assert bpy.context.scene.animate_drawing_analysis.figures  # back at the review, analysis intact
    bpy.ops.ed.redo()
    assert _scene_state(bpy) == (objects, collections, actions)


def test_several_drawings_get_their_own_collections_and_user_data_stays(blender):
    bpy = blender
    user_collection = bpy.data.collections.new("drawing")  # same name the character wants
    bpy.context.scene.collection.children.link(user_collection)
    user_object = bpy.data.objects.new("drawing", bpy.data.meshes.new("user_mesh"))
    user_collection.objects.link(user_object)

    first = _animate_reviewed(bpy)
    second = _animate_reviewed(bpy)

    assert user_collection.name == "drawing" and user_object.name == "drawing"
    assert list(user_collection.objects) == [user_object] and user_object.data.name == "user_mesh"
    assert first != second
    first_collection, second_collection = first.users_collection[0], second.users_collection[0]
    assert first_collection not in (second_collection, user_collection)
    assert second_collection is not user_collection
    assert {o.name for o in first_collection.objects}.isdisjoint(o.name for o in second_collection.objects)

    from animate_drawing.addon.ui.properties import scene_characters

    assert scene_characters(bpy.context.scene) == sorted([first, second], key=lambda o: o.name)
    assert bpy.ops.animate_drawing.ui_select_character(name=first.name) == {"FINISHED"}
    assert bpy.context.view_layer.objects.active == first and not second.select_get()


def _rotation_curve(anim, bone):
    """The bone's 2D rotation curve in the playing action (Blender 4.2+: slot or not)."""
    from animate_drawing.addon.build.build_action import fcurve_collection

    curves = fcurve_collection(anim.action, getattr(anim, "action_slot", None)).fcurves  # slots: 4.4+
    return curves.find(f'pose.bones["{bone}"].rotation_euler', index=2)


def test_rebuild_from_the_ui_keeps_a_hand_edited_key_and_the_nla(blender):
    bpy = blender
    armature = _animate_reviewed(bpy)
    assert bpy.ops.animate_drawing.retarget(clip="wave") == {"FINISHED"}  # idle goes onto the NLA
    anim = armature.animation_data
    strips_before = [(t.name, [s.action.name for s in t.strips]) for t in anim.nla_tracks]
    assert strips_before
    curve = _rotation_curve(anim, "left_elbow")
    key = curve.keyframe_points[3]
    key.co.y += 0.75  # the artist's hand edit
    edited = (key.co.x, key.co.y)

    assert bpy.ops.animate_drawing.ui_edit_joints() == {"FINISHED"}
    assert armature.mode == "EDIT"
    edit_bone = armature.data.edit_bones["left_elbow"]
    old_head = edit_bone.head.copy()
    # slide the elbow a quarter of the way toward the hand: it stays on the drawn arm
    new_head = old_head.lerp(edit_bone.tail, 0.25)
    edit_bone.head = new_head
    assert bpy.ops.animate_drawing.rebuild_rig() == {"FINISHED"}
    if armature.mode == "EDIT":
        bpy.ops.object.mode_set(mode="OBJECT")

    moved = armature.data.bones["left_elbow"].head_local
    assert (moved - new_head).length < 0.02 < (moved - old_head).length
    curve = _rotation_curve(anim, "left_elbow")
    assert (curve.keyframe_points[3].co.x, curve.keyframe_points[3].co.y) == pytest.approx(edited)
    assert [(t.name, [s.action.name for s in t.strips]) for t in anim.nla_tracks] == strips_before


def test_paint_mask_opens_the_mask_in_paint_mode(blender):
    bpy = blender
    armature = _animate_reviewed(bpy)
    assert bpy.ops.animate_drawing.ui_paint_mask.poll()
    window = bpy.context.window_manager.windows[0]
    area = window.screen.areas[0]
    area.type = "IMAGE_EDITOR"
    assert bpy.ops.animate_drawing.ui_paint_mask() == {"FINISHED"}
    space = area.spaces.active
    assert space.image == armature.animate_drawing.mask_image
    assert space.ui_mode == "PAINT"
    from animate_drawing.addon.compat import unified_paint_settings

    colours = unified_paint_settings(bpy.context.tool_settings)
    assert tuple(colours.color) == pytest.approx((1, 1, 1))
    assert tuple(colours.secondary_color) == pytest.approx((0, 0, 0))


def test_paint_mask_without_an_image_editor_is_reported(blender):
    bpy = blender
    _animate_reviewed(bpy)
    for area in bpy.context.window_manager.windows[0].screen.areas:
        assert area.type != "IMAGE_EDITOR"
    with pytest.raises(RuntimeError, match="Image Editor"):
        bpy.ops.animate_drawing.ui_paint_mask()


def test_fix_operators_need_a_character(blender):
    bpy = blender
    assert not bpy.ops.animate_drawing.ui_edit_joints.poll()
    assert not bpy.ops.animate_drawing.ui_paint_mask.poll()
    assert not bpy.ops.animate_drawing.ui_accept_review.poll()
    with pytest.raises(RuntimeError, match="not an Animate Drawing character"):
        bpy.ops.animate_drawing.ui_select_character(name="nothing")


def test_clip_picker_lists_the_library_with_thumbnails(blender):
    from animate_drawing.addon.ui import clip_previews
    from animate_drawing.motions.library import list_clips

    items = clip_previews.library_items()
    assert [item[0] for item in items] == [clip_id for clip_id, _label, _path in list_clips()]
    for clip_id, _label, _tooltip, icon, _number in items:
        assert clip_previews.preview_path(clip_id).is_file(), f"no thumbnail shipped for {clip_id}"
        # loaded into the previews collection; background Blender has no icon ids (0), so the
        # picker falls back to a stock icon there
        assert tuple(clip_previews._collection[clip_id].image_size) == (128, 128)
        assert icon == (clip_previews._collection[clip_id].icon_id or clip_previews.FALLBACK_ICON)
    window_manager = blender.context.window_manager
    window_manager.animate_drawing_clip = items[1][0]
    assert window_manager.animate_drawing_clip == items[1][0]


def test_edit_joints_from_the_viewport_turns_it_to_the_front_view(blender):
    bpy = blender
    armature = _animate_reviewed(bpy)
    window = bpy.context.window_manager.windows[0]
    area = next(a for a in window.screen.areas if a.type == "VIEW_3D")
    view = area.spaces.active.region_3d
    view.view_perspective = "PERSP"
    region = next(r for r in area.regions if r.type == "WINDOW")
    with bpy.context.temp_override(window=window, area=area, region=region):
        assert bpy.ops.animate_drawing.ui_edit_joints() == {"FINISHED"}
    assert armature.mode == "EDIT" and armature.show_in_front
    assert view.view_perspective == "ORTHO"
    # looking along +Y: the view's forward axis is world +Y
    from mathutils import Vector

    forward = view.view_rotation @ Vector((0.0, 0.0, -1.0))
    assert tuple(round(c, 4) for c in forward) == (0.0, 1.0, 0.0)
