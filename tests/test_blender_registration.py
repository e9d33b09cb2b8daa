"""Discovery-based registration: every class registers, and unregister leaves nothing behind."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.blender

OPERATOR_IDS = ("import_character", "rebuild_rig", "retarget", "animate", "analyze")


def _extension_classes(bpy):
    from animate_drawing.addon.ui import registration

    return [cls for module in registration.discover_modules() for cls in getattr(module, "CLASSES", ())]


def test_register_unregister_cycles_leave_nothing_registered(blender):
    bpy = blender
    import animate_drawing

    classes = _extension_classes(bpy)
    assert classes, "no module declared CLASSES"
    assert all(cls.is_registered for cls in classes)
    assert hasattr(bpy.types.Object, "animate_drawing")
    for name in OPERATOR_IDS:
        assert hasattr(bpy.ops.animate_drawing, name)
        assert getattr(bpy.ops.animate_drawing, name).get_rna_type() is not None

    for _ in range(2):
        animate_drawing.unregister()
        assert not any(cls.is_registered for cls in classes)
        assert not hasattr(bpy.types.Object, "animate_drawing")
        animate_drawing.register()
        assert all(cls.is_registered for cls in classes)


def test_property_groups_register_before_their_users(blender):
    from animate_drawing.addon.ui import registration

    modules = registration.discover_modules()
    names = [m.__name__.rsplit(".", 1)[-1] for m in modules]
    assert names.index("properties") < min(names.index(n) for n in names if n != "properties")
