"""Render a scene's frames to RGBA arrays with the chosen engine.

`flat` evaluates the deformed meshes per frame (depsgraph, `foreach_get`) and rasterises
them with raster.py; `cycles`/`workbench`/`eevee` render through Blender into a temporary
PNG per frame, read back. Either way the caller gets (frame, (H, W, 4) uint8 RGBA) pairs,
so compositing and encoding are the same for every engine.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator

import numpy as np
import bpy

from ..imaging.image_file import read_image
from . import raster, scene_setup
from .build_material import read_image_rgba


@contextlib.contextmanager
def quiet_blender():
    """Silence Blender's C-level chatter ("Fra:", "Saved:", "Video append frame") while it
    renders or writes files: stdout stays clean for --json and the terminal for progress.
    Errors still surface as Python exceptions once the streams are restored. Python-level
    prints of Blender's own add-ons (the glTF exporter's INFO lines) are silenced too."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, 1)
        os.dup2(null, 2)
        with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
            yield
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for fd in (*saved, null):
            os.close(fd)


def texture_image(ob: bpy.types.Object) -> bpy.types.Image | None:
    """The first image texture of the object's materials (the drawing), if any."""
    for slot in ob.material_slots:
        material = slot.material
        if material is None or material.node_tree is None:
            continue
        for node in material.node_tree.nodes:
            if node.type == "TEX_IMAGE" and node.image is not None:
                return node.image
    return None


def flat_unsupported(objects) -> list[str]:
    """Names of meshes the flat rasteriser cannot show exactly (no image-textured material)."""
    return [ob.name for ob in objects if texture_image(ob) is None or not ob.data.uv_layers]


def textured_mesh(ob: bpy.types.Object) -> raster.TexturedMesh:
    """Topology, per-corner UVs and texture of a mesh (fixed for the whole clip)."""
    mesh = ob.data
    mesh.calc_loop_triangles()
    count = len(mesh.loop_triangles)
    vertices = np.empty(count * 3, np.int32)
    loops = np.empty(count * 3, np.int32)
    mesh.loop_triangles.foreach_get("vertices", vertices)
    mesh.loop_triangles.foreach_get("loops", loops)
    uv = np.empty(len(mesh.loops) * 2, np.float32)
    mesh.uv_layers.active.data.foreach_get("uv", uv)
    corner_uv = uv.reshape(-1, 2)[loops].reshape(count, 3, 2)
    return raster.TexturedMesh(vertices.reshape(count, 3), corner_uv, read_image_rgba(texture_image(ob)))


def flat_frames(scene: bpy.types.Scene, frames: Iterable[int]) -> Iterator[tuple[int, np.ndarray]]:
    objects = scene_setup.rendered_objects(scene)
    unsupported = flat_unsupported(objects)
    if unsupported:
        raise ValueError(f"the flat renderer needs image-textured meshes; not: {', '.join(unsupported)}")
    meshes = [textured_mesh(ob) for ob in objects]
    width, height = scene.render.resolution_x, scene.render.resolution_y
    depsgraph = bpy.context.evaluated_depsgraph_get()
    for frame in frames:
        scene.frame_set(frame)
        positions = [
            scene_setup.project_to_pixels(scene.camera, scene, scene_setup.evaluated_world_vertices(ob, depsgraph))
            for ob in objects
        ]
        yield frame, raster.shade(meshes, positions, width, height)


def blender_frames(scene: bpy.types.Scene, frames: Iterable[int]) -> Iterator[tuple[int, np.ndarray]]:
    with tempfile.TemporaryDirectory(prefix="animate_drawing_render_") as folder:
        path = os.path.join(folder, "frame.png")
        for frame in frames:
            scene.frame_set(frame)
            scene.render.filepath = path
            with quiet_blender():
                bpy.ops.render.render(write_still=True, scene=scene.name)
            yield frame, read_image(path)[0]


def render_frames(scene: bpy.types.Scene, engine: str, frames: Iterable[int],
                  on_frame: Callable[[int], None] | None = None) -> Iterator[tuple[int, np.ndarray]]:
    """(frame, RGBA) for each frame; the scene must already be configured (scene_setup)."""
    source = flat_frames if engine == "flat" else blender_frames
    for frame, rgba in source(scene, frames):
        if on_frame is not None:
            on_frame(frame)
        yield frame, rgba
