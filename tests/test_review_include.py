"""The review lists every figure of a page with a checkbox: Accept builds every ticked figure
where it stands on the page, with the chosen clip, in one undo step; unticked figures are not
built and are drawn faint (a composed page of three shared drawings, real analysis, real bpy)."""

from __future__ import annotations

import pytest

from animate_drawing.models.analyze import analyze_image

from composed_pages import review_page

pytestmark = pytest.mark.blender


def test_unticked_figures_are_not_built_and_accept_needs_one_ticked(blender, tmp_path):
    bpy = blender
    from animate_drawing.addon.build import drawing_analysis

    page, _, stored = review_page(bpy, tmp_path)
    count = len(stored.figures)
    assert count >= 2 and stored.included == list(range(count))          # every figure ticked at first
    assert drawing_analysis.stored_review(bpy.context, page)["indices"] == list(range(count))
    stored.include_figures[0] = False                                   # the checkbox of figure 1
    assert stored.included == list(range(1, count))
    assert drawing_analysis.stored_review(bpy.context, page)["indices"] == list(range(1, count))  # the build skips it
    assert bpy.ops.animate_drawing.ui_accept_review.poll()
    for k in range(count):
        stored.include_figures[k] = False
    assert not bpy.ops.animate_drawing.ui_accept_review.poll()              # nothing to build
    assert drawing_analysis.stored_review(bpy.context, page) is None
    drawing_analysis.store(bpy.context, analyze_image(page))               # a new analysis ticks all again
    assert stored.included == list(range(count))


def test_accept_builds_every_ticked_figure_in_its_place_with_the_clip_in_one_undo_step(blender, tmp_path):
    bpy = blender
    from animate_drawing.addon.ui import review_overlay
    from animate_drawing.pipeline.cast import cast_of_analysis

    page, analysis, stored = review_page(bpy, tmp_path)
    assert len(stored.figures) == 3
    stored.include_figures[1] = False
    shapes = review_overlay.analysis_shapes(stored.figures, stored.figure_index, stored.included)
    faint = [s for s in shapes if not s.included]                         # the overlay dims figure 2
    assert len(faint) == 1 and faint[0].rgba(review_overlay.OUTLINE_RGBA)[3] < 0.5
    assert all(s.rgba(review_overlay.OUTLINE_RGBA)[3] == 1.0 for s in shapes if s.included)

    bpy.ops.ed.undo_push(message="reviewed")
    assert bpy.ops.animate_drawing.ui_accept_review(clip="jump") == {"FINISHED"}
    armatures = [ob for ob in bpy.data.objects if ob.type == "ARMATURE"]
    assert len(armatures) == 2 and len({ob.users_collection[0].name for ob in armatures}) == 2
    expected = cast_of_analysis(analysis, page, [0, 2])                   # the CLI's page cast of the ticked ones
    for plan, placement in zip(expected.plans, expected.placements):
        armature = next(ob for ob in armatures if ob.animate_drawing.character_name == plan.name)
        assert tuple(armature.location) == pytest.approx(placement.location, abs=1e-4)
        assert armature.scale[0] == pytest.approx(placement.scale, abs=1e-4)
        assert armature.animation_data.action.name.endswith("|jump")
        assert armature.select_get()
    offsets = {p.time_offset for p in expected.placements}
    assert len(offsets) == 2                                              # not in lock-step
    assert bpy.context.view_layer.objects.active.animate_drawing.character_name == expected.plans[0].name

    built = sorted(ob.name for ob in bpy.data.objects)
    bpy.ops.ed.undo()                                                     # one step takes every figure away
    assert not [ob for ob in bpy.data.objects if ob.type == "ARMATURE"]
    bpy.ops.ed.redo()
    assert sorted(ob.name for ob in bpy.data.objects) == built


def test_after_reopening_the_ticked_figures_are_found_again_with_their_edited_joints(blender, tmp_path):
    """The masks are not saved with the .blend: each ticked figure is found again inside its box,
    and joints the artist moved are the ones rigged."""
    bpy = blender
    import json

    import numpy as np

    from animate_drawing.addon.build import drawing_analysis

    _, _, stored = review_page(bpy, tmp_path)
    stored.include_figures[0] = False
    figures = stored.figures
    hand, elbow = 9, 8  # left_hand, left_elbow (AnimatedDrawings order)
    joints = np.array(figures[2]["joints"])
    joints[hand] += 0.5 * (joints[elbow] - joints[hand])
    figures[2]["joints"] = joints.tolist()
    stored.figures_json = json.dumps(figures)
    stored.joints_edited = True
    drawing_analysis._cache.clear()  # as after reopening the .blend

    assert bpy.ops.animate_drawing.ui_accept_review() == {"FINISHED"}
    armatures = [ob for ob in bpy.data.objects if ob.type == "ARMATURE"]
    assert len(armatures) == 2
    reviewed = np.linalg.norm(joints[hand] - joints[elbow])
    rigged = []
    for armature in armatures:
        config = json.loads(armature.animate_drawing.config_json)
        locs = {j["name"]: np.array(j["loc"]) for j in config["skeleton"]}
        rigged.append(np.linalg.norm(locs["left_hand"] - locs["left_elbow"]))
    assert min(abs(r - reviewed) for r in rigged) < 3.0   # whole-pixel rounding and mask snapping


def test_each_ticked_figure_moves_with_its_own_clip_or_the_pages_as_the_cli_figure_motions(blender, tmp_path):
    """A figure row's clip (default: the page's) is the clip its character gets on Accept, through
    the CLI's `--figure-motions` path (the motion stage's clips in cast order)."""
    bpy = blender
    from animate_drawing.addon.build import drawing_analysis
    from animate_drawing.pipeline.cast import cast_of_analysis

    page, analysis, stored = review_page(bpy, tmp_path)
    assert [choice.clip for choice in stored.figure_choices] == ["PAGE"] * 3   # every row: the page's clip
    stored.figure_choices[0].clip = "wave"
    stored.figure_choices[1].clip = "dab"          # unticked below: its clip is not used
    stored.include_figures[1] = False
    assert drawing_analysis.stored_review(bpy.context, page)["clips"] == ["wave", ""]

    assert bpy.ops.animate_drawing.ui_accept_review(clip="jump") == {"FINISHED"}
    expected = cast_of_analysis(analysis, page, [0, 2])
    actions = {ob.animate_drawing.character_name: ob.animation_data.action.name
               for ob in bpy.data.objects if ob.type == "ARMATURE"}
    assert len(actions) == 2
    assert actions[expected.plans[0].name].endswith("|wave")   # its own clip
    assert actions[expected.plans[1].name].endswith("|jump")   # the page's clip

    drawing_analysis.store(bpy.context, analysis)                # a new analysis: every row back to the page's
    assert [choice.clip for choice in stored.figure_choices] == ["PAGE"] * 3
