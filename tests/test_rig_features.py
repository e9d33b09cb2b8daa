"""Rig features (rig/features.py, pipeline/features.py): a feature's bones and weights merged
into the body's plan without touching it, and the face as a feature planned in plain Python."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import ANNOTATED

pytestmark = pytest.mark.blender   # planning a body meshes it (mathutils triangulation)
BROWN = ANNOTATED / "AnimatedDrawings_Server-Backend__example1"     # dot eyes, a small smile
BLANK = ANNOTATED / "mikaelapisani_AnimatedDrawings-JM__output"      # a head with no face drawn


@pytest.fixture(scope="module")
def body(shared_data):
    from animate_drawing.pipeline.plan import plan_from_character_dir
    return plan_from_character_dir(BROWN)


def _tail(plan):
    """A made-up feature: one bone hanging from the hip, taking half of every hip-weighted vertex."""
    from animate_drawing.rig.features import FeaturePlan
    from animate_drawing.rig.skeleton import BonePlan

    hip = next(k for k, bone in enumerate(plan.bones) if bone.name == "hip")
    head = plan.bones[hip].head_uv
    weights = plan.weights[:, [hip]] * 1.0
    return FeaturePlan("tail", bones=[BonePlan("tail", "hip", head, (head[0] + 40, head[1]))], weights=weights,
                       controls={"wag": (-1.0, 1.0, "Tail swing")})


def test_a_feature_adds_bones_and_weight_columns_to_a_copy_of_the_plan(body):
    from animate_drawing.rig.features import RigFeature, add_features

    bones_before, weights_before = list(body.bones), body.weights.copy()
    rigged = add_features(body, [RigFeature("tail", _tail)])
    assert [b.name for b in rigged.bones] == [b.name for b in bones_before] + ["tail"]
    assert rigged.weights.shape == (len(body.vertices_uv), len(bones_before) + 1)
    np.testing.assert_allclose(rigged.weights.sum(axis=1), 1.0, atol=1e-5)
    hip = [b.name for b in bones_before].index("hip")
    on_hip = weights_before[:, hip] > 0.5
    assert on_hip.any() and (rigged.weights[on_hip, -1] > 0.25).all()   # the tail shares the hip's vertices
    assert [f.name for f in rigged.features] == ["tail"] and rigged.features[0].controls["wag"][2] == "Tail swing"
    assert body.bones == bones_before and body.features == []          # the body's plan is left as it was
    np.testing.assert_array_equal(body.weights, weights_before)


def test_the_face_is_a_feature_with_controls_and_no_bones(body):
    from animate_drawing.pipeline.features import FACE
    from animate_drawing.rig.features import add_features

    rigged = add_features(body, [FACE])
    face = rigged.features[0]
    assert face.name == "face" and face.bones == [] and face.data is not None
    assert {"blink", "smile"} <= set(face.controls)
    assert rigged.bones == body.bones and rigged.weights is body.weights   # skinned with the drawing's weights


def test_a_drawing_without_a_face_plans_a_face_feature_that_says_why(shared_data):
    from animate_drawing.pipeline.features import plan_face
    from animate_drawing.pipeline.plan import plan_from_character_dir

    face = plan_face(plan_from_character_dir(BLANK))
    assert face.data is None and face.controls == {}
    assert face.notes and "no face" in face.notes[0]
