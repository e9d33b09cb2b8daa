"""The layering rules, read from the code by tools/import_graph.py."""

from __future__ import annotations

import importlib.util

from conftest import REPO_ROOT

_spec = importlib.util.spec_from_file_location("import_graph", REPO_ROOT / "tools" / "import_graph.py")
import_graph = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(import_graph)

PURE = {"imaging", "formats", "models", "motions", "pipeline"}


def _edges():
    return import_graph.graph(REPO_ROOT)


def test_pure_layers_import_no_blender_and_nothing_above_them():
    above = {"bpy", "addon", "operators", "cli", "output_formats"}
    for (source, target), files in _edges().items():
        if source in PURE:
            assert target not in above, f"{source} imports {target}: {files}"


def test_vision_does_not_import_rig_and_rig_uses_blender_only_to_triangulate():
    edges = _edges()
    assert ("models", "rig") not in edges
    assert edges[("rig", "bpy")] == ["rig/triangulate.py"]


def test_relative_imports_resolve_to_layers(tmp_path):
    (tmp_path / "rig").mkdir()
    (tmp_path / "rig" / "a.py").write_text("from ..formats.x import y\nfrom . import b\n"
                                           "def f():\n    import bpy\n")
    (tmp_path / "cli.py").write_text("from .errors import E\n")
    edges = import_graph.graph(tmp_path)
    assert edges == {("rig", "formats"): ["rig/a.py"], ("rig", "bpy"): ["rig/a.py"], ("cli", "errors"): ["cli.py"]}
    assert "| `rig` | bpy, formats |" in import_graph.markdown(edges, with_files=False)
