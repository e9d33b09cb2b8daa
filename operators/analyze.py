"""`animate_drawing.analyze`: find the figure(s), mask and joints in a drawing and keep the
result in the scene for review (the review overlay edits the stored joints).

A thin, synchronous caller of the pipeline's analyse stage (`pipeline.stages.load_stage` and
`find_figures`); `ui_review_drawing` is the same stage behind the interface."""

from __future__ import annotations

import bpy
from bpy.props import StringProperty

from ..addon.build import drawing_analysis
from ..pipeline.run import Stage, run_stages
from ..pipeline.stages import FIND, find_figures, load_stage
from ._common import run_reported, stage_hooks

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
            find = find_figures(drawing_analysis.settings_from_preferences(context))
            with stage_hooks(context) as hooks:
                found = run_stages([load_stage(self.filepath), Stage(FIND, find)], hooks=hooks)
            drawing_analysis.store(context, found.analysis)
            return f"Found {len(found.analysis.figures)} figure(s) in {self.filepath}"
        return run_reported(self, work)


CLASSES = (ANIMATE_DRAWING_OT_analyze,)
