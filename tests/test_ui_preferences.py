"""Preferences: plain-value reader, defaults without an add-on entry, survival across re-registration."""

from __future__ import annotations

import dataclasses

import pytest

pytestmark = pytest.mark.blender


@pytest.fixture
def enabled_addon():
    """The extension enabled the way Blender does it, so it has a preferences entry."""
    bpy = pytest.importorskip("bpy")
    import addon_utils

    bpy.ops.wm.read_factory_settings(use_empty=True)
    addon_utils.enable("animate_drawing", default_set=True, handle_error=None)
    assert "animate_drawing" in bpy.context.preferences.addons
    try:
        yield bpy
    finally:
        addon_utils.disable("animate_drawing", default_set=True)


def test_defaults_when_the_addon_has_no_preferences_entry(blender):
    from animate_drawing.addon.preferences import DEFAULTS, get_preferences

    # The `blender` fixture registers the classes like a bpy-module batch run: no add-on entry.
    assert "animate_drawing" not in blender.context.preferences.addons
    assert get_preferences() == DEFAULTS
    assert get_preferences().execution_provider == "auto"
    assert get_preferences().custom_models == {}


def test_preference_id_is_the_package_name():
    from animate_drawing.addon import preferences

    assert preferences.ADDON_ID == "animate_drawing"
    assert preferences.AnimateDrawingPreferences.bl_idname == "animate_drawing"


def test_values_are_plain_and_survive_unregister_register(enabled_addon):
    bpy = enabled_addon
    import animate_drawing
    from animate_drawing.addon.preferences import PreferenceValues, get_preferences

    stored = bpy.context.preferences.addons["animate_drawing"].preferences
    stored.execution_provider = "CUDA"
    stored.threads = 3
    stored.pose_model = "/models/my_pose.onnx"
    stored.mesh_density = 2.5
    stored.render_format = "GIF"
    stored.render_transparent = True

    animate_drawing.unregister()
    animate_drawing.register()

    values = get_preferences(bpy.context)
    assert isinstance(values, PreferenceValues)
    assert values.execution_provider == "cuda"  # the names models.runtime understands
    assert values.threads == 3
    assert values.custom_models == {"pose": "/models/my_pose.onnx"}
    assert values.mesh_density == pytest.approx(2.5)
    assert (values.render_format, values.render_transparent) == ("GIF", True)
    for field in dataclasses.fields(values):
        assert type(getattr(values, field.name)) in (str, int, float, bool), field.name


def test_property_defaults_match_the_plain_defaults(enabled_addon):
    from animate_drawing.addon.preferences import DEFAULTS, get_preferences

    assert get_preferences() == DEFAULTS
