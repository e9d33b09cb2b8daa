"""`animate_drawing.motion_from_video`: a video of a person → an Action on the active character.

Runs as a job: each stretch of a few frames is one main-thread stage (Blender decodes them),
so the status bar shows the progress and Esc stops the work within a fraction of a second;
the filtering runs on a worker thread; keying is the last stage. Cancelled or failed, the
scene is left as it was.
"""

from __future__ import annotations

from pathlib import Path

import bpy
from bpy.props import BoolProperty, FloatProperty, IntProperty, StringProperty

from ..addon import jobs
from ..addon.animate.face_motion import key_face
from ..addon.animate.motion import apply_retarget
from ..addon.animate.video_motion import VideoMotionOptions, VideoTracking, clip_options
from ..addon.animate.video_reference import add_video_reference, remove_video_references, video_references
from ..addon.build.build_armature import bone_plans
from ..addon.build.build_face import face_controls, face_notes
from ..addon.output.scene_setup import frame_characters
from ..addon.ui.properties import active_character
from ..errors import AnimateDrawingError
from ..motions.retarget import RetargetOptions, retarget
from ..motions.source import Motion
from ..motions.video_clip import VIDEO_EXTENSIONS, VideoClip, clip_from_track
from ._common import select_only
from .retarget import scene_fps
from .ui_common import start_reported, tell_if_failed, tell_user


def key_video_motion(armature, video: VideoClip, name: str, fps: float, frame_start: int,
                     follow_face: bool) -> tuple[bpy.types.Action, int]:
    """Retarget the performer's clip onto `armature` as its active action from `frame_start` and
    key its face like the motion stage does (`key_face`): the performer's (`video.face`) with
    `follow_face`, idle blinks otherwise or when that face could not be followed (the reason
    joins `video.warnings`). Returns the action and its length in scene frames."""
    props = armature.animate_drawing
    result = retarget(video.clip, bone_plans(armature, props.scale, props.origin_uv), None,
                      RetargetOptions(fps=fps), scale=props.scale)
    action = apply_retarget(armature, result, name, scene_fps=fps, frame_start=frame_start)
    motion = Motion(video.clip, name, loops=False, source="video", face=video.face)
    last = frame_start + result.frame_count - 1
    if key_face(armature, "video" if follow_face else "idle", motion, frame_start, last, fps,
                clip_start=frame_start) == "idle" and follow_face:
        video.warnings.append(face_notes(armature)[-1])
    return action, result.frame_count


def motion_from_video_job(armature, path: str, options: VideoMotionOptions, set_scene_range: bool,
                          warnings: list[str], show_video: bool = True) -> jobs.Job:
    """The job's stages; opening the video happens now, so a file that is no video fails at once.
    Warnings (legs not seen, person rarely found) are appended to `warnings` and shown."""
    tracking = VideoTracking(path, options)
    fps = options.fps

    def track(_):
        tracking.step()

    def clean(_):
        video = clip_from_track(tracking.track(), clip_options(options))
        video.face = tracking.face_track()
        return video

    def key(video):
        scene = bpy.context.scene
        action, frame_count = key_video_motion(armature, video, Path(path).stem, fps, scene.frame_start,
                                               options.face)
        last = scene.frame_start + frame_count - 1
        frame_characters(scene, [armature], range(scene.frame_start, last + 1))
        if set_scene_range:
            scene.frame_end = last
        if show_video:
            info = tracking.info
            add_video_reference(armature, path, first_time=float(tracking.times[0]), video_fps=info.fps,
                                frame_count=info.frame_count, size=(info.width, info.height), scene_fps=fps,
                                frame_start=scene.frame_start, frame_end=last)
        select_only(bpy.context, armature)
        warnings.extend(video.warnings)
        for warning in video.warnings:  # after the operator returned: a popup (none in background)
            tell_user(warning, icon="INFO")
        return action

    def finished(job: jobs.Job) -> None:
        tracking.close()   # done, failed or cancelled: the decoding scene goes
        tell_if_failed(job)

    # One label for every stretch (translatable); the status bar's progress counts them.
    stages = [jobs.Stage("Tracking the person", track, on_main_thread=True)] * tracking.step_count()
    return jobs.Job("Motion from Video", stages + [
        jobs.Stage("Cleaning the motion", clean),
        jobs.Stage("Keying the Action", key, on_main_thread=True),
    ], on_finished=finished)


class ANIMATE_DRAWING_OT_motion_from_video(bpy.types.Operator):
    bl_idname = "animate_drawing.motion_from_video"
    bl_label = "Motion from Video"
    bl_description = ("Track the person filmed in a video and put their motion on the active character "
                      "as its own Action; earlier clips stay on NLA tracks")
    bl_options = {"REGISTER"}  # the job records the one undo step when it finishes

    filepath: StringProperty(name="Video", subtype="FILE_PATH", description="The video of the person whose motion to copy")
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
    show_video: BoolProperty(name="Show Video", default=True,
                             description="Show the video beside the character, in step with the timeline "
                                         "(a reference: it does not render)")
    face: BoolProperty(name="Follow the Face", default=True, options={"SKIP_SAVE"},
                       description="Key the character's blink, smile, open mouth and gaze from the performer's "
                                   "face (characters with a face rig; a face too small to follow leaves idle "
                                   "blinks)")
    interactive: BoolProperty(
        name="Interactive", options={"HIDDEN", "SKIP_SAVE"},
        description="Work behind the interface (set when started from the interface)",
    )

    @classmethod
    def poll(cls, context):
        return active_character(context) is not None

    def invoke(self, context, event):
        self.interactive = True
        if not self.properties.is_property_set("face"):  # ticked for characters with a face rig
            self.face = bool(face_controls(active_character(context)))
        if self.filepath:  # dropped on the viewport (file handler) or given by a script
            return self.execute(context)
        context.window_manager.fileselect_add(self)
        return {"RUNNING_MODAL"}

    def execute(self, context):
        options = VideoMotionOptions(person=self.person, start=self.start,
                                     end=self.end if self.end > self.start else None,
                                     mirror=self.mirror, fps=scene_fps(context.scene),
                                     face=self.face and bool(face_controls(active_character(context))))
        warnings: list[str] = []
        try:
            job = motion_from_video_job(active_character(context), self.filepath, options,
                                        self.set_scene_range, warnings, self.show_video)
        except AnimateDrawingError as error:
            self.report({"ERROR"}, str(error))
            return {"CANCELLED"}
        status = start_reported(self, job, wait=not self.interactive)
        for warning in warnings:  # known now when the job ran to the end here
            self.report({"WARNING"}, warning)
        return status


class ANIMATE_DRAWING_OT_remove_video_reference(bpy.types.Operator):
    bl_idname = "animate_drawing.remove_video_reference"
    bl_label = "Remove Video"
    bl_description = "Remove the video shown beside the active character (its motion stays)"
    bl_options = {"REGISTER", "UNDO"}

    @classmethod
    def poll(cls, context):
        armature = active_character(context)
        return armature is not None and bool(video_references(armature))

    def execute(self, context):
        remove_video_references(active_character(context))
        return {"FINISHED"}


CLASSES = (ANIMATE_DRAWING_OT_motion_from_video, ANIMATE_DRAWING_OT_remove_video_reference)
