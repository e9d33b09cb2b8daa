"""`animate_drawing.retarget`: a BVH file or library clip → an Action on the active character."""

from __future__ import annotations

import json

import bpy
from bpy.props import BoolProperty, EnumProperty, FloatProperty, IntProperty, StringProperty

from ..addon.animate.motion import resolve_clip, retarget_clip
from ..addon.output.scene_setup import frame_characters
from ..addon.ui.properties import active_character
from ..errors import InputError
from ..motions.retarget import RetargetOptions
from ._common import progress, run_reported

PROJECTIONS = (
    ("auto", "Auto", "Front or side view per body part, whichever shows the motion best"),
    ("frontal", "Front", "Look at the actor from the front"),
    ("sagittal", "Side", "Look at the actor from the side (walks, runs)"),
)
ROOT_MOTIONS = (
    ("scaled", "Scaled", "Move the character as far as the actor, scaled by leg length"),
    ("in_place", "In Place", "Keep the character where it stands"),
    ("raw", "Raw", "Move the character exactly as far as the actor"),
)
CYCLIC = (
    ("AUTO", "Auto", "Loop library clips (an animation that repeats); play BVH files once"),
    ("ON", "Loop", "Make the clip loop"),
    ("OFF", "Once", "Play the clip once"),
)
INTERPOLATION = (
    ("LINEAR", "Linear", "Straight lines between keys (exactly the retargeted poses)"),
    ("BEZIER", "Bezier", "Smooth auto-clamped curves, easy to edit"),
)


def scene_fps(scene) -> float:
    return scene.render.fps / scene.render.fps_base


def parse_mapping(text: str) -> dict[str, str] | None:
    """The mapping table's JSON → {character joint: clip joint}; empty text = automatic (None).
    Raises InputError naming the problem."""
    if not text.strip():
        return None
    try:
        mapping = json.loads(text)
    except json.JSONDecodeError as error:
        raise InputError(None, f"joint mapping is not valid JSON: {error}") from None
    if not isinstance(mapping, dict) or not all(isinstance(joint, str) and isinstance(clip_joint, str)
                                                for joint, clip_joint in mapping.items()):
        raise InputError(None, 'joint mapping must be a JSON object {"character joint": "clip joint"}')
    return mapping


class ANIMATE_DRAWING_OT_retarget(bpy.types.Operator):
    bl_idname = "animate_drawing.retarget"
    bl_label = "Retarget Motion"
    bl_description = ("Put a motion-capture clip (BVH file or library clip) on the active character "
                      "as its own Action; earlier clips stay on NLA tracks")
    bl_options = {"REGISTER", "UNDO"}

    filepath: StringProperty(name="BVH File", subtype="FILE_PATH")
    filter_glob: StringProperty(default="*.bvh", options={"HIDDEN"})
    clip: StringProperty(name="Library Clip", description="Id of a clip of the motion library (instead of a file)")
    projection: EnumProperty(name="Projection", items=PROJECTIONS, default="auto")
    root_motion: EnumProperty(name="Root Motion", items=ROOT_MOTIONS, default="scaled")
    speed: FloatProperty(name="Speed", default=1.0, min=0.01, max=100.0)
    cyclic: EnumProperty(name="Loop", items=CYCLIC, default="AUTO")
    clip_frame_start: IntProperty(name="First Clip Frame", default=0, min=0,
                                  description="First frame of the BVH clip to use (0-based)")
    clip_frame_end: IntProperty(name="Last Clip Frame", default=-1, min=-1,
                                description="Last frame of the BVH clip to use; -1 = its last frame")
    interpolation: EnumProperty(name="Interpolation", items=INTERPOLATION, default="LINEAR")
    set_scene_range: BoolProperty(name="Set Scene Range", default=True,
                                  description="Make the scene's frame range play the clip")
    mapping: StringProperty(name="Joint Mapping", options={"HIDDEN", "SKIP_SAVE"},
                            description="JSON {character joint: clip joint} from the mapping table; "
                                        "empty = automatic")

    @classmethod
    def poll(cls, context):
        return active_character(context) is not None

    def invoke(self, context, event):
        if self.clip:
            return self.execute(context)
        context.window_manager.fileselect_add(self)
        return {"RUNNING_MODAL"}

    def execute(self, context):
        armature = active_character(context)
        scene = context.scene

        def work():
            with progress(context, 2) as advance:
                mapping = parse_mapping(self.mapping)
                path, name, from_library = resolve_clip(self.filepath or self.clip)
                loops = {"ON": True, "OFF": False}.get(self.cyclic, from_library)
                options = RetargetOptions(
                    fps=scene_fps(scene), projection=self.projection, root_motion=self.root_motion,
                    speed=self.speed, frame_start=self.clip_frame_start,
                    frame_end=None if self.clip_frame_end < 0 else self.clip_frame_end, cyclic=loops)
                advance()
                action, result = retarget_clip(armature, path, name, options, self.interpolation,
                                               frame_start=scene.frame_start, mapping=mapping)
                advance()
            frame_characters(scene, [armature], range(scene.frame_start, scene.frame_start + result.frame_count))
            if self.set_scene_range:
                scene.frame_end = scene.frame_start + result.frame_count - 1
            return f"{action.name}: {result.frame_count} frames"
        return run_reported(self, work)


CLASSES = (ANIMATE_DRAWING_OT_retarget,)
