"""Flat textured-triangle rasteriser (numpy only, no bpy): the fast render path.

A drawing character is a flat mesh with an unlit texture seen through an orthographic
camera, so a frame is exactly "which triangle is nearest at each pixel centre, and which
texel does it show there". That needs no path tracing: all triangles of a frame are
rasterised at once (vectorised over candidate pixels), the nearest sample per pixel wins
(interpolated depth, like a z-buffer) and the texture is sampled bilinearly with a
replicated border. Pixel centres sit at (i + 0.5) like Blender's.

`Rasteriser` holds what never changes during a clip (textures as float texels, per-corner
texel coordinates, triangle ownership); a frame only brings new vertex positions. Every
per-pixel quantity (barycentrics, depth, texel coordinates) is an affine function of the
pixel centre within a triangle, so a frame computes 3 coefficients per triangle and
quantity, then one multiply-add per candidate pixel. numpy releases the GIL in all of
this, so a frame can be rasterised on a worker thread while Blender encodes the previous.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

DEPTH_GAP = 1e-5  # world units: samples closer than this in depth lie on the same surface
EDGE_EPS = 1e-6  # pixels: pixel centres on an edge belong to both triangles


@dataclass
class TexturedMesh:
    """Fixed topology and texture of one mesh; only vertex positions change per frame."""

    triangles: np.ndarray  # (M, 3) int vertex indices
    corner_uv: np.ndarray  # (M, 3, 2) float32 UV per triangle corner (Blender convention, v up)
    texture: np.ndarray  # (H, W, 4) uint8 RGBA, row 0 = top of the image


class _Atlas:
    """Every mesh's texture for bilinear gathers (border replicated), as one array of texels
    packed as one uint32 each (a gather moves 4 bytes per texel instead of 16), with each
    triangle's texture size and offset: one pass samples all meshes."""

    def __init__(self, textures: list[np.ndarray], triangle_counts: list[int]):
        flat = [np.ascontiguousarray(rgba, dtype=np.uint8).view(np.uint32).reshape(-1) for rgba in textures]
        self.texels = np.concatenate(flat) if flat else np.zeros(0, np.uint32)
        sizes = np.array([rgba.shape[:2] for rgba in textures], np.int64).reshape(-1, 2)
        offsets = np.cumsum([0] + [len(f) for f in flat[:-1]]).astype(np.int64)
        per_mesh = np.stack([sizes[:, 1], sizes[:, 0], offsets])  # width, height, offset
        self.triangle_texture = np.repeat(per_mesh, triangle_counts, axis=1)  # (3, M)

    def _gather(self, index: np.ndarray) -> np.ndarray:
        return self.texels[index].view(np.uint8).reshape(-1, 4).astype(np.float32)

    def sample(self, tri: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """(P, 4) float32 bilinear samples at texel coordinates (texel centres at integers) in
        the textures of triangles `tri`. The four texels are weighted in float32 (within a
        few 1e-5 of the float64 blend: at most one level of 255 apart after rounding)."""
        width, height, offset = self.triangle_texture[:, tri]
        x = np.clip(x, 0.0, width - 1)
        y = np.clip(y, 0.0, height - 1)
        x0 = np.minimum(x.astype(np.int64), np.maximum(width - 2, 0))
        y0 = np.minimum(y.astype(np.int64), np.maximum(height - 2, 0))
        fx = (x - x0).astype(np.float32)[:, None]
        fy = (y - y0).astype(np.float32)[:, None]
        index = offset + y0 * width + x0
        step_x = (width > 1).astype(np.int64)
        below = index + np.where(height > 1, width, 0)
        top = self._gather(index)
        top += (self._gather(index + step_x) - top) * fx
        bottom = self._gather(below)
        bottom += (self._gather(below + step_x) - bottom) * fx
        top += (bottom - top) * fy
        return top


class Rasteriser:
    """Everything about a set of textured meshes that is fixed over a clip, prepared once."""

    def __init__(self, meshes: list[TexturedMesh], width: int, height: int):
        self.width, self.height = int(width), int(height)
        self.triangles = [np.asarray(m.triangles, np.int64) for m in meshes]
        self.atlas = _Atlas([m.texture for m in meshes], [len(m.triangles) for m in meshes])
        # Texel coordinates of every corner: centres at (i + 0.5) / size, v measured upward.
        corners = []
        for mesh in meshes:
            uv = np.asarray(mesh.corner_uv, np.float64)
            height, width = mesh.texture.shape[:2]
            corners.append(np.stack([uv[..., 0] * width - 0.5, (1.0 - uv[..., 1]) * height - 0.5], -1))
        # (3 corners, 2: texel x, y, M): rows, like the per-frame corner positions.
        self.corner_texel = np.ascontiguousarray((np.concatenate(corners) if corners else np.zeros((0, 3, 2))).transpose(1, 2, 0))

    def shade(self, positions: list[np.ndarray]) -> np.ndarray:
        """(H, W, 4) uint8 RGBA frame (straight alpha); positions[i]: (N_i, 3) per-vertex
        (pixel x, pixel y, depth) of mesh i (y down, smaller depth = nearer)."""
        pixel, colours = self.shade_pixels(positions)
        frame = np.zeros((self.height * self.width, 4), np.uint8)
        frame[pixel] = colours
        return frame.reshape(self.height, self.width, 4)

    def shade_pixels(self, positions: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        """Covered pixels (flat indices, row 0 = top) and their (P, 4) uint8 RGBA colours."""
        corners = np.concatenate([p[t] for p, t in zip(positions, self.triangles)]) if positions else np.zeros((0, 3, 3))
        planes = _planes(np.ascontiguousarray(corners.transpose(1, 2, 0)), self.corner_texel)
        front, behind = _visible_samples(planes, self.width, self.height)
        pixel, colours = front[0], self._colours(front, planes)
        # Where the front surface is (partly) transparent, e.g. the fringe of an arm crossing
        # the body, the surface behind shows through, as in Cycles.
        behind_pixel, behind_tri, behind_x, behind_y = behind
        if len(behind_pixel):
            slot_of_pixel = np.empty(self.width * self.height, np.int64)
            slot_of_pixel[pixel] = np.arange(len(pixel))
            slot = slot_of_pixel[behind_pixel]
            see_through = colours[slot, 3] < 255
            if see_through.any():
                slot = slot[see_through]
                back = self._colours((behind_pixel[see_through], behind_tri[see_through], behind_x[see_through],
                                      behind_y[see_through]), planes)
                colours[slot] = _over(colours[slot], back)
        return pixel, colours

    def _colours(self, samples, planes) -> np.ndarray:
        """(P, 4) uint8 texture colour of each sample."""
        _, tri, x, y = samples
        u = planes.value(_Planes.TEXEL_X, tri, x, y)
        v = planes.value(_Planes.TEXEL_Y, tri, x, y)
        values = self.atlas.sample(tri, u, v)
        # Bilinear values lie within the texel range, so + 0.5 and truncation rounds.
        values += 0.5
        return values.astype(np.uint8)


class _Planes:
    """Per-triangle affine functions of the pixel centre: a * x + b * y + c."""

    L1, L2, DEPTH, TEXEL_X, TEXEL_Y = range(5)

    def __init__(self, corners: np.ndarray, rows: np.ndarray, keep: np.ndarray):
        self.corners = corners  # (3 corners, 3: pixel x, y, depth, M)
        # (5 quantities: l1, l2, depth, texel x, texel y; a, b, c; M): a row per triangle list,
        # so a quantity's coefficients are gathered from (or repeated as) plain rows.
        self.rows = rows
        self.keep = keep  # (M,) not degenerate

    def value(self, quantity: int, tri, x, y) -> np.ndarray:
        """(P,) values of a quantity at pixel centres (x, y) of triangles `tri`."""
        a, b, c = self.rows[quantity]
        return a[tri] * x + b[tri] * y + c[tri]


def _planes(corners: np.ndarray, corner_texel: np.ndarray) -> _Planes:
    """corners: (3 corners, 3: pixel x, y, depth, M) of each triangle; corner_texel: (3
    corners, 2: texel x, y, M). Everything is computed on (M,) rows (triangle lists are short:
    whole-array steps on rows beat steps on small trailing axes)."""
    (ax, ay, _), (bx, by, _), (cx, cy, _) = corners
    e1x, e1y, e2x, e2y = bx - ax, by - ay, cx - ax, cy - ay
    area = e1x * e2y - e1y * e2x
    keep = np.abs(area) > 1e-12
    inv = np.where(keep, 1.0 / np.where(keep, area, 1.0), 0.0)
    rows = np.empty((5, 3, len(ax)))
    # l1 = ((x - ax) e2y - (y - ay) e2x) / area,  l2 = ((y - ay) e1x - (x - ax) e1y) / area
    rows[0] = e2y * inv, -e2x * inv, (ay * e2x - ax * e2y) * inv
    rows[1] = -e1y * inv, e1x * inv, (ax * e1y - ay * e1x) * inv
    # q(x, y) = q0 + l1 (q1 - q0) + l2 (q2 - q0), for depth and texel x, y
    for row, (q0, q1, q2) in enumerate(((corners[0, 2], corners[1, 2], corners[2, 2]),
                                        (*corner_texel[:, 0],), (*corner_texel[:, 1],)), start=2):
        d1, d2 = q1 - q0, q2 - q0
        for k in range(3):
            np.add(d1 * rows[0, k], d2 * rows[1, k], out=rows[row, k])
        rows[row, 2] += q0
    return _Planes(corners, rows, keep)


def _covered(planes: _Planes, width: int, height: int):
    """Every (triangle, pixel x, pixel y) whose pixel centre lies in the triangle (centres on an
    edge, within `EDGE_EPS` pixels, in both triangles sharing it), found a pixel row at a time:
    each row of the triangle's box meets its edges in one span of covered centres, so only
    covered pixels are made (testing every pixel of the box made twice as many, each with its
    barycentric coordinates). Per-triangle values are spread with np.repeat (sequential)."""
    (ax, ay, _), (bx, by, _), (cx, cy, _) = planes.corners
    top = np.maximum(np.ceil(np.minimum(np.minimum(ay, by), cy) - 0.5 - EDGE_EPS), 0)
    bottom = np.minimum(np.floor(np.maximum(np.maximum(ay, by), cy) - 0.5 + EDGE_EPS), height - 1)
    rows = np.where(planes.keep, np.maximum(bottom - top + 1, 0), 0).astype(np.int64)
    first_row = np.cumsum(rows) - rows
    tri = np.repeat(np.arange(len(ax)), rows)
    py = (np.repeat(top, rows) + (np.arange(rows.sum()) - np.repeat(first_row, rows))).astype(np.int32)
    y = py + 0.5
    left = np.full(len(y), np.inf)
    right = np.full(len(y), -np.inf)
    for (x0, y0), (x1, y1) in (((ax, ay), (bx, by)), ((bx, by), (cx, cy)), ((cx, cy), (ax, ay))):
        rise = y1 - y0
        slope = np.where(rise != 0, (x1 - x0) / np.where(rise != 0, rise, 1.0), 0.0)
        low, high = np.minimum(y0, y1) - EDGE_EPS, np.maximum(y0, y1) + EDGE_EPS
        ey0, ex0 = np.repeat(y0, rows), np.repeat(x0, rows)
        x = ex0 + (y - ey0) * np.repeat(slope, rows)
        # A horizontal edge on the row adds nothing the two edges meeting it do not.
        meets = (y >= np.repeat(low, rows)) & (y <= np.repeat(high, rows)) & np.repeat(rise != 0, rows)
        np.minimum(left, np.where(meets, x, np.inf), out=left)
        np.maximum(right, np.where(meets, x, -np.inf), out=right)
    first_px = np.maximum(np.ceil(left - 0.5 - EDGE_EPS), 0)
    last_px = np.minimum(np.floor(right - 0.5 + EDGE_EPS), width - 1)
    span = np.where(np.isfinite(left), np.maximum(last_px - first_px + 1, 0), 0).astype(np.int64)
    first = np.cumsum(span) - span
    px = (np.repeat(first_px, span) + (np.arange(span.sum()) - np.repeat(first, span))).astype(np.int32)
    return np.repeat(tri, span), px, np.repeat(py, span)


def _visible_samples(planes: _Planes, width: int, height: int):
    """The nearest sample of every covered pixel, and the nearest sample of a deeper surface
    behind it (seen through where the front texture is transparent).

    Each is (pixel flat index, triangle, pixel centre x, y).
    """
    tri, px, py = _covered(planes, width, height)
    pixel = py * width + px
    x, y = px + 0.5, py + 0.5
    # Most pixels are covered once: only pixels with several samples need a depth sort.
    counts = np.bincount(pixel, minlength=width * height)
    single = counts[pixel] == 1
    multi = ~single
    m_pixel, m_tri, m_x, m_y = pixel[multi], tri[multi], x[multi], y[multi]
    z = planes.value(_Planes.DEPTH, m_tri, m_x, m_y)
    order = np.lexsort((z, m_pixel))
    m_pixel, z = m_pixel[order], z[order]
    first = np.ones(len(m_pixel), bool)
    first[1:] = m_pixel[1:] != m_pixel[:-1]
    # The sample right after the front one, if it belongs to a deeper surface (a shared edge
    # of two triangles of one surface gives two samples at the same depth).
    behind = np.zeros(len(m_pixel), bool)
    behind[1:] = first[:-1] & ~first[1:] & (z[1:] - z[:-1] > DEPTH_GAP)
    front_index = np.concatenate([np.flatnonzero(single), np.flatnonzero(multi)[order[first]]])
    behind_index = np.flatnonzero(multi)[order[behind]]
    return ((pixel[front_index], tri[front_index], x[front_index], y[front_index]),
            (pixel[behind_index], tri[behind_index], x[behind_index], y[behind_index]))


def _over(front: np.ndarray, back: np.ndarray) -> np.ndarray:
    """Straight-alpha `front` over `back`, both (P, 4) uint8."""
    f, b = front / 255.0, back / 255.0
    fa, ba = f[:, 3:], b[:, 3:] * (1.0 - f[:, 3:])
    alpha = fa + ba
    rgb = (f[:, :3] * fa + b[:, :3] * ba) / np.maximum(alpha, 1e-9)
    return np.rint(np.concatenate([rgb, alpha], 1) * 255).astype(np.uint8)


def shade(meshes: list[TexturedMesh], positions: list[np.ndarray], width: int, height: int) -> np.ndarray:
    """Render textured meshes to an (H, W, 4) uint8 RGBA frame (straight alpha), preparing
    them for this one frame (a clip prepares a `Rasteriser` once instead)."""
    return Rasteriser(meshes, width, height).shade(positions)
