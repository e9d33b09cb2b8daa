"""The rig features a character can have, each planned from the body's `RigPlan` (plain Python).

`FEATURES` lists them by name; `rig.features.add_features` assembles a plan from the body and
the chosen ones, `addon.build.rig_features` builds them in Blender. A new feature is a `RigFeature`
here (or in `rig/` when it needs only the plan, as `rig.extra_limbs`) and, when it makes more
than bones and weights, a builder there. See docs/ARCHITECTURE.md ("Rig features").
"""

from __future__ import annotations

import numpy as np

from ..models.face import NO_FACE, find_face
from ..models.joints import AD_NAMES
from ..rig.extra_limbs import EXTRA_LIMBS
from ..rig.face_rig import CONTROLS, plan_face_rig
from ..rig.features import FeaturePlan, RigFeature
from ..rig.plan import RigPlan


def find_plan_face(plan: RigPlan):
    """(Face or None, why not) on the plan's own texture, with its rigged joints."""
    joints = {joint.name: joint.loc for joint in plan.config.joints}
    if not all(name in joints for name in AD_NAMES):
        return None, "the skeleton has no AnimatedDrawings head joints to look around"
    return find_face(plan.texture[..., :3], plan.mask, np.array([joints[n] for n in AD_NAMES], np.float64))


def plan_face(plan: RigPlan) -> FeaturePlan:
    """The face found on the drawing (or placed by the artist) as an overlay mesh with shape keys
    (`rig.face_rig`): no bones of its own (it is skinned with the drawing's weights), the
    controls that move it; none where the artist removed it."""
    if plan.edited_face == NO_FACE:
        return FeaturePlan("face", notes=["the face was removed in the review: the character has no face rig"])
    face, why = (plan.edited_face, "") if plan.edited_face is not None else find_plan_face(plan)
    face_plan, notes = plan_face_rig(face, plan.texture, plan.mask, plan.vertices_uv, plan.triangles, plan.weights)
    if face is None and why:
        notes = [f"no face found ({why}): the character has no face rig"]
    controls = {name: CONTROLS[name] for name in face_plan.controls} if face_plan is not None else {}
    return FeaturePlan("face", controls=controls, data=face_plan, notes=notes)


FACE = RigFeature("face", plan_face)
FEATURES = {feature.name: feature for feature in (EXTRA_LIMBS, FACE)}
