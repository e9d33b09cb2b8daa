"""Extra limbs (a tail, a third arm, wings, long ears) as a rig feature that adds bones (pure).

A character's joints may include chains beyond the 16-joint skeleton hanging off the trunk:
listed in a character folder's char_cfg.yaml, or found on the drawing by the analysis
(`models.extra_limbs`) and written there. The body (`rig.plan.build_rig_plan`) leaves them out
of its skeleton; this feature gives each chain joint a bone (as `rig.skeleton` would: the tip
continues its parent's direction), and takes the mesh vertices that lie nearer, along the mesh,
to an extra bone than to any body bone (and beyond the chain's root joint), blending the
hand-over over a few edges (`weights.smooth_weights`). Their motion comes from
`motions.extra_limbs`, which finds the same chains among the armature's bones.
"""

from __future__ import annotations

import numpy as np

from .features import FeaturePlan, RigFeature
from .graph import EdgeGraph
from .mesh import unique_edges
from .plan import RigPlan
from .skeleton import BonePlan, extra_limb_joints, plan_bones
from .weights import smooth_weights

HAND_OVER_ROUNDS = 12     # smoothing rounds where an extra limb meets the body
SEED_REACH = 1.5          # mesh spacings: vertices this near a bone start its region


def plan_extra_limbs(plan: RigPlan) -> FeaturePlan:
    """A bone per extra joint, parented like its joint, and the vertices each takes from the body."""
    names = extra_limb_joints(plan.config)
    if not names:
        return FeaturePlan("extra_limbs")
    height = 2.0 / plan.scale                       # the mesh's height in pixels (2 world units)
    bones = [bone for bone in plan_bones(plan.config, height) if bone.name in names]
    return FeaturePlan("extra_limbs", bones=bones, weights=_taken_weights(plan, bones), data=names)


def _taken_weights(plan: RigPlan, bones: list[BonePlan]) -> np.ndarray:
    """(N, len(bones)): each vertex's share for each extra bone (row sums ≤ 1, the rest stays
    the body's). A vertex belongs to the bone nearest along the mesh's edges (cut flaps are not
    crossed), then the hand-overs are smoothed."""
    body = [bone for bone in plan.bones if bone.deform]
    edges = unique_edges(plan.triangles)
    graph = EdgeGraph(edges, plan.vertices_uv)
    reach = SEED_REACH * float(np.median(graph.edge_lengths))
    seed_vertex, seed_source = [], []
    for k, bone in enumerate(body + bones):
        near = _distance_to(plan.vertices_uv, np.array(bone.head_uv), np.array(bone.tail_uv))
        seeds = np.flatnonzero(near <= reach)
        seeds = seeds if len(seeds) else [int(np.argmin(near))]
        seed_vertex.extend(seeds)
        seed_source.extend([k] * len(seeds))
    distance = graph.distances(seed_vertex, seed_source, np.zeros(len(seed_vertex)), len(body) + len(bones))
    owner = np.argmin(distance, axis=1) - len(body) + 1          # 0: the body, k ≥ 1: extra bone k
    owner[~np.isfinite(distance.min(axis=1)) | _behind_root(plan.vertices_uv, bones, owner)] = 0
    share = np.eye(len(bones) + 1)[np.maximum(owner, 0)]
    return smooth_weights(share, plan.triangles, HAND_OVER_ROUNDS)[:, 1:]


def _behind_root(points: np.ndarray, bones: list[BonePlan], owner: np.ndarray) -> np.ndarray:
    """(N,) bool: points an extra bone would own that lie behind its chain's root joint (across
    the line through the joint square to the chain's first bone). The body drawn around a root
    joint (the trousers a tail starts from) stays the body's: a turning tail carried a strip of
    them off and left a notch."""
    index = {bone.name: k for k, bone in enumerate(bones)}
    behind = np.zeros(len(points), bool)
    for k, bone in enumerate(bones):
        root = bone
        while root.parent in index:
            root = bones[index[root.parent]]
        head = np.asarray(root.head_uv, float)
        along = np.asarray(root.tail_uv, float) - head
        mine = owner == k + 1
        behind[mine] = (points[mine] - head) @ along < 0
    return behind


def _distance_to(points: np.ndarray, head: np.ndarray, tail: np.ndarray) -> np.ndarray:
    along = tail - head
    t = np.clip(((points - head) @ along) / max(float(along @ along), 1e-12), 0.0, 1.0)
    return np.linalg.norm(points - (head + t[:, None] * along), axis=1)


EXTRA_LIMBS = RigFeature("extra_limbs", plan_extra_limbs)
