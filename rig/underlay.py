"""What a moved limb uncovers: a patch of the body's own texture under each limb flap's root.

Cut as flaps (`rig.flaps`), a limb turning at the shoulder or hip opens a wedge between its
cut edge and the body's, and the paper (white) showed through it as a jagged notch. A paper
doll has body under its limbs; so does this rig: the limb's triangles near the cut are copied
into the trunk (moving rigidly with the trunk bone beside them), placed `UNDERLAY_DEPTH` behind
everything, and textured with the body mirrored across the cut (each copied vertex samples the
texture at its reflection through the nearest cut vertex), so the body seems to continue under
the limb. Only a band near the cut is copied: its width grows with the distance from the
limb's joint, as the wedge does, up to `BAND_BONE_RATIO` of the limb's first bone, so a raised
arm leaves no body-coloured ghost of itself behind.

The copied band still has the limb's shape, and where a limb was drawn beside the body (an arm
held out, a sleeve hanging by the flank) that shape lies outside the body's outline: an arm
turned away left a jagged body-coloured stump in the air beside the shoulder. So the patch is
pulled into the body's own outline (`body_outline`: the trunk's triangles, closed over
`OUTLINE_CLOSING_SPACINGS` mesh spacings so the jagged cut and the notch the limb's root bit
into the body count as body): each vertex outside slides toward its cut vertex until it is
inside, and triangles left without area or with their centre still outside are dropped. What
remains fills only the body's side of the cut.

A limb a feature cuts free later (`rig.extra_limbs`: a tail) may be drawn over a body limb
rather than the trunk (the cat's tail over its trousers' edge): its patch also lies on that
limb, along their cut, moving with it and pulled into its outline (`drawn_over`).

Legs drawn touching (trousers) are cut from each other too, and a spread of the legs opened a
wedge of paper between them from the crotch down. So a limb's patch also runs along its cut
from its sibling (the other limb hanging from the same bone), as a feature limb's does along
the limb it was drawn over; the crotch (within the narrowest band of that cut) counts as body
for every patch, so neither the other leg's outline nor the trunk's pulls it away. It hangs
from the trunk (the pelvis), as trousers' crotch does, and shows the trousers drawn where it
lies instead of the body mirrored.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..imaging.contours import fill_segments
from ..imaging.morphology import close, dilate
from .flaps import flap_of_bones
from .skeleton import BonePlan
from .weights import triangle_labels

# World units behind the drawing (+Y, away from the camera): farther than any limb's layer
# (motions.retarget.LAYER_STEP = 0.01 per layer, at most five layers deep).
UNDERLAY_DEPTH = 0.08
BAND_BONE_RATIO = 0.35       # band width at most this × the limb's first bone length
MIN_BAND_SPACINGS = 3.0      # … and at least this × the mesh spacing, so the joint's own notch closes
OUTLINE_CLOSING_SPACINGS = 1.5  # the body's outline bridges notches this many mesh spacings wide
MIN_AREA_PX = 2.0            # a pulled triangle with less area (pixels²) is a sliver, dropped
PULL_STEPS = 8               # tries per vertex, from where it lies to its cut vertex


@dataclass
class Underlay:
    vertices: np.ndarray       # (U, 2) pixels: where the copied limb vertices lie at rest
    texture_points: np.ndarray  # (U, 2) pixels: where each samples the texture (mirrored body)
    triangles: np.ndarray      # (V, 3) indices into `vertices`
    weights: np.ndarray        # (U, B) the weights of the nearest vertex across the cut (the trunk's)


def limb_underlay(vertices: np.ndarray, triangles: np.ndarray, weights: np.ndarray, source: np.ndarray,
                  bones: list[BonePlan], mask: np.ndarray, spacing: float, drawn_over: Sequence[int] = ()) -> Underlay:
    """The underlay patches of a mesh cut into flaps (`split_flaps`' output; `source[i]` is the
    original of vertex i). `mask` (H, W) bool keeps mirrored texture points on the figure.
    A limb's patch lies on the trunk, along its cut from the trunk and from a sibling limb (one
    leg's along the other, across the crotch). `drawn_over`: bones of limbs
    cut free by a feature (`rig.extra_limbs`: a tail drawn over a thigh), whose patch lies on
    every flap their cut borders (the trunk's side first), so the thigh shows where the tail was."""
    bone_flap = flap_of_bones(bones)
    vertex_flap = bone_flap[np.argmax(weights, axis=1)]
    copy_in = np.full((bone_flap.max() + 1, source.max() + 1 if len(source) else 0), -1)   # (flap, original) → vertex
    copy_in[vertex_flap, source] = np.arange(len(source))
    free = set(bone_flap[list(drawn_over)].tolist())
    siblings = _sibling_limbs(bones, bone_flap, free)
    if not np.any(vertex_flap == 0):  # no trunk to hang a crotch from (a skeleton of limbs only)
        siblings = [set() for _ in siblings]
    parts = []
    for limb in range(1, bone_flap.max() + 1):
        hosts = [0] + [k for k in range(1, len(copy_in)) if k != limb and (k in siblings[limb] or limb in free)]
        part = _patch(limb, vertices, triangles, source, vertex_flap, _partner_of_source(copy_in, hosts), bones,
                      bone_flap, spacing)
        if part is not None:
            parts.append((limb, *part))
    if not parts:
        return Underlay(np.zeros((0, 2)), np.zeros((0, 2)), np.zeros((0, 3), np.int64),
                        np.zeros((0, weights.shape[1]), np.float32))
    picked, nearest, owner, out_triangles, offset = [], [], [], [], 0
    for limb, rows, cut, tris in parts:
        picked.append(rows)
        nearest.append(cut)
        owner.append(np.full(len(rows), limb))
        out_triangles.append(tris + offset)
        offset += len(rows)
    rows, cut, owner = np.concatenate(picked), np.concatenate(nearest), np.concatenate(owner)
    hosts, host = np.unique(vertex_flap[cut], return_inverse=True)
    # The crotch is body whichever flap a patch lies on: the wedge that opens there when the
    # legs part is what the patches fill, and no limb was drawn beside it.
    crotch, pair = _crotch(vertices, triangles, source, vertex_flap, copy_in, siblings, mask.shape, spacing)
    regions = np.stack([body_outline(vertices, triangles, weights, bones, mask.shape, spacing, k) | crotch
                        for k in hosts])
    points = _pulled_inside(vertices[rows], vertices[cut], regions, host)
    kept = np.concatenate(out_triangles)
    # A pulled triangle keeps its turning sense (counter-clockwise as drawn) and some area, or it
    # would count as folded over: a sliver flips with float noise as the trunk moves.
    same_sense = _signed_area(points, kept) * np.sign(_signed_area(vertices[rows], kept)) > MIN_AREA_PX
    kept = kept[same_sense & _centre_inside(points, kept, regions, host)]
    legs = np.isin(owner, list(pair))
    # A leg's patches show the trousers as drawn where they lie (the crotch is drawn there);
    # mirrored across its cut from the trunk, the wedge would show the shirt above the belt.
    texture = np.where(legs[:, None], points, _mirrored(points, vertices[cut], mask))
    # The crotch hangs from the pelvis, as trousers' does: carried by the trunk (its vertex
    # nearest), it stays put where the legs part or cross and never folds. Carried by the other
    # leg, it swung out beyond a crossing leg's far side.
    carrier = cut.copy()
    across = np.flatnonzero(legs & (vertex_flap[cut] != 0))
    trunk = np.flatnonzero(vertex_flap == 0)
    if len(across) and len(trunk):
        gap = np.linalg.norm(vertices[rows[across], None] - vertices[None, trunk], axis=2)
        carrier[across] = trunk[np.argmin(gap, axis=1)]
    return Underlay(points, texture, kept, weights[carrier].astype(np.float32))


def _sibling_limbs(bones: list[BonePlan], bone_flap: np.ndarray, free: set[int]) -> list[set[int]]:
    """Per flap, the body's limb flaps hanging from the same bone as it (the two legs from the
    root, the two arms from the chest); limbs a feature cut free (`free`) are nobody's sibling."""
    top = {k: np.flatnonzero(bone_flap == k)[0] for k in range(1, bone_flap.max() + 1)}
    body = [k for k in top if k not in free]
    return [set()] + [{other for other in body if other != k and k not in free
                       and bones[top[other]].parent == bones[top[k]].parent} for k in top]


def _crotch(vertices: np.ndarray, triangles: np.ndarray, source: np.ndarray, vertex_flap: np.ndarray,
            copy_in: np.ndarray, siblings: list[set[int]], shape: tuple[int, int],
            spacing: float) -> tuple[np.ndarray, dict[int, int]]:
    """((H, W) bool, {limb: sibling}): within the narrowest band (`MIN_BAND_SPACINGS`) of the cut
    between sibling limbs (the thighs drawn touching), and which limbs share such a cut. Only
    edges both flaps share count: stick legs meeting at one point have paper between them, and
    a stub of ink would stay there."""
    zone, pair = np.zeros(shape, bool), {}
    size = len(copy_in[0])
    edges = []
    for flap in range(len(copy_in)):
        own = source[triangles[vertex_flap[triangles[:, 0]] == flap]]
        pairs = np.sort(np.concatenate([own[:, [0, 1]], own[:, [1, 2]], own[:, [2, 0]]]), axis=1)
        edges.append(np.unique(pairs[:, 0] * size + pairs[:, 1]))
    for limb, others in enumerate(siblings):
        for other in others:
            shared = np.intersect1d(edges[limb], edges[other])
            if len(shared):
                pair[limb] = other
            points = np.round(vertices[copy_in[limb][np.concatenate([shared // size, shared % size])]]).astype(int)
            zone[np.clip(points[:, 1], 0, shape[0] - 1), np.clip(points[:, 0], 0, shape[1] - 1)] = True
    return dilate(zone, int(round(MIN_BAND_SPACINGS * spacing))), pair


def _partner_of_source(copy_in: np.ndarray, hosts: list[int]) -> np.ndarray:
    """(S,) per original vertex, its copy in the first of `hosts` (flaps) that has one; -1 where none does."""
    partner = np.full(copy_in.shape[1], -1)
    for host in hosts:
        partner = np.where(partner < 0, copy_in[host], partner)
    return partner


def body_outline(vertices: np.ndarray, triangles: np.ndarray, weights: np.ndarray, bones: list[BonePlan],
                 shape: tuple[int, int], spacing: float, flap: int = 0) -> np.ndarray:
    """(H, W) bool: a flap's triangles at rest (the trunk's by default; `weights`' part labels),
    closed so the cut's jagged edge and the limb roots' notches into it are inside."""
    own = triangles[flap_of_bones(bones)[triangle_labels(weights, triangles)] == flap]
    edges = np.sort(np.concatenate([own[:, [0, 1]], own[:, [1, 2]], own[:, [2, 0]]]), axis=1)
    edges, count = np.unique(edges, axis=0, return_counts=True)
    outline = edges[count == 1]                          # an inner edge is shared by two triangles
    region = fill_segments(shape, vertices[outline[:, 0]], vertices[outline[:, 1]])
    return close(region, max(int(round(OUTLINE_CLOSING_SPACINGS * spacing)), 1))


def _pulled_inside(points: np.ndarray, anchors: np.ndarray, regions: np.ndarray, region: np.ndarray) -> np.ndarray:
    """Each point moved toward its anchor (on the cut) to the first place inside its own region
    (`regions[region[i]]`, the flap the anchor lies on)."""
    _, height, width = regions.shape
    out = anchors.copy()
    settled = np.zeros(len(points), bool)
    for fraction in np.linspace(1.0, 0.0, PULL_STEPS, endpoint=False):
        candidate = anchors + fraction * (points - anchors)
        x = np.clip(np.round(candidate[:, 0]).astype(int), 0, width - 1)
        y = np.clip(np.round(candidate[:, 1]).astype(int), 0, height - 1)
        todo = ~settled & regions[region, y, x]
        out[todo] = candidate[todo]
        settled |= todo
    return out


def _centre_inside(points: np.ndarray, triangles: np.ndarray, regions: np.ndarray, region: np.ndarray) -> np.ndarray:
    """(V,) bool: whether each triangle's centre lies in its corners' regions (its corners do
    already): one spanning a bend of the outline would reach out of it."""
    _, height, width = regions.shape
    centre = points[triangles].mean(axis=1)
    x = np.clip(np.round(centre[:, 0]).astype(int), 0, width - 1)
    y = np.clip(np.round(centre[:, 1]).astype(int), 0, height - 1)
    return regions[region[triangles], y[:, None], x[:, None]].all(axis=1)


def _signed_area(points: np.ndarray, triangles: np.ndarray) -> np.ndarray:
    a, b, c = (points[triangles[:, k]] for k in range(3))
    return 0.5 * ((b - a)[:, 0] * (c - a)[:, 1] - (b - a)[:, 1] * (c - a)[:, 0])


def _patch(flap, vertices, triangles, source, vertex_flap, partner_of_source, bones, bone_flap, spacing):
    """(limb vertex rows, the vertex across the cut nearest each, triangles in local indices)
    for one limb flap, or None when it shares no cut."""
    own = vertex_flap == flap
    cut_rows = np.flatnonzero(own & (partner_of_source[source] >= 0))
    if not len(cut_rows):
        return None
    top = np.flatnonzero(bone_flap == flap)[0]                       # the limb's first bone
    joint = np.asarray(bones[top].head_uv, float)
    inside = np.flatnonzero(own)
    gap = np.linalg.norm(vertices[inside, None] - vertices[None, cut_rows], axis=2)   # (I, C)
    nearest = np.argmin(gap, axis=1)
    reach = np.linalg.norm(vertices[cut_rows] - joint, axis=1)         # the wedge widens away from the joint
    band = np.clip(reach, MIN_BAND_SPACINGS * spacing, max(BAND_BONE_RATIO * bones[top].length,
                                                           MIN_BAND_SPACINGS * spacing))
    near = np.zeros(len(vertices), bool)
    near[inside] = gap[np.arange(len(inside)), nearest] <= band[nearest]
    tris = triangles[near[triangles].all(axis=1)]
    if not len(tris):
        return None
    rows = np.unique(tris)
    local = np.full(len(vertices), -1)
    local[rows] = np.arange(len(rows))
    nearest_of = np.full(len(vertices), -1)
    nearest_of[inside] = cut_rows[nearest]
    return rows, partner_of_source[source[nearest_of[rows]]], local[tris]


def _mirrored(points: np.ndarray, cut: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Each point reflected through its cut vertex (across the cut, into the body), pulled back
    toward the cut until it lands on the figure."""
    height, width = mask.shape
    out = cut.copy()
    for fraction in (1.0, 0.75, 0.5, 0.25):
        candidate = cut + fraction * (cut - points)
        x = np.clip(np.round(candidate[:, 0]).astype(int), 0, width - 1)
        y = np.clip(np.round(candidate[:, 1]).astype(int), 0, height - 1)
        todo = np.all(out == cut, axis=1) & mask[y, x]
        out[todo] = candidate[todo]
    return out


def drawn_triangles(triangles: np.ndarray, depth: np.ndarray) -> np.ndarray:
    """(M,) bool: the drawing's own triangles, not the underlay behind it (`depth` per vertex)."""
    return ~(np.asarray(depth)[np.asarray(triangles)] > 0).any(axis=1)
