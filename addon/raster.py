"""Flat textured-triangle rasteriser (numpy only, no bpy): the fast render path.

A drawing character is a flat mesh with an unlit texture seen through an orthographic
camera, so a frame is exactly "which triangle is nearest at each pixel centre, and which
texel does it show there". That needs no path tracing: all triangles of a frame are
rasterised at once (vectorised over candidate pixels), the nearest sample per pixel wins
(interpolated depth, like a z-buffer) and the texture is sampled bilinearly with a
replicated border. Pixel centres sit at (i + 0.5) like Blender's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..imaging.resample import sample_bilinear


@dataclass
class TexturedMesh:
    """Fixed topology and texture of one mesh; only vertex positions change per frame."""

    triangles: np.ndarray  # (M, 3) int vertex indices
    corner_uv: np.ndarray  # (M, 3, 2) float32 UV per triangle corner (Blender convention, v up)
    texture: np.ndarray  # (H, W, 4) uint8 RGBA, row 0 = top of the image


def _candidates(xy: np.ndarray, width: int, height: int):
    """Every (triangle, pixel) pair whose pixel centre lies in the triangle's bounding box."""
    lo = np.ceil(xy.min(1) - 0.5).astype(np.int64)
    hi = np.floor(xy.max(1) - 0.5).astype(np.int64)
    lo = np.maximum(lo, 0)
    hi = np.minimum(hi, [width - 1, height - 1])
    span = np.maximum(hi - lo + 1, 0)
    count = span[:, 0] * span[:, 1]
    tri = np.repeat(np.arange(len(xy)), count)
    first = np.cumsum(count) - count
    local = np.arange(len(tri)) - first[tri]
    px = lo[tri, 0] + local % span[tri, 0]
    py = lo[tri, 1] + local // span[tri, 0]
    return tri, px, py


DEPTH_GAP = 1e-5  # world units: samples closer than this in depth lie on the same surface


def rasterize(xy: np.ndarray, depth: np.ndarray, width: int, height: int):
    """Nearest triangle per covered pixel, and the next surface behind it.

    xy: (M, 3, 2) pixel coordinates (x right, y down); depth: (M, 3), smaller = nearer.
    Returns two layers of (pixel flat index, triangle index, barycentric (P, 3)): the
    nearest sample of every covered pixel, then the nearest sample of a deeper surface
    (seen through the front one where the texture is transparent).
    """
    a = xy[:, 0]
    e1 = xy[:, 1] - a
    e2 = xy[:, 2] - a
    area = e1[:, 0] * e2[:, 1] - e1[:, 1] * e2[:, 0]
    keep = np.abs(area) > 1e-12
    ids = np.flatnonzero(keep)
    tri, px, py = _candidates(xy[keep], width, height)
    tri = ids[tri]
    dx = px + 0.5 - a[tri, 0]
    dy = py + 0.5 - a[tri, 1]
    inv = 1.0 / area[tri]
    l1 = (dx * e2[tri, 1] - dy * e2[tri, 0]) * inv
    l2 = (e1[tri, 0] * dy - e1[tri, 1] * dx) * inv
    l0 = 1.0 - l1 - l2
    eps = -1e-7
    inside = (l0 >= eps) & (l1 >= eps) & (l2 >= eps)
    tri, px, py = tri[inside], px[inside], py[inside]
    bary = np.stack([l0[inside], l1[inside], l2[inside]], 1)
    z = (bary * depth[tri]).sum(1)
    pixel = py * width + px
    # Order by (pixel, depth): the first sample of every pixel is the visible one.
    order = np.lexsort((z, pixel))
    pixel, z = pixel[order], z[order]
    first = np.ones(len(pixel), bool)
    first[1:] = pixel[1:] != pixel[:-1]
    # The sample right after the front one, if it belongs to a deeper surface (a shared edge
    # of two triangles of one surface gives two samples at the same depth).
    behind = np.zeros(len(pixel), bool)
    behind[1:] = first[:-1] & ~first[1:] & (z[1:] - z[:-1] > DEPTH_GAP)
    return [(pixel[m], tri[order[m]], bary[order[m]]) for m in (first, behind)]


def _colours(meshes, owner, corner_uv, tri, bary) -> np.ndarray:
    """(P, 4) uint8 texture colour of each sample."""
    uv = np.einsum("pk,pkj->pj", bary, corner_uv[tri])
    colours = np.zeros((len(tri), 4), np.uint8)
    for index, mesh in enumerate(meshes):
        mine = owner[tri] == index
        if not mine.any():
            continue
        th, tw = mesh.texture.shape[:2]
        # Texel centres at (i + 0.5) / size, v measured upward from the bottom row.
        x = uv[mine, 0] * tw - 0.5
        y = (1.0 - uv[mine, 1]) * th - 0.5
        # Bilinear values lie within the texel range, so + 0.5 and truncation rounds.
        colours[mine] = (sample_bilinear(mesh.texture, x, y) + 0.5).astype(np.uint8)
    return colours


def _over(front: np.ndarray, back: np.ndarray) -> np.ndarray:
    """Straight-alpha `front` over `back`, both (P, 4) uint8."""
    f, b = front / 255.0, back / 255.0
    fa, ba = f[:, 3:], b[:, 3:] * (1.0 - f[:, 3:])
    alpha = fa + ba
    rgb = (f[:, :3] * fa + b[:, :3] * ba) / np.maximum(alpha, 1e-9)
    return np.rint(np.concatenate([rgb, alpha], 1) * 255).astype(np.uint8)


def shade(meshes: list[TexturedMesh], positions: list[np.ndarray], width: int, height: int) -> np.ndarray:
    """Render textured meshes to an (H, W, 4) uint8 RGBA frame (straight alpha).

    positions[i]: (N_i, 3) per-vertex (pixel x, pixel y, depth) of meshes[i].
    """
    xy = np.concatenate([p[m.triangles, :2] for m, p in zip(meshes, positions)])
    depth = np.concatenate([p[m.triangles, 2] for m, p in zip(meshes, positions)])
    owner = np.repeat(np.arange(len(meshes)), [len(m.triangles) for m in meshes])
    corner_uv = np.concatenate([m.corner_uv for m in meshes])
    (pixel, tri, bary), (pixel_behind, tri_behind, bary_behind) = rasterize(xy, depth, width, height)
    frame = np.zeros((height * width, 4), np.uint8)
    frame[pixel] = _colours(meshes, owner, corner_uv, tri, bary)
    # Where the front surface is (partly) transparent, e.g. the fringe of an arm crossing
    # the body, the surface behind shows through, as in Cycles.
    see_through = frame[pixel_behind, 3] < 255
    if see_through.any():
        target = pixel_behind[see_through]
        back = _colours(meshes, owner, corner_uv, tri_behind[see_through], bary_behind[see_through])
        frame[target] = _over(frame[target], back)
    return frame.reshape(height, width, 4)
