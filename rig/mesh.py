"""Mask → triangle mesh in pixel coordinates.

Outline points come from the mask's outlines (outer borders and holes),
resampled along the pixel chain with a spacing that shrinks where the figure is thin or two
parts nearly touch, so the Delaunay triangulation of the points keeps the outline (it
"conforms"). Interior points lie on a hexagonal grid away from the outline, and every joint
is a vertex. Of the Delaunay triangles we keep those whose centroid and edges stay inside the
(1 px dilated) mask: no triangle spans a gap between limbs, so limbs joined only by a thin
bridge stay separable for the geodesic skin weights.

Invariants (tested): triangles counter-clockwise as seen from the camera (world x = u,
z = −v), area > `MIN_TRIANGLE_AREA`, centroids inside the mask, every joint a used vertex.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import InputError
from ..imaging.contours import fill_polygons, polygon_area, polygon_perimeter, trace_outlines
from ..imaging.morphology import dilate, distance_to_background, erode, max_filter, min_filter
from .triangulate import delaunay_triangles

MIN_FIGURE_PIXELS = 16
MIN_ISLAND_FRACTION = 0.01     # islands smaller than this × the largest are specks: dropped
MIN_HOLE_FRACTION = 0.001      # holes smaller than this × the figure area are filled
VERTICES_PER_SIDE = 28         # grid spacing = sqrt(figure area) / this / density
MIN_SPACING_PX = 1.0
THIN_SPACING_RATIO = 0.8       # outline spacing ≤ this × the local width of figure or gap
INTERIOR_CLEARANCE = 0.55      # interior grid points keep this × spacing from the outline
JOINT_CLEARANCE = 0.6          # grid points closer than this × spacing to a joint are dropped
MIN_TRIANGLE_AREA = 1e-2       # px²
MAX_EDGE_SPACINGS = 4.0        # longer Delaunay edges span background
DISTANCE_CELL_SPACINGS = 0.2   # distances to the outline are measured on cells up to this × spacing
DISTANCE_REACH_SPACINGS = 1.5  # ... and only up to this × spacing (+2 px); farther reads as that


@dataclass
class Mesh:
    vertices: np.ndarray           # (N, 2) float64 pixel coords (u, v)
    triangles: np.ndarray          # (M, 3) int32, counter-clockwise as seen from the camera
    region: np.ndarray             # (H, W) bool: the part of the mask that was meshed
    spacing: float                 # interior grid spacing in pixels
    joint_vertex: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # (J,) vertex per joint
    snapped: dict[int, tuple[tuple[float, float], tuple[float, float]]] = field(default_factory=dict)
    # joint index → (original uv, new uv) for joints that had to move into the mesh

    @property
    def joint_locs(self) -> np.ndarray:
        return self.vertices[self.joint_vertex]


def uvs_for(vertices: np.ndarray, width: int, height: int) -> np.ndarray:
    """Texture coordinates: (u / W, 1 − v / H), float32."""
    vertices = np.asarray(vertices, dtype=np.float64)
    return np.column_stack([vertices[:, 0] / width, 1.0 - vertices[:, 1] / height]).astype(np.float32)


def signed_areas(vertices: np.ndarray, triangles: np.ndarray) -> np.ndarray:
    """Signed triangle areas in world XZ (x = u, z = −v): positive = counter-clockwise from the camera."""
    p = vertices[triangles]
    e1, e2 = p[:, 1] - p[:, 0], p[:, 2] - p[:, 0]
    # z = −v flips the sign of the pixel-space cross product.
    return -0.5 * (e1[:, 0] * e2[:, 1] - e1[:, 1] * e2[:, 0])


def clean_region(mask: np.ndarray) -> np.ndarray:
    """Drop specks (small islands) and fill pin-holes; what is left is meshed."""
    outlines = trace_outlines(mask)
    if not outlines:
        return np.zeros(np.shape(mask), dtype=bool)
    # Areas of the polygons through border pixel centres, plus half the perimeter: close to
    # the pixel count even for one-pixel-wide strokes (whose polygon area is zero).
    areas = np.array([polygon_area(o.points) + 0.5 * polygon_perimeter(o.points) + 1.0 for o in outlines])
    parents = np.array([o.parent for o in outlines])
    outer = parents < 0
    keep = outer & (areas >= MIN_ISLAND_FRACTION * areas[outer].max())
    pin_hole = ~outer & keep[parents] & (areas < max(6.0, MIN_HOLE_FRACTION * areas[keep].sum()))
    # Even-odd over the kept islands and all their holes: exactly the kept islands' pixels,
    # islands inside holes included; pin-holes are then filled on top.
    kept = [o.points for o, k in zip(outlines, keep | (~outer & keep[parents])) if k]
    region = fill_polygons(np.shape(mask), kept) & (np.asarray(mask) != 0)
    return region | fill_polygons(np.shape(mask), [o.points for o, p in zip(outlines, pin_hole) if p])


def mesh_from_mask(mask: np.ndarray, joint_locs=None, joint_parents=None, density: float = 1.0) -> Mesh:
    """Triangulate `mask`; `joint_locs` (J, 2) pixels become vertices (snapped inside if needed).

    `joint_parents` (J,) parent joint index or −1 guides snapping along the limb."""
    region = clean_region(mask)
    rows, cols = np.nonzero(region.any(axis=1))[0], np.nonzero(region.any(axis=0))[0]
    if np.count_nonzero(region) < MIN_FIGURE_PIXELS:
        raise InputError(None, f"the figure mask has {np.count_nonzero(region)} pixels; "
                               f"at least {MIN_FIGURE_PIXELS} are needed to build a mesh")
    spacing = max(MIN_SPACING_PX * 2, np.sqrt(np.count_nonzero(region)) / VERTICES_PER_SIDE) / max(density, 1e-3)

    # Work in a frame cropped to the figure with one pixel of background around it, so contours
    # and distances treat the image border as outside. frame = image − offset.
    offset = np.array([cols[0] - 1.0, rows[0] - 1.0])
    padded = np.pad(region[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1], 1)
    cell = max(1, int(DISTANCE_CELL_SPACINGS * spacing))
    reach = DISTANCE_REACH_SPACINGS * spacing + 2.0
    dist_in, dist_out = (_distance_on_cells(m, cell, reach) for m in (padded, ~padded))
    outline = _outline_points(padded, _LocalWidths(dist_in, dist_out, spacing), spacing)
    interior = _interior_points(dist_in, spacing)
    joints, snapped = _snap_joints(None if joint_locs is None else np.asarray(joint_locs, float) - offset,
                                   joint_parents, padded, dist_in)
    if len(joints):
        near = np.min(np.linalg.norm(interior[:, None] - joints[None], axis=2), axis=1) < JOINT_CLEARANCE * spacing
        interior = interior[~near]

    points, inverse = _unique_points(np.vstack([outline, interior, joints]))
    joint_vertex = inverse[len(outline) + len(interior):]
    triangles = _inside_triangles(points, delaunay_triangles(points), padded, dist_in, cell, spacing)
    if not len(triangles):
        raise InputError(None, "the figure mask is too thin to build a mesh (no triangle fits inside)")

    points += offset
    snapped = {j: (tuple(np.add(old, offset).tolist()), tuple(np.add(new, offset).tolist()))
               for j, (old, new) in snapped.items()}
    vertices, triangles, joint_vertex, snapped = _drop_unused(points, triangles, joint_vertex, snapped)
    return Mesh(vertices, triangles.astype(np.int32), region, float(spacing), joint_vertex, snapped)


def _unique_points(points: np.ndarray):
    """Merge points closer than 1e-4 px (joints sharing a spot, outline samples meeting)."""
    keys = np.round(points * 1e4).astype(np.int64)
    keys = keys[:, 0] * (1 << 31) + keys[:, 1]
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    return points[first], inverse.reshape(-1)


def _distance_on_cells(mask: np.ndarray, cell: int, reach: float) -> np.ndarray:
    """Distance of each True pixel to the nearest False one, up to `reach` px (farther reads as
    `reach`), measured between square cells of `cell` px.

    Every reader only needs distances near the outline, to a fraction of the vertex spacing:
    outline sampling (widths up to 1.25 spacings), grid clearance (0.55 spacings), the inside
    test (an edge of about a spacing). A cell counts as True only when all of it is, so a
    narrow False gap never closes: on cells the result is at most about 2 × `cell` px too
    large (1.5 px per cell measured). The full exact transform cost ~50 ms a call at 1000 px."""
    if cell == 1:
        return distance_to_background(mask, limit=reach)
    h, w = mask.shape
    rows, cols = -(-h // cell), -(-w // cell)
    border = bool(mask[0, 0])   # the frame's one-pixel rim: what lies beyond it too
    blocks = np.full((rows * cell, cols * cell), border)
    blocks[:h, :w] = mask
    coarse = _all_in_cells(blocks, cell)
    coarse_dist = distance_to_background(np.pad(coarse, 1, constant_values=border), limit=reach / cell)
    coarse_dist = coarse_dist[1:-1, 1:-1] * np.float32(cell)
    # Each pixel takes its cell's value (interpolating costs more than the rest of the mesh).
    return np.repeat(np.repeat(coarse_dist, cell, axis=0)[:h], cell, axis=1)[:, :w]


def _all_in_cells(blocks: np.ndarray, cell: int) -> np.ndarray:
    """(rows, cols) bool: every pixel of the cell x cell block is True. Strided ANDs: 20x
    faster than reducing a 4-D reshape."""
    rows = blocks[0::cell].copy()
    for i in range(1, cell):
        rows &= blocks[i::cell]
    cells = rows[:, 0::cell].copy()
    for i in range(1, cell):
        cells &= rows[:, i::cell]
    return cells


class _LocalWidths:
    """Local width of the figure and of the background gap around a pixel: twice the largest
    distance-to-edge in a window about half a spacing wide. Computed on every `pool`-th pixel,
    which can only underestimate widths (denser outline points, never sparser): the widths
    merely steer the outline spacing, and full-size filtering of a big figure costs more than
    the whole rest of the rig."""

    def __init__(self, dist_in: np.ndarray, dist_out: np.ndarray, spacing: float):
        radius = max(2, int(round(spacing / 2)))
        self.pool = max(1, radius // 2)
        if self.pool > 1:
            centre = self.pool // 2
            dist_in, dist_out = (d[centre::self.pool, centre::self.pool] for d in (dist_in, dist_out))
        both = np.dstack([dist_in, np.minimum(dist_out, np.float32(spacing))])
        self.shape = both.shape[:2]
        kernel = 2 * max(1, radius // self.pool) + 1
        # One separable (rectangular) max filter for both channels.
        self.widths = 2.0 * max_filter(both, kernel)

    def at(self, pixels: np.ndarray) -> np.ndarray:
        """(P, 2) widths at integer (u, v) pixels."""
        rows = np.minimum(pixels[:, 1] // self.pool, self.shape[0] - 1)
        cols = np.minimum(pixels[:, 0] // self.pool, self.shape[1] - 1)
        return self.widths[rows, cols]


def _outline_points(padded: np.ndarray, widths: _LocalWidths, spacing: float) -> np.ndarray:
    pieces = [_resample_closed(o.points, widths, spacing) for o in trace_outlines(padded)]
    pieces = [p for p in pieces if len(p)]
    return np.vstack(pieces) if pieces else np.zeros((0, 2))


def _resample_closed(chain: np.ndarray, widths: _LocalWidths, spacing: float) -> np.ndarray:
    """Points along a closed pixel chain. The spacing is ≤ `spacing` and ≤ THIN_SPACING_RATIO ×
    the local width of figure and gap, so Delaunay edges follow the outline and never jump a gap."""
    if len(chain) < 3:
        return chain.astype(np.float64)
    closed = np.vstack([chain, chain[:1]])
    local = widths.at(closed).min(axis=1)
    h = np.clip(THIN_SPACING_RATIO * local, MIN_SPACING_PX, spacing)
    closed = closed.astype(np.float64)
    step = np.linalg.norm(np.diff(closed, axis=0), axis=1)
    # Arc length measured in units of the local spacing: one sample per unit.
    units = np.concatenate([[0.0], np.cumsum(step / (0.5 * (h[:-1] + h[1:])))])
    count = max(3, int(round(units[-1])))
    targets = np.arange(count) * (units[-1] / count)
    arc = np.concatenate([[0.0], np.cumsum(step)])
    at = np.interp(targets, units, arc)
    return np.column_stack([np.interp(at, arc, closed[:, 0]), np.interp(at, arc, closed[:, 1])])


def _interior_points(dist_in: np.ndarray, spacing: float) -> np.ndarray:
    """Hexagonal grid points at least INTERIOR_CLEARANCE × spacing inside the outline."""
    height, width = dist_in.shape
    row_step = spacing * np.sqrt(3.0) / 2.0
    rows = np.arange(row_step / 2, height - 1, row_step)
    cols = np.arange(spacing / 2, width - 1, spacing)
    u = cols[None, :] + (np.arange(len(rows)) % 2)[:, None] * (spacing / 2)
    v = np.broadcast_to(rows[:, None], u.shape)
    u, v = u.ravel(), v.ravel()
    ok = u < width - 1
    u, v = u[ok], v[ok]
    clear = dist_in[np.floor(v + 0.5).astype(int), np.floor(u + 0.5).astype(int)] >= INTERIOR_CLEARANCE * spacing
    return np.column_stack([u[clear], v[clear]])


def _snap_joints(joint_locs, joint_parents, region: np.ndarray, dist_in: np.ndarray):
    """Joint positions (frame coords) → positions strictly inside the region.

    A joint outside the region (or on its outline) moves to a pixel at least two pixels inside
    (half the deepest in very thin figures): the first such pixel on the way to its
    parent joint when that is not much farther than the nearest one, since the nearest pixel
    of a foot drawn off the mask may well be the other foot. Returns the positions and
    {joint index: (old, new)} for the joints that moved."""
    if joint_locs is None:
        return np.zeros((0, 2)), {}
    locs = np.asarray(joint_locs, dtype=np.float64).reshape(-1, 2)
    parents = np.full(len(locs), -1) if joint_parents is None else np.asarray(joint_parents)
    deep = _at_least_inside(region, min(2.0, 0.5 * float(dist_in.max())))
    ok = _lookup(deep, locs)
    out, snapped = locs.copy(), {}
    if ok.all():
        return out, snapped
    safe_v, safe_u = np.nonzero(deep)
    safe = np.column_stack([safe_u, safe_v]).astype(np.float64)
    for j in np.nonzero(~ok)[0]:
        gaps = np.sum((safe - locs[j]) ** 2, axis=1)
        best = safe[np.argmin(gaps)]
        if parents[j] >= 0:
            along = _first_deep_point(locs[j], locs[parents[j]], deep)
            if along is not None and np.hypot(*(along - locs[j])) <= 2.0 * np.sqrt(gaps.min()) + 3.0:
                best = along
        out[j] = best
        snapped[int(j)] = (locs[j].copy(), best.copy())
    return out, snapped


def _at_least_inside(region: np.ndarray, depth: float) -> np.ndarray:
    """Pixels at least `depth` ≤ 2 px from every background pixel, exactly: those whose
    neighbours closer than `depth` are all in the region (none; the 4 edge neighbours; all 8)."""
    if depth <= 1.0:
        return region.copy()
    if depth <= np.sqrt(2.0):
        return min_filter(region, (3, 1)) & min_filter(region, (1, 3))
    return erode(region)


def _first_deep_point(start: np.ndarray, end: np.ndarray, deep: np.ndarray) -> np.ndarray | None:
    """The first pixel centre of `deep` met walking from start to end, if any."""
    steps = int(np.ceil(np.hypot(*(end - start)))) + 1
    walk = start + (end - start) * np.linspace(0.0, 1.0, steps)[:, None]
    hits = np.nonzero(_lookup(deep, walk))[0]
    return np.floor(walk[hits[0]] + 0.5) if len(hits) else None


def _inside_triangles(points: np.ndarray, simplices: np.ndarray, padded: np.ndarray,
                      dist_in: np.ndarray, cell: int, spacing: float) -> np.ndarray:
    """Keep non-degenerate triangles whose centroid and edges lie in the 1 px dilated region;
    orient them counter-clockwise as seen from the camera."""
    allowed = tolerant_region(padded)
    tris = simplices[np.abs(signed_areas(points, simplices)) > MIN_TRIANGLE_AREA]
    tris = tris[_lookup(allowed, points[tris].mean(axis=1))]
    # Triangles inside a figure sampled at `spacing` never have edges this long: only those
    # spanning background (hull, gaps between limbs) do. Dropping them first keeps sampling cheap.
    corners = points[tris]
    edge_len = np.linalg.norm(corners[:, [1, 2, 0]] - corners, axis=2)
    tris = tris[edge_len.max(axis=1) <= MAX_EDGE_SPACINGS * spacing]

    edges, edge_of = unique_edges(tris, return_inverse=True)
    # An edge no longer than its ends' distances to the outline (less a pixel of slack, as the
    # distances are read at the nearest pixel centre, and the error of measuring on cells)
    # cannot leave the figure: only the rest needs sampling.
    depth = _lookup(dist_in, points) - (1.0 + (2.0 * cell if cell > 1 else 0.0))
    a, b = points[edges[:, 0]], points[edges[:, 1]]
    inside = np.linalg.norm(b - a, axis=1) < depth[edges[:, 0]] + depth[edges[:, 1]]
    inside[~inside] = segments_inside(a[~inside], b[~inside], allowed)
    tris = tris[inside[edge_of].all(axis=1)]
    flip = signed_areas(points, tris) < 0
    tris[flip] = tris[flip][:, [0, 2, 1]]
    return tris


def unique_edges(triangles: np.ndarray, return_inverse: bool = False, return_counts: bool = False):
    """Sorted vertex pairs (E, 2) of all triangle edges, once each; on request also the inverse
    laid out (M, 3) (edge k of a triangle runs from corner k to corner k+1) and use counts."""
    pairs = np.sort(np.stack([triangles, triangles[:, [1, 2, 0]]], axis=2).reshape(-1, 2), axis=1).astype(np.int64)
    keys = pairs[:, 0] * (int(pairs.max(initial=0)) + 1) + pairs[:, 1]   # 1-D keys: far faster than unique rows
    _, first, inverse, counts = np.unique(keys, return_index=True, return_inverse=True, return_counts=True)
    result = (pairs[first],)
    if return_inverse:
        result += (inverse.reshape(-1, 3),)
    if return_counts:
        result += (counts,)
    return result if len(result) > 1 else result[0]


def tolerant_region(region: np.ndarray) -> np.ndarray:
    """The region grown by one pixel: outline points sit on pixel centres, so segments between
    them may graze the neighbouring background pixel without leaving the figure."""
    return dilate(np.asarray(region, dtype=bool))


def segments_inside(a: np.ndarray, b: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    """For each segment a[i]→b[i] (pixels), whether samples half a pixel apart along it
    (ends excluded, midpoint included) all lie in the boolean raster `allowed`."""
    count = 2 * np.ceil(np.linalg.norm(b - a, axis=1)).astype(int) + 1  # interior samples per segment
    owner = np.repeat(np.arange(len(a)), count)
    first = np.cumsum(count) - count
    t = (np.arange(owner.size) - first[owner] + 1) / (count[owner] + 1)
    samples = a[owner] + (b - a)[owner] * t[:, None]
    outside = np.bincount(owner, weights=~_lookup(allowed, samples), minlength=len(a))
    return outside == 0


def _lookup(image: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Nearest-pixel values of `image` at (u, v) points; outside the image counts as False/0."""
    ij = np.floor(points + 0.5).astype(int)  # not np.round: ties must not depend on parity
    ok = (ij[:, 0] >= 0) & (ij[:, 0] < image.shape[1]) & (ij[:, 1] >= 0) & (ij[:, 1] < image.shape[0])
    values = np.zeros(len(points), dtype=image.dtype)
    values[ok] = image[ij[ok, 1], ij[ok, 0]]
    return values


def _drop_unused(points, triangles, joint_vertex, snapped):
    """Remove vertices no triangle uses; a joint left on such a vertex moves to the nearest used one."""
    used = np.zeros(len(points), dtype=bool)
    used[triangles.ravel()] = True
    snapped = dict(snapped)
    used_ids = np.nonzero(used)[0]
    joint_vertex = joint_vertex.copy()
    for j in np.nonzero(~used[joint_vertex])[0]:
        old = points[joint_vertex[j]]
        best = used_ids[np.argmin(np.sum((points[used_ids] - old) ** 2, axis=1))]
        joint_vertex[j] = best
        origin = snapped.get(int(j), ((float(old[0]), float(old[1])), None))[0]
        snapped[int(j)] = (origin, (float(points[best, 0]), float(points[best, 1])))
    remap = np.cumsum(used) - 1
    return points[used], remap[triangles], remap[joint_vertex], snapped
