"""Rig features: what a character's rig is assembled from, beyond the body.

The body (`rig.plan.build_rig_plan`: mesh, skeleton, skin weights, flaps, underlay) is the
base every character has. A feature (the face; extra limbs: tails, ears, wings, `rig.extra_limbs`) is planned
from that body, in plain Python, as a `FeaturePlan`: the bones it adds, their weights on the
drawing's mesh, the armature controls it offers, and its own data for its build step in Blender
(`addon.build.rig_features.BUILDERS`, by feature name). `add_features` returns the body's plan with
the features' bones and weights merged in and their plans in `RigPlan.features`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .plan import RigPlan, drawing_only, with_underlay
from .skeleton import BonePlan
from .flaps import split_flaps
from .underlay import limb_underlay
from .weights import triangle_labels


@dataclass
class FeaturePlan:
    name: str                                                   # the feature's name, its builder's key
    bones: list[BonePlan] = field(default_factory=list)         # bones it adds (parented to the body's)
    weights: np.ndarray | None = None                           # (N, len(bones)): each vertex's share taken from the body
    controls: dict[str, tuple[float, float, str]] = field(default_factory=dict)  # armature property → (min, max, description)
    data: Any = None                                            # its own plan, for its build step (e.g. FaceRigPlan)
    notes: list[str] = field(default_factory=list)              # what could not be rigged, in words


@dataclass(frozen=True)
class RigFeature:
    name: str
    plan: Callable[[RigPlan], FeaturePlan]    # the body's plan (with earlier features' bones) → its contribution


def add_features(plan: RigPlan, features: Sequence[RigFeature]) -> RigPlan:
    """A copy of `plan` with each feature planned in order (each sees the bones of the ones
    before it): their bones appended to `bones`, their weight columns to `weights` (a vertex's
    earlier weights keep what the feature's row leaves of 1, so rows still sum to 1), limbs
    among them cut apart as flaps (vertices copied, appended after the others, so `joint_vertex`
    stays valid), their `FeaturePlan`s in `features`. `plan` is left as it is."""
    for feature in features:
        contribution = feature.plan(plan)
        plan = dataclasses.replace(plan, features=plan.features + [contribution])
        if contribution.bones:
            plan = _with_bones(plan, contribution.bones, contribution.weights)
    return plan


def _with_bones(plan: RigPlan, bones: list[BonePlan], taken_weights: np.ndarray) -> RigPlan:
    """`plan` with `bones` added: each vertex's earlier weights keep what `taken_weights` leaves,
    and a new limb hanging off the trunk is cut apart as a paper flap like the body's limbs
    (`rig.flaps`: it turns about its joint instead of stretching the body part it was drawn on).
    The underlay (`rig.underlay`) is made again for the new flaps: the new limb gets its patch
    behind its cut (on the trunk and on a limb it was drawn over), and the patches of the limbs
    it was drawn on no longer copy its pixels."""
    plan = drawing_only(plan)
    taken_weights = taken_weights[:len(plan.vertices_uv)]
    taken = np.clip(taken_weights.sum(axis=1, keepdims=True), 0.0, 1.0)
    weights = np.hstack([plan.weights * (1.0 - taken), taken_weights]).astype(np.float32)
    weights /= np.maximum(weights.sum(axis=1, keepdims=True), 1e-12)
    added = range(len(plan.bones), len(plan.bones) + len(bones))
    bones = plan.bones + bones
    vertices, triangles, weights, source = split_flaps(plan.vertices_uv, plan.triangles, weights, bones)
    plan = dataclasses.replace(plan, bones=bones, vertices_uv=vertices, triangles=triangles, weights=weights,
                               uvs=plan.uvs[source], depth=plan.vertex_depth[source],
                               triangle_bone=triangle_labels(weights, triangles))
    # The copies of one mesh vertex, cut by the body's split or this one, lie on the same place.
    original = np.unique(vertices, axis=0, return_inverse=True)[1].ravel()
    under = limb_underlay(vertices, triangles, weights, original, bones, plan.mask, plan.spacing, drawn_over=added)
    return with_underlay(plan, under)
