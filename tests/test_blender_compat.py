"""addon/compat.py on the running bpy: each helper reaches the API this Blender really has.

The suite runs on bpy 5.0 (`make test`), 4.2 (`make test-blender42`) and 5.3
(`make test-blender-matrix`), so together these cover both sides of every difference.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.blender


def test_keys_written_through_the_helpers_are_read_back(blender):
    from animate_drawing.addon import compat

    ob = blender.data.objects.new("Keyed", None)
    blender.context.scene.collection.objects.link(ob)
    action = blender.data.actions.new("KeyedAction")
    slot = compat.ensure_slot(action, ob)
    assert (slot is None) == (not compat.uses_channelbags())
    assert compat.ensure_slot(action, ob) == slot   # found again, not a second slot

    fcurve = compat.new_fcurve(action, slot, "location", 2, "Keyed")
    fcurve.keyframe_points.add(2)
    fcurve.keyframe_points.foreach_set("co", [1.0, 0.0, 10.0, 3.0])
    anim = ob.animation_data_create()
    anim.action = action
    compat.assign_slot(anim, slot)
    if slot is not None:
        assert compat.active_slot(anim) == slot

    curves = compat.action_fcurves(action)
    assert [(c.data_path, c.array_index, c.group.name) for c in curves] == [("location", 2, "Keyed")]
    assert list(compat.fcurve_collection(action, slot).fcurves) == curves
    blender.context.scene.frame_set(10)
    assert ob.location.z == pytest.approx(3.0)


def test_video_output_and_sequencer_strips(blender):
    from animate_drawing.addon import compat

    scene = blender.data.scenes.new("Encode")
    strips = compat.sequencer_strips(scene.sequence_editor_create())
    assert len(strips) == 0 and hasattr(strips, "new_image")
    compat.set_video_output(scene.render.image_settings)
    assert scene.render.image_settings.file_format == "FFMPEG"
    assert scene.render.is_movie_format


def test_eevee_id_is_an_engine_of_this_blender(blender):
    from animate_drawing.addon import compat

    scene = blender.context.scene
    scene.render.engine = compat.eevee_engine_id()
    assert "EEVEE" in scene.render.engine


def test_unified_paint_settings_are_the_texture_paint_colours(blender):
    from animate_drawing.addon import compat

    colours = compat.unified_paint_settings(blender.context.scene.tool_settings)
    assert isinstance(colours, blender.types.UnifiedPaintSettings)
    colours.color = (0.25, 0.5, 0.75)
    assert tuple(compat.unified_paint_settings(blender.context.scene.tool_settings).color) == pytest.approx((0.25, 0.5, 0.75))
