"""`animate_drawing.motion_from_video`: a video of a person → an Action on the active character."""

from __future__ import annotations

from pathlib import Path

import bpy
from bpy.props import BoolProperty, FloatProperty, IntProperty, StringProperty

from ..addon.build_armature import bone_plans
from ..addon.motion import apply_retarget
from ..addon.properties import active_character
from ..addon.video_decode import VIDEO_EXTENSIONS
from ..addon.video_motion import VideoMotionOptions, video_to_clip
from ..motions.retarget import RetargetOptions, retarget
from ._common import run_reported
from .retarget import scene_fps


class ANIMATE_DRAWING_OT_motion_from_video(bpy.types.Operator):
    bl_idname = "animate_drawing.motion_from_video"
    bl_label = "Motion from Video"
    bl_description = ("Track the person filmed in a video and put their motion on the active character "
                      "as its own Action; earlier clips stay on NLA tracks")
    bl_options = {"REGISTER", "UNDO"}

    filepath: StringProperty(name="Video", subtype="FILE_PATH")
    filter_glob: StringProperty(default=";".join(f"*{ext}" for ext in VIDEO_EXTENSIONS), options={"HIDDEN"})
    person: IntProperty(name="Person", default=1, min=1,
                        description="Which performer: 1 = the largest and most central, 2 = the next, …")
    start: FloatProperty(name="Start", default=0.0, min=0.0, unit="TIME_ABSOLUTE",
                         description="First second of the video to use")
    end: FloatProperty(name="End", default=0.0, min=0.0, unit="TIME_ABSOLUTE",
                       description="Last second of the video to use; 0 = its end")
    mirror: BoolProperty(name="Mirror", default=False, description="Swap left and right (selfie videos)")
    set_scene_range: BoolProperty(name="Set Scene Range", default=True,
                                  description="Make the scene's frame range play the clip")

    @classmethod
    def poll(cls, context):
        return active_character(context) is not None

    def invoke(self, context, event):
        context.window_manager.fileselect_add(self)
        return {"RUNNING_MODAL"}

    def execute(self, context):
        armature = active_character(context)
        scene = context.scene
        window_manager = context.window_manager

        def work():
            fps = scene_fps(scene)
            options = VideoMotionOptions(person=self.person, start=self.start,
                                         end=self.end if self.end > self.start else None,
                                         mirror=self.mirror, fps=fps)
            window_manager.progress_begin(0, 100)
            try:
                video, _ = video_to_clip(self.filepath, options,
                                         lambda done: window_manager.progress_update(int(done * 100)))
            finally:
                window_manager.progress_end()
            props = armature.animate_drawing
            result = retarget(video.clip, bone_plans(armature, props.scale, props.origin_uv), None,
                              RetargetOptions(fps=fps), scale=props.scale)
            action = apply_retarget(armature, result, Path(self.filepath).stem, scene_fps=fps,
                                    frame_start=scene.frame_start)
            if self.set_scene_range:
                scene.frame_end = scene.frame_start + result.frame_count - 1
            for warning in video.warnings:
                self.report({"WARNING"}, warning)
            return f"{action.name}: {result.frame_count} frames from {Path(self.filepath).name}"
        return run_reported(self, work)


CLASSES = (ANIMATE_DRAWING_OT_motion_from_video,)
