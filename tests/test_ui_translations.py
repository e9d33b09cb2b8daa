"""Every interface string of the UI modules has a tooltip and a translation entry."""

from __future__ import annotations

import inspect
import re

import pytest

pytestmark = pytest.mark.blender

# Product and hardware names read the same in every language.
PROPER_NOUNS = {"CPU", "CUDA", "DirectML", "CoreML", "Cycles", "Workbench", "EEVEE", "Name"}


def _ui_modules():
    from animate_drawing.addon.ui import file_handler, panels
    from animate_drawing.addon import preferences
    from animate_drawing.operators import motion_from_video, ui_fix, ui_jobs, ui_mapping, ui_review

    return [preferences, panels, file_handler, ui_review, ui_fix, ui_jobs, ui_mapping, motion_from_video]


def _own_properties(cls):
    # Not those of the base type (PropertyGroup.name, ...): bpy 5.3 reports some as runtime too.
    inherited = set(cls.bl_rna.base.properties.keys()) if cls.bl_rna.base else set()
    return [p for p in cls.bl_rna.properties
            if p.is_runtime and p.identifier != "rna_type" and p.identifier not in inherited]


def _shown_properties(cls):
    """The properties a class shows: an operator's own (its RNA type lists only the base's) except
    hidden ones, any other class's own."""
    import bpy

    if not issubclass(cls, bpy.types.Operator):
        return _own_properties(cls)
    module, name = cls.bl_idname.split(".")
    return [p for p in getattr(getattr(bpy.ops, module), name).get_rna_type().properties
            if p.identifier != "rna_type" and not p.is_hidden]


def _interface_strings():
    strings = set()
    for module in _ui_modules():
        for cls in module.CLASSES:
            strings.update(s for s in (getattr(cls, "bl_label", ""), getattr(cls, "bl_description", "")) if s)
            for prop in _shown_properties(cls):
                strings.update(s for s in (prop.name, prop.description) if s)
                if prop.type == "ENUM" and not prop.is_enum_flag:
                    strings.update(s for item in prop.enum_items for s in (item.name, item.description))
        # button texts and job stage names written as literals in the drawing code
        source = inspect.getsource(module)
        strings.update(re.findall(r'(?<!f)text="([^"{]+)"', source))
        strings.update(re.findall(r'Stage\("([^"]+)"', source))
    return strings


def test_every_property_has_a_tooltip(blender):
    from animate_drawing.addon.ui import properties  # the character data the panels show

    missing = [f"{cls.__name__}.{prop.identifier}" for module in _ui_modules() + [properties]
               for cls in module.CLASSES for prop in _shown_properties(cls) if not prop.description]
    assert missing == []


def test_every_operator_has_a_description(blender):
    missing = [cls.__name__ for module in _ui_modules() for cls in module.CLASSES
               if issubclass(cls, blender.types.Operator) and not cls.bl_description]
    assert missing == []


def test_every_interface_string_has_a_french_translation(blender):
    from animate_drawing.addon.ui.translations import FRENCH, TRANSLATIONS

    strings = _interface_strings()
    assert len(strings) > 80
    missing = sorted(s for s in strings if s not in FRENCH and s not in PROPER_NOUNS)
    assert missing == []
    assert TRANSLATIONS["fr_FR"][("Operator", "Accept and Animate")] == "Accepter et animer"
    assert TRANSLATIONS["fr_FR"][("*", "Accept and Animate")] == "Accepter et animer"
