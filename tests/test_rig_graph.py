"""Shortest paths over mesh edge graphs: exact distances (Dijkstra's), seeds, limits, islands."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from animate_drawing.rig.character import load_character_dir
from animate_drawing.rig.graph import EdgeGraph
from animate_drawing.rig.mesh import mesh_from_mask, unique_edges

ANNOTATED = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "drawings" / "annotated"
MASKED_DIRS = sorted(p.parent for p in ANNOTATED.glob("*/mask.png")) if ANNOTATED.is_dir() else []


def _scipy_distances(edges, vertices, seed_vertex, seed_source, seed_distance, source_count):
    """Reference: scipy's Dijkstra from one virtual node per source with one-way edges to its seeds."""
    sparse = pytest.importorskip("scipy.sparse")
    csgraph = pytest.importorskip("scipy.sparse.csgraph")
    n = len(vertices)
    lengths = np.linalg.norm(vertices[edges[:, 0]] - vertices[edges[:, 1]], axis=1)
    # scipy drops zero-length edges and sums duplicates: keep one seed per (source, vertex), offset by 1e-12.
    order = np.lexsort((seed_distance, seed_vertex, seed_source))
    pairs = np.column_stack([seed_source, seed_vertex])[order]
    first = np.concatenate([[True], (pairs[1:] != pairs[:-1]).any(axis=1)])
    rows = np.concatenate([edges[:, 0], edges[:, 1], n + pairs[first, 0]])
    cols = np.concatenate([edges[:, 1], edges[:, 0], pairs[first, 1]])
    data = np.concatenate([lengths, lengths, np.asarray(seed_distance)[order][first] + 1e-12])
    graph = sparse.coo_matrix((data, (rows, cols)), shape=(n + source_count, n + source_count)).tocsr()
    return csgraph.dijkstra(graph, directed=True, indices=n + np.arange(source_count))[:, :n].T


def test_distances_on_a_small_graph():
    #  0 —3— 1 —4— 2        3 —1— 4 (an island)
    #  └────────6────────┘  vertex 5 isolated
    vertices = np.array([[0, 0], [3, 0], [7, 0], [20, 0], [21, 0], [40, 0]], dtype=float)
    graph = EdgeGraph(np.array([[0, 1], [1, 2], [3, 4]]), vertices)
    graph_with_shortcut = EdgeGraph(np.array([[0, 1], [1, 2], [3, 4], [0, 2]]), vertices)  # 0–2 is 7 long
    distance = graph.distances([0, 2, 4, 1], [0, 1, 1, 2], [0.0, 0.5, 0.0, 10.0], 4)
    assert distance.shape == (6, 4)
    assert np.allclose(distance[:, 0], [0, 3, 7, np.inf, np.inf, np.inf])
    assert np.allclose(distance[:, 1], [7.5, 4.5, 0.5, 1, 0, np.inf])
    assert np.allclose(distance[:, 2], [13, 10, 14, np.inf, np.inf, np.inf])
    assert np.isinf(distance[:, 3]).all(), "a source without seeds reaches nothing"
    assert np.allclose(graph_with_shortcut.distances([2], [0], [0.0], 1)[:, 0], [7, 4, 0, np.inf, np.inf, np.inf])
    # A limit leaves everything at or beyond it unreached.
    limited = graph.distances([0, 0], [0, 1], [0.0, 0.0], 2, limit=[3.0, np.inf])
    assert np.allclose(limited[:, 0], [0, np.inf, np.inf, np.inf, np.inf, np.inf])
    assert np.allclose(limited[:, 1], [0, 3, 7, np.inf, np.inf, np.inf])


def _mesh_graph_case(folder):
    texture, mask, config = load_character_dir(folder)
    parents = [config.index(j.parent) if j.parent is not None else -1 for j in config.joints]
    mesh = mesh_from_mask(mask, config.locs(), parents)
    return mesh.vertices, unique_edges(mesh.triangles), mesh.joint_vertex


@pytest.mark.blender
@pytest.mark.skipif(not MASKED_DIRS, reason="../shared/data is not beside the repository")
@pytest.mark.parametrize("folder", MASKED_DIRS[:4], ids=lambda p: p.name)
def test_distances_equal_dijkstra_on_drawing_meshes(folder):
    vertices, edges, joint_vertex = _mesh_graph_case(folder)
    rng = np.random.default_rng(len(vertices))
    # Joint sources (one seed each) and spread sources (a dozen seeds with start distances), as skin weights use.
    spread = rng.integers(0, len(vertices), (6, 12))
    seed_vertex = np.concatenate([joint_vertex, spread.ravel()])
    seed_source = np.concatenate([np.arange(len(joint_vertex)), len(joint_vertex) + np.repeat(np.arange(6), 12)])
    seed_distance = np.concatenate([np.zeros(len(joint_vertex)), rng.uniform(0.0, 20.0, spread.size)])
    count = len(joint_vertex) + 6
    ours = EdgeGraph(edges, vertices).distances(seed_vertex, seed_source, seed_distance, count)
    reference = _scipy_distances(edges, vertices, seed_vertex, seed_source, seed_distance, count)
    assert np.array_equal(np.isinf(ours), np.isinf(reference))
    assert np.allclose(ours, reference, rtol=1e-12, atol=1e-9)
    # With limits, the distances below them are unchanged and the rest unreached.
    limit = rng.uniform(5.0, 80.0, count)
    limited = EdgeGraph(edges, vertices).distances(seed_vertex, seed_source, seed_distance, count, limit=limit)
    near = reference < limit
    assert np.allclose(limited[near], reference[near], rtol=1e-12, atol=1e-9)
    assert np.isinf(limited[~near]).all()


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2 ** 32 - 1), count=st.integers(2, 120), sources=st.integers(1, 6))
def test_distances_equal_dijkstra_on_random_graphs(seed, count, sources):
    """Random planar meshes with islands (random points, Delaunay edges, some removed)."""
    rng = np.random.default_rng(seed)
    vertices = rng.uniform(0.0, 100.0, (count, 2))
    subdiv = cv2.Subdiv2D((-1, -1, 103, 103))
    subdiv.insert(vertices.astype(np.float32))
    edges = []
    for x0, y0, x1, y1 in subdiv.getEdgeList():
        ends = [np.nonzero(np.all(np.isclose(vertices, p, atol=1e-3), axis=1))[0] for p in ((x0, y0), (x1, y1))]
        if all(len(e) for e in ends):
            edges.append((ends[0][0], ends[1][0]))
    edges = np.array(edges, dtype=np.int64).reshape(-1, 2)
    edges = edges[rng.random(len(edges)) < 0.8]                  # cut some: islands and detours
    seeds = rng.integers(0, count, sources * 3)
    seed_source = np.repeat(np.arange(sources), 3)
    seed_distance = rng.uniform(0.0, 10.0, len(seeds))
    ours = EdgeGraph(edges, vertices).distances(seeds, seed_source, seed_distance, sources)
    reference = _scipy_distances(edges, vertices, seeds, seed_source, seed_distance, sources)
    assert np.array_equal(np.isinf(ours), np.isinf(reference))
    assert np.allclose(ours, reference, rtol=1e-12, atol=1e-9)
