"""The filmed video beside the character, playing in step with the keyed motion.

An image empty showing the movie, parented to the character's armature and standing in the
drawing's plane (y = 0, facing the camera) to its right: the artist compares the two while
scrubbing the timeline. Empties never render, so it stays out of the pictures and movies.
A movie image plays one of its frames per scene frame; when the video's rate differs from the
scene's, the image's frame offset is keyed linearly (two keys) so that scene frame f shows the
video at the time the motion's frame f came from.
"""

from __future__ import annotations

import math
import os

import bpy
from mathutils import Vector

from .. import compat

TAG = "animate_drawing_video"   # custom property on the empty: the video's path
GAP = 0.1                       # space between the drawing and the video, in character heights


def video_references(armature: bpy.types.Object) -> list[bpy.types.Object]:
    return [child for child in armature.children if TAG in child]


def add_video_reference(armature: bpy.types.Object, path: str | os.PathLike, *, first_time: float,
                        video_fps: float, frame_count: int, size: tuple[int, int], scene_fps: float,
                        frame_start: int, frame_end: int) -> bpy.types.Object:
    """Show `path` beside `armature`; its frame at `first_time` seconds on scene frame
    `frame_start`, then in step at the two rates. Replaces an earlier reference."""
    remove_video_references(armature)
    path = os.path.abspath(os.fspath(path))
    image = bpy.data.images.load(path, check_existing=True)
    name = f"{armature.animate_drawing.character_name or armature.name} video"
    empty = bpy.data.objects.new(name, None)
    empty[TAG] = path
    for collection in armature.users_collection:
        collection.objects.link(empty)
    empty.empty_display_type = "IMAGE"
    empty.data = image
    empty.use_empty_image_alpha = False
    empty.show_empty_image_perspective = empty.show_empty_image_orthographic = True

    low, high = _drawing_bounds(armature)
    height = max(high.z - low.z, 1e-3)
    width, tall = size
    shown_width = height * width / max(tall, 1)
    # An image empty is drawn in its local XY plane, its larger side `empty_display_size` long.
    empty.empty_display_size = max(height, shown_width)
    empty.empty_image_offset = (0.0, 0.0)   # lower left corner at the origin
    empty.rotation_euler = (math.pi / 2, 0.0, 0.0)   # XY plane → the drawing's XZ plane
    empty.location = (high.x + GAP * height, 0.0, low.z)
    empty.parent = armature
    empty.matrix_parent_inverse = armature.matrix_world.inverted()

    user = empty.image_user
    user.frame_duration = frame_count
    user.frame_start = frame_start
    user.use_auto_refresh = True
    user.use_cyclic = False
    _key_frame_offset(empty, first_time * video_fps, video_fps / scene_fps, frame_start, frame_end)
    return empty


def _key_frame_offset(empty: bpy.types.Object, first_frame: float, ratio: float, frame_start: int,
                      frame_end: int) -> None:
    """The movie shows frame `(f - frame_start) + offset` (0-based) on scene frame f; the
    video frame wanted there is `first_frame + (f - frame_start) * ratio`."""
    def offset(frame: int) -> float:
        return first_frame + (frame - frame_start) * (ratio - 1.0)

    user = empty.image_user
    user.frame_offset = round(offset(frame_start))
    if abs(ratio - 1.0) < 1e-3 or frame_end <= frame_start:
        return
    for frame in (frame_start, frame_end):
        user.frame_offset = round(offset(frame))
        empty.keyframe_insert("image_user.frame_offset", frame=frame)
    for fcurve in _fcurves(empty):
        for key in fcurve.keyframe_points:
            key.interpolation = "LINEAR"
        fcurve.extrapolation = "LINEAR"


def _fcurves(obj: bpy.types.Object):
    anim = obj.animation_data
    return compat.action_fcurves(anim.action) if anim and anim.action else []


def _drawing_bounds(armature: bpy.types.Object) -> tuple[Vector, Vector]:
    """World-space corners of the character's mesh (the armature's own when it has none)."""
    mesh = armature.animate_drawing.mesh_object
    obj = mesh if mesh is not None else armature
    corners = [obj.matrix_world @ Vector(c) for c in obj.bound_box]
    return (Vector([min(c[i] for c in corners) for i in range(3)]),
            Vector([max(c[i] for c in corners) for i in range(3)]))


def remove_video_references(armature: bpy.types.Object) -> int:
    """Delete the character's video references (and their movies when nothing else shows
    them); the number removed."""
    removed = 0
    for empty in video_references(armature):
        image = empty.data
        action = empty.animation_data.action if empty.animation_data else None
        bpy.data.objects.remove(empty)
        if action is not None and action.users == 0:
            bpy.data.actions.remove(action)
        if image is not None and image.users == 0:
            bpy.data.images.remove(image)
        removed += 1
    return removed
