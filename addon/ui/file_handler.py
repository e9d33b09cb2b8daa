"""Drag and drop a drawing onto the 3D Viewport to animate it.

Blender offers the drop to every FileHandler whose extensions match and whose `poll_drop`
accepts the area, then calls `bl_import_operator` with `filepath` (or `directory` + `files`)
already set, so the drop starts the same `animate_drawing.animate` flow as the sidebar button.
A video dropped while a character is active becomes that character's motion
(`animate_drawing.motion_from_video`).
"""

from __future__ import annotations

import bpy

from ...motions.video_clip import VIDEO_EXTENSIONS
from .properties import active_character

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


class ANIMATE_DRAWING_FH_video(bpy.types.FileHandler):
    bl_idname = "ANIMATE_DRAWING_FH_video"
    bl_label = "Motion from Video (Animate Drawing)"
    bl_import_operator = "animate_drawing.motion_from_video"
    bl_file_extensions = ";".join(VIDEO_EXTENSIONS)

    @classmethod
    def poll_drop(cls, context):
        # Elsewhere (the sequencer, the clip editor) a video keeps its usual meaning.
        return (context.area is not None and context.area.type == "VIEW_3D"
                and active_character(context) is not None)


CLASSES = (ANIMATE_DRAWING_FH_drawing, ANIMATE_DRAWING_FH_video)
