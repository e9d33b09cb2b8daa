"""`animate_drawing.animate`: one click from a drawing (or character folder) to a moving character.

Image → analysis (the reviewed one when the user reviewed this drawing) → rig → the default
library clip retarget, as a background job: the models and the skin-weight solve run on a
worker thread, Blender data is created on the main thread, Esc cancels. Everything the job
created is removed again if it fails or is cancelled.
"""

from __future__ import annotations

import dataclasses

import bpy
from bpy.props import BoolProperty, FloatProperty, StringProperty

from ..addon import jobs
from ..addon.build import drawing_analysis
from ..addon.output.scene_setup import frame_characters
from ..addon.preferences import get_preferences
from ..addon.stages import build_stage, motion_stage
from ..motions.library import list_clips
from ..pipeline.plan import is_character_dir
from ..pipeline.stages import Found, cast_stages, is_character_source
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


def _reviewed_figures(context, path: str, review: dict | None):
    """The analyse stage's "find": the stored `review`'s ticked figures (edited joints and faces
    applied), else a fresh analysis's first figure. Runs on the worker; `context` is read now."""
    settings = drawing_analysis.settings_from_preferences(context)

    def find(loaded) -> Found:
        analysis, indices = drawing_analysis.analysis_for(loaded, review, settings)
        return Found(analysis, indices)

    def keep(found: Found) -> Found:
        if review is None:  # a reviewed analysis is already in the scene, maybe with edited joints
            drawing_analysis.store(bpy.context, found.analysis)
        return found

    return find, jobs.Stage("Keeping the analysis", keep, on_main_thread=True)


def animate_job(context, path: str, clip: str, density: float) -> jobs.Job:
    """The whole drawing (or character folder) → animated characters flow as one job (one undo
    step): the pipeline's stages up to the motion, every reviewed figure placed where it stands
    on the page with its own clip from the review or else `clip` (each with its time offset,
    as the CLI's `--figure-motions`); the motion also sets the scene's end frame and selects
    the characters, the first active. `context` is read now (review, preferences, the scene's
    frame rate and start)."""
    review, find, keep = None, None, None
    if not is_character_source(path):
        review = drawing_analysis.stored_review(context, path)
        find, keep = _reviewed_figures(context, path, review)
    clip = clip or get_preferences(context).default_clip or list_clips()[0][0]
    clips = [own or clip for own in review["clips"]] if review is not None else [clip]
    scene = context.scene
    motion = motion_stage(clips, scene_fps(scene), frame_start=scene.frame_start)

    def animate(built):
        built = motion.run(built)
        scene.frame_end = scene.frame_start + max(built.lengths) - 1
        frame_characters(scene, built.armatures, range(scene.frame_start, scene.frame_end + 1))
        select_only(bpy.context, *built.armatures)
        return built.armatures[0]

    stages = cast_stages(path, find, density, after_analysis=[keep] if keep else [])
    stages += [build_stage(density), dataclasses.replace(motion, run=animate)]
    return jobs.Job("Animate Drawing", stages, on_finished=tell_if_failed)


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
