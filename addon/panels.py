"""Sidebar panels (3D Viewport ▸ N ▸ Animate) and the File ▸ Import ▸ Drawing menu entry."""

from __future__ import annotations

import bpy

REGISTER_PRIORITY = 80  # after preferences, properties and operators

CATEGORY = "Animate"


class VIEW3D_PT_animate_drawing(bpy.types.Panel):
    bl_label = "Animate Drawing"
    bl_idname = "VIEW3D_PT_animate_drawing"
    bl_space_type = "VIEW_3D"
    bl_region_type = "UI"
    bl_category = CATEGORY

    def draw(self, context):
        layout = self.layout
        layout.operator("animate_drawing.animate", text="Animate Drawing…", icon="IMAGE_DATA")


def draw_import_menu(self, context):
    self.layout.operator("animate_drawing.animate", text="Drawing (Animate Drawing)", icon="IMAGE_DATA")


CLASSES = (VIEW3D_PT_animate_drawing,)


def register_module():
    bpy.types.TOPBAR_MT_file_import.append(draw_import_menu)


def unregister_module():
    bpy.types.TOPBAR_MT_file_import.remove(draw_import_menu)
