"""The review overlay's GPU drawing, run for real: off screen after a Workbench render has
started Blender's GPU backend (background mode has none until then). Skipped without OpenGL.
The child process checks pixels where the shapes must be and prints the verdict."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.blender

_DRAW = r"""
import os, sys, tempfile
import numpy as np
import bpy, animate_drawing
from animate_drawing.addon import review_overlay
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
figure = {"box": [10, 10, 310, 150], "score": 0.9, "joints": joints,
          "joint_conf": [0.0] * 8 + [1.0] * 8, "outline": []}
rgba = review_overlay.review_picture(paper, [figure], 0, 320).astype(int)
checks = {
    "size": rgba.shape == (160, 320, 4),
    "unsure joint red": tuple(rgba[40, 24, :3]) == (255, 0, 0),
    "sure joint green": tuple(rgba[120, 24, :3]) == (0, 255, 0),
    "unsure joint ring white": tuple(rgba[40, 24 + 8, :3]) == (255, 255, 255),
    "box edge yellow": rgba[10, 160, 0] > 200 and rgba[10, 160, 1] > 180 and rgba[10, 160, 2] < 80,
    "paper elsewhere": np.ptp(rgba[75:85, 296:306, :3]) == 0 and rgba[80, 300, 3] == 255,
}
print("CHECKS", checks, flush=True)
os._exit(0 if all(checks.values()) else 3)
"""


def test_review_overlay_draws_with_the_gpu(tmp_path):
    pytest.importorskip("bpy")
    from animate_drawing.addon.scene_setup import gl_available

    if not gl_available():
        pytest.skip("no OpenGL: Workbench cannot start the GPU module here")
    proc = subprocess.run([sys.executable, "-c", _DRAW], capture_output=True, text=True, timeout=300,
                          env=dict(os.environ), cwd=tmp_path)
    checks = [line for line in proc.stdout.splitlines() if line.startswith("CHECKS")]
    assert proc.returncode == 0, (checks, proc.stderr[-3000:])
