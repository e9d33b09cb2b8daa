"""`animate_drawing.import_character`: an AnimatedDrawings character folder → rigged character.

A thin caller of the pipeline: the character folder's plan stage, then the build stage
(`pipeline.stages.character_stages`, `addon.stages.build_stage`), run here in one undo step."""

from __future__ import annotations

import bpy
from bpy.props import FloatProperty, StringProperty

from ..addon.preferences import get_preferences
from ..addon.stages import build_stage
from ..pipeline.run import run_stages
from ..pipeline.stages import character_stages
from ._common import run_reported, select_only, stage_hooks


class ANIMATE_DRAWING_OT_import_character(bpy.types.Operator):
    bl_idname = "animate_drawing.import_character"
    bl_label = "Import AnimatedDrawings Character"
    bl_description = ("Build a rigged character from an AnimatedDrawings character folder "
                      "(texture.png, mask.png, char_cfg.yaml)")
    bl_options = {"REGISTER", "UNDO"}

    filepath: StringProperty(name="Character", subtype="FILE_PATH",
                             description="The character folder or its char_cfg.yaml")
    filter_glob: StringProperty(default="*.yaml", options={"HIDDEN"})
    density: FloatProperty(name="Mesh Density", default=1.0, min=0.1, max=10.0,
                           description="More triangles bend more smoothly but build slower")

    def invoke(self, context, event):
        self.density = get_preferences(context).mesh_density
        if self.filepath:  # dropped on the viewport (file handler) or given by a script
            return self.execute(context)
        context.window_manager.fileselect_add(self)
        return {"RUNNING_MODAL"}

    def execute(self, context):
        def work():
            with stage_hooks(context) as hooks:
                built = run_stages(character_stages(self.filepath, self.density) + [build_stage(self.density)],
                                   hooks=hooks)
            armature, plan = built.armatures[0], built.cast.plans[0]
            select_only(context, armature)
            return f"Imported {armature.animate_drawing.character_name}: {len(plan.bones)} bones, " \
                   f"{len(plan.triangles)} triangles"
        return run_reported(self, work)


CLASSES = (ANIMATE_DRAWING_OT_import_character,)
