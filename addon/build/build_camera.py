"""Orthographic front cameras (at −Y looking along +Y): aimed at a box in the drawing's plane,
and a character's own camera, first on its rest pose (a motion reframes it: scene_setup)."""

from __future__ import annotations

import math

import bpy

CAMERA_DISTANCE = 10.0
# Room around the rest pose for raised arms, kicks and jumps, until a motion says how much.
REST_MARGIN = 0.175   # fraction of the drawing's extent left free on each side


def aim_camera(camera: bpy.types.Object, bounds, width: int, height: int, margin: float) -> None:
    """Point `camera` so that a `width` × `height` render holds `bounds` (x_min, x_max, z_min,
    z_max) with `margin` × the box's extent free on each side, centred."""
    x0, x1, z0, z1 = bounds
    extent_x = max(x1 - x0, 1e-3) * (1 + 2 * margin)
    extent_z = max(z1 - z0, 1e-3) * (1 + 2 * margin)
    # Blender's ortho_scale spans the larger image side (sensor fit AUTO).
    per_unit = min(width / extent_x, height / extent_z)
    data = camera.data
    data.type = "ORTHO"
    data.sensor_fit = "AUTO"
    data.ortho_scale = max(width, height) / per_unit
    data.clip_start = 0.01
    data.clip_end = CAMERA_DISTANCE * 4
    camera.location = ((x0 + x1) / 2, -CAMERA_DISTANCE, (z0 + z1) / 2)
    camera.rotation_euler = (math.pi / 2, 0.0, 0.0)  # view −Z → world +Y, camera up → +Z


def build_camera(name: str, world_points, scene: bpy.types.Scene) -> bpy.types.Object:
    """A camera object (not linked to any collection) framing the given world points (N, 3) at
    the scene's render size."""
    camera = bpy.data.objects.new(name, bpy.data.cameras.new(name))
    bounds = (world_points[:, 0].min(), world_points[:, 0].max(), world_points[:, 2].min(), world_points[:, 2].max())
    aim_camera(camera, [float(b) for b in bounds], scene.render.resolution_x, scene.render.resolution_y, REST_MARGIN)
    return camera
