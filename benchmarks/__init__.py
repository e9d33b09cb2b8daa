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


def print_table(title: str, header: tuple, rows: list[tuple]) -> None:
    """A titled table: first column left-aligned, the others right-aligned."""
    print(f"\n{title}")
    widths = [max(len(str(x)) for x in column) for column in zip(header, *rows)]
    for row in (header, tuple("-" * w for w in widths), *rows):
        print("  ".join(str(x).rjust(w) if i else str(x).ljust(w) for i, (x, w) in enumerate(zip(row, widths))))
