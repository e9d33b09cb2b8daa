"""Render settings, render engine choice and cameras that frame a whole motion.

Engines: `flat` is our own exact rasteriser for flat textured meshes (see raster.py, the
fast default); `cycles` runs on the CPU everywhere and is the reference; `workbench` and
`eevee` need an OpenGL context, and Workbench without one aborts the whole process
(SIGABRT, not an exception), so GL is probed once in a child process.
"""

from __future__ import annotations

import functools
import subprocess
import sys

import numpy as np
import bpy

from .. import compat
from ..build import build_camera
from .engines import ENGINES

RENDER_CAMERA_NAME = "AnimateDrawing_render_camera"
FRAME_MARGIN = 0.06  # fraction of the motion's extent left free on each side

_GL_PROBE = (
    "import bpy, gpu\n"
    "s = bpy.context.scene\n"
    "s.render.engine = 'BLENDER_WORKBENCH'\n"
    "s.render.resolution_x = s.render.resolution_y = 8\n"
    "bpy.ops.render.render()\n"
    "print('GL_DEVICE', gpu.platform.device_type_get())\n"
)
EEVEE_ON_SOFTWARE_GL = (
    "EEVEE is running on software OpenGL (no GPU): its first frame alone takes over a minute "
    "(shader compilation) and every frame seconds; the flat engine (default) or cycles is far faster"
)


def _blender_python_command(code: str) -> list[str]:
    """Run `code` in a fresh process that has bpy: the Blender binary, or this Python (bpy wheel)."""
    if bpy.app.binary_path:
        return [bpy.app.binary_path, "-b", "--factory-startup", "--python-exit-code", "1", "--python-expr", code]
    return [sys.executable, "-c", code]


@functools.lru_cache(maxsize=1)
def gl_device() -> str | None:
    """The OpenGL device type Workbench/EEVEE would use ("SOFTWARE" for Mesa llvmpipe, else
    e.g. "NVIDIA"), or None where there is no OpenGL (they abort the process then)."""
    try:
        done = subprocess.run(_blender_python_command(_GL_PROBE), capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0:
        return None
    found = [line.split(None, 1)[1] for line in done.stdout.splitlines() if line.startswith("GL_DEVICE ")]
    return found[-1].strip() if found else "UNKNOWN"


def gl_available() -> bool:
    """Whether Workbench/EEVEE can render here."""
    return gl_device() is not None


def engine_warning(name: str) -> str | None:
    """A line for the user when the chosen engine will be very slow here."""
    if name == "eevee" and gl_device() == "SOFTWARE":
        return EEVEE_ON_SOFTWARE_GL
    return None


def resolve_engine(name: str) -> str:
    """Validate an engine name; a GL engine without GL falls back to Cycles (with a reason)."""
    if name not in ENGINES:
        raise ValueError(f"unknown engine {name!r}; choose one of {', '.join(ENGINES)}")
    if name in ("workbench", "eevee") and not gl_available():
        raise RuntimeError(f"the {name} engine needs OpenGL, which this machine lacks: use --engine cycles or flat")
    return name


def configure_render(scene: bpy.types.Scene, engine: str, width: int, height: int, fps: float) -> None:
    """Resolution, frame rate, exact colours (Standard view) and transparent film."""
    render = scene.render
    render.resolution_x, render.resolution_y = int(width), int(height)
    render.resolution_percentage = 100
    render.fps, render.fps_base = fps_pair(fps)
    render.film_transparent = True
    scene.view_settings.view_transform = "Standard"  # AgX/Filmic would alter drawing colours
    scene.view_settings.look = "None"
    scene.view_settings.exposure = 0.0
    scene.view_settings.gamma = 1.0
    render.image_settings.file_format = "PNG"
    render.image_settings.color_mode = "RGBA"
    render.image_settings.color_depth = "8"
    if engine in ("cycles", "flat"):
        _tune_cycles(scene)
    elif engine == "workbench":
        render.engine = "BLENDER_WORKBENCH"
        shading = scene.display.shading
        shading.light = "FLAT"
        shading.color_type = "TEXTURE"
        scene.display.render_aa = "OFF"
    elif engine == "eevee":
        render.engine = compat.eevee_engine_id()
        scene.eevee.taa_render_samples = 1


def _tune_cycles(scene: bpy.types.Scene) -> None:
    """Cycles for unlit flat drawings: 1 centred sample, no bounces, no denoising."""
    scene.render.engine = "CYCLES"
    cycles = scene.cycles
    cycles.device = "CPU"
    cycles.samples = 1
    cycles.use_adaptive_sampling = False
    cycles.use_denoising = False
    cycles.max_bounces = 0
    cycles.diffuse_bounces = cycles.glossy_bounces = cycles.transmission_bounces = 0
    cycles.volume_bounces = 0
    cycles.transparent_max_bounces = 8  # texture alpha is a transparent BSDF: it needs these
    cycles.caustics_reflective = cycles.caustics_refractive = False
    cycles.pixel_filter_type = "BOX"
    cycles.filter_width = 0.01  # sample the pixel centre, like the flat rasteriser
    scene.render.use_persistent_data = True


def fps_pair(fps: float) -> tuple[int, float]:
    """Blender stores fps as an int and a base: 29.97 → (30, 1.001)."""
    whole = max(1, round(fps))
    return whole, whole / fps


def rendered_objects(scene: bpy.types.Scene) -> list[bpy.types.Object]:
    """Mesh objects that show up in renders, in a stable order."""
    return sorted(
        (ob for ob in scene.objects if ob.type == "MESH" and not ob.hide_render and ob.visible_get()),
        key=lambda ob: ob.name,
    )


def evaluated_world_vertices(ob: bpy.types.Object, depsgraph) -> np.ndarray:
    """(N, 3) world positions of the deformed (armature-evaluated) mesh at the current frame."""
    return to_world(*evaluated_vertices(ob, depsgraph))


def evaluated_vertices(ob: bpy.types.Object, depsgraph) -> tuple[np.ndarray, np.ndarray]:
    """(N, 3) float32 local positions of the deformed mesh at the current frame, and its
    (4, 4) world matrix."""
    evaluated = ob.evaluated_get(depsgraph)
    mesh = evaluated.data
    co = np.empty(len(mesh.vertices) * 3, np.float32)
    mesh.vertices.foreach_get("co", co)
    return co.reshape(-1, 3), np.array(evaluated.matrix_world, np.float64)


def to_world(co: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    return co @ matrix[:3, :3].T + matrix[:3, 3]


# Evaluated vertices motion_bounds keeps for the renderer, at most (a 779-frame clip of a
# 3,000-vertex figure takes 30 MB); frames beyond are evaluated again when drawn.
KEEP_BYTES = 32 * 2**20


def motion_bounds(scene: bpy.types.Scene, objects, frames,
                  keep: dict | None = None) -> tuple[float, float, float, float]:
    """(x_min, x_max, z_min, z_max) of the meshes over every frame (a jump or a kick included).
    Every frame is evaluated for it (frame_set + depsgraph): with `keep`, a dict, the evaluated
    vertices of the first frames (up to KEEP_BYTES) are kept there, {frame: [(co, matrix) per
    object]}, so that the flat renderer need not evaluate them a second time."""
    return group_motion_bounds(scene, [objects], frames, keep, objects)[0]


def group_motion_bounds(scene: bpy.types.Scene, groups, frames, keep: dict | None = None,
                        kept_objects=()) -> list[tuple[float, float, float, float]]:
    """`motion_bounds` of each group of meshes, each mesh evaluated once a frame however many
    groups hold it; `keep` gets the evaluated vertices of `kept_objects`, in that order."""
    depsgraph = bpy.context.evaluated_depsgraph_get()
    objects = list(dict.fromkeys(ob for group in groups for ob in group))
    index = {ob: i for i, ob in enumerate(objects)}
    lo = np.full((len(objects), 3), np.inf)
    hi = np.full((len(objects), 3), -np.inf)
    kept = 0
    for frame in frames:
        scene.frame_set(frame)
        evaluated = [evaluated_vertices(ob, depsgraph) for ob in objects]
        for i, (co, matrix) in enumerate(evaluated):
            if len(co):
                points = to_world(co, matrix)
                lo[i] = np.minimum(lo[i], points.min(0))
                hi[i] = np.maximum(hi[i], points.max(0))
        chosen = [evaluated[index[ob]] for ob in kept_objects]
        size = sum(co.nbytes for co, _ in chosen)
        if keep is not None and kept + size <= KEEP_BYTES:
            keep[frame] = chosen
            kept += size
    bounds = []
    for group in groups:
        rows = [index[ob] for ob in group]
        low = lo[rows].min(0) if rows else np.full(3, np.inf)
        high = hi[rows].max(0) if rows else np.full(3, -np.inf)
        if not np.all(np.isfinite(low)):
            raise ValueError("nothing to frame: the scene has no visible mesh")
        bounds.append((float(low[0]), float(high[0]), float(low[2]), float(high[2])))
    return bounds


def frame_camera(scene: bpy.types.Scene, bounds, margin: float = FRAME_MARGIN) -> bpy.types.Object:
    """The render camera, made the scene's, holding `bounds` at the render aspect."""
    camera = scene.objects.get(RENDER_CAMERA_NAME)
    if camera is None:
        camera = bpy.data.objects.new(RENDER_CAMERA_NAME, bpy.data.cameras.new(RENDER_CAMERA_NAME))
        scene.collection.objects.link(camera)
    build_camera.aim_camera(camera, bounds, scene.render.resolution_x, scene.render.resolution_y, margin)
    scene.camera = camera
    return camera


def frame_characters(scene: bpy.types.Scene, armatures, frames, scene_objects=(), keep: dict | None = None):
    """Aim each character's own camera at all its meshes cover over `frames` (every pose of the
    clip just keyed: a jump's top, a dance's widest step), so the artist's camera view shows the
    whole motion. The scene stays at its current frame. With `scene_objects`, their bounds over
    the same frames come back too (the render camera's, `frame_camera`), measured in the same
    pass over the frames (and `keep` gets their evaluated vertices, see motion_bounds); else None."""
    shown = set(rendered_objects(scene))
    cameras, groups = [], []
    for armature in armatures:   # one whose camera was deleted or whose body is hidden is left as it is
        props = armature.animate_drawing
        if props.camera_object is not None and props.mesh_object in shown:
            cameras.append(props.camera_object)
            groups.append([ob for ob in armature.users_collection[0].all_objects if ob in shown])
    whole = [list(scene_objects)] if len(scene_objects) else []
    if not groups and not whole:
        return None
    current = scene.frame_current
    try:
        bounds = group_motion_bounds(scene, groups + whole, frames, keep, scene_objects)
    finally:
        scene.frame_set(current)
    for camera, box in zip(cameras, bounds):
        build_camera.aim_camera(camera, box, scene.render.resolution_x, scene.render.resolution_y, FRAME_MARGIN)
    return bounds[-1] if whole else None


def project_to_pixels(camera: bpy.types.Object, scene: bpy.types.Scene, world: np.ndarray) -> np.ndarray:
    """(N, 3) world → (N, 3) (pixel x right, pixel y down, depth along the view; smaller = nearer)."""
    width, height = scene.render.resolution_x, scene.render.resolution_y
    inverse = np.array(camera.matrix_world.inverted(), np.float64)
    local = world @ inverse[:3, :3].T + inverse[:3, 3]
    per_unit = max(width, height) / camera.data.ortho_scale
    out = np.empty_like(local)
    out[:, 0] = width / 2 + (local[:, 0] - camera.data.shift_x * camera.data.ortho_scale) * per_unit
    out[:, 1] = height / 2 - (local[:, 1] - camera.data.shift_y * camera.data.ortho_scale) * per_unit
    out[:, 2] = -local[:, 2]
    return out
