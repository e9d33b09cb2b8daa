"""The review lists every figure of a page with a checkbox: unticked figures are not built
(a composed page of three shared drawings, real analysis, real bpy)."""

from __future__ import annotations

import pytest

from composed_pages import write_page

pytestmark = pytest.mark.blender


def test_unticked_figures_are_not_built_and_accept_needs_one_ticked(blender, tmp_path):
    bpy = blender
    from animate_drawing.addon import drawing_analysis
    from animate_drawing.models.analyze import analyze_image

    page, _ = write_page(tmp_path)
    drawing_analysis.store(bpy.context, analyze_image(page))
    stored = bpy.context.scene.animate_drawing_analysis
    count = len(stored.figures)
    assert count >= 2 and stored.included == list(range(count))          # every figure ticked at first
    assert drawing_analysis.stored_review(bpy.context, page)["index"] == 0
    stored.include_figures[0] = False                                   # the checkbox of figure 1
    assert stored.included == list(range(1, count))
    assert drawing_analysis.stored_review(bpy.context, page)["index"] == 1   # the build skips it
    assert bpy.ops.animate_drawing.ui_accept_review.poll()
    for k in range(count):
        stored.include_figures[k] = False
    assert not bpy.ops.animate_drawing.ui_accept_review.poll()              # nothing to build
    assert drawing_analysis.stored_review(bpy.context, page) is None
    drawing_analysis.store(bpy.context, analyze_image(page))               # a new analysis ticks all again
    assert stored.included == list(range(count))
