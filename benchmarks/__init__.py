"""Benchmark scripts: each prints a table; `python -m benchmarks.run_all` runs them all."""

import os
import tempfile
from pathlib import Path


def hermetic_blender_env(name: str, threads: int = 1) -> None:
    """Point Blender's user resources, HOME and caches at a fresh temporary folder (Blender reads
    them at import, so call this before bpy is imported) and cap the BLAS/ORT threads."""
    home = Path(tempfile.mkdtemp(prefix=f"bench_{name}_"))
    for var in ("BLENDER_USER_RESOURCES", "HOME", "XDG_CACHE_HOME"):
        (home / var.lower()).mkdir()
        os.environ[var] = str(home / var.lower())
    os.environ.setdefault("OMP_NUM_THREADS", str(threads))
