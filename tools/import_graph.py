"""Which layer imports which: a Markdown table for docs/ARCHITECTURE.md and reviews.

    python tools/import_graph.py [--root DIR] [--files]

A layer is a top-level folder of the package (rig, models, addon, ...) or a top-level module
(cli, errors, ...). Every `import`/`from` in the shipped and development code counts, at
module level or inside a function (a lazy `import bpy` is still a dependency when it runs).
Blender's modules are grouped as `bpy` (bpy, mathutils, bmesh, ...). Tests, benchmarks and
build outputs are left out. With --files, each cross-layer edge also lists the importing files.
Run it on an older checkout (`git archive REV | tar -x -C DIR`) to compare before and after.
"""

from __future__ import annotations

import argparse
import ast
from collections import defaultdict
from pathlib import Path

BLENDER_MODULES = {"bpy", "bpy_extras", "mathutils", "bmesh", "gpu", "gpu_extras", "blf", "aud", "addon_utils"}
SKIPPED_FOLDERS = {"tests", "benchmarks", "build", "dist", "out", "docs", "examples"}


def layer_of(path: Path, root: Path) -> str:
    parts = path.relative_to(root).parts
    return parts[0] if len(parts) > 1 else path.stem


def imported_layers(path: Path, root: Path) -> set[str]:
    """Layers (and `bpy`) the file imports, resolving relative imports against its package."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = path.relative_to(root).parent.parts
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {"bpy" for alias in node.names if alias.name.split(".")[0] in BLENDER_MODULES}
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                if (node.module or "").split(".")[0] in BLENDER_MODULES:
                    found.add("bpy")
                continue
            base = package[:len(package) - (node.level - 1)] if node.level > 1 else package
            target = list(base) + (node.module.split(".") if node.module else [])
            if target:
                found.add(target[0])
            else:                                    # `from . import x` at the root: x is a layer
                found |= {alias.name for alias in node.names}
    return found


def graph(root: Path) -> dict[tuple[str, str], list[str]]:
    """(importing layer, imported layer) -> the importing files, for edges between layers."""
    edges = defaultdict(list)
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root)
        if rel.parts[0] in SKIPPED_FOLDERS or any(p.startswith(".") for p in rel.parts):
            continue
        source = layer_of(path, root)
        for target in imported_layers(path, root):
            if target != source:
                edges[(source, target)].append(rel.as_posix())
    return edges


def markdown(edges: dict[tuple[str, str], list[str]], with_files: bool) -> str:
    by_source = defaultdict(list)
    for (source, target), files in sorted(edges.items()):
        by_source[source].append(f"{target} ({', '.join(files)})" if with_files else target)
    lines = ["| layer | imports |", "|---|---|"]
    lines += [f"| `{source}` | {', '.join(targets)} |" for source, targets in sorted(by_source.items())]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parents[1],
                        help="the package root (default: this repository)")
    parser.add_argument("--files", action="store_true", help="list the importing files of every edge")
    args = parser.parse_args(argv)
    print(markdown(graph(args.root.resolve()), args.files))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
