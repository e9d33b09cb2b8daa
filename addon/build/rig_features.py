"""The rig features' Blender side: each `FeaturePlan` of a character's plan built onto it.

For every feature: its controls become keyable, library-overridable custom properties of the
armature (values already there are kept, so a rebuild keeps the artist's keys), then its
build step (`BUILDERS`, by feature name) adds what it makes. Bones a feature adds are in the
plan's `bones` already, so `build_armature` makes them with the body's.
"""

from __future__ import annotations

import bpy

from ...pipeline.features import FEATURES
from ...rig.features import FeaturePlan, add_features
from ...rig.plan import RigPlan
from . import build_face

BUILDERS = {"face": build_face.build_face_feature}   # features that make more than bones and weights
BODY_FEATURES = ["extra_limbs"]      # every character gets these (a feature with nothing to add adds nothing)


def with_features(plan: RigPlan, names) -> RigPlan:
    """`plan` assembled with the named features (pipeline.features.FEATURES), in that order."""
    return add_features(plan, [FEATURES[name] for name in names])


def build_features(armature: bpy.types.Object, plan: RigPlan, collection: bpy.types.Collection) -> None:
    """Build every feature of `plan` onto the character `armature` (in `collection`)."""
    for feature in plan.features:
        add_controls(armature, feature)
        if feature.name in BUILDERS:
            BUILDERS[feature.name](armature, plan, feature, collection)


def add_controls(armature: bpy.types.Object, feature: FeaturePlan) -> None:
    """Keyable, overridable custom properties with slider ranges; existing values are kept."""
    for name, (low, high, description) in feature.controls.items():
        if name not in armature.keys():
            armature[name] = 0.0
        armature.id_properties_ui(name).update(min=low, max=high, soft_min=low, soft_max=high,
                                               default=0.0, description=description)
        armature.property_overridable_library_set(f'["{name}"]', True)
