"""`animate_drawing.analyze`: find the figure(s), mask and joints in a drawing and keep the
result in the scene for review (the review overlay edits the stored joints)."""

from __future__ import annotations

import bpy
from bpy.props import StringProperty

from ..addon import drawing_analysis
from ._common import progress, run_reported

IMAGE_GLOB = "*.png;*.jpg;*.jpeg;*.bmp;*.tif;*.tiff;*.webp"


class ANIMATE_DRAWING_OT_analyze(bpy.types.Operator):
    bl_idname = "animate_drawing.analyze"
    bl_label = "Analyze Drawing"
    bl_description = "Find the figure in a drawing, its outline and its joints, for review before rigging"
    bl_options = {"REGISTER", "UNDO"}

    filepath: StringProperty(name="Drawing", subtype="FILE_PATH")
    filter_glob: StringProperty(default=IMAGE_GLOB, options={"HIDDEN"})

    def invoke(self, context, event):
        if self.filepath:
            return self.execute(context)
        context.window_manager.fileselect_add(self)
        return {"RUNNING_MODAL"}

    def execute(self, context):
        def work():
            with progress(context, 1) as advance:
                analysis = drawing_analysis.analyze(context, self.filepath)
                advance()
            return f"Found {len(analysis.figures)} figure(s) in {self.filepath}"
        return run_reported(self, work)


CLASSES = (ANIMATE_DRAWING_OT_analyze,)
