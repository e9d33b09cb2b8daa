"""Limbs as paper flaps: cut the mesh where an arm or leg meets the body or the other leg.

Skinned as one sheet, a limb that turns at the shoulder or hip drags the body's outline with
it: the triangles between the two legs fold over when the legs close, a raised arm smears the
flank under it. A paper doll instead pins each limb at its joint and lets it slide over (or
under) the body. So every edge between triangles of different flaps (the trunk with head, and
each limb hanging from the trunk with everything below it) is cut: the shared vertices are
duplicated, one copy per flap, and each copy keeps only the weights of its own flap's bones.
A limb then turns rigidly about its joint (its elbow and knee still bend smoothly) and the
body keeps its shape; front/behind layering decides which one the viewer sees.

How far an elbow or knee's bend spreads follows the limb's thickness, as a thick strip of
paper bends round a wider curve than a thin one: a chunky arm (17 mesh edges wide, shorter
than it is twice wide) folded 150° into the usual band squeezed its whole inner half, while a
pen-thin leg bent along its whole length stretched its curls (`_diffusion_reach`).
"""

from __future__ import annotations

import numpy as np

from .skeleton import BonePlan
from .weights import SMOOTH_REACH, hanging_limbs, smooth_weights, subtrees, triangle_labels


def flap_of_bones(bones: list[BonePlan]) -> np.ndarray:
    """(B,) flap id per bone: 0 for the trunk (and head), k ≥ 1 for the k-th hanging limb's subtree."""
    flap = np.zeros(len(bones), dtype=np.int64)
    inside = subtrees(bones)
    size = inside.sum(axis=1)
    limbs = [i for i in np.flatnonzero(hanging_limbs(bones)) if not _main_branch(i, bones, size)]
    for k, limb in enumerate(limbs, 1):
        flap[inside[limb]] = k
    return flap


def _main_branch(bone: int, bones: list[BonePlan], size: np.ndarray) -> bool:
    """Whether a bone carries more bones than each of its siblings (the spine beside the
    thighs, carrying arms and head): it is the trunk's continuation, never a flap."""
    siblings = [i for i, b in enumerate(bones) if b.parent == bones[bone].parent and i != bone]
    return all(size[bone] > size[i] for i in siblings)


def split_flaps(vertices: np.ndarray, triangles: np.ndarray, weights: np.ndarray, bones: list[BonePlan],
                smoothing: int = 0):
    """(vertices, triangles, weights, source) with the flaps cut apart. Vertices keep their
    indices (the first flap touching a vertex, the trunk first, keeps the original); copies are
    appended, and `source[i]` is the original of vertex i. With `smoothing`, each flap's
    weights are then averaged that many rounds over its own triangles (`smooth_weights`), more
    for a limb thicker than the usual reach (`_diffusion_reach`)."""
    bone_flap = flap_of_bones(bones)
    if bone_flap.max() == 0:
        return vertices, triangles, weights, np.arange(len(vertices))
    triangle_flap = bone_flap[triangle_labels(weights, triangles)]
    corner_flap = np.repeat(triangle_flap, 3)
    corner_vertex = triangles.ravel()
    # One vertex per (original vertex, flap) pair that some triangle corner uses.
    pairs, corner_new = np.unique(np.stack([corner_vertex, corner_flap], axis=1), axis=0, return_inverse=True)
    corner_new = corner_new.ravel()
    first = np.ones(len(pairs), dtype=bool)
    first[1:] = pairs[1:, 0] != pairs[:-1, 0]          # sorted by vertex, trunk (flap 0) first
    new_index = np.empty(len(pairs), dtype=np.int64)
    new_index[first] = pairs[first, 0]
    copies = np.flatnonzero(~first)
    new_index[copies] = len(vertices) + np.arange(len(copies))
    source = np.concatenate([np.arange(len(vertices)), pairs[copies, 0]])
    flap = np.zeros(len(source), dtype=np.int64)
    flap[new_index] = pairs[:, 1]
    used = np.zeros(len(vertices), dtype=bool)
    used[corner_vertex] = True
    flap[:len(vertices)][~used] = 0
    new_weights = _flap_weights(weights[source], flap, bone_flap, bones)
    new_triangles = new_index[corner_new].reshape(triangles.shape).astype(triangles.dtype)
    if smoothing:
        for k in np.unique(flap):
            rows, columns = np.flatnonzero(flap == k), np.flatnonzero(bone_flap == k)
            local = np.full(len(flap), -1)
            local[rows] = np.arange(len(rows))
            own = new_triangles[triangle_flap == k]
            if len(own) and len(columns) > 1:     # one bone: nothing to smooth
                reach = _diffusion_reach(vertices[source], own, bones, columns) if k else SMOOTH_REACH
                rounds = round(smoothing * (reach / SMOOTH_REACH) ** 2)   # diffusion spreads as √rounds
                new_weights[np.ix_(rows, columns)] = smooth_weights(new_weights[np.ix_(rows, columns)],
                                                                    local[own], rounds, reach)
    return vertices[source], new_triangles, new_weights, source


WIDTH_REACH_RATIO = 0.75   # a limb's reach: at least this × its mean width in mesh edges


def _diffusion_reach(vertices: np.ndarray, triangles: np.ndarray, bones: list[BonePlan], columns: np.ndarray) -> int:
    """Edges around a bone switch that a limb flap's smoothing reaches: `SMOOTH_REACH`, or more for a
    limb whose mean width (its area over its bones' length) spans more mesh edges."""
    corners = vertices[triangles]
    first, second = corners[:, 1] - corners[:, 0], corners[:, 2] - corners[:, 0]
    area = 0.5 * np.abs(first[:, 0] * second[:, 1] - first[:, 1] * second[:, 0]).sum()
    length = sum(bones[c].length for c in columns if bones[c].deform)
    edge = float(np.linalg.norm(first, axis=1).mean())
    if length <= 0 or edge <= 0:
        return SMOOTH_REACH
    return max(SMOOTH_REACH, round(WIDTH_REACH_RATIO * area / length / edge))


def _flap_weights(weights: np.ndarray, flap: np.ndarray, bone_flap: np.ndarray, bones: list[BonePlan]) -> np.ndarray:
    """Each vertex keeps only its flap's bones (renormalised); a vertex left with none goes
    wholly to its flap's top bone (the limb's, or the trunk's first deforming bone)."""
    own = weights * (bone_flap[None, :] == flap[:, None])
    total = own.sum(axis=1)
    empty = np.flatnonzero(total <= 0)
    if len(empty):
        deform = np.array([b.deform for b in bones])
        tops = {}
        for k in np.unique(flap[empty]):
            candidates = np.flatnonzero((bone_flap == k) & deform)
            tops[k] = candidates[0] if len(candidates) else np.flatnonzero(bone_flap == k)[0]
        own[empty, [tops[k] for k in flap[empty]]] = 1.0
        total = own.sum(axis=1)
    return (own / total[:, None]).astype(np.float32)
