"""Mask → mesh invariants on every annotated drawing and on synthetic masks."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from animate_drawing.errors import InputError
from animate_drawing.rig.character import load_character_dir
from animate_drawing.rig.mesh import (MIN_TRIANGLE_AREA, clean_region, mesh_from_mask,
                                     signed_areas, unique_edges, uvs_for)
from animate_drawing.rig.plan import build_rig_plan
from animate_drawing.rig.triangulate import delaunay_triangles
from animate_drawing.rig.underlay import drawn_triangles

ANNOTATED = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "drawings" / "annotated"
MASKED_DIRS = sorted(p.parent for p in ANNOTATED.glob("*/mask.png")) if ANNOTATED.is_dir() else []


def _grown(mask: np.ndarray) -> np.ndarray:
    return cv2.dilate(mask.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)


def _at(raster: np.ndarray, points: np.ndarray) -> np.ndarray:
    ij = np.floor(points + 0.5).astype(int)
    return raster[ij[:, 1], ij[:, 0]]


def assert_mesh_invariants(vertices, triangles, mask):
    assert triangles.dtype == np.int32 and triangles.shape[1] == 3
    assert triangles.min() >= 0 and triangles.max() < len(vertices)
    assert np.array_equal(np.unique(triangles), np.arange(len(vertices))), "every vertex is used"
    areas = signed_areas(vertices, triangles)
    assert areas.min() > MIN_TRIANGLE_AREA, "no degenerate or flipped (clockwise) triangle"
    grown = _grown(mask)  # outline vertices sit on boundary pixel centres
    assert _at(grown, vertices[triangles].mean(axis=1)).all(), "every centroid lies in the mask"
    edges = unique_edges(triangles)
    assert _at(grown, vertices[edges].mean(axis=1)).all(), "no edge crosses background"
    # A planar, non-overlapping mesh: each edge has at most two triangles, on opposite sides.
    _, counts = unique_edges(triangles, return_counts=True)
    assert counts.max() <= 2
    directed = np.concatenate([triangles[:, [0, 1]], triangles[:, [1, 2]], triangles[:, [2, 0]]])
    assert len(np.unique(directed, axis=0)) == len(directed), "consistent orientation"
    return areas


@pytest.mark.blender
@pytest.mark.skipif(not MASKED_DIRS, reason="../shared/data is not beside the repository")
@pytest.mark.parametrize("folder", MASKED_DIRS, ids=lambda p: p.name)
def test_annotated_masks_mesh_cleanly(folder):
    texture, mask, config = load_character_dir(folder)
    plan = build_rig_plan(texture, mask, config, folder.name)
    # The drawing's own mesh: the underlay (appended after it) lies behind and samples mirrored texels.
    own = plan.vertex_depth == 0
    assert own[:own.sum()].all()
    drawn = plan.triangles[drawn_triangles(plan.triangles, plan.vertex_depth)]
    areas = assert_mesh_invariants(plan.vertices_uv[own], drawn, mask)
    # The mesh covers the figure (polygon through boundary pixel centres loses half a pixel rim).
    assert 0.93 < areas.sum() / mask.sum() < 1.01
    assert 300 <= len(plan.vertices_uv) <= 3000
    # Every joint is a mesh vertex inside the mask, at its (possibly snapped) rig position.
    joint_uv = plan.vertices_uv[plan.joint_vertex]
    assert np.allclose(joint_uv, plan.config.locs())
    assert _at(mask, joint_uv).all()
    moved = {s.name for s in plan.snapped_joints}
    original = config.locs()
    for i, joint in enumerate(config.joints):
        if joint.name not in moved:
            assert np.allclose(joint_uv[i], original[i])
    height, width = mask.shape
    assert plan.uvs.dtype == np.float32 and plan.uvs.min() >= 0.0 and plan.uvs.max() <= 1.0
    assert np.allclose(plan.uvs[own, 0] * width, plan.vertices_uv[own, 0], atol=1e-3)
    assert np.allclose((1.0 - plan.uvs[own, 1]) * height, plan.vertices_uv[own, 1], atol=1e-3)
    # Every character stands on z = 0 and is 2 units tall.
    world = plan.vertices_world
    assert world[:, 2].min() == pytest.approx(0.0, abs=1e-9) and world[:, 2].max() == pytest.approx(2.0)


def test_uv_mapping_is_exact():
    uv = uvs_for(np.array([[0.0, 0.0], [100.0, 50.0], [25.0, 10.0]]), 100, 50)
    assert np.allclose(uv, [[0.0, 1.0], [1.0, 0.0], [0.25, 0.8]])


def _ring_islands_speck():
    mask = np.zeros((200, 300), dtype=bool)
    cv2.circle(mask.view(np.uint8), (80, 100), 60, 1, -1)
    cv2.circle(mask.view(np.uint8), (80, 100), 25, 0, -1)          # a hole
    cv2.rectangle(mask.view(np.uint8), (180, 40), (260, 160), 1, -1)  # a second island
    mask[10:12, 290:292] = True                                      # a 4-pixel speck
    return mask


@pytest.mark.blender
def test_holes_and_islands_are_meshed_and_specks_dropped():
    mask = _ring_islands_speck()
    mesh = mesh_from_mask(mask)
    assert_mesh_invariants(mesh.vertices, mesh.triangles, mask)
    centroids = mesh.vertices[mesh.triangles].mean(axis=1)
    assert not (np.hypot(centroids[:, 0] - 80, centroids[:, 1] - 100) < 24).any(), "hole stays empty"
    in_ring = np.hypot(mesh.vertices[:, 0] - 80, mesh.vertices[:, 1] - 100) < 61
    in_box = (mesh.vertices[:, 0] >= 180) & (mesh.vertices[:, 0] <= 260)
    assert in_ring.sum() > 100 and in_box.sum() > 100 and (in_ring | in_box).all()
    assert not mesh.region[10:12, 290:292].any()
    assert np.hypot(mesh.vertices[:, 0] - 290, mesh.vertices[:, 1] - 10).min() > 20
    # No triangle bridges the 20 px gap between the two islands.
    spans = np.ptp(mesh.vertices[mesh.triangles][:, :, 0], axis=1)
    assert spans.max() < 40


def test_clean_region_keeps_islands_inside_holes_whole():
    mask = np.zeros((120, 120), dtype=bool)
    mask[10:110, 10:110] = True
    mask[30:90, 30:90] = False           # a big hole
    mask[45:75, 45:75] = True            # an island inside it, big enough to keep
    mask[60, 60] = False                 # a pin-hole in the island
    mask[35, 35] = True                  # a speck in the hole
    region = clean_region(mask)
    expected = mask.copy()
    expected[60, 60] = True
    expected[35, 35] = False
    np.testing.assert_array_equal(region, expected)


@pytest.mark.blender
def test_pin_holes_are_filled():
    mask = np.zeros((100, 100), dtype=bool)
    mask[20:80, 20:80] = True
    mask[50, 50] = False
    mesh = mesh_from_mask(mask)
    assert mesh.region[50, 50]
    areas = signed_areas(mesh.vertices, mesh.triangles)
    assert areas.sum() == pytest.approx(59 * 59, rel=1e-3)  # the square through the border pixel centres


@pytest.mark.blender
def test_joints_become_vertices_and_outside_joints_snap_inside():
    mask = np.zeros((120, 80), dtype=bool)
    mask[10:110, 30:50] = True
    joints = np.array([[40.0, 20.0], [40.0, 60.0], [41.5, 100.25], [70.0, 60.0], [40.0, 118.0]])
    parents = np.array([-1, 0, 1, 1, 2])
    mesh = mesh_from_mask(mask, joints, parents)
    assert_mesh_invariants(mesh.vertices, mesh.triangles, mask)
    assert np.allclose(mesh.joint_locs[:3], joints[:3])
    assert set(mesh.snapped) == {3, 4}
    assert mesh.region[np.round(mesh.joint_locs[:, 1]).astype(int), np.round(mesh.joint_locs[:, 0]).astype(int)].all()
    # The joint beside the bar lands on the bar's near side; the one below on its bottom end.
    assert 45 <= mesh.joint_locs[3, 0] <= 48 and abs(mesh.joint_locs[3, 1] - 60) <= 1
    assert 105 <= mesh.joint_locs[4, 1] <= 108 and abs(mesh.joint_locs[4, 0] - 40) <= 1
    assert mesh.snapped[4][0] == (40.0, 118.0)


@pytest.mark.blender
def test_density_controls_vertex_count():
    mask = np.zeros((500, 300), dtype=bool)
    cv2.ellipse(mask.view(np.uint8), (150, 250), (120, 230), 0, 0, 360, 1, -1)
    coarse, default, fine = (len(mesh_from_mask(mask, density=d).vertices) for d in (0.5, 1.0, 2.0))
    assert coarse < default < fine
    assert 400 <= default <= 1500
    assert fine > 3 * coarse


@pytest.mark.blender
def test_thin_limbs_keep_their_gap():
    """Two bars 3 px apart: triangles must not fill the gap between them."""
    mask = np.zeros((120, 60), dtype=bool)
    mask[10:110, 10:25] = True
    mask[10:110, 28:43] = True
    mask[10:20, 10:43] = True   # joined at the top only
    mesh = mesh_from_mask(mask)
    assert_mesh_invariants(mesh.vertices, mesh.triangles, mask)
    centroids = mesh.vertices[mesh.triangles].mean(axis=1)
    in_gap = (centroids[:, 0] > 25.2) & (centroids[:, 0] < 27.8) & (centroids[:, 1] > 21)
    assert not in_gap.any()


@st.composite
def blob_masks(draw):
    """Unions of random ellipses and thick strokes, sometimes cut by the image border."""
    height, width = draw(st.integers(40, 260)), draw(st.integers(40, 260))
    mask = np.zeros((height, width), np.uint8)
    for _ in range(draw(st.integers(1, 6))):
        centre = (draw(st.integers(0, width - 1)), draw(st.integers(0, height - 1)))
        if draw(st.booleans()):
            axes = (draw(st.integers(3, width // 2)), draw(st.integers(3, height // 2)))
            cv2.ellipse(mask, centre, axes, draw(st.integers(0, 179)), 0, 360, 1, -1)
        else:
            end = (draw(st.integers(0, width - 1)), draw(st.integers(0, height - 1)))
            cv2.line(mask, centre, end, 1, draw(st.integers(2, 12)))
    return mask.astype(bool)


@pytest.mark.blender
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mask=blob_masks(), joints=st.lists(st.tuples(st.floats(-50, 300), st.floats(-50, 300)), min_size=1, max_size=6))
def test_random_masks_keep_the_invariants(mask, joints):
    if np.count_nonzero(mask) < 200:
        return
    joints = np.array(joints)
    mesh = mesh_from_mask(mask, joints, np.arange(len(joints)) - 1)
    assert_mesh_invariants(mesh.vertices, mesh.triangles, mesh.region)
    # Every joint is a vertex of the mesh inside the mask; the ones that moved are reported.
    assert _at(mesh.region, mesh.joint_locs).all()
    unmoved = [j for j in range(len(joints)) if j not in mesh.snapped]
    assert np.allclose(mesh.joint_locs[unmoved], joints[unmoved])


@pytest.mark.blender
def test_too_small_masks_are_reported():
    mask = np.zeros((50, 50), bool)
    mask[20:23, 20:23] = True
    with pytest.raises(InputError, match="9 pixels"):
        mesh_from_mask(mask)
    mask[:] = False
    mask[25, 5:45] = True  # a one-pixel stroke has no area to triangulate
    with pytest.raises(InputError, match="too thin"):
        mesh_from_mask(mask)


def _circumcircle_holds(points, triangles, others):
    """(M,) whether any of `others` lies strictly inside each triangle's circumcircle (1e-6 relative slack)."""
    a, b, c = (points[triangles[:, k]] for k in range(3))
    d = 2.0 * (a[:, 0] * (b[:, 1] - c[:, 1]) + b[:, 0] * (c[:, 1] - a[:, 1]) + c[:, 0] * (a[:, 1] - b[:, 1]))
    sq = [np.sum(p ** 2, axis=1) for p in (a, b, c)]
    centre = np.column_stack([
        (sq[0] * (b[:, 1] - c[:, 1]) + sq[1] * (c[:, 1] - a[:, 1]) + sq[2] * (a[:, 1] - b[:, 1])) / d,
        (sq[0] * (c[:, 0] - b[:, 0]) + sq[1] * (a[:, 0] - c[:, 0]) + sq[2] * (b[:, 0] - a[:, 0])) / d])
    radius2 = np.sum((a - centre) ** 2, axis=1)
    gaps = np.sum((others[None] - centre[:, None]) ** 2, axis=2)
    return (gaps < radius2[:, None] * (1.0 - 1e-6)).any(axis=1)


@pytest.mark.blender
@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2 ** 32 - 1), count=st.integers(3, 400), grid=st.booleans())
def test_delaunay_triangles_are_delaunay_and_fill_the_hull(seed, count, grid):
    rng = np.random.default_rng(seed)
    points = rng.uniform(0.0, 300.0, (count, 2))
    if grid:  # pixel-centre outlines: many collinear and cocircular points
        points = np.floor(points / 7.0) * 7.0
        points = np.unique(points, axis=0)
    triangles = delaunay_triangles(points)
    if len(points) < 3 or not len(triangles):
        return
    areas = signed_areas(points, triangles)
    keep = np.abs(areas) > MIN_TRIANGLE_AREA
    assert not _circumcircle_holds(points, triangles[keep], points).any(), "empty circumcircles"
    _, counts = unique_edges(triangles, return_counts=True)
    assert counts.max() <= 2, "no overlapping triangles"
    # Together the triangles cover the convex hull.
    hull_area = cv2.contourArea(cv2.convexHull(points.astype(np.float32)))
    assert np.abs(areas).sum() == pytest.approx(hull_area, rel=1e-3, abs=1.0)


@pytest.mark.blender
def test_delaunay_triangles_of_degenerate_point_sets():
    assert delaunay_triangles(np.zeros((0, 2))).shape == (0, 3)
    assert delaunay_triangles(np.array([[1.0, 1.0], [5.0, 2.0]])).shape == (0, 3)
    line = np.column_stack([np.arange(20.0), 2.0 * np.arange(20.0) + 3.0])
    assert len(delaunay_triangles(line)) == 0
    square = np.array([[10.0, 10.0], [20.0, 10.0], [20.0, 20.0], [10.0, 20.0], [15.0, 15.0]])
    triangles = delaunay_triangles(square)
    assert len(triangles) == 4 and (triangles == 4).any(axis=1).all()
    assert np.abs(signed_areas(square, triangles)).sum() == pytest.approx(100.0)


@pytest.mark.blender
def test_delaunay_triangles_match_qhull():
    """Points in general position have one Delaunay triangulation: the same as scipy's (Qhull)."""
    spatial = pytest.importorskip("scipy.spatial")
    points = np.random.default_rng(7).uniform(0, 500, (2000, 2))
    ours = {tuple(t) for t in np.sort(delaunay_triangles(points), axis=1)}
    qhull = {tuple(t) for t in np.sort(spatial.Delaunay(points).simplices, axis=1)}
    assert ours == qhull


@pytest.mark.blender
def test_delaunay_triangles_map_merged_duplicates_to_their_first_point():
    square = np.array([[0, 0], [10, 0], [10, 10], [0, 10], [5, 5], [5, 5], [5, 5 + 1e-7], [0, 0]], float)
    triangles = delaunay_triangles(square)
    assert sorted(np.unique(triangles).tolist()) == [0, 1, 2, 3, 4]      # copies of 0 and 4 unused
    assert len(triangles) == 4 and (triangles == 4).any(axis=1).all()
