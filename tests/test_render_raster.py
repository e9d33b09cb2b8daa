"""The flat rasteriser on hand-made meshes: coverage, nearest surface, texture lookup,
see-through fringes, shared edges."""

from __future__ import annotations

import numpy as np

from animate_drawing.imaging.raster import TexturedMesh, shade

QUAD = np.array([[0, 1, 2], [0, 2, 3]])
QUAD_UV = np.array([[0, 0], [1, 0], [1, 1], [0, 1]], np.float32)  # Blender UVs: v up


def quad(x0, y0, x1, y1, depth, texture) -> tuple[TexturedMesh, np.ndarray]:
    """Axis-aligned quad in pixels (y down), corners bottom-left first so v=0 is the bottom."""
    positions = np.array([[x0, y1, depth], [x1, y1, depth], [x1, y0, depth], [x0, y0, depth]], float)
    return TexturedMesh(QUAD, QUAD_UV[QUAD], texture), positions


def flat(rgba, size=4) -> np.ndarray:
    return np.broadcast_to(np.array(rgba, np.uint8), (size, size, 4)).copy()


def test_coverage_follows_pixel_centres_and_texture_orientation():
    texture = np.zeros((2, 2, 4), np.uint8)
    texture[0] = (255, 0, 0, 255)  # top row red
    texture[1] = (0, 0, 255, 255)  # bottom row blue
    mesh, positions = quad(2, 2, 8, 8, 0.0, texture)
    frame = shade([mesh], [positions], 10, 10)
    covered = frame[..., 3] > 0
    assert covered[2:8, 2:8].all() and covered.sum() == 36  # pixel centres 2.5 … 7.5
    assert tuple(frame[2, 4]) == (255, 0, 0, 255) and tuple(frame[7, 4]) == (0, 0, 255, 255)


def test_nearest_surface_wins_whatever_the_order():
    red, blue = quad(0, 0, 6, 6, 1.0, flat((255, 0, 0, 255))), quad(3, 3, 9, 9, 0.5, flat((0, 0, 255, 255)))
    for meshes in ([red, blue], [blue, red]):
        frame = shade([m for m, _ in meshes], [p for _, p in meshes], 10, 10)
        assert tuple(frame[4, 4]) == (0, 0, 255, 255)  # blue is nearer
        assert tuple(frame[1, 1]) == (255, 0, 0, 255)


def test_transparent_front_shows_the_surface_behind():
    half = quad(0, 0, 10, 10, 0.0, flat((255, 255, 255, 128)))
    back = quad(0, 0, 10, 10, 0.5, flat((0, 0, 0, 255)))
    frame = shade([half[0], back[0]], [half[1], back[1]], 10, 10)
    np.testing.assert_array_equal(frame[5, 5], (128, 128, 128, 255))
    clear = quad(0, 0, 10, 10, 0.0, flat((255, 255, 255, 0)))
    frame = shade([clear[0], back[0]], [clear[1], back[1]], 10, 10)
    np.testing.assert_array_equal(frame[5, 5], (0, 0, 0, 255))


def test_shared_edge_of_one_surface_is_not_composited_twice():
    mesh, positions = quad(0, 0, 10, 10, 0.0, flat((10, 20, 30, 100)))  # diagonal through pixel centres
    frame = shade([mesh], [positions], 10, 10)
    assert (frame[frame[..., 3] > 0] == (10, 20, 30, 100)).all()
