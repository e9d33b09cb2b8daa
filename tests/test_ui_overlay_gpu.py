"""The review overlay's GPU drawing, run for real: off screen after a Workbench render has
started Blender's GPU backend (background mode has none until then). Skipped without OpenGL.
The child process checks pixels where the shapes must be, in the Image Editor's way (pixel
space) and the 3D Viewport's (the drawing quad with the view's matrices, the shapes projected),
and prints the verdict."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.blender

_DRAW = r"""
import os, sys, tempfile
import numpy as np
import bpy, animate_drawing
from animate_drawing.addon.ui import review_overlay
from animate_drawing.models.joints import AD_NAMES

scene = bpy.context.scene
scene.render.engine = "BLENDER_WORKBENCH"   # the first GL render initialises the GPU module
scene.render.resolution_x = scene.render.resolution_y = 8
camera = bpy.data.objects.new("camera", bpy.data.cameras.new("camera"))
scene.collection.objects.link(camera)
scene.camera = camera
scene.render.filepath = os.path.join(tempfile.mkdtemp(), "init.png")
bpy.ops.render.render(write_still=True)
animate_drawing.register()

paper = bpy.data.images.new("paper", 320, 160)
paper.pixels.foreach_set(np.tile(np.float32([0.5, 0.5, 0.5, 1.0]), 320 * 160))
# joints on a grid, far apart; the first eight unsure (0), the others sure (1)
joints = [(24 + 36 * (i % 8), 40 + 80 * (i // 8)) for i in range(len(AD_NAMES))]
# a face between the two rows of joints: an eye with a pupil, a mouth
face = {"eyes": [{"center": [60, 80], "radius": 12, "pupil": [65, 80]}],
        "mouth": {"center": [120, 96], "corners": [[100, 90], [140, 90]]}}
figure = {"box": [10, 10, 310, 150], "score": 0.9, "joints": joints,
          "joint_conf": [0.0] * 8 + [1.0] * 8, "outline": [], "face": face}
rgba = review_overlay.review_picture(paper, [figure], 0, 320).astype(int)
checks = {
    "size": rgba.shape == (160, 320, 4),
    "unsure joint red": tuple(rgba[40, 24, :3]) == (255, 0, 0),
    "sure joint green": tuple(rgba[120, 24, :3]) == (0, 255, 0),
    "unsure joint ring white": tuple(rgba[40, 24 + 8, :3]) == (255, 255, 255),
    "box edge yellow": rgba[10, 160, 0] > 200 and rgba[10, 160, 1] > 180 and rgba[10, 160, 2] < 80,
    "paper elsewhere": np.ptp(rgba[75:85, 296:306, :3]) == 0 and rgba[80, 300, 3] == 255,
    "eye marker cyan": np.abs(rgba[80, 60, :3] - np.round(255 * np.array(review_overlay.EYE_RGBA[:3]))).max() <= 2,
    "pupil marker magenta":
        np.abs(rgba[80, 65, :3] - np.round(255 * np.array(review_overlay.PUPIL_RGBA[:3]))).max() <= 2,
    "mouth markers pink": all(np.abs(rgba[y, x, :3] - np.round(255 * np.array(review_overlay.MOUTH_RGBA[:3]))).max()
                              <= 2 for x, y in ((120, 96), (100, 90), (140, 90))),
    "eye circle drawn": rgba[80 - 12, 60, 1] > 150 and rgba[80 - 12, 60, 0] < 100,
}
# An unticked figure (not built on Accept) is drawn faint: its box edge half paper, half yellow.
faint = review_overlay.review_picture(paper, [figure], 0, 320, included=[]).astype(int)
# (between the two in red and blue, well clear of both: Blender 4.2 shows the paper darker)
line, grey = rgba[10, 160, :3], rgba[80, 300, :3]
checks["unticked box faint"] = all(
    min(line[c], grey[c]) + 0.15 * abs(line[c] - grey[c]) < faint[10, 160, c] < max(line[c], grey[c]) - 0.15 * abs(line[c] - grey[c])
    for c in (0, 2))

# The 3D Viewport callbacks, with the view's own matrices, on a real analysis of the example.
import gpu
from bpy_extras.view3d_utils import location_3d_to_region_2d
from mathutils import Matrix

bpy.ops.animate_drawing.ui_review_drawing(filepath=sys.argv[1])
analysis = scene.animate_drawing_analysis
reviewed = analysis.figures[0]
window = bpy.context.window_manager.windows[0]
area = next(a for a in window.screen.areas if a.type == "VIEW_3D")
region = next(r for r in area.regions if r.type == "WINDOW")
view = area.spaces.active.region_3d
width, height = region.width, region.height
to_world = review_overlay.review_to_world(reviewed)
root = to_world(np.array(reviewed["joints"][:1]))
ours = review_overlay.world_to_region(root, view.perspective_matrix, width, height)[0]
blenders = location_3d_to_region_2d(region, view, root[0])
checks["projection as Blender's"] = np.allclose(ours, tuple(blenders), atol=0.01)

offscreen = gpu.types.GPUOffScreen(width, height)
with offscreen.bind():
    framebuffer = gpu.state.active_framebuffer_get()
    framebuffer.clear(color=(0.0, 0.0, 0.0, 0.0), depth=1.0)
    with bpy.context.temp_override(window=window, area=area, region=region), \
            gpu.matrix.push_pop(), gpu.matrix.push_pop_projection():
        gpu.matrix.load_matrix(view.view_matrix)                    # as for POST_VIEW
        gpu.matrix.load_projection_matrix(view.window_matrix)
        review_overlay._draw_drawing_in_viewport()
        gpu.matrix.load_matrix(Matrix.Identity(4))                  # as for POST_PIXEL
        gpu.matrix.load_projection_matrix(Matrix(((2.0 / width, 0, 0, -1.0), (0, 2.0 / height, 0, -1.0),
                                                  (0, 0, 1.0, 0), (0, 0, 0, 1.0))))
        review_overlay._draw_shapes_in_viewport()
    pixels = framebuffer.read_color(0, 0, width, height, 4, 0, "UBYTE")
    pixels.dimensions = width * height * 4
    view_rgba = np.array(pixels, dtype=np.uint8).reshape(height, width, 4).astype(int)
offscreen.free()
x, y = (int(round(c)) for c in ours)
expected = (review_overlay.confidence_rgba([reviewed["joint_conf"][0]])[0, :3] * 255).round()
checks["root joint disc in the viewport"] = np.abs(view_rgba[y, x, :3] - expected).max() <= 2
paper_uv = np.array([[0.03 * c for c in review_overlay.find_review_image(analysis).size]])
px, py = review_overlay.world_to_region(to_world(paper_uv), view.perspective_matrix, width, height)[0]
checks["drawing quad in the viewport"] = view_rgba[int(round(py)), int(round(px)), 3] == 255
print("CHECKS", checks, flush=True)
os._exit(0 if all(checks.values()) else 3)
"""


def test_review_overlay_draws_with_the_gpu(tmp_path):
    pytest.importorskip("bpy")
    from animate_drawing.addon.output.scene_setup import gl_available

    if not gl_available():
        pytest.skip("no OpenGL: Workbench cannot start the GPU module here")
    example = Path(__file__).resolve().parents[1] / "examples" / "drawing.png"
    proc = subprocess.run([sys.executable, "-c", _DRAW, str(example)], capture_output=True, text=True,
                          timeout=300, env=dict(os.environ), cwd=tmp_path)
    checks = [line for line in proc.stdout.splitlines() if line.startswith("CHECKS")]
    assert proc.returncode == 0, (checks, proc.stderr[-3000:])
