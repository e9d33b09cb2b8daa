"""`animate_drawing.animate`: one click from a drawing (or character folder) to a moving character.

Image → analysis (the reviewed one when the user reviewed this drawing) → rig → the default
library clip retarget, as a background job: the models and the skin-weight solve run on a
worker thread, Blender data is created on the main thread, Esc cancels. Everything the job
created is removed again if it fails or is cancelled.
"""

from __future__ import annotations

from pathlib import Path

import bpy
from bpy.props import BoolProperty, FloatProperty, StringProperty

from ..addon import drawing_analysis, jobs
from ..addon.character import build_character
from ..addon.build_face import key_idle_blinks
from ..addon.motion import retarget_track
from ..addon.preferences import get_preferences
from ..addon.video_source import SOURCES
from ..motions.library import clip_for_body, list_clips
from ..motions.retarget import RetargetOptions
from ..motions.source import open_motion
from ..models.analyze import load_drawing
from ..pipeline.plan import is_character_dir, plan_from_analysis, plan_from_character_dir
from ._common import select_only
from .analyze import IMAGE_GLOB
from .retarget import scene_fps
from .ui_common import start_reported, tell_if_failed


def review_first(context, path: str) -> bool:
    """Whether starting from the interface goes to the review step instead: the preferences ask
    for it and `path` is a drawing without a stored review (or not chosen yet). Character folders
    have nothing to review."""
    if not get_preferences(context).review_before_rigging:
        return False
    if not path:
        return True
    return not is_character_dir(path) and drawing_analysis.stored_review(context, path) is None


def _drawing_stages(context, path: str, density: float) -> list[jobs.Stage]:
    """Analysis (or the stored review) → RigPlan named after the image file."""
    review = drawing_analysis.stored_review(context, path)
    settings = drawing_analysis.settings_from_preferences(context)

    def keep(found):
        if review is None:  # a reviewed analysis is already in the scene, maybe with edited joints
            drawing_analysis.store(bpy.context, found[0])
        return found

    def plan(found):
        analysis, index = found   # the body kind decides which joints follow the clip
        return plan_from_analysis(analysis, index, Path(path).name, density), analysis.figures[index].body

    return [
        # Pillow decodes on the worker; only storing the result touches the scene.
        jobs.Stage("Loading the drawing", lambda _: load_drawing(path)),
        jobs.Stage("Finding the figure, its mask and joints",
                   lambda loaded: drawing_analysis.analysis_for(loaded, review, settings)),
        jobs.Stage("Keeping the analysis", keep, on_main_thread=True),
        jobs.Stage("Meshing and skin weights", plan),
    ]


def _character_dir_stages(path: str, density: float) -> list[jobs.Stage]:
    """Loading and planning a character folder is one worker stage."""
    return [jobs.Stage("Meshing and skin weights", lambda _: (plan_from_character_dir(path, density), "biped"))]


def animate_job(context, path: str, clip: str, density: float) -> jobs.Job:
    """The whole drawing (or character folder) → animated character flow as one job.
    `context` is read now (review, preferences); the Blender stages use the context they run in."""
    if is_character_dir(path):
        stages = _character_dir_stages(path, density)
    else:
        stages = _drawing_stages(context, path, density)
    clip = clip or get_preferences(context).default_clip or list_clips()[0][0]

    def build(planned):
        plan, body = planned   # the body kind decides which joints follow the clip
        # A timer callback has no window; mode switches for the bones want one.
        with bpy.context.temp_override(**jobs.window_context()):
            armature = build_character(bpy.context, plan, path, density)
        armature.animate_drawing.body = body
        return armature

    def animate(armature):
        scene = bpy.context.scene
        motion = open_motion(clip_for_body(clip, armature.animate_drawing.body), SOURCES)
        _action, result = retarget_track(armature, motion.track, motion.name,
                                         RetargetOptions(fps=scene_fps(scene), cyclic=motion.loops),
                                         frame_start=scene.frame_start)
        scene.frame_end = scene.frame_start + result.frame_count - 1
        key_idle_blinks(armature, scene.frame_start, scene.frame_end, scene_fps(scene))
        select_only(bpy.context, armature)
        return armature

    return jobs.Job("Animate Drawing", stages + [
        jobs.Stage("Building the character", build, on_main_thread=True),
        jobs.Stage("Retargeting the motion", animate, on_main_thread=True),
    ], on_finished=tell_if_failed)


class ANIMATE_DRAWING_OT_animate(bpy.types.Operator):
    bl_idname = "animate_drawing.animate"
    bl_label = "Animate Drawing"
    bl_description = "Turn a drawing (or an AnimatedDrawings character folder) into a rigged character that moves"
    bl_options = {"REGISTER"}  # the job records the one undo step when it finishes

    filepath: StringProperty(name="Drawing", subtype="FILE_PATH")
    filter_glob: StringProperty(default=IMAGE_GLOB + ";*.yaml", options={"HIDDEN"})
    clip: StringProperty(name="Motion", description="Library clip id, .bvh path or video of a person; empty = "
                                                    "the default clip from the preferences")
    density: FloatProperty(name="Mesh Density", default=1.0, min=0.1, max=10.0)
    interactive: BoolProperty(
        name="Interactive", options={"HIDDEN", "SKIP_SAVE"},
        description="Work behind the interface (set when started from the interface)",
    )

    def invoke(self, context, event):
        self.interactive = True
        self.density = get_preferences(context).mesh_density
        if review_first(context, self.filepath):
            started = bpy.ops.animate_drawing.ui_review_drawing("INVOKE_DEFAULT", filepath=self.filepath)
            # This operator has no modal part of its own, whatever the review started.
            return {"CANCELLED"} if "CANCELLED" in started else {"FINISHED"}
        if self.filepath:  # dropped on the viewport (file handler) or given by a script
            return self.execute(context)
        context.window_manager.fileselect_add(self)
        return {"RUNNING_MODAL"}

    def execute(self, context):
        return start_reported(self, animate_job(context, self.filepath, self.clip, self.density),
                              wait=not self.interactive)


CLASSES = (ANIMATE_DRAWING_OT_animate,)
