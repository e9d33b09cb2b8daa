"""Skin weights on the 2D mesh, computed from geodesic distances.

Each deforming bone is a shortest-path source over the mesh edge graph, attached to the vertices
near its segment that it can "see" through the figure (never across background). Distances are
therefore measured *inside* the drawing: a hand resting on a leg through a thin bridge of
mask stays far from the leg bone. A limb bone's distance also grows behind its head joint, so
a limb owns what lies beyond its joint and not the flank of the body it hangs from; but what
hangs from a forearm or shin through the figure stays its own wherever it lies (a hand's fan of
fingers reaching back over the elbow, `_hang_beyond_joints`).

Every vertex belongs rigidly to its nearest bone, except within a band around each joint, where
the bone starting there and its partner (the bone owning the joint's spot otherwise: the upper
arm at the elbow) share the vertices through a soft-min of their distances: elbows bend
smoothly, forearms stay rigid, unrelated bones never mix.

Where a limb hangs from the trunk (shoulders, hips), the trunk stays rigid up to the joint and
only the limb bends: the trunk's core (the shoulders-to-hips block) is a source of the trunk
bones, so a wide body keeps its flanks, and the limb's weight ramps up from 0 at the trunk's
edge. Raising an arm then never drags the body's outline along with it. Where the spine hands
over to the chest, the body bends across a straight strip (`_bend_trunk`).

`rig.plan` then cuts the limbs from the trunk as flaps (`rig.flaps`) and diffuses each flap's
weights over its own triangles near every bone switch (`smooth_weights`), so a bent joint fans
over several triangles instead of folding one row of them.
"""

from __future__ import annotations

import numpy as np

from ..imaging.contours import convex_hull
from .graph import EdgeGraph
from .mesh import Mesh, segments_inside, tolerant_region, unique_edges
from .skeleton import BonePlan

ATTACH_SPACINGS = 1.0        # a bone attaches to vertices within this × mesh spacing of its segment
BAND_WIDTH_RATIO = 1.5       # blend band radius ≈ this × half the limb width at the joint
BAND_BONE_RATIO = 0.5        # … but at most this × the shorter of the two bones meeting there
MIN_BAND_EDGES = 1.5         # … and at least this × the mean mesh edge length
SOFTNESS_RATIO = 0.5         # soft-min temperature = this × band radius
TRUNK_BEND_RATIO = 0.6       # the trunk bends across a strip this × the chest bone's length either side of it
BEHIND_PENALTY = 3.0         # extra distance per pixel a vertex lies behind a limb bone's head …
BEYOND_JOINT_SPACINGS = 3.0  # … unless it hangs from the limb this many mesh spacings or more past the joint
LIMB_WIDTH_RATIO = 0.25      # a limb's half width, guessed from its bone length
SMOOTH_REACH = 6             # edges around a bone switch that weight smoothing moves (smooth_weights)


def skin_weights(mesh: Mesh, bones: list[BonePlan]) -> tuple[np.ndarray, np.ndarray]:
    """(weights (N, B) float32 rows summing to 1, triangle_bone (M,) int32).

    `bones[i]` must start at joint i of the mesh (`mesh.joint_vertex[i]`), as `plan_bones` gives.
    """
    vertices = mesh.vertices
    n, bone_count = len(vertices), len(bones)
    deform = np.array([b.deform for b in bones]) if any(b.deform for b in bones) else np.ones(bone_count, bool)
    edges, uses = unique_edges(mesh.triangles, return_counts=True)
    graph = EdgeGraph(edges, vertices)

    heads = np.array([b.head_uv for b in bones], dtype=np.float64)
    tails = np.array([b.tail_uv for b in bones], dtype=np.float64)
    to_segment, foot = _segment_distances(vertices, heads, tails)              # (N, B), (N, B, 2)
    lengths = np.array([b.length for b in bones])
    band_bones = _band_bones(bones, deform)
    min_radius = MIN_BAND_EDGES * float(np.mean(graph.edge_lengths))
    # A band's radius never exceeds this (see _joint_bands): its joint's distances are not needed beyond.
    band_reach = np.maximum(BAND_BONE_RATIO * lengths[band_bones], min_radius)
    within = _within_limbs(bones) & deform
    head_reach = np.zeros(bone_count)             # how far each bone's distances from its head joint are needed
    head_reach[band_bones] = band_reach
    head_reach[within] = np.inf                   # a hand's whole reach (`_hang_beyond_joints`)
    distance, to_head = _geodesic_distances(graph, mesh, bones, to_segment, foot, deform, head_reach)
    from_joint = np.where(to_head[:, band_bones] < band_reach, to_head[:, band_bones], np.inf).T
    penalty = _behind_head(vertices, bones, mesh.spacing)
    _hang_beyond_joints(penalty, distance, to_head, bones, within, mesh.spacing)
    distance += penalty
    unreachable = ~np.isfinite(distance[:, deform]).any(axis=1)
    distance[unreachable] = np.where(deform, to_segment[unreachable], np.inf)  # islands no bone reaches

    nearest = np.argmin(distance, axis=1)
    weights = np.zeros((n, bone_count))
    weights[np.arange(n), nearest] = 1.0
    _bend_hanging_limbs(weights, distance, nearest, bones, deform)
    outline = np.zeros(n, dtype=bool)
    outline[edges[uses == 1].ravel()] = True                                  # border: edges of one triangle
    blend, bone, partner, softness = _joint_bands(mesh, lengths, band_bones, from_joint, distance, min_radius, outline)
    # Inside a joint's band, the joint's two bones share the vertices that belong to either.
    rows = np.nonzero((blend > 0) & ((nearest == bone) | (nearest == partner)))[0]
    if len(rows):
        gap = (distance[rows, bone[rows]] - distance[rows, partner[rows]]) / softness[rows]
        share = 1.0 / (1.0 + np.exp(np.clip(gap, -50.0, 50.0)))               # soft-min of the two
        f = blend[rows]
        weights[rows] *= 1.0 - f[:, None]
        weights[rows, bone[rows]] += f * share
        weights[rows, partner[rows]] += f * (1.0 - share)
    _bend_trunk(weights, vertices, bones, nearest)
    weights = (weights / weights.sum(axis=1, keepdims=True)).astype(np.float32)
    return weights, triangle_labels(weights, mesh.triangles)


def smooth_weights(weights: np.ndarray, triangles: np.ndarray, rounds: int,
                   reach: int = SMOOTH_REACH) -> np.ndarray:
    """Weights averaged `rounds` times with their mesh neighbours (each vertex with the mean of
    itself and its edge neighbours), then renormalised: a switch from one bone to the next
    spreads over several triangles instead of shearing one row of them (heat diffusion on the
    triangulation). Only vertices within `reach` edges of such a switch take part; the rigid
    insides of parts stay exactly as they were (they hold the diffusion's boundary values).
    Vertices joined by no edge (cut flaps) never mix."""
    edges = unique_edges(triangles)
    start = np.concatenate([edges[:, 0], edges[:, 1]])
    order = np.argsort(start, kind="stable")
    neighbour = np.concatenate([edges[:, 1], edges[:, 0]])[order]
    degree = np.bincount(start, minlength=len(weights))
    has = np.flatnonzero(degree)
    offsets = np.concatenate([[0], np.cumsum(degree)])[has]

    def spread(values):   # per vertex: the sum over its neighbours
        total = np.zeros((len(weights),) + values.shape[1:])
        total[has] = np.add.reduceat(values[neighbour], offsets, axis=0)
        return total

    out = np.asarray(weights, dtype=np.float64)
    owner = np.argmax(out, axis=1)
    mixed = (out.max(axis=1) < 1.0) | (spread(np.eye(out.shape[1])[owner]).max(axis=1) < degree)
    free = mixed.copy()
    for _ in range(reach):
        free |= spread(free[:, None].astype(float))[:, 0] > 0
    rows = np.flatnonzero(free)
    for _ in range(rounds):
        out[rows] = (out[rows] + spread(out)[rows]) / (degree[rows] + 1.0)[:, None]
    return (out / out.sum(axis=1, keepdims=True)).astype(np.float32)


def triangle_labels(weights: np.ndarray, triangles: np.ndarray) -> np.ndarray:
    """Body-part label per triangle: the bone with the most weight over its three corners."""
    return np.argmax(weights[triangles].sum(axis=1), axis=1).astype(np.int32)


def _bend_hanging_limbs(weights, distance, nearest, bones: list[BonePlan], deform) -> None:
    """Soften, in place, the rigid split between each limb hanging from the trunk and the bones
    beside it: within the limb's own part, its weight ramps (smoothstep) from 0 where the trunk
    is as near as the limb to 1 at a limb half width (`LIMB_WIDTH_RATIO` × length) nearer; the
    rest goes to the nearest bone outside the limb. The trunk keeps weight 1 on its side, so
    raising an arm bends the arm's root and never drags the body; flesh across a background gap
    (an armpit) is far from the trunk geodesically and stays rigid."""
    hanging = np.nonzero(hanging_limbs(bones))[0]
    subtree = subtrees(bones)
    for limb in hanging:
        rows = np.nonzero(nearest == limb)[0]
        outside = np.nonzero(deform & ~subtree[limb])[0]
        if not len(rows) or not len(outside):
            continue
        near = distance[np.ix_(rows, outside)]
        other = outside[np.argmin(near, axis=1)]
        x = np.clip((near.min(axis=1) - distance[rows, limb]) / max(LIMB_WIDTH_RATIO * bones[limb].length, 1e-9), 0.0, 1.0)
        own = np.where(np.isnan(x), 1.0, x * x * (3.0 - 2.0 * x))        # nan: no bone reaches either
        weights[rows, limb] = own
        weights[rows, other] += 1.0 - own


def _bend_trunk(weights, vertices, bones: list[BonePlan], nearest) -> None:
    """Where a trunk bone (the spine) hands over to its one deforming child (the chest), the
    body bends, in place, across a straight strip perpendicular to the spine, `TRUNK_BEND_RATIO`
    × the chest bone's length (at most half the spine's) either side of the joint, like a sheet
    of paper: the whole width of a wide body turns gradually instead of shearing along a sharp
    line at shoulder height."""
    limbs = hanging_limbs(bones)
    for spine in _trunk_bones(bones):
        chests = [i for i, b in enumerate(bones) if b.parent == bones[spine].name and b.deform and not limbs[i]]
        if len(chests) != 1 or not bones[spine].deform:
            continue
        chest = chests[0]
        rows = np.flatnonzero((nearest == spine) | (nearest == chest))
        axis = np.subtract(bones[spine].tail_uv, bones[spine].head_uv)
        axis /= max(np.hypot(*axis), 1e-9)
        reach = max(TRUNK_BEND_RATIO * min(bones[chest].length, bones[spine].length / 2), 1e-9)
        x = np.clip(((vertices[rows] - bones[chest].head_uv) @ axis / reach + 1.0) / 2.0, 0.0, 1.0)
        share = x * x * (3.0 - 2.0 * x)                                   # 0 below the strip, 1 above
        both = weights[rows, spine] + weights[rows, chest]
        weights[rows, spine], weights[rows, chest] = both * (1.0 - share), both * share


def subtrees(bones: list[BonePlan]) -> np.ndarray:
    """(B, B) bool: [i, j] when bone j is bone i or one of its descendants."""
    index = {b.name: i for i, b in enumerate(bones)}
    inside = np.eye(len(bones), dtype=bool)
    for j, bone in enumerate(bones):
        seen, parent = {j}, bone.parent
        while parent in index and index[parent] not in seen:   # guard against cycles
            seen.add(index[parent])
            inside[index[parent], j] = True
            parent = bones[index[parent]].parent
    return inside


def _hang_beyond_joints(penalty: np.ndarray, distance: np.ndarray, to_head: np.ndarray, bones: list[BonePlan],
                        within: np.ndarray, spacing: float) -> None:
    """Lift, in place, the behind-head `penalty` of a bone within a limb (forearm, hand, shin,
    foot) from the vertices that hang from it beyond its joint but lie behind its head in the
    picture, where the penalty handed them to its parent: their way through the figure
    (`distance`, geodesic) to the parent passes the joint (their distance to the parent is their
    distance to the joint, less the parent's attachment reach) and they lie further from it than
    the joint's own surroundings. A hand's fan of fingers reaching back over the elbow hangs from
    the forearm; on the upper arm it folded over whenever the elbow bent. Where a limb hangs from
    the trunk, the trunk keeps its side."""
    index = {b.name: i for i, b in enumerate(bones)}
    nearest = np.argmin(distance + penalty, axis=1)
    for i in np.flatnonzero(within):       # `within` (_within_limbs): `to_head` holds its whole reach
        p = index[bones[i].parent]
        head = to_head[:, i]
        penalty[(nearest == p) & np.isfinite(head) & (head > BEYOND_JOINT_SPACINGS * spacing)
                & (distance[:, p] >= head - ATTACH_SPACINGS * spacing - 1e-9), i] = 0.0


def _within_limbs(bones: list[BonePlan]) -> np.ndarray:
    """(B,) bool: bones hanging from a deforming bone of a limb (upper arm, thigh or below them):
    forearms, hands, shins, feet."""
    index = {b.name: i for i, b in enumerate(bones)}
    limbs = hanging_limbs(bones)
    limbs[list(_trunk_bones(bones))] = False                          # the spine hangs from the root too
    in_limb = subtrees(bones)[limbs].any(axis=0) & np.array([b.deform for b in bones])
    return np.array([b.parent in index and in_limb[index[b.parent]] for b in bones], dtype=bool)


def _behind_head(vertices: np.ndarray, bones: list[BonePlan], margin: float) -> np.ndarray:
    """(N, B) extra distance for vertices behind each limb bone's head.

    A limb owns what lies beyond its joint: without this, the flanks of a round body would go to
    the thighs and upper arms whose heads sit on its outline. Behind the head, the penalty grows
    with the depth behind it and, once a little behind, with the distance sideways beyond the
    limb's likely half width, so a limb cannot creep along the body's outline either.
    A limb hanging from the trunk (`hanging_limbs`) owns nothing more than `margin` behind its
    head at all, and its sideways penalty already starts beside the head (the top of a shoulder
    between arm and neck, the crotch between the thighs): that side is the trunk's, so raising
    an arm never drags the body with it. Trunk bones own in every direction.
    """
    trunks = _trunk_bones(bones)
    hanging = hanging_limbs(bones)
    extra = np.zeros((len(vertices), len(bones)))
    for i, bone in enumerate(bones):
        if i in trunks:
            continue
        direction = np.subtract(bone.tail_uv, bone.head_uv) / max(bone.length, 1e-9)
        offset = vertices - bone.head_uv
        along = offset @ direction
        behind = np.maximum(0.0, -along)
        sideways = np.abs(offset @ np.array([-direction[1], direction[0]]))
        half_width = max(LIMB_WIDTH_RATIO * bone.length, 1e-9)
        reach = half_width - along if hanging[i] else behind
        creep = np.clip(reach / half_width, 0.0, 1.0) * np.maximum(0.0, sideways - half_width)
        extra[:, i] = np.where(hanging[i] & (behind > margin), np.inf, BEHIND_PENALTY * (behind + creep))
    return extra


def _trunk_bones(bones: list[BonePlan]) -> set[int]:
    """Bones without a deforming parent to hand over to: roots, and under a non-deforming bone
    (the root) the child starting closest to it (the spine, not the thighs)."""
    index = {b.name: i for i, b in enumerate(bones)}
    trunks = {i for i, b in enumerate(bones) if b.parent not in index}
    for parent in bones:
        if parent.deform:
            continue
        children = [i for i, b in enumerate(bones) if b.parent == parent.name]
        if children:
            trunks.add(min(children, key=lambda i: np.hypot(*np.subtract(bones[i].head_uv, parent.head_uv))))
    return trunks


def hanging_limbs(bones: list[BonePlan]) -> np.ndarray:
    """(B,) bool: limbs hanging from the trunk, bending on their own side only: bones with
    children of their own (upper arms, thighs) whose parent bone has several children (the torso,
    the root). A head bone is left out: its joint is the nose, mid-face, so the face must blend."""
    parents = [b.parent for b in bones]
    return np.array([b.parent is not None and parents.count(b.parent) > 1 and b.name in parents
                     for b in bones], dtype=bool)


def _trunk_core(vertices: np.ndarray, bones: list[BonePlan], deform: np.ndarray, to_segment: np.ndarray):
    """(vertex indices, bone indices): the vertices inside the trunk's core, each with the trunk
    bone nearest to it, as extra sources of that bone.

    The core is the convex hull of the joints where limbs with limbs of their own (arms, legs)
    hang from the trunk, and of the heads of the trunk bones they hang from: the shoulders-to-hips
    block. A wide trunk drawn around a thin spine would otherwise lose its flanks to the upper
    arms and thighs, the flank under a raised arm sweeping along with it."""
    none = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    index = {b.name: i for i, b in enumerate(bones)}
    lateral = list(np.nonzero(hanging_limbs(bones))[0])
    if len(lateral) < 2:
        return none
    hosts = sorted({index[bones[i].parent] for i in lateral})
    # The trunk: the hosts and the chain above them (torso, spine, root), and the spine under a
    # host that does not deform (a zero-length root).
    chain = subtrees(bones)[:, hosts].any(axis=1) & deform
    trunk = sorted(set(np.nonzero(chain)[0].tolist()) | {t for t in _trunk_bones(bones) if deform[t]})
    points = np.array([bones[i].head_uv for i in lateral + hosts], dtype=np.float32)
    hull = convex_hull(points).astype(np.float64)
    if not trunk or len(hull) < 3:
        return none
    edge = np.roll(hull, -1, axis=0) - hull
    side = edge[None, :, 0] * (vertices[:, None, 1] - hull[None, :, 1]) - edge[None, :, 1] * (vertices[:, None, 0] - hull[None, :, 0])
    inside = np.all(side >= 0, axis=1) | np.all(side <= 0, axis=1)      # either winding
    core = np.nonzero(inside)[0]
    nearest = np.asarray(trunk)[np.argmin(to_segment[np.ix_(core, trunk)], axis=1)]
    return core, nearest


def _segment_distances(points: np.ndarray, heads: np.ndarray, tails: np.ndarray):
    """Distance from every point to every segment (P, S) and the closest segment points (P, S, 2)."""
    direction = tails - heads
    length2 = np.maximum(np.sum(direction ** 2, axis=1), 1e-12)
    t = np.clip(np.einsum("psk,sk->ps", points[:, None] - heads[None], direction) / length2, 0.0, 1.0)
    foot = heads[None] + t[..., None] * direction[None]
    return np.linalg.norm(points[:, None] - foot, axis=2), foot


def _band_bones(bones: list[BonePlan], deform: np.ndarray) -> np.ndarray:
    """Bones whose head joint may get a blend band: deforming ones, trunks excepted (they start
    at the root) and limbs hanging from the trunk (they bend on their own side only, see
    `_bend_hanging_limbs`)."""
    skip = _trunk_bones(bones) | set(np.nonzero(hanging_limbs(bones))[0].tolist())
    return np.array([i for i in range(len(bones)) if deform[i] and i not in skip], dtype=np.int64)


def _geodesic_distances(graph: EdgeGraph, mesh: Mesh, bones, to_segment, foot, deform, head_reach):
    """Geodesic distances (N, B) from each deforming bone (inf for non-deforming bones) and
    (N, B) from each bone's head joint vertex up to its `head_reach` (inf beyond, and for bones
    whose reach is 0), in one shortest-path pass."""
    bone_count = to_segment.shape[1]
    allowed = tolerant_region(mesh.region)
    vertex, bone = np.nonzero((to_segment <= ATTACH_SPACINGS * mesh.spacing) & deform[None])
    # Only vertices the segment reaches without crossing background: an arm bone passing near
    # the body across a gap must not grab the body.
    visible = segments_inside(foot[vertex, bone], mesh.vertices[vertex], allowed)
    vertex, bone = vertex[visible], bone[visible]
    start = to_segment[vertex, bone]
    # The bone's own joint vertex always anchors it, even where its segment leaves the figure.
    anchored = np.nonzero(deform)[0]
    core_vertex, core_bone = _trunk_core(mesh.vertices, bones, deform, to_segment)
    vertex = np.concatenate([vertex, mesh.joint_vertex[anchored], core_vertex])
    bone = np.concatenate([bone, anchored, core_bone])
    # Just beyond a limb's own attachment reach: a limb lying across the core keeps its axis.
    start = np.concatenate([start, np.zeros(len(anchored)), np.full(len(core_vertex), ATTACH_SPACINGS * mesh.spacing)])
    # Each bone is a source seeded at its attached vertices (like a virtual node with one-way
    # edges into the mesh: no path shortcuts through a bone); the joint sources follow.
    heads = np.flatnonzero(head_reach > 0)
    joints = mesh.joint_vertex[heads]
    both = graph.distances(np.concatenate([vertex, joints]),
                           np.concatenate([bone, bone_count + np.arange(len(joints))]),
                           np.concatenate([start, np.zeros(len(joints))]), bone_count + len(joints),
                           limit=np.concatenate([np.full(bone_count, np.inf), head_reach[heads]]))
    to_head = np.full((len(mesh.vertices), bone_count), np.inf)
    to_head[:, heads] = both[:, bone_count:]
    return both[:, :bone_count], to_head


def _joint_bands(mesh: Mesh, lengths, band_bones, from_joint, distance, min_radius, outline):
    """Per vertex: blend factor (1 at a joint, 0 outside its band), the joint's bone, its partner
    and the soft-min temperature, all from the strongest band the vertex lies in.

    A joint's band blends the bone starting there with its partner: the bone that owns the
    joint's spot otherwise (for an elbow the upper arm, for a knee the thigh).
    `from_joint` (len(band_bones), N) holds the geodesic distances from each band bone's head
    (inf beyond its largest possible radius); `outline` marks the border vertices."""
    n = len(mesh.vertices)
    starts = band_bones
    others = distance[mesh.joint_vertex[starts]].copy()
    others[np.arange(len(starts)), starts] = np.inf
    partners = np.argmin(others, axis=1)
    keep = np.isfinite(others[np.arange(len(starts)), partners])
    starts, partners, from_joint = starts[keep], partners[keep], from_joint[keep]
    if not len(starts):
        zeros = np.zeros(n, dtype=int)
        return np.zeros(n), zeros, zeros, np.ones(n)
    half_width = from_joint[:, outline].min(axis=1, initial=np.inf)    # inf: no border within reach
    radii = np.maximum(np.minimum(BAND_WIDTH_RATIO * half_width,
                                  BAND_BONE_RATIO * np.minimum(lengths[starts], lengths[partners])), min_radius)
    x = np.clip(from_joint / radii[:, None], 0.0, 1.0)
    falloff = 1.0 - x * x * (3.0 - 2.0 * x)                                       # smoothstep, 1 → 0
    strongest = np.argmax(falloff, axis=0)
    blend = falloff[strongest, np.arange(n)]
    return blend, starts[strongest], partners[strongest], SOFTNESS_RATIO * radii[strongest]

