"""Render a scene's frames to RGBA arrays with the chosen engine, one frame at a time.

`flat` evaluates the deformed meshes per frame (depsgraph, `foreach_get`) here and
rasterises them with raster.py in helper processes (frame_worker), frames ahead: frames
N+1 and N+2 are rasterised while the caller encodes frame N, so both cores work.
`cycles`/`workbench`/`eevee` render through Blender into one scratch PNG, overwritten every
frame and read back. Either way the caller gets (frame, (H, W, 4) uint8 RGBA, prepared)
triples, so compositing and encoding are the same for every engine; `prepare` (optional,
pure numpy) turns a frame into what the encoder takes, in the helper process for `flat`.
A caller that only wants the prepared frames passes `rgba=False` and gets None for RGBA.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator

import numpy as np
import bpy

from ...imaging import raster
from ...imaging.image_file import read_image
from ..build.build_material import read_image_rgba
from . import frame_worker, scene_setup


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


# What the encoder takes: a movie_writer.VideoFrames, called on a frame (Blender engines) or
# painting into the worker's slot in place (flat).
Prepare = Callable[[np.ndarray], np.ndarray]


class _SlotPainter:
    """Paints flat frames into reused output slots (frame_worker): only the pixels the figure
    covered the last time a slot was used are cleared, so a frame costs what its figure
    covers rather than the whole image. Runs where the worker draws (numpy only). The RGBA
    output is left out (`rgba=False`) when no caller needs it, only the video frame is painted."""

    def __init__(self, rasteriser: raster.Rasteriser, splits: np.ndarray, video, rgba: bool = True):
        self.rasteriser, self.splits, self.video, self.rgba = rasteriser, splits, video, rgba
        self.covered: dict[int, tuple] = {}  # slot -> what each output covered last time

    def __call__(self, positions: np.ndarray, slot: int, outputs) -> None:
        pixel, colours = self.rasteriser.shade_pixels(np.split(positions, self.splits))
        previous, previous_video = self.covered.get(slot, (None, None))
        outputs = list(outputs)
        if self.rgba:
            texels = outputs.pop(0).view(np.uint32).reshape(-1)  # an RGBA pixel as one item
            if previous is not None:
                texels[previous] = 0
            texels[pixel] = colours.view(np.uint32).reshape(-1)
        if self.video is not None:
            previous_video = self.video.paint(outputs[0], pixel, colours, previous_video)
        self.covered[slot] = pixel, previous_video


def flat_frames(scene: bpy.types.Scene, frames: Iterable[int], prepare: Prepare | None = None,
                rgba: bool = True, evaluated: dict | None = None) -> Iterator[tuple]:
    """`evaluated`: vertices motion_bounds kept ({frame: [(co, matrix) per object]}), used
    instead of evaluating those frames again; the scene must not have changed since."""
    objects = scene_setup.rendered_objects(scene)
    unsupported = flat_unsupported(objects)
    if unsupported:
        raise ValueError(f"the flat renderer needs image-textured meshes; not: {', '.join(unsupported)}")
    width, height = scene.render.resolution_x, scene.render.resolution_y
    rasteriser = raster.Rasteriser([textured_mesh(ob) for ob in objects], width, height)
    counts = [len(ob.data.vertices) for ob in objects]
    depsgraph = bpy.context.evaluated_depsgraph_get()

    def positions_at(frame: int) -> np.ndarray:  # bpy: this thread only
        meshes = (evaluated or {}).pop(frame, None)
        if meshes is None:
            scene.frame_set(frame)
            meshes = [scene_setup.evaluated_vertices(ob, depsgraph) for ob in objects]
        return np.concatenate([
            scene_setup.project_to_pixels(scene.camera, scene, scene_setup.to_world(co, matrix)) for co, matrix in meshes])

    frames = list(frames)
    if not frames:
        return
    rgba = rgba or prepare is None
    layout = ([((height, width, 4), np.uint8)] if rgba else []) + \
        ([((height * width * 4,), np.float32)] if prepare else [])
    painter = _SlotPainter(rasteriser, np.cumsum(counts)[:-1], prepare, rgba)
    worker = frame_worker.start_worker(painter, layout, (sum(counts), 3))
    try:
        # Frames ahead: the helpers draw the next frames while the caller encodes this one.
        for frame in frames[:worker.ahead]:
            worker.submit(positions_at(frame))
        for index, frame in enumerate(frames):
            if index + worker.ahead < len(frames):
                worker.submit(positions_at(frames[index + worker.ahead]))
            drawn = worker.result()
            # The RGBA frame is copied out of the worker's slot (callers may keep it); the
            # prepared one is only valid until the next frame is asked for.
            yield frame, (drawn[0].copy() if rgba else None), (drawn[-1] if prepare is not None else None)
    finally:
        worker.close()


def blender_frames(scene: bpy.types.Scene, frames: Iterable[int], prepare: Prepare | None = None,
                   rgba: bool = True, evaluated: dict | None = None) -> Iterator[tuple]:
    """Blender renders RGBA whether it is wanted or not: it is always given. Blender evaluates
    each frame itself (`evaluated` is not used)."""
    with tempfile.TemporaryDirectory(prefix="animate_drawing_render_") as folder:
        path = os.path.join(folder, "frame.png")  # one scratch image, overwritten every frame
        for frame in frames:
            scene.frame_set(frame)
            scene.render.filepath = path
            with quiet_blender():
                bpy.ops.render.render(write_still=True, scene=scene.name)
            pixels = read_image(path)[0]
            yield frame, pixels, (prepare(pixels) if prepare is not None else None)


def render_stream(scene: bpy.types.Scene, engine: str, frames: Iterable[int],
                  prepare: Prepare | None = None, rgba: bool = True, evaluated: dict | None = None) -> Iterator[tuple]:
    """(frame, RGBA, prepare(RGBA) or None) for each frame, in order; the scene must already
    be configured (scene_setup). With `rgba=False` and a `prepare`, RGBA may be None;
    `evaluated`: vertices scene_setup.motion_bounds kept."""
    source = flat_frames if engine == "flat" else blender_frames
    return source(scene, frames, prepare, rgba, evaluated)


def render_frames(scene: bpy.types.Scene, engine: str, frames: Iterable[int]) -> Iterator[tuple[int, np.ndarray]]:
    """(frame, (H, W, 4) uint8 RGBA) for each frame, in order."""
    with contextlib.closing(render_stream(scene, engine, frames)) as stream:
        for frame, rgba, _ in stream:
            yield frame, rgba
