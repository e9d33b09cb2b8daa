"""Delaunay triangulation: the one place the rig asks a library for triangles.

The triangulator is Blender's `mathutils.geometry.delaunay_2d_cdt` (C code that only computes:
it creates no Blender data and worker threads may call it). It is the only non-numpy code the
rig runs, chosen over shipping scipy (tens of MB a platform) and over a Python triangulator
(a Bowyer-Watson loop in Python costs more than the whole mesh build, and the hexagonal grid's
many co-circular points would triangulate differently, changing every weight).

Inside Blender `mathutils` is always importable. In a plain Python process the bpy wheel
registers it when `bpy` is imported, so this module imports `bpy` for that alone, and only
when `mathutils` is absent; tests of the mesh therefore carry the `blender` marker.
"""

from __future__ import annotations

import numpy as np

DELAUNAY_EPSILON = 1e-5        # px: Blender's triangulator merges points closer than this


def delaunay_triangles(points: np.ndarray) -> np.ndarray:
    """(M, 3) point indices of the Delaunay triangles of `points` (P, 2); none when all points lie
    on one line (a one-pixel stroke).

    Blender's triangulator may merge points closer than DELAUNAY_EPSILON and renumber them: its
    `orig_verts` map them back, a merged group to its first point."""
    points = np.asarray(points, dtype=np.float64)
    if len(points) < 3:
        return np.zeros((0, 3), dtype=np.int64)
    _, _, faces, orig_verts, _, _ = _delaunay_2d_cdt()(points.tolist(), [], [], 0, DELAUNAY_EPSILON)
    triangles = np.array([f for f in faces if len(f) == 3], dtype=np.int64).reshape(-1, 3)
    # Every output vertex comes from an input point when there are no constraint edges.
    source = np.array([group[0] if group else -1 for group in orig_verts], dtype=np.int64)
    triangles = source[triangles]
    return triangles[(triangles >= 0).all(axis=1)]


def _delaunay_2d_cdt():
    try:
        from mathutils.geometry import delaunay_2d_cdt
    except ImportError:
        import bpy  # noqa: F401  (registers mathutils in a plain Python process)
        from mathutils.geometry import delaunay_2d_cdt
    return delaunay_2d_cdt
