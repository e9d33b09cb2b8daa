"""Preferences: plain-value reader, defaults without an add-on entry, survival across re-registration."""

from __future__ import annotations

import dataclasses
from pathlib import Path

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


def _source_zip(path):
    """The extension as Blender installs it (code only: the venv provides the dependencies)."""
    import zipfile
    from pathlib import Path

    repo = Path(__file__).resolve().parents[1]
    with zipfile.ZipFile(path, "w") as archive:
        for name in ("__init__.py", "blender_manifest.toml", "errors.py"):
            archive.write(repo / name, name)
        for package in ("addon", "imaging", "operators", "models", "motions", "rig", "formats", "pipeline", "output_formats"):
            for file in (repo / package).rglob("*"):
                if file.is_file() and "__pycache__" not in file.parts and "training" not in file.parts:
                    archive.write(file, str(file.relative_to(repo)))
    return path


def test_preferences_follow_the_extension_package_name(tmp_path):
    bpy = pytest.importorskip("bpy")
    import sys

    import addon_utils

    module = "bl_ext.user_default.animate_drawing"
    bpy.ops.wm.read_factory_settings(use_empty=True)
    bpy.ops.extensions.package_install_files(filepath=str(_source_zip(tmp_path / "animate_drawing.zip")),
                                             repo="user_default", enable_on_install=True)
    try:
        assert addon_utils.check(module) == (True, True)
        installed = sys.modules[module + ".addon.preferences"]
        assert installed.ADDON_ID == module
        bpy.context.preferences.addons[module].preferences.threads = 5
        assert installed.get_preferences().threads == 5
    finally:
        bpy.ops.preferences.addon_disable(module=module)
        repo_dir = next(r.directory for r in bpy.context.preferences.extensions.repos if r.module == "user_default")
        bpy.ops.extensions.package_uninstall(repo_directory=repo_dir, pkg_id="animate_drawing")


def test_review_before_rigging_routes_the_start_button_through_the_review(enabled_addon):
    bpy = enabled_addon
    from animate_drawing.addon.ui.panels import start_operator

    assert start_operator(bpy.context) == "animate_drawing.animate"  # one click by default
    bpy.context.preferences.addons["animate_drawing"].preferences.review_before_rigging = True
    assert start_operator(bpy.context) == "animate_drawing.ui_review_drawing"



def test_review_before_rigging_sends_an_unreviewed_drawing_to_the_review_first(enabled_addon):
    """What `animate` does when started from the interface (sidebar, drop, F3): a drawing goes
    through the review until it has one; a character folder has nothing to review."""
    bpy = enabled_addon
    from conftest import annotated_biped_dirs

    from animate_drawing.operators.animate import review_first

    example = str(Path(__file__).resolve().parents[1] / "examples" / "drawing.png")
    assert not review_first(bpy.context, example)  # off by default: one click
    bpy.context.preferences.addons["animate_drawing"].preferences.review_before_rigging = True
    assert review_first(bpy.context, example)
    assert review_first(bpy.context, "")  # nothing chosen yet: the review's file browser
    for folder in annotated_biped_dirs()[:1]:
        assert not review_first(bpy.context, str(folder))
    assert bpy.ops.animate_drawing.ui_review_drawing(filepath=example) == {"FINISHED"}
    assert not review_first(bpy.context, example)  # reviewed: Accept (or a second drop) builds it
