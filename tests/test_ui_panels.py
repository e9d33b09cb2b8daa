"""Every panel and menu draws into a real Blender layout without an error.

Background Blender draws no regions, but a popup menu hands Python a real `UILayout`; each
panel's `draw()` is run into it (in a child process: a background popup may not be reopened,
and the process is left with `os._exit`).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import BVH_DIR

pytestmark = pytest.mark.blender

REPO = Path(__file__).resolve().parents[1]

_DRAW_ALL = r"""
import os, sys, threading
from types import SimpleNamespace
import bpy, addon_utils, animate_drawing
from animate_drawing.addon import jobs, preferences
from animate_drawing.addon.ui import panels

example, bvh = sys.argv[1], sys.argv[2]
bpy.ops.wm.read_factory_settings(use_empty=True)
addon_utils.enable("animate_drawing", default_set=True, handle_error=None)
prefs = bpy.context.preferences.addons["animate_drawing"].preferences
prefs.pose_model = os.path.join(os.path.dirname(example), "no_sidecar.onnx")  # draws the warning
bpy.ops.animate_drawing.ui_review_drawing(filepath=example)
bpy.ops.animate_drawing.ui_accept_review()
bpy.ops.animate_drawing.ui_review_drawing(filepath=example)
from animate_drawing.addon.build import drawing_analysis
import json
stored = bpy.context.scene.animate_drawing_analysis   # two figures: a row each, checkbox and clip
drawing_analysis.keep_for_review(bpy.context, example, json.dumps(stored.figures * 2))
stored.figure_choices[1].clip = "wave"
if os.path.exists(bvh):
    bpy.ops.animate_drawing.ui_load_bvh(filepath=bvh)
release = threading.Event()
jobs.submit(jobs.Job("Test", [jobs.Stage("Waiting", lambda v: release.wait(10))]))

def draw(popup, context):
    drawers = [(cls.__name__, cls.draw) for cls in panels.CLASSES]
    drawers += [("import_menu", panels.draw_import_menu), ("status_bar", jobs.draw_status_bar)]
    for name, draw_fn in drawers:
        draw_fn(SimpleNamespace(layout=popup.layout.box()), context)
        print("DREW", name, flush=True)
    preferences.draw_preferences(popup.layout.box(), prefs)
    print("DREW preferences", flush=True)

try:
    bpy.context.window_manager.popup_menu(draw, title="panels")
except Exception:
    import traceback
    traceback.print_exc()
finally:
    release.set()
    os._exit(0)
"""


def test_every_panel_draws(tmp_path):
    pytest.importorskip("bpy")
    example = REPO / "examples" / "drawing.png"
    bvh = BVH_DIR / "cmu1" / "jumping_jacks.bvh"
    env = dict(os.environ)
    proc = subprocess.run([sys.executable, "-c", _DRAW_ALL, str(example), str(bvh)],
                          capture_output=True, text=True, timeout=300, env=env, cwd=tmp_path)
    drawn = [line.split()[1] for line in proc.stdout.splitlines() if line.startswith("DREW ")]
    from animate_drawing.addon.ui import panels

    expected = [cls.__name__ for cls in panels.CLASSES] + ["import_menu", "status_bar", "preferences"]
    assert drawn == expected, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
