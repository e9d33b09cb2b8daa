"""The body under a limb flap (rig/underlay.py): no paper shows where a turned limb was cut."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import annotated_biped_dirs
from animate_drawing.addon.raster import TexturedMesh, shade
from animate_drawing.motions.quality import posed_depth, posed_vertices
from animate_drawing.rig.character import load_character_dir
from animate_drawing.rig.flaps import flap_of_bones
from animate_drawing.rig.mesh import mesh_from_mask
from animate_drawing.rig.plan import build_rig_plan
from animate_drawing.rig.underlay import UNDERLAY_DEPTH, drawn_triangles

pytestmark = pytest.mark.blender  # rig plans are triangulated by mathutils and drawings decoded by Blender

DIRS = annotated_biped_dirs()
# (bone, degrees): arms raised and lowered, legs swung apart.
MOVES = [("left_shoulder", 90), ("left_shoulder", -90), ("right_shoulder", 90), ("right_shoulder", -90),
         ("left_hip", 30), ("right_hip", -30)]


@pytest.fixture(params=DIRS, ids=[d.name for d in DIRS])
def drawing(request):
    texture, mask, config = load_character_dir(request.param)
    plan = build_rig_plan(texture, mask, config, request.param.name)
    parents = [config.index(j.parent) if j.parent is not None else -1 for j in config.joints]
    spacing = mesh_from_mask(mask, config.locs(), parents).spacing
    return plan, mask, spacing


def covered(plan, rotation: np.ndarray, height: int, width: int) -> np.ndarray:
    """(H, W) bool: the pixels the posed mesh covers (an opaque texture: the cover, not the ink)."""
    xz = posed_vertices(plan, rotation)[0]
    pixels = np.column_stack([xz[:, 0] / plan.scale + plan.origin_uv[0], plan.origin_uv[1] - xz[:, 1] / plan.scale,
                              posed_depth(plan, np.zeros_like(rotation))[0]])
    opaque = np.full((2, 2, 4), 255, np.uint8)
    mesh = TexturedMesh(plan.triangles, plan.uvs[plan.triangles].astype(np.float32), opaque)
    return shade([mesh], [pixels], width, height)[..., 3] > 0


@pytest.mark.skipif(not DIRS, reason="../shared/data is not beside the repository")
def test_a_turned_limb_leaves_no_paper_at_its_joint(drawing):
    """Without the underlay a quarter turn of an arm bared 20-35% of the drawing within two mesh
    spacings of the shoulder (the white notch); with it, under 10% (only the limb's own far side)."""
    plan, mask, spacing = drawing
    names = [b.name for b in plan.bones]
    height, width = mask.shape
    rows, columns = np.mgrid[0:height, 0:width]
    shares = []
    for bone, degrees in MOVES:
        index = names.index(bone)
        rotation = np.zeros((1, len(names)))
        rotation[0, index] = np.radians(degrees)
        head = plan.bones[index].head_uv
        near = mask & ((columns - head[0]) ** 2 + (rows - head[1]) ** 2 <= (2 * spacing) ** 2)
        shares.append(covered(plan, rotation, height, width)[near].mean())
    assert np.mean(shares) >= 0.9, shares
    assert min(shares) >= 0.85, shares


@pytest.mark.skipif(not DIRS, reason="../shared/data is not beside the repository")
def test_the_underlay_lies_behind_moves_with_the_trunk_and_samples_the_body(drawing):
    plan, mask, _ = drawing
    drawn = drawn_triangles(plan.triangles, plan.vertex_depth)
    under = np.unique(plan.triangles[~drawn])
    assert len(under) > 0
    assert np.all(plan.vertex_depth[under] == UNDERLAY_DEPTH)
    assert np.all(plan.vertex_depth[np.unique(plan.triangles[drawn])] == 0.0)
    trunk = flap_of_bones(plan.bones) == 0
    assert np.all(plan.weights[np.ix_(under, np.flatnonzero(~trunk))] == 0.0)      # only trunk bones
    assert np.allclose(plan.weights[under].sum(axis=1), 1.0, atol=1e-5)
    height, width = mask.shape
    texel = np.column_stack([plan.uvs[under, 0] * width, (1.0 - plan.uvs[under, 1]) * height])
    x = np.clip(np.round(texel[:, 0]).astype(int), 0, width - 1)
    y = np.clip(np.round(texel[:, 1]).astype(int), 0, height - 1)
    assert mask[y, x].mean() > 0.95                                     # the figure's colours, not paper
