"""Shared test fixtures: hermetic Blender environment and the third-party data beside the repo."""

from __future__ import annotations

import ast
import importlib.abc
import importlib.util
import os
import sys
import tempfile
from pathlib import Path

import pytest

# In CI (CI=true) nothing may pass by being skipped: a missing bpy or ../shared/data stops the
# run at once, and any test that skips anyway is reported as failed.
IN_CI = os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")
# ANIMATE_DRAWING_BLOCK_BLENDER=1 makes Blender's modules unimportable, to prove that every test
# needing them carries the `blender` marker:
#   ANIMATE_DRAWING_BLOCK_BLENDER=1 python -m pytest -m "not blender"   (make test-markers)
BLENDER_MODULES = frozenset({"bpy", "_bpy", "mathutils", "bmesh", "bpy_extras", "bpy_types", "gpu",
                             "gpu_extras", "bl_math", "blf", "aud", "idprop", "imbuf", "freestyle"})


class _BlockBlender(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLENDER_MODULES:
            raise ModuleNotFoundError(f"No module named {name!r} (blocked: test it with the `blender` marker)",
                                      name=name)
        return None


BLOCKING_BLENDER = os.environ.get("ANIMATE_DRAWING_BLOCK_BLENDER") == "1"
if BLOCKING_BLENDER:
    sys.meta_path.insert(0, _BlockBlender())

# Blender reads these at import time, so they are set before any test imports bpy:
# user preferences, caches and extensions then live in a throw-away folder.
_HERMETIC_HOME = Path(tempfile.mkdtemp(prefix="animate_drawing_tests_"))
for _var, _sub in (("BLENDER_USER_RESOURCES", "blender"), ("HOME", "home"), ("XDG_CACHE_HOME", "cache")):
    (_HERMETIC_HOME / _sub).mkdir(exist_ok=True)
    os.environ[_var] = str(_HERMETIC_HOME / _sub)
os.environ.setdefault("OMP_NUM_THREADS", "2")

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"
ANNOTATED = SHARED_DATA / "drawings" / "annotated"
RAW_DRAWINGS = SHARED_DATA / "drawings" / "raw"
BVH_DIR = SHARED_DATA / "bvh"

# Annotated folders that hold a human(oid) biped with texture + mask (the pig and the two
# mask-less folders are excluded).
NON_BIPED_OR_MASKLESS = {
    "A2S-LAB_AnimatedTale__test_2",
    "martinbarry59_AnimatedDrawing__robot",
    "tanhaien_AnimatedDrawings__a621dd3e51dbae32b4d4c3618cb98bb2",
}


def pytest_sessionstart(session):
    if not IN_CI:
        return
    if not SHARED_DATA.is_dir():
        raise pytest.UsageError(f"{SHARED_DATA} is missing: CI=true needs the shared drawings and clips beside the repository")
    if not BLOCKING_BLENDER and importlib.util.find_spec("bpy") is None:
        raise pytest.UsageError("bpy is not importable: CI=true runs the Blender tests, install it (make setup)")


def _fail_skip_in_ci(report) -> None:
    if BLOCKING_BLENDER and report.skipped and "blocked: test it with the `blender` marker" in str(report.longrepr):
        report.outcome = "failed"
        report.longrepr = f"needs Blender but has no `blender` marker: {report.longrepr}"
    elif IN_CI and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"skipped in CI: {reason} (CI=true: a test that cannot run is a failure)"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    _fail_skip_in_ci(outcome.get_result())


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    """A whole module skipped at import (`pytest.importorskip` at the top) counts as well.
    With Blender blocked, only a module marked `blender` as a whole may skip."""
    outcome = yield
    report = outcome.get_result()
    if BLOCKING_BLENDER and report.skipped and isinstance(collector, pytest.Module):
        if not _marked_blender(collector.path):
            report.outcome = "failed"
            report.longrepr = f"{collector.path.name} skips without Blender but has no `pytestmark = pytest.mark.blender`"
        return
    _fail_skip_in_ci(report)


def _marked_blender(module: Path) -> bool:
    tree = ast.parse(module.read_text(encoding="utf-8"))
    return any(isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "pytestmark" for t in node.targets)
               and "blender" in ast.unparse(node.value) for node in tree.body)


def annotated_biped_dirs() -> list[Path]:
    if not ANNOTATED.is_dir():
        return []
    return sorted(
        d for d in ANNOTATED.iterdir()
        if d.is_dir() and d.name not in NON_BIPED_OR_MASKLESS and (d / "mask.png").exists()
    )


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is not beside the repository")
    return SHARED_DATA


@pytest.fixture
def blender():
    """An empty factory-startup Blender with the extension registered; unregistered afterwards."""
    bpy = pytest.importorskip("bpy")
    import animate_drawing

    bpy.ops.wm.read_factory_settings(use_empty=True)
    animate_drawing.register()
    try:
        yield bpy
    finally:
        animate_drawing.unregister()
