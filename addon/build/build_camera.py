"""An orthographic front camera (at −Y looking along +Y) framing a character."""

from __future__ import annotations

import math

import numpy as np
import bpy

# Room around the rest pose for raised arms, kicks and jumps.
FRAME_MARGIN = 1.35
CAMERA_DISTANCE = 10.0


def frame_bounds(world_points: np.ndarray) -> tuple[float, float, float]:
    """(center_x, center_z, ortho_scale) of a square frame around world points (N, 3), with margin."""
    x0, z0 = world_points[:, 0].min(), world_points[:, 2].min()
    x1, z1 = world_points[:, 0].max(), world_points[:, 2].max()
    return (x0 + x1) / 2.0, (z0 + z1) / 2.0, max(x1 - x0, z1 - z0) * FRAME_MARGIN


def build_camera(name: str, world_points: np.ndarray) -> bpy.types.Object:
    """A camera object (not linked to any collection) framing the given world points."""
    center_x, center_z, ortho_scale = frame_bounds(world_points)
    data = bpy.data.cameras.new(name)
    data.type = "ORTHO"
    data.ortho_scale = float(ortho_scale)
    data.clip_start = 0.1
    data.clip_end = CAMERA_DISTANCE * 3.0
    camera = bpy.data.objects.new(name, data)
    camera.location = (float(center_x), -CAMERA_DISTANCE, float(center_z))
    camera.rotation_euler = (math.pi / 2.0, 0.0, 0.0)  # local −Z (view) → world +Y, local Y (up) → +Z
    return camera
