"""Rig features: what a character's rig is assembled from, beyond the body.

The body (`rig.plan.build_rig_plan`: mesh, skeleton, skin weights, flaps, underlay) is the
base every character has. A feature (the face; extra limbs: tails, ears, wings, `rig.extra_limbs`) is planned
from that body, in plain Python, as a `FeaturePlan`: the bones it adds, their weights on the
drawing's mesh, the armature controls it offers, and its own data for its build step in Blender
(`addon.rig_features.BUILDERS`, by feature name). `add_features` returns the body's plan with
the features' bones and weights merged in and their plans in `RigPlan.features`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .plan import RigPlan
from .skeleton import BonePlan
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
    earlier weights keep what the feature's row leaves of 1, so rows still sum to 1), the part
    labels `triangle_bone` redone, their `FeaturePlan`s in `features`. `plan` is left as it is."""
    for feature in features:
        contribution = feature.plan(plan)
        changes = {}
        if contribution.bones:
            taken = np.clip(contribution.weights.sum(axis=1, keepdims=True), 0.0, 1.0)
            weights = np.hstack([plan.weights * (1.0 - taken), contribution.weights]).astype(np.float32)
            weights /= np.maximum(weights.sum(axis=1, keepdims=True), 1e-12)
            changes = {"weights": weights, "triangle_bone": triangle_labels(weights, plan.triangles)}
        plan = dataclasses.replace(plan, bones=plan.bones + contribution.bones,
                                   features=plan.features + [contribution], **changes)
    return plan
