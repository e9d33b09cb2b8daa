"""The Blender API differences between the supported releases (4.2 LTS to 5.3), in one place.

Each helper is named for what the caller wants and decides by feature (the attribute or the
function exists), never by version number, so a later release that keeps an API keeps working.
What moved, and where:

- Actions: 4.4 added slots and layered actions (F-curves in a channelbag per slot) and 5.0
  removed `Action.fcurves`; `bpy_extras.anim_utils.action_ensure_channelbag_for_slot` exists
  from 5.0. So 5.0+ write through channelbags, 4.2-4.5 through `Action.fcurves` (in 4.4/4.5 it
  fills the slot Blender assigns; bpy 4.5.15 checked).
- Sequencer: 4.2 has `SequenceEditor.sequences`; 5.0 only `strips` (the name later 4.x added).
- Render output: 5.0 added `ImageFormatSettings.media_type` ('IMAGE' / 'VIDEO'), which must be
  'VIDEO' before `file_format` can be 'FFMPEG'; 4.x infers it from `file_format`.
- Texture Paint colours: 5.0 keeps one set per paint mode (`image_paint.unified_paint_settings`),
  4.2-4.5 one set on the tool settings.
- EEVEE: 4.2 calls the engine `BLENDER_EEVEE_NEXT`, 5.0 `BLENDER_EEVEE` again.
"""

from __future__ import annotations

import bpy

try:  # Blender 5.0+
    from bpy_extras.anim_utils import action_ensure_channelbag_for_slot
except ImportError:  # Blender 4.2-4.5
    action_ensure_channelbag_for_slot = None


def uses_channelbags() -> bool:
    """Whether keys are written through slot channelbags (5.0+), not `Action.fcurves` (4.2-4.5)."""
    return action_ensure_channelbag_for_slot is not None


def ensure_slot(action: bpy.types.Action, owner: bpy.types.ID):
    """The action's slot for the object `owner` (created if missing); None where `Action.fcurves`
    is used (4.4/4.5 then assign a slot themselves)."""
    if not uses_channelbags():
        return None
    identifier = "OB" + owner.name
    for slot in action.slots:
        if slot.identifier == identifier:
            return slot
    return action.slots.new(id_type="OBJECT", name=owner.name)


def active_slot(anim: bpy.types.AnimData):
    """The slot the animation data plays (None before 4.4)."""
    return getattr(anim, "action_slot", None)


def assign_slot(user, slot) -> None:
    """Make `user` (AnimData or an NLA strip) play `slot` of its action; nothing without a slot."""
    if slot is not None and hasattr(user, "action_slot"):
        user.action_slot = slot


def fcurve_collection(action: bpy.types.Action, slot):
    """What holds the F-curves of `slot`: its channelbag (5.0+) or the action itself (4.2-4.5)."""
    if not uses_channelbags():
        return action
    return action_ensure_channelbag_for_slot(action, slot)


def new_fcurve(action: bpy.types.Action, slot, data_path: str, index: int, group: str) -> bpy.types.FCurve:
    """A new F-curve in the group `group`; the group keyword differs between the two APIs."""
    if not uses_channelbags():
        return action.fcurves.new(data_path, index=index, action_group=group)
    return fcurve_collection(action, slot).fcurves.new(data_path, index=index, group_name=group)


def action_fcurves(action: bpy.types.Action) -> list[bpy.types.FCurve]:
    """Every F-curve of the action, of every slot and layer."""
    if not uses_channelbags():
        return list(action.fcurves)
    return [fcurve for layer in action.layers for strip in layer.strips
            for bag in strip.channelbags for fcurve in bag.fcurves]


def sequencer_strips(editor: bpy.types.SequenceEditor):
    """The collection new strips are added to (`strips`, or `sequences` in 4.2)."""
    return editor.strips if hasattr(editor, "strips") else editor.sequences


def set_video_output(settings: bpy.types.ImageFormatSettings) -> None:
    """Make `settings` write a movie through FFmpeg (5.0+ needs the media type first)."""
    if hasattr(settings, "media_type"):
        settings.media_type = "VIDEO"
    settings.file_format = "FFMPEG"


def eevee_engine_id() -> str:
    """The render engine identifier of EEVEE in this Blender."""
    items = {e.identifier for e in bpy.types.RenderSettings.bl_rna.properties["engine"].enum_items}
    return "BLENDER_EEVEE_NEXT" if "BLENDER_EEVEE_NEXT" in items else "BLENDER_EEVEE"


def unified_paint_settings(tool_settings: bpy.types.ToolSettings) -> bpy.types.UnifiedPaintSettings:
    """The colours Texture Paint uses."""
    paint = tool_settings.image_paint
    if hasattr(paint, "unified_paint_settings"):
        return paint.unified_paint_settings
    return tool_settings.unified_paint_settings
