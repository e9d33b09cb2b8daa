"""imaging.contours against OpenCV (a dev dependency) on synthetic and real masks."""

from pathlib import Path

import cv2
import numpy as np
import pytest

from animate_drawing.imaging.contours import (
    bounding_box, compress_chain, convex_hull, fill_polygons, outer_outlines, polygon_area,
    polygon_perimeter, simplify_polygon, trace_outlines)

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
REAL_MASKS = sorted((SHARED / "data" / "drawings" / "annotated").glob("*/mask.png"))


def _chains(contours):
    return [c.reshape(-1, 2).tolist() for c in contours]


def _cv_ccomp(mask, approx=cv2.CHAIN_APPROX_NONE):
    contours, hierarchy = cv2.findContours(mask.astype(np.uint8), cv2.RETR_CCOMP, approx)
    return _chains(contours), (hierarchy[0] if hierarchy is not None else np.zeros((0, 4), int))


def _assert_same_as_cv2(mask):
    """Same chains (same start, same direction), same hole flags and parents as RETR_CCOMP;
    RETR_EXTERNAL and CHAIN_APPROX_SIMPLE match too."""
    ours = trace_outlines(mask)
    chains, hierarchy = _cv_ccomp(mask)
    assert sorted(o.points.tolist() for o in ours) == sorted(chains)
    where = {str(c): i for i, c in enumerate(chains)}
    for outline in ours:
        assert outline.points.dtype == np.int32
        mine = where[str(outline.points.tolist())]
        assert outline.is_hole == (hierarchy[mine, 3] >= 0)
        if outline.is_hole:
            assert where[str(ours[outline.parent].points.tolist())] == hierarchy[mine, 3]
            assert not ours[outline.parent].is_hole
    external, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    assert sorted(c.tolist() for c in outer_outlines(mask)) == sorted(_chains(external))
    simple, _ = _cv_ccomp(mask, cv2.CHAIN_APPROX_SIMPLE)
    assert sorted(compress_chain(o.points).tolist() for o in ours) == sorted(simple)


def _random_masks(count, seed, max_side=40):
    rng = np.random.default_rng(seed)
    for _ in range(count):
        height, width = rng.integers(1, max_side, 2)
        yield rng.random((height, width)) < rng.uniform(0.2, 0.8)


def _blobs(seed, shape=(120, 160)):
    """Smooth random blobs: islands, holes, islands inside holes, thin necks."""
    rng = np.random.default_rng(seed)
    noise = cv2.GaussianBlur(rng.random(shape).astype(np.float32), (0, 0), 4.0)
    return noise > np.quantile(noise, 0.55)


def test_random_noise_masks_trace_like_cv2():
    for mask in _random_masks(150, seed=0):
        _assert_same_as_cv2(mask)


@pytest.mark.parametrize("seed", range(4))
def test_smooth_blobs_trace_like_cv2(seed):
    _assert_same_as_cv2(_blobs(seed))


def test_holes_islands_in_holes_and_one_level_nesting():
    mask = np.zeros((20, 20), bool)
    mask[1:19, 1:19] = True
    mask[4:16, 4:16] = False          # hole
    mask[7:13, 7:13] = True           # island in the hole
    mask[9:11, 9:11] = False          # hole in the island
    outlines = trace_outlines(mask)
    assert [o.is_hole for o in outlines].count(True) == 2
    outers = [i for i, o in enumerate(outlines) if not o.is_hole]
    assert [outlines[i].points[0].tolist() for i in outers] == [[1, 1], [7, 7]]
    # Each hole's parent is the outer boundary directly around it; chains start like cv2's.
    parent_start = {tuple(o.points[0]): tuple(outlines[o.parent].points[0]) for o in outlines if o.is_hole}
    assert parent_start == {(3, 4): (1, 1), (8, 9): (7, 7)}
    assert [c.tolist() for c in outer_outlines(mask)] == [outlines[outers[0]].points.tolist()]
    _assert_same_as_cv2(mask)


def test_single_pixels_strokes_and_border():
    mask = np.zeros((9, 12), bool)
    mask[0, 0] = True                  # corner pixel
    mask[4, 3] = True                  # lone pixel
    mask[2, 5:11] = True               # horizontal stroke
    mask[4:9, 11] = True               # vertical stroke on the border
    mask[5:8, 6:9] = np.eye(3, dtype=bool)   # diagonal stroke
    outlines = trace_outlines(mask)
    assert [0, 0] in [o.points.tolist()[0] for o in outlines]
    lone = [o for o in outlines if o.points.tolist() == [[3, 4]]]
    assert len(lone) == 1 and not lone[0].is_hole
    stroke = [o.points for o in outlines if o.points[0].tolist() == [5, 2]][0]
    assert stroke[:, 0].tolist() == [5, 6, 7, 8, 9, 10, 9, 8, 7, 6]    # out along the stroke and back
    _assert_same_as_cv2(mask)
    _assert_same_as_cv2(np.ones((5, 7), bool))
    _assert_same_as_cv2(np.ones((1, 1), bool))
    assert trace_outlines(np.zeros((6, 6), bool)) == []
    assert outer_outlines(np.zeros((6, 6), np.uint8)) == []


@pytest.mark.skipif(not REAL_MASKS, reason="no annotated drawings in ../shared")
def test_real_masks_trace_and_fill_like_cv2():
    for path in REAL_MASKS[:6]:
        mask = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE) > 127
        _assert_same_as_cv2(mask)
        contours, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_CCOMP, cv2.CHAIN_APPROX_NONE)
        expected = np.zeros(mask.shape, np.uint8)
        cv2.drawContours(expected, contours, -1, 1, cv2.FILLED)
        np.testing.assert_array_equal(fill_polygons(mask.shape, [o.points for o in trace_outlines(mask)]),
                                      expected.astype(bool))


def test_fill_polygons_matches_draw_contours_on_traced_chains():
    for mask in _random_masks(120, seed=1):
        for approx in (cv2.CHAIN_APPROX_NONE, cv2.CHAIN_APPROX_SIMPLE):
            contours, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_CCOMP, approx)
            expected = np.zeros(mask.shape, np.uint8)
            cv2.drawContours(expected, contours, -1, 1, cv2.FILLED)
            filled = fill_polygons(mask.shape, [c.reshape(-1, 2) for c in contours])
            np.testing.assert_array_equal(filled, expected.astype(bool))


def test_fill_polygons_even_odd_and_clipping():
    square = np.array([[2, 2], [12, 2], [12, 12], [2, 12]])
    inner = np.array([[5, 5], [9, 5], [9, 9], [5, 9]])
    filled = fill_polygons((15, 15), [square, inner])
    assert filled[3, 3] and filled[5, 5] and not filled[7, 7]      # hole open, its edge drawn
    assert filled.sum() == 11 * 11 - 3 * 3
    # A polygon partly outside the image is clipped, not wrapped.
    clipped = fill_polygons((10, 10), [np.array([[-5, -5], [4, -5], [4, 4], [-5, 4]])])
    assert clipped.sum() == 25 and clipped[:5, :5].all()
    assert not fill_polygons((4, 4), []).any()


def test_fill_convex_polygons_nearly_like_cv2():
    rng = np.random.default_rng(2)
    total = differ = 0
    for _ in range(60):
        hull = cv2.convexHull(rng.integers(0, 60, (rng.integers(3, 20), 2)).astype(np.int32))
        expected = np.zeros((60, 60), np.uint8)
        cv2.fillConvexPoly(expected, hull, 1)
        filled = fill_polygons((60, 60), [hull.reshape(-1, 2)])
        mismatch = filled != expected.astype(bool)
        # Only pixels on the edges may round differently from cv2's line rasteriser.
        edges = np.zeros((60, 60), np.uint8)
        cv2.polylines(edges, [hull], True, 1)
        assert not (mismatch & ~cv2.dilate(edges, np.ones((3, 3), np.uint8)).astype(bool)).any()
        total += expected.sum()
        differ += mismatch.sum()
    assert differ < 0.005 * total


def test_convex_hull_like_cv2():
    rng = np.random.default_rng(3)
    for _ in range(200):
        points = rng.integers(-20, 50, (rng.integers(3, 40), 2)).astype(np.int32)
        expected = cv2.convexHull(points).reshape(-1, 2)
        hull = convex_hull(points)
        assert hull.dtype == points.dtype
        assert sorted(hull.tolist()) == sorted(expected.tolist())
        if len(expected) >= 3:    # same winding (clockwise on screen)
            assert np.sign(_signed_area(hull)) == np.sign(_signed_area(expected))
    floats = rng.random((500, 2)).astype(np.float32) * 100
    hull = convex_hull(floats)
    assert hull.dtype == np.float32
    assert sorted(hull.tolist()) == sorted(cv2.convexHull(floats).reshape(-1, 2).tolist())


def _signed_area(p):
    q = np.roll(p, -1, axis=0).astype(float)
    return float(np.sum(p[:, 0] * q[:, 1] - q[:, 0] * p[:, 1]))


def test_measures_like_cv2():
    for mask in _random_masks(60, seed=4):
        for outline in trace_outlines(mask):
            p = outline.points
            assert polygon_area(p) == pytest.approx(cv2.contourArea(p), abs=1e-9)
            assert polygon_perimeter(p) == pytest.approx(cv2.arcLength(p, True), rel=1e-6)
            assert bounding_box(p) == cv2.boundingRect(p)
    assert polygon_area(np.array([[0, 0], [4, 0], [4, 3]])) == 6.0
    assert polygon_perimeter(np.array([[0, 0], [4, 0], [4, 3]])) == 12.0
    assert bounding_box(np.array([[2.5, 1.0], [4.2, 7.9]])) == (2, 1, 3, 7)


def test_simplify_polygon_keeps_shape_within_epsilon():
    mask = _blobs(7)
    contours, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    chain = max(contours, key=cv2.contourArea).reshape(-1, 2)
    for epsilon in (0.5, 1.5, 4.0):
        simple = simplify_polygon(chain, epsilon)
        reference = cv2.approxPolyDP(chain, epsilon, True).reshape(-1, 2)
        # Every chain point within epsilon of the simplified polygon, and about as few points as cv2.
        assert _max_distance_to_polygon(chain, simple) <= epsilon + 1e-9
        assert len(simple) <= 1.3 * len(reference) + 2
        assert set(map(tuple, simple.tolist())) <= set(map(tuple, chain.tolist()))
    square = np.array([[0, 0], [5, 0], [10, 0], [10, 10], [0, 10]])
    assert simplify_polygon(square, 0.1).tolist() == [[0, 0], [10, 0], [10, 10], [0, 10]]


def _max_distance_to_polygon(points, polygon):
    a = polygon.astype(float)
    b = np.roll(a, -1, axis=0)
    ab = b - a
    t = np.clip(np.einsum("pmk,mk->pm", points[:, None] - a[None], ab) / np.maximum((ab ** 2).sum(1), 1e-12), 0, 1)
    nearest = a[None] + t[..., None] * ab[None]
    return float(np.sqrt(((points[:, None] - nearest) ** 2).sum(-1)).min(axis=1).max())
