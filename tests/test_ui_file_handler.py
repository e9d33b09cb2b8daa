"""Drag and drop: the FileHandler is registered for drawings and only accepts the 3D Viewport."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.blender


def _handler(bpy):
    return bpy.types.FileHandler.bl_rna_get_subclass_py("ANIMATE_DRAWING_FH_drawing")


def test_handler_is_registered_for_drawing_extensions(blender):
    handler = _handler(blender)
    assert handler is not None and handler.is_registered
    extensions = set(handler.bl_file_extensions.split(";"))
    assert {".png", ".jpg", ".jpeg", ".webp", ".tif", ".tiff"} <= extensions
    assert not extensions & {".blend", ".bvh", ".yaml"}
    assert handler.bl_import_operator == "animate_drawing.animate"


def test_import_operator_takes_the_dropped_file(blender):
    properties = blender.ops.animate_drawing.animate.get_rna_type().properties
    assert "filepath" in properties.keys()


def test_drop_is_accepted_on_the_3d_viewport_only(blender):
    handler = _handler(blender)
    window = blender.context.window_manager.windows[0]
    area = window.screen.areas[0]
    original = area.type
    try:
        results = {}
        for space in ("VIEW_3D", "IMAGE_EDITOR", "OUTLINER"):
            area.type = space
            with blender.context.temp_override(window=window, area=area):
                results[space] = handler.poll_drop(blender.context)
        assert results == {"VIEW_3D": True, "IMAGE_EDITOR": False, "OUTLINER": False}
    finally:
        area.type = original


def test_unregister_removes_the_handler(blender):
    import animate_drawing

    animate_drawing.unregister()
    try:
        assert _handler(blender) is None
    finally:
        animate_drawing.register()
