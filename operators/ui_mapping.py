"""BVH import with the joint mapping shown and editable, and mapping presets.

Loading a BVH fills a table "character joint ↔ clip joint" from `motions.mapping.auto_map`;
the artist corrects any row with a search field over the clip's joint names, saves the table
as a preset (the same JSON as the shipped presets, in the user's preset folder) and applies
the clip. The table lives on the window manager: it is UI state, not part of the scene.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import bpy
from bpy.props import CollectionProperty, EnumProperty, PointerProperty, StringProperty
from bpy_extras.io_utils import ImportHelper

from ..errors import AnimateDrawingError, InputError
from ..motions import mapping as motion_mapping
from ..motions.bvh import load_bvh

REGISTER_PRIORITY = 20  # property groups before the panels that draw them


def user_preset_dir(create: bool = False) -> Path:
    """Where the artist's mapping presets go (kept across add-on updates)."""
    return Path(bpy.utils.user_resource("SCRIPTS", path="presets/animate_drawing/mapping", create=create))


def preset_files() -> list[Path]:
    """Shipped presets first, then the user's, each sorted by name."""
    user = user_preset_dir()
    shipped = sorted(motion_mapping.PRESET_DIR.glob("*.json"))
    return shipped + (sorted(user.glob("*.json")) if user.is_dir() else [])


_preset_items_cache: list[tuple[str, str, str]] = []


def _preset_items(self, context):
    # Blender keeps only pointers to the strings: the list must outlive this call.
    _preset_items_cache[:] = [
        (str(path), path.stem.replace("_", " ").title(), f"Mapping preset {path}") for path in preset_files()
    ] or [("NONE", "No presets", "No mapping preset found")]
    return _preset_items_cache


class AnimateDrawingClipJoint(bpy.types.PropertyGroup):
    """A joint name of the loaded BVH (the search list of the mapping table)."""

    name: StringProperty(name="Clip Joint", description="Joint of the loaded motion clip")


class AnimateDrawingMappingRow(bpy.types.PropertyGroup):
    joint: StringProperty(name="Character Joint", description="Joint of the drawn character")
    clip_joint: StringProperty(name="Clip Joint",
                               description="Joint of the motion clip that drives this character joint")


class AnimateDrawingMotionUI(bpy.types.PropertyGroup):
    bvh_path: StringProperty(name="Motion File", subtype="FILE_PATH",
                             description="BVH motion-capture file whose joint mapping is shown")
    up_axis: StringProperty(name="Up Axis", description="The clip's up axis, detected when it was loaded")
    rows: CollectionProperty(type=AnimateDrawingMappingRow, name="Mapping",
                             description="Which clip joint drives each character joint")
    clip_joints: CollectionProperty(type=AnimateDrawingClipJoint, name="Clip Joints",
                                    description="Joints of the loaded clip")
    preset: EnumProperty(name="Preset", items=_preset_items,
                         description="Mapping preset to fill the table from")

    def mapping(self) -> dict[str, str]:
        """The table as a plain dict (rows left empty are not mapped)."""
        return {row.joint: row.clip_joint for row in self.rows if row.clip_joint}

    def mapping_json(self) -> str:
        """The table as JSON, the form operators take it in."""
        return json.dumps(self.mapping())

    def set_mapping(self, joints: dict[str, str]) -> None:
        self.rows.clear()
        for joint in motion_mapping.OUR_JOINTS:
            row = self.rows.add()
            row.joint = joint
            row.clip_joint = joints.get(joint, "")


def motion_ui(context) -> AnimateDrawingMotionUI:
    return context.window_manager.animate_drawing_motion


class ANIMATE_DRAWING_OT_ui_load_bvh(bpy.types.Operator, ImportHelper):
    bl_idname = "animate_drawing.ui_load_bvh"
    bl_label = "Load Motion File"
    bl_description = "Read a BVH file and show how its joints map onto the character's joints"
    bl_options = {"REGISTER"}

    filepath: StringProperty(name="Motion File", subtype="FILE_PATH", description="BVH file to load")
    filter_glob: StringProperty(default="*.bvh", options={"HIDDEN"})

    def execute(self, context):
        try:
            clip = load_bvh(self.filepath)
            joints = motion_mapping.auto_map(clip)
            up, _forward = motion_mapping.detect_up_forward(clip)
        except AnimateDrawingError as error:
            self.report({"ERROR"}, str(error))
            return {"CANCELLED"}
        ui = motion_ui(context)
        ui.bvh_path = self.filepath
        ui.up_axis = motion_mapping.axis_name(up)
        ui.clip_joints.clear()
        for name in clip.names:
            ui.clip_joints.add().name = name
        ui.set_mapping(joints)
        self.report({"INFO"}, f"{Path(self.filepath).name}: {len(clip.names)} joints, "
                              f"{len(joints)} mapped automatically")
        return {"FINISHED"}


class ANIMATE_DRAWING_OT_ui_save_mapping_preset(bpy.types.Operator):
    bl_idname = "animate_drawing.ui_save_mapping_preset"
    bl_label = "Save Mapping Preset"
    bl_description = "Save the joint mapping table as a preset, for other clips from the same source"
    bl_options = {"REGISTER"}

    name: StringProperty(name="Preset Name", description="Name of the new preset", default="My mapping")

    @classmethod
    def poll(cls, context):
        return bool(motion_ui(context).mapping())

    def invoke(self, context, event):
        return context.window_manager.invoke_props_dialog(self)

    def execute(self, context):
        ui = motion_ui(context)
        stem = re.sub(r"[^\w\-]+", "_", self.name.strip()).strip("_").lower()
        if not stem:
            self.report({"ERROR"}, "Give the preset a name")
            return {"CANCELLED"}
        path = user_preset_dir(create=True) / f"{stem}.json"
        motion_mapping.save_preset(path, self.name.strip(), ui.mapping(), up=ui.up_axis or None,
                                   requires=[])
        self.report({"INFO"}, f"Saved mapping preset {path}")
        return {"FINISHED"}


class ANIMATE_DRAWING_OT_ui_load_mapping_preset(bpy.types.Operator):
    bl_idname = "animate_drawing.ui_load_mapping_preset"
    bl_label = "Apply Mapping Preset"
    bl_description = "Fill the joint mapping table from the chosen preset"
    bl_options = {"REGISTER"}

    @classmethod
    def poll(cls, context):
        return motion_ui(context).preset not in {"", "NONE"}

    def execute(self, context):
        ui = motion_ui(context)
        try:
            preset = motion_mapping.load_preset(ui.preset)
        except InputError as error:
            self.report({"ERROR"}, str(error))
            return {"CANCELLED"}
        known = {joint.name for joint in ui.clip_joints}
        missing = sorted(name for name in preset["joints"].values() if known and name not in known)
        ui.set_mapping(preset["joints"])
        if missing:
            self.report({"WARNING"}, f"The loaded clip lacks: {', '.join(missing[:6])}")
        return {"FINISHED"}


CLASSES = (AnimateDrawingClipJoint, AnimateDrawingMappingRow, AnimateDrawingMotionUI,
           ANIMATE_DRAWING_OT_ui_load_bvh, ANIMATE_DRAWING_OT_ui_save_mapping_preset,
           ANIMATE_DRAWING_OT_ui_load_mapping_preset)


def register_module():
    bpy.types.WindowManager.animate_drawing_motion = PointerProperty(
        type=AnimateDrawingMotionUI, name="Motion", description="Motion clip and joint mapping being edited")


def unregister_module():
    del bpy.types.WindowManager.animate_drawing_motion
