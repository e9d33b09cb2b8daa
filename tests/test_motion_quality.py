"""Picture metrics (motions/quality.py) on hand-made meshes and on real drawings with real clips."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from conftest import BVH_DIR, REPO_ROOT, annotated_biped_dirs
from animate_drawing.motions import quality
from animate_drawing.motions.bvh import load_bvh
from animate_drawing.motions.retarget import RetargetOptions, retarget
from animate_drawing.rig.character import load_character_dir
from animate_drawing.rig.plan import build_rig_plan
from animate_drawing.rig.skeleton import BonePlan

CLIPS = REPO_ROOT / "motions" / "clips"
SQUARE = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]])
SQUARE_TRIANGLES = np.array([[0, 1, 2], [0, 2, 3]])


def test_an_untouched_mesh_keeps_its_shape():
    stretch, folds, area = quality.triangle_maps(SQUARE, SQUARE[None], SQUARE_TRIANGLES)
    assert np.allclose(stretch, 1.0) and not folds.any() and np.allclose(area, 0.5)


def test_stretch_is_the_ratio_of_singular_values_and_a_mirror_folds():
    sheared = SQUARE @ np.array([[2.0, 0.0], [0.0, 1.0]])        # twice as wide
    mirrored = SQUARE * [-1.0, 1.0]
    stretch, folds, _ = quality.triangle_maps(SQUARE, np.stack([sheared, mirrored]), SQUARE_TRIANGLES)
    assert np.allclose(stretch[0], 2.0) and not folds[0].any()
    assert np.allclose(stretch[1], 1.0) and folds[1].all()
    report, _ = quality.measure(SQUARE, np.stack([SQUARE, mirrored]), SQUARE_TRIANGLES, fps=30.0)
    assert report.folded_max == pytest.approx(1.0) and report.folded_mean == pytest.approx(0.5)
    assert report.worst_frame == 1 and "folded_max" in report.misses


def test_weighted_percentile_counts_each_value_by_its_weight():
    values = np.array([1.0, 5.0, 2.0])
    assert quality.weighted_percentile(values, np.array([0.98, 0.01, 0.01]), 0.5) == 1.0
    assert quality.weighted_percentile(values, np.array([0.01, 0.98, 0.01]), 0.5) == 5.0
    rows = quality.weighted_percentile(np.array([[1.0, 3.0], [4.0, 2.0]]), np.array([0.2, 0.8]), 0.5)
    assert rows.tolist() == [3.0, 2.0]



@pytest.mark.parametrize("values", ["spread", "repeated"])
def test_the_clip_wide_percentile_is_the_sorted_one(values):
    """weighted_percentile_all sorts only the bin where the weight passes q: it still picks what
    one sort of every value, each with its column's weight, picks (with many copies of one
    value at the quantile too)."""
    rng = np.random.default_rng(7)
    clip = rng.random((300, 97)) * 3 + 1                          # 29100 values: many more than the bins
    if values == "repeated":
        clip[rng.random(clip.shape) < 0.3] = 3.9                  # the 99th percentile falls on copies of 3.9
    weights = rng.random(97)
    for q in (0.5, 0.95, 0.99):
        sorted_once = quality.weighted_percentile(clip.ravel(), np.tile(weights, len(clip)), q)
        assert quality.weighted_percentile_all(clip, weights, q) == sorted_once

def test_side_flips_and_planted_slide():
    layers = np.array([[1, 0.0], [1, -1], [-1, -1], [-1, 0], [1, -1]])
    assert quality.side_flips(layers) == 2                      # the first limb changes twice
    feet = np.zeros((4, 1, 2))
    feet[:, 0, 0] = [0.0, 0.02, 0.04, 0.5]                       # slides 1% of 2 units, then lifts off
    planted = np.array([[True], [True], [True], [False]])
    assert quality.planted_slide(feet, planted) == pytest.approx(0.01)


def _two_bone_plan():
    """A 1 × 2 strip: the lower half on bone "a", the upper half on bone "b" (its child), rigidly."""
    grid = np.array([[u, v] for v in (2.0, 1.0, 0.0) for u in (0.0, 1.0)])      # pixels, v down
    triangles = np.array([[0, 1, 3], [0, 3, 2], [2, 3, 5], [2, 5, 4]])
    weights = np.array([[1, 0], [1, 0], [0.5, 0.5], [0.5, 0.5], [0, 1], [0, 1]], float)
    bones = [BonePlan("a", None, (0.5, 2.0), (0.5, 1.0)), BonePlan("b", "a", (0.5, 1.0), (0.5, 0.0))]
    plan = SimpleNamespace(bones=bones, vertices_uv=grid, triangles=triangles, weights=weights, scale=1.0,
                           origin_uv=(0.5, 2.0), triangle_bone=np.array([0, 0, 1, 1]))
    plan.vertices_world = np.stack([grid[:, 0] - 0.5, np.zeros(6), 2.0 - grid[:, 1]], axis=1)
    return plan


def test_numpy_skinning_blends_bone_rotations_about_the_joint():
    plan = _two_bone_plan()
    rest = plan.vertices_world[:, [0, 2]]
    assert np.allclose(quality.posed_vertices(plan, np.zeros((1, 2)))[0], rest)
    # Root motion and a turn of the whole strip move it rigidly.
    turned = quality.posed_vertices(plan, np.array([[np.pi / 2, 0.0]]), np.array([[3.0, 0.0]]))[0]
    assert np.allclose(turned, rest @ np.array([[0.0, 1.0], [-1.0, 0.0]]) + [3.0, 0.0])
    # Bending "b" by 90°: its tip turns about the joint at (0, 1).
    bent = quality.posed_vertices(plan, np.array([[0.0, np.pi / 2]]))[0]
    assert np.allclose(bent[5], [-1.0, 1.5])          # (0.5, 2) → turned about (0, 1)
    # Half on each bone: turned half way (45°) about the joint, at its rest distance from it
    # (a linear blend, the average of staying put and turning, pulled it in to (0.25, 1.25)).
    assert np.allclose(bent[3], [0.5 * np.cos(np.pi / 4), 1.0 + 0.5 * np.sin(np.pi / 4)])


def _bending_strip():
    """A 1 × 4 strip (pixels = world units) on two bones meeting halfway up, the child's weight
    ramping from 0 to 1 over the middle half: a limb with a bend band twice its width."""
    heights = np.linspace(0.0, 4.0, 17)
    grid = np.array([[u, 4.0 - z] for z in heights for u in (0.0, 0.5, 1.0)])      # pixels, v down
    rows, cols = len(heights), 3
    cell = lambda r, c: r * cols + c                                                # noqa: E731
    triangles = np.array([t for r in range(rows - 1) for c in range(cols - 1)
                          for t in ([cell(r, c), cell(r, c + 1), cell(r + 1, c + 1)],
                                    [cell(r, c), cell(r + 1, c + 1), cell(r + 1, c)])])
    child = np.clip((4.0 - grid[:, 1] - 1.0) / 2.0, 0.0, 1.0)
    bones = [BonePlan("a", None, (0.5, 4.0), (0.5, 2.0)), BonePlan("b", "a", (0.5, 2.0), (0.5, 0.0))]
    plan = SimpleNamespace(bones=bones, vertices_uv=grid, triangles=triangles, scale=1.0, origin_uv=(0.5, 4.0),
                           weights=np.stack([1.0 - child, child], axis=1))
    plan.vertices_world = np.stack([grid[:, 0] - 0.5, np.zeros(len(grid)), 4.0 - grid[:, 1]], axis=1)
    return plan


def test_a_joint_bent_past_150_degrees_keeps_its_inside_unfolded():
    """A linear blend of two rotations 160° apart nearly cancels out: the band's middle shrank
    onto the joint and the inside of the bend folded over (the dab clip's elbows). Blended as
    rotations, the band fans about the joint and keeps its distance from it."""
    plan = _bending_strip()
    rest = plan.vertices_world[:, [0, 2]]
    joint_row = np.flatnonzero(np.isclose(rest[:, 1], 2.0))
    for bend in (150, 160, 170, -170):
        posed = quality.posed_vertices(plan, np.array([[0.0, np.radians(bend)]]))
        _, folds, _ = quality.triangle_maps(rest, posed, plan.triangles)
        assert not folds.any(), bend
        from_joint = posed[0, joint_row] - [0.0, 2.0]
        assert np.allclose(np.hypot(*from_joint.T), [0.5, 0.0, 0.5]), bend


def _annotated(name):
    folder = next((d for d in annotated_biped_dirs() if d.name == name), None)
    if folder is None:
        pytest.skip("shared drawings missing")
    texture, mask, config = load_character_dir(folder)
    return build_rig_plan(texture, mask, config, folder.name)


@pytest.mark.blender  # builds a rig plan: triangulated by mathutils
def test_foot_contacts_come_from_the_clip_height_and_speed():
    clip = load_bvh(CLIPS / "walk.bvh")
    plan = _annotated("xkromkad_AnimatedDrawings-1__postava_out")
    result = retarget(clip, plan.bones, options=RetargetOptions(cyclic=True), scale=plan.scale)
    assert set(result.contacts) == {"left_foot", "right_foot"}
    for flags in result.contacts.values():
        assert flags.shape == (result.frame_count,) and 0.2 < flags.mean() < 0.8   # stance and swing
    both_off = ~result.contacts["left_foot"] & ~result.contacts["right_foot"]
    assert both_off.mean() < 0.3                                                  # a walk, not a run


@pytest.mark.blender
@pytest.mark.parametrize("clip", [CLIPS / "wave.bvh", CLIPS / "jumping_jacks.bvh", BVH_DIR / "fair1" / "wave_hello.bvh"])
def test_real_drawings_keep_their_shapes_on_real_clips(clip):
    """Measured on the issue's targets: limbs are flaps, the trunk bends like paper."""
    if not clip.exists():
        pytest.skip("shared BVH clips missing")
    plan = _annotated("xkromkad_AnimatedDrawings-1__postava_out")
    result = retarget(load_bvh(clip), plan.bones, options=RetargetOptions(cyclic="clips" in str(clip)),
                      scale=plan.scale)
    report, warnings = quality.measure_retarget(plan, result)
    assert report.stretch_p99 <= quality.TARGETS["stretch_p99"]
    assert report.folded_max <= quality.TARGETS["folded_max"]
    assert report.flips_per_s <= quality.TARGETS["flips_per_s"]
    assert report.frames == result.frame_count



@pytest.mark.blender
@pytest.mark.parametrize("drawing", ["limefresh5455_animation_drawing__char2_output",
                                     "limefresh5455_animation_drawing__char8"])
def test_chunky_arms_folded_by_a_dab_bend_round_instead_of_squeezing(drawing):
    """Arms nearly as wide as they are long, folded 150° by the FAIR dab: bent across the usual
    band, their inner half squeezed (stretch p99 2.45 and 2.23); bent as wide as they are thick
    (rig.flaps._diffusion_reach), they keep the target."""
    clip = BVH_DIR / "fair1" / "dab.bvh"
    if not clip.exists():
        pytest.skip("shared BVH clips missing")
    plan = _annotated(drawing)
    result = retarget(load_bvh(clip), plan.bones, options=RetargetOptions(), scale=plan.scale)
    report, warnings = quality.measure_retarget(plan, result)
    assert report.stretch_p99 <= quality.TARGETS["stretch_p99"]
    assert not any(w.startswith("right arm stretched") for w in warnings)   # the dabbing arm

def test_warnings_name_the_part_and_the_frames():
    stretch = np.ones((10, 4))
    stretch[3:7, 2:] = 3.4
    folds = np.zeros((10, 4), bool)
    folds[8:, 0] = True                                          # half the body mirrored
    area = np.ones(4)
    words = quality.part_warnings(stretch, folds, area, ["body", "body", "left arm", "left arm"])
    assert words == ["body folds over itself (50% of it) in frames 9–10", "left arm stretched 3.4x in frames 4–7"]


def test_doubted_joints_and_an_unlikely_person_are_warned_and_never_judged_good():
    names = ["root", "left_knee", "right_hand"]
    words = quality.analysis_warnings(names, [0.9, 0.12, 0.25], person_score=0.1)
    assert words == ["joints found with low confidence, check them: left knee (0.12), right hand (0.25)",
                     "figure may not be a person (person score 0.10)"]
    assert quality.analysis_warnings(names, [0.9, 0.8, 0.3], person_score=0.6) == []
    clean = quality.QualityReport(frames=10, stretch_p99=1.1, folded_mean=0.0, folded_max=0.0, flips_per_s=0.0,
                                  foot_slide=0.0, ground_penetration=0.0, worst_frame=0)
    assert quality.verdict(clean) == "good"
    assert quality.verdict(clean, words[:1]) == "fair"           # one doubt: the rig may be wrong
    assert quality.verdict(clean, words) == "poor"
    missed = quality.QualityReport(**{**clean.__dict__, "stretch_p99": 5.0, "misses": ["stretch_p99"]})
    assert quality.verdict(missed, words[:1]) == "poor"           # a doubt never improves a verdict
