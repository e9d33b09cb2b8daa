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
INSIDE_EPS = -1e-7  # barycentric tolerance: pixel centres on an edge belong to both triangles


@dataclass
class TexturedMesh:
    """Fixed topology and texture of one mesh; only vertex positions change per frame."""

    triangles: np.ndarray  # (M, 3) int vertex indices
    corner_uv: np.ndarray  # (M, 3, 2) float32 UV per triangle corner (Blender convention, v up)
    texture: np.ndarray  # (H, W, 4) uint8 RGBA, row 0 = top of the image


class _Texture:
    """One texture for bilinear gathers (border replicated): texels packed as one uint32 each,
    so a gather moves 4 bytes per texel instead of 16."""

    def __init__(self, rgba: np.ndarray):
        self.height, self.width = rgba.shape[:2]
        self.texels = np.ascontiguousarray(rgba, dtype=np.uint8).view(np.uint32).reshape(-1)

    def _gather(self, index: np.ndarray) -> np.ndarray:
        return self.texels[index].view(np.uint8).reshape(-1, 4).astype(np.float32)

    def sample(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """(P, 4) float32 bilinear samples at texel coordinates (texel centres at integers)."""
        x = np.clip(x, 0.0, self.width - 1)
        y = np.clip(y, 0.0, self.height - 1)
        x0 = np.minimum(x.astype(np.int32), max(self.width - 2, 0))
        y0 = np.minimum(y.astype(np.int32), max(self.height - 2, 0))
        fx = (x - x0)[:, None]
        fy = (y - y0)[:, None]
        step_x = 1 if self.width > 1 else 0
        step_y = self.width if self.height > 1 else 0
        index = y0 * self.width + x0
        top = self._gather(index)
        top += (self._gather(index + step_x) - top) * fx
        bottom = self._gather(index + step_y)
        bottom += (self._gather(index + step_y + step_x) - bottom) * fx
        top += (bottom - top) * fy
        return top


class Rasteriser:
    """Everything about a set of textured meshes that is fixed over a clip, prepared once."""

    def __init__(self, meshes: list[TexturedMesh], width: int, height: int):
        self.width, self.height = int(width), int(height)
        self.triangles = [np.asarray(m.triangles, np.int64) for m in meshes]
        self.textures = [_Texture(m.texture) for m in meshes]
        counts = [len(m.triangles) for m in meshes]
        self.owner_ranges = np.cumsum([0, *counts])
        # Texel coordinates of every corner: centres at (i + 0.5) / size, v measured upward.
        corners = []
        for mesh, texture in zip(meshes, self.textures):
            uv = np.asarray(mesh.corner_uv, np.float64)
            corners.append(np.stack([uv[..., 0] * texture.width - 0.5, (1.0 - uv[..., 1]) * texture.height - 0.5], -1))
        self.corner_texel = np.concatenate(corners) if corners else np.zeros((0, 3, 2))

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
        planes = _planes(corners, self.corner_texel)
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
        u, v = planes.values(slice(3, 5), tri, x, y).T
        if len(self.textures) == 1:
            values = self.textures[0].sample(u, v)
        else:
            values = np.zeros((len(tri), 4), np.float32)
            owner = np.searchsorted(self.owner_ranges, tri, side="right") - 1
            for index, texture in enumerate(self.textures):
                mine = owner == index
                if mine.any():
                    values[mine] = texture.sample(u[mine], v[mine])
        # Bilinear values lie within the texel range, so + 0.5 and truncation rounds.
        values += 0.5
        return values.astype(np.uint8)


class _Planes:
    """Per-triangle affine functions of the pixel centre: a * x + b * y + c."""

    def __init__(self, corners: np.ndarray, coefficients: np.ndarray, keep: np.ndarray):
        self.corners = corners  # (M, 3, 3) pixel x, y, depth per corner
        self.c = coefficients  # (M, 5 quantities: l1, l2, depth, texel x, texel y; a, b, c)
        self.keep = keep  # (M,) not degenerate

    def values(self, quantities: slice, tri, x, y) -> np.ndarray:
        """(P, Q) values of the quantities at pixel centres (x, y) of triangles `tri`."""
        abc = self.c[tri, quantities]  # one gather for all of them
        return abc[:, :, 0] * x[:, None] + abc[:, :, 1] * y[:, None] + abc[:, :, 2]


def _planes(corners: np.ndarray, corner_texel: np.ndarray) -> _Planes:
    """corners: (M, 3, 3) pixel x, y, depth of each triangle corner."""
    a = corners[:, 0, :2]
    e1 = corners[:, 1, :2] - a
    e2 = corners[:, 2, :2] - a
    area = e1[:, 0] * e2[:, 1] - e1[:, 1] * e2[:, 0]
    keep = np.abs(area) > 1e-12
    inv = np.where(keep, 1.0 / np.where(keep, area, 1.0), 0.0)
    # l1 = ((x - ax) e2y - (y - ay) e2x) / area,  l2 = ((y - ay) e1x - (x - ax) e1y) / area
    l1 = np.stack([e2[:, 1] * inv, -e2[:, 0] * inv, (a[:, 1] * e2[:, 0] - a[:, 0] * e2[:, 1]) * inv], 1)
    l2 = np.stack([-e1[:, 1] * inv, e1[:, 0] * inv, (a[:, 0] * e1[:, 1] - a[:, 1] * e1[:, 0]) * inv], 1)
    values = np.concatenate([corners[:, :, 2:3], corner_texel], 2)  # (M, 3 corners, depth/tx/ty)
    base = values[:, 0]
    d1 = values[:, 1] - base
    d2 = values[:, 2] - base
    # q(x, y) = q0 + l1 (q1 - q0) + l2 (q2 - q0)
    derived = d1[:, :, None] * l1[:, None, :] + d2[:, :, None] * l2[:, None, :]
    derived[:, :, 2] += base
    coefficients = np.concatenate([l1[:, None], l2[:, None], derived], 1)
    return _Planes(corners, coefficients, keep)


def _candidates(planes: _Planes, width: int, height: int):
    """Every (triangle, pixel) pair whose pixel centre lies in the triangle's bounding box, with
    the pixel centre's barycentric coordinates l1, l2 in that triangle. Per-triangle values
    are spread to its candidates with np.repeat (sequential), not gathered."""
    ids = np.flatnonzero(planes.keep)
    xy = planes.corners[ids, :, :2]
    lo = np.maximum(np.ceil(xy.min(1) - 0.5), 0).astype(np.int64)
    hi = np.minimum(np.floor(xy.max(1) - 0.5), [width - 1, height - 1]).astype(np.int64)
    span = np.maximum(hi - lo + 1, 0)
    count = span[:, 0] * span[:, 1]
    first = np.cumsum(count) - count
    local = np.arange(count.sum()) - np.repeat(first, count)
    row_length = np.repeat(span[:, 0], count)
    px = np.repeat(lo[:, 0], count) + local % row_length
    py = np.repeat(lo[:, 1], count) + local // row_length
    x = px + 0.5
    y = py + 0.5
    abc = np.repeat(planes.c[ids, :2], count, axis=0)  # (P, l1/l2, a/b/c)
    l1 = abc[:, 0, 0] * x + abc[:, 0, 1] * y + abc[:, 0, 2]
    l2 = abc[:, 1, 0] * x + abc[:, 1, 1] * y + abc[:, 1, 2]
    return np.repeat(ids, count), px, py, x, y, l1, l2


def _visible_samples(planes: _Planes, width: int, height: int):
    """The nearest sample of every covered pixel, and the nearest sample of a deeper surface
    behind it (seen through where the front texture is transparent).

    Each is (pixel flat index, triangle, pixel centre x, y).
    """
    tri, px, py, x, y, l1, l2 = _candidates(planes, width, height)
    inside = (l1 >= INSIDE_EPS) & (l2 >= INSIDE_EPS) & (1.0 - l1 - l2 >= INSIDE_EPS)
    tri, x, y = tri[inside], x[inside], y[inside]
    pixel = py[inside] * width + px[inside]
    # Most pixels are covered once: only pixels with several samples need a depth sort.
    counts = np.bincount(pixel, minlength=width * height)
    single = counts[pixel] == 1
    multi = ~single
    m_pixel, m_tri, m_x, m_y = pixel[multi], tri[multi], x[multi], y[multi]
    z = planes.values(slice(2, 3), m_tri, m_x, m_y)[:, 0]
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
