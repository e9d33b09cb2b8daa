"""Limbs cut from the trunk as paper flaps (rig/flaps.py), on every annotated biped drawing."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import annotated_biped_dirs
from animate_drawing.motions import quality
from animate_drawing.rig.character import load_character_dir
from animate_drawing.rig.flaps import flap_of_bones
from animate_drawing.rig.mesh import mesh_from_mask
from animate_drawing.rig.plan import build_rig_plan
from animate_drawing.rig.underlay import drawn_triangles

pytestmark = pytest.mark.blender  # rig plans are triangulated by mathutils and drawings decoded by Blender

DIRS = annotated_biped_dirs()


@pytest.fixture(params=DIRS, ids=[d.name for d in DIRS])
def plan(request):
    texture, mask, config = load_character_dir(request.param)
    built = build_rig_plan(texture, mask, config, request.param.name)
    built.folder = request.param
    return built


@pytest.mark.skipif(not DIRS, reason="../shared/data is not beside the repository")
def test_no_vertex_is_shared_between_flaps_and_each_keeps_its_flaps_bones(plan):
    bone_flap = flap_of_bones(plan.bones)
    assert bone_flap.max() == 4                                      # two arms, two legs
    triangle_flap = bone_flap[plan.triangle_bone]
    vertex_flap = np.full(len(plan.vertices_uv), -1)
    for flap in range(bone_flap.max() + 1):
        corners = np.unique(plan.triangles[triangle_flap == flap])
        assert np.all(vertex_flap[corners] == -1), "a vertex in two flaps"
        vertex_flap[corners] = flap
        outside = plan.weights[np.ix_(corners, np.flatnonzero(bone_flap != flap))]
        assert np.all(outside == 0.0), "weight from another flap's bone"
    assert np.allclose(plan.weights.sum(axis=1), 1.0, atol=1e-5)


@pytest.mark.skipif(not DIRS, reason="../shared/data is not beside the repository")
def test_the_cut_only_duplicates_vertices_and_keeps_the_drawing(plan):
    texture, mask, config = load_character_dir(plan.folder)
    parents = [config.index(j.parent) if j.parent is not None else -1 for j in config.joints]
    whole = mesh_from_mask(mask, config.locs(), parents)
    drawn = plan.triangles[drawn_triangles(plan.triangles, plan.vertex_depth)]   # the underlay aside
    assert len(drawn) == len(whole.triangles)
    assert len(plan.vertices_uv) > len(whole.vertices)                # the seams got copies
    assert np.array_equal(plan.vertices_uv[:len(whole.vertices)], whole.vertices)
    assert np.allclose(plan.vertices_uv[drawn], whole.vertices[whole.triangles])   # same picture


@pytest.mark.skipif(not DIRS, reason="../shared/data is not beside the repository")
def test_a_leg_swung_inward_slides_over_the_other_instead_of_folding(plan):
    """Closing drawn-apart legs by 35° each folded the crotch of the one-sheet mesh."""
    names = [b.name for b in plan.bones]
    rotation = np.zeros((1, len(names)))
    rotation[0, names.index("right_hip")] = np.radians(35)          # the viewer's left leg turns right
    rotation[0, names.index("left_hip")] = -np.radians(35)
    posed = quality.posed_vertices(plan, rotation)
    report, _ = quality.measure(plan.vertices_world[:, [0, 2]], posed, plan.triangles, 30.0)
    assert report.folded_max == 0.0
    assert report.stretch_p99 < 1.05
