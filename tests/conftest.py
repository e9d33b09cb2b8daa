"""Shared test fixtures: hermetic Blender environment and the third-party data beside the repo."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

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
