"""`animate_drawing.animate`: one click from a drawing (or character folder) to a moving character.

Image → analysis (the reviewed one when the user reviewed this drawing) → rig → the default
library clip retarget. Everything it creates is removed again if any step fails.
"""

from __future__ import annotations

from pathlib import Path

import bpy
from bpy.props import FloatProperty, StringProperty

from ..addon import drawing_analysis
from ..addon.character import build_character, character_dir_of, plan_from_character_dir
from ..addon.jobs import DataSnapshot
from ..addon.motion import resolve_clip, retarget_clip
from ..addon.preferences import get_preferences
from ..motions.library import list_clips
from ..motions.retarget import RetargetOptions
from ..rig.character import CFG_FILE
from ..rig.plan import build_rig_plan
from ._common import progress, run_reported, select_only
from .analyze import IMAGE_GLOB
from .retarget import scene_fps


def plan_from_drawing(context, path: str, density: float):
    """Analysed (or reviewed) drawing → RigPlan named after the image file."""
    analysis, index = drawing_analysis.reviewed_analysis(context, path)
    texture, mask, config = drawing_analysis.character_arrays(analysis, index)
    return build_rig_plan(texture, mask, config, Path(path).name, density=density)


def is_character_dir(path: str) -> bool:
    path = Path(path)
    return (path / CFG_FILE).is_file() or path.name == CFG_FILE


class ANIMATE_DRAWING_OT_animate(bpy.types.Operator):
    bl_idname = "animate_drawing.animate"
    bl_label = "Animate Drawing"
    bl_description = "Turn a drawing (or an AnimatedDrawings character folder) into a rigged character that moves"
    bl_options = {"REGISTER", "UNDO"}

    filepath: StringProperty(name="Drawing", subtype="FILE_PATH")
    filter_glob: StringProperty(default=IMAGE_GLOB + ";*.yaml", options={"HIDDEN"})
    clip: StringProperty(name="Motion", description="Library clip id or .bvh path; empty = the default clip "
                                                    "from the preferences")
    density: FloatProperty(name="Mesh Density", default=1.0, min=0.1, max=10.0)

    def invoke(self, context, event):
        self.density = get_preferences(context).mesh_density
        if self.filepath:  # dropped on the viewport (file handler) or given by a script
            return self.execute(context)
        context.window_manager.fileselect_add(self)
        return {"RUNNING_MODAL"}

    def execute(self, context):
        scene = context.scene

        def work():
            snapshot = DataSnapshot()
            try:
                with progress(context, 3) as advance:
                    if is_character_dir(self.filepath):
                        plan = plan_from_character_dir(character_dir_of(self.filepath), self.density)
                    else:
                        plan = plan_from_drawing(context, self.filepath, self.density)
                    advance()
                    armature = build_character(context, plan, self.filepath, self.density)
                    advance()
                    clip = self.clip or get_preferences(context).default_clip or list_clips()[0][0]
                    path, name, from_library = resolve_clip(clip)
                    action, result = retarget_clip(
                        armature, path, name, RetargetOptions(fps=scene_fps(scene), cyclic=from_library),
                        frame_start=scene.frame_start)
                    advance()
            except BaseException:
                snapshot.rollback()
                raise
            scene.frame_end = scene.frame_start + result.frame_count - 1
            select_only(context, armature)
            return f"{action.name}: {len(plan.bones)} bones, {result.frame_count} frames"
        return run_reported(self, work)


CLASSES = (ANIMATE_DRAWING_OT_animate,)
