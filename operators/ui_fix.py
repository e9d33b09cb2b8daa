"""One-click entries to the two ways of fixing a character: move its joints, repaint its mask.

Both only set Blender up for the artist (Edit Mode on the armature, Texture Paint on the
mask in the Image Editor); the artist then clicks `animate_drawing.rebuild_rig`.
"""

from __future__ import annotations

import bpy

from ..addon import compat
from ..addon.ui.properties import active_character, character_armature
from ._common import select_only
from .ui_common import image_editor_areas


class ANIMATE_DRAWING_OT_ui_edit_joints(bpy.types.Operator):
    bl_idname = "animate_drawing.ui_edit_joints"
    bl_label = "Edit Joints"
    bl_description = ("Enter Edit Mode on the character's armature: bone heads are the joints; "
                      "move them, then Rebuild Rig")
    bl_options = {"REGISTER", "UNDO"}

    @classmethod
    def poll(cls, context):
        return active_character(context) is not None

    def execute(self, context):
        armature = active_character(context)
        if context.object is not None and context.object.mode != "OBJECT":
            bpy.ops.object.mode_set(mode="OBJECT")
        select_only(context, armature)
        armature.show_in_front = True  # joints stay visible over the drawing
        armature.data.show_names = True
        bpy.ops.object.mode_set(mode="EDIT")
        if context.area is not None and context.area.type == "VIEW_3D":
            # Front view: dragging a joint then keeps it in the drawing's plane.
            bpy.ops.view3d.view_axis(type="FRONT")
        self.report({"INFO"}, "Move the joints (bone heads), then click Rebuild Rig")
        return {"FINISHED"}


class ANIMATE_DRAWING_OT_ui_paint_mask(bpy.types.Operator):
    bl_idname = "animate_drawing.ui_paint_mask"
    bl_label = "Paint Mask"
    bl_description = ("Show the character's mask in the Image Editor in Paint mode: white adds to the "
                      "figure, black erases; then Rebuild Rig")
    bl_options = {"REGISTER"}

    @classmethod
    def poll(cls, context):
        armature = active_character(context)
        return armature is not None and armature.animate_drawing.mask_image is not None

    def execute(self, context):
        mask = active_character(context).animate_drawing.mask_image
        areas = image_editor_areas(context)
        if not areas:
            self.report({"ERROR"}, "Open an Image Editor to paint the mask in")
            return {"CANCELLED"}
        for area in areas:
            space = area.spaces.active
            space.image = mask
            space.ui_mode = "PAINT"
        # White adds to the figure, black erases: X swaps the two colours while painting.
        colours = compat.unified_paint_settings(context.tool_settings)
        colours.use_unified_color = True
        colours.color, colours.secondary_color = (1.0, 1.0, 1.0), (0.0, 0.0, 0.0)
        self.report({"INFO"}, "Paint white to add, press X for black to erase, then click Rebuild Rig")
        return {"FINISHED"}


class ANIMATE_DRAWING_OT_ui_select_character(bpy.types.Operator):
    bl_idname = "animate_drawing.ui_select_character"
    bl_label = "Select Character"
    bl_description = "Make this character the active one (its armature becomes active and selected)"
    bl_options = {"REGISTER", "UNDO"}

    name: bpy.props.StringProperty(name="Armature", description="Name of the character's armature object")

    def execute(self, context):
        armature = bpy.data.objects.get(self.name)
        if armature is None or character_armature(armature) is not armature:
            self.report({"ERROR"}, f"{self.name}: not an Animate Drawing character")
            return {"CANCELLED"}
        if context.object is not None and context.object.mode != "OBJECT":
            bpy.ops.object.mode_set(mode="OBJECT")
        select_only(context, armature)
        return {"FINISHED"}


CLASSES = (ANIMATE_DRAWING_OT_ui_edit_joints, ANIMATE_DRAWING_OT_ui_paint_mask,
           ANIMATE_DRAWING_OT_ui_select_character)
