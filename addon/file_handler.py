"""Drag and drop a drawing onto the 3D Viewport to animate it.

Blender offers the drop to every FileHandler whose extensions match and whose `poll_drop`
accepts the area, then calls `bl_import_operator` with `filepath` (or `directory` + `files`)
already set, so the drop starts the same `animate_drawing.animate` flow as the sidebar button.
"""

from __future__ import annotations

import bpy

# What models.image_io reads (Blender's image decoders); upper-case variants match case-insensitively.
DRAWING_EXTENSIONS = (".png", ".jpg", ".jpeg", ".webp", ".tif", ".tiff", ".bmp")


class ANIMATE_DRAWING_FH_drawing(bpy.types.FileHandler):
    bl_idname = "ANIMATE_DRAWING_FH_drawing"
    bl_label = "Animate Drawing"
    bl_import_operator = "animate_drawing.animate"
    bl_file_extensions = ";".join(DRAWING_EXTENSIONS)

    @classmethod
    def poll_drop(cls, context):
        # Only the 3D Viewport: dropped on the Image Editor an image should just open.
        return context.area is not None and context.area.type == "VIEW_3D"


CLASSES = (ANIMATE_DRAWING_FH_drawing,)
