"""The review step: background analysis, what the overlay draws, manual box, undo."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "drawing.png"


def _figure(conf=None):
    from animate_drawing.models.joints import AD_NAMES

    joints = np.stack([np.linspace(10, 90, len(AD_NAMES)), np.linspace(20, 180, len(AD_NAMES))], axis=1)
    conf = np.linspace(0.0, 1.0, len(AD_NAMES)) if conf is None else conf
    return {"box": [10, 20, 90, 180], "score": 0.9, "joints": joints.tolist(),
            "joint_conf": list(conf), "outline": [[10, 20], [90, 20], [90, 180]]}


@pytest.mark.blender
def test_shapes_connect_every_joint_to_its_parent_and_flag_low_confidence():
    pytest.importorskip("bpy")  # review_overlay imports bpy
    from animate_drawing.addon.ui import review_overlay
    from animate_drawing.models.joints import AD_PARENT_INDEX, LOW_CONFIDENCE

    figure = _figure()
    shapes = review_overlay.figure_shapes(figure)
    joints = np.asarray(figure["joints"])
    assert shapes.bones.shape == (15, 2, 2)
    child = 5  # right_elbow → right_shoulder
    assert any(np.allclose(b, [joints[AD_PARENT_INDEX[child]], joints[child]]) for b in shapes.bones)
    assert np.array_equal(shapes.low_confidence, np.asarray(figure["joint_conf"]) < LOW_CONFIDENCE)
    assert np.allclose(shapes.box, [(10, 20), (90, 20), (90, 180), (10, 180)])
    assert shapes.outline.shape == (3, 2)
    # red at 0, yellow at 0.5, green at 1
    assert np.allclose(review_overlay.confidence_rgba([0.0, 0.5, 1.0])[:, :3], [(1, 0, 0), (1, 1, 0), (0, 1, 0)])


@pytest.mark.blender
def test_selected_figure_is_drawn_last():
    pytest.importorskip("bpy")
    from animate_drawing.addon.ui import review_overlay

    shapes = review_overlay.analysis_shapes([_figure(), _figure(), _figure()], selected_index=0)
    assert [s.selected for s in shapes] == [False, False, True]


@pytest.mark.blender
def test_review_quad_stands_where_the_character_will():
    pytest.importorskip("bpy")
    from animate_drawing.addon.ui import review_overlay

    figure = _figure()
    to_world = review_overlay.review_to_world(figure)
    root = figure["joints"][0]
    bottom, top = to_world(np.array([[root[0], 180.0], [root[0], 20.0]]))
    assert bottom[0] == pytest.approx(0.0) and bottom[2] == pytest.approx(0.0)
    assert top[2] == pytest.approx(review_overlay.CHARACTER_HEIGHT)
    assert bottom[1] == top[1] == 0.0  # the drawing's plane


@pytest.mark.blender
def test_viewport_projection_and_joint_discs():
    pytest.importorskip("bpy")
    from mathutils import Matrix

    from animate_drawing.addon.ui import review_overlay

    # an orthographic front view: world x → screen x, world z → screen y, 2 units across
    front = Matrix(((1, 0, 0, 0), (0, 0, 1, 0), (0, 1, 0, 0), (0, 0, 0, 1)))
    region = review_overlay.world_to_region(np.array([[0, 0, 0], [1, 0, 1], [-1, 5, -1]]), front, 200, 100)
    assert np.allclose(region, [[100, 50], [200, 100], [0, 0]])
    plane = review_overlay.region_to_plane(region[:2], front, 200, 100)   # and back onto the drawing
    assert np.allclose(plane, [[0, 0, 0], [1, 0, 1]])

    corners = review_overlay.disc_triangles(np.array([[10.0, 20.0], [50.0, 60.0]]), radius=4.0, segments=8)
    assert corners.shape == (2 * 8 * 3, 2)
    first = corners[:24] - (10.0, 20.0)
    assert np.allclose(np.linalg.norm(first, axis=1)[np.linalg.norm(first, axis=1) > 0], 4.0)
    assert np.allclose(corners[24:].mean(axis=0), (50.0, 60.0), atol=1.5)


@pytest.mark.blender
def test_a_press_in_the_image_editor_lands_on_the_marker_drawn_there():
    """The drag's way back from region pixels to image pixels undoes the drawing's way there, for
    a drawing larger than the analysed copy, and a press within reach picks the marker up."""
    pytest.importorskip("bpy")
    from animate_drawing.addon.ui import review_overlay
    from animate_drawing.pipeline.review_edits import markers, nearest_marker

    file_size, corners = (4000, 3000), ((15.0, 40.0), (4015.0, 3040.0))   # analysed at half size, zoomed 2x
    to_region = review_overlay.image_to_rectangle(file_size, *corners)
    to_image = review_overlay.rectangle_to_image(file_size, *corners)
    points = np.array([[0.0, 0.0], [123.4, 567.8], [1999.0, 1499.0]])
    np.testing.assert_allclose(to_image(to_region(points)), points, atol=1e-9)
    figure = dict(_figure(), face={"eyes": [{"center": [50.0, 40.0], "radius": 5.0, "pupil": None}], "mouth": None})
    for name, xy in markers(figure):
        press = to_region(np.array([xy]))[0] + (3.0, -4.0)            # 5 screen pixels off
        assert nearest_marker([figure], to_region, press, review_overlay.MARKER_REACH_PX) == (0, name)
    assert nearest_marker([figure], to_region, to_region(np.array([[50.0, 40.0]]))[0] + 11.0,
                          review_overlay.MARKER_REACH_PX) is None


@pytest.mark.blender
def test_a_press_in_the_3d_viewport_lands_on_the_marker_drawn_there(blender):
    """In the 3D Viewport the markers stand on the drawing's quad: a press is traced back onto that
    plane, so picking and dropping a marker there works like in the Image Editor."""
    bpy = blender
    from animate_drawing.addon.ui import review_overlay
    from animate_drawing.pipeline.review_edits import markers

    bpy.ops.animate_drawing.ui_review_drawing(filepath=str(EXAMPLE))
    window = bpy.context.window_manager.windows[0]
    area = next(a for a in window.screen.areas if a.type == "VIEW_3D")
    region = next(r for r in area.regions if r.type == "WINDOW")
    figure = bpy.context.scene.animate_drawing_analysis.figures[0]
    with bpy.context.temp_override(window=window, area=area, region=region):
        assert bpy.ops.animate_drawing.ui_drag_markers.poll()
        to_region, to_image = review_overlay.region_mapping(bpy.context)
        points = np.array([xy for _, xy in markers(figure)])
        np.testing.assert_allclose(to_image(to_region(points)), points, atol=1e-3)
        eye = next(xy for name, xy in markers(figure) if name == "eye:0")
        press = to_region(np.array([eye]))[0] + (2.0, 1.0)
        assert review_overlay.marker_at(bpy.context, press) == (0, "eye:0")


@pytest.mark.blender
def test_mask_outline_follows_the_mask_border():
    pytest.importorskip("bpy")
    from animate_drawing.addon.ui import review_overlay

    mask = np.zeros((100, 120), bool)
    mask[20:80, 30:90] = True
    outline = review_overlay.mask_outline(mask)
    assert outline[:, 0].min() == 30 and outline[:, 0].max() == 89
    assert outline[:, 1].min() == 20 and outline[:, 1].max() == 79
    assert len(review_overlay.mask_outline(np.zeros((5, 5), bool))) == 0


@pytest.mark.blender
def test_analyze_for_review_stores_figures_and_is_one_undo_step(blender):
    bpy = blender
    bpy.ops.ed.undo_push(message="start")
    assert bpy.ops.animate_drawing.ui_review_drawing(filepath=str(EXAMPLE)) == {"FINISHED"}

    analysis = bpy.context.scene.animate_drawing_analysis
    assert Path(analysis.image_path) == EXAMPLE
    figures = analysis.figures
    assert len(figures) >= 1
    x0, y0, x1, y1 = figures[0]["box"]
    outline = np.asarray(figures[0]["outline"])
    assert len(outline) >= 8
    # the mask outline lies around the detected box (padding allowed)
    assert outline[:, 0].min() >= x0 - 0.2 * (x1 - x0) and outline[:, 0].max() <= x1 + 0.2 * (x1 - x0)
    assert len(figures[0]["joints"]) == 16
    assert bpy.context.window_manager.animate_drawing_show_review
    assert any(Path(bpy.path.abspath(i.filepath)) == EXAMPLE for i in bpy.data.images)
    assert not bpy.data.objects  # review builds nothing

    bpy.ops.ed.undo()
    assert bpy.context.scene.animate_drawing_analysis.figures_json == ""


@pytest.mark.blender
def test_manual_box_analyzes_inside_it(blender):
    bpy = blender
    box = (60.0, 100.0, 500.0, 640.0)
    assert bpy.ops.animate_drawing.ui_review_drawing(filepath=str(EXAMPLE), box=box) == {"FINISHED"}
    figures = bpy.context.scene.animate_drawing_analysis.figures
    assert len(figures) == 1
    assert figures[0]["box"] == pytest.approx(list(box), abs=1.0)


@pytest.mark.blender
def test_no_figure_keeps_the_image_for_a_manual_box(blender, tmp_path):
    import cv2

    blank = tmp_path / "blank.png"
    cv2.imwrite(str(blank), np.full((200, 160, 3), 255, np.uint8))
    bpy = blender
    assert bpy.ops.animate_drawing.ui_review_drawing(filepath=str(blank)) == {"FINISHED"}
    analysis = bpy.context.scene.animate_drawing_analysis
    assert Path(analysis.image_path) == blank
    assert analysis.figures == []
    assert not bpy.ops.animate_drawing.ui_accept_review.poll()


@pytest.mark.blender
def test_missing_file_is_reported_not_raised(blender, tmp_path):
    with pytest.raises(RuntimeError, match="file not found"):
        blender.ops.animate_drawing.ui_review_drawing(filepath=str(tmp_path / "nope.png"))


@pytest.mark.blender
def test_overlay_draw_handlers_are_registered_and_removed(blender):
    import animate_drawing
    from animate_drawing.addon.ui import review_overlay

    assert sorted(space.__name__ for space, _ in review_overlay._handlers) == [
        "SpaceImageEditor", "SpaceView3D", "SpaceView3D"]
    animate_drawing.unregister()
    try:
        assert review_overlay._handlers == []
        assert not hasattr(blender.types.WindowManager, "animate_drawing_show_review")
    finally:
        animate_drawing.register()


@pytest.mark.blender
def test_hide_review_keeps_the_analysis(blender):
    bpy = blender
    bpy.ops.animate_drawing.ui_review_drawing(filepath=str(EXAMPLE))
    assert bpy.ops.animate_drawing.ui_dismiss_review() == {"FINISHED"}
    assert not bpy.context.window_manager.animate_drawing_show_review
    assert bpy.context.scene.animate_drawing_analysis.figures


@pytest.mark.blender
def test_box_and_marker_drags_are_offered_in_an_image_editor_showing_the_drawing(blender):
    bpy = blender
    bpy.ops.animate_drawing.ui_review_drawing(filepath=str(EXAMPLE))
    window = bpy.context.window_manager.windows[0]
    area = window.screen.areas[0]
    area.type = "VIEW_3D"
    with bpy.context.temp_override(window=window, area=area):
        assert not bpy.ops.animate_drawing.ui_drag_box.poll()
    area.type = "IMAGE_EDITOR"
    with bpy.context.temp_override(window=window, area=area, space_data=area.spaces.active):
        assert not bpy.ops.animate_drawing.ui_drag_box.poll()  # no image shown yet
        assert not bpy.ops.animate_drawing.ui_drag_markers.poll()
        area.spaces.active.image = bpy.data.images[0]  # the analysed drawing, loaded by the review
        assert bpy.ops.animate_drawing.ui_drag_box.poll()
        assert bpy.ops.animate_drawing.ui_drag_markers.poll()          # the markers shown over it
        bpy.ops.animate_drawing.ui_dismiss_review()
        assert not bpy.ops.animate_drawing.ui_drag_markers.poll()      # nothing shown to drag


@pytest.mark.blender
def test_review_job_finishes_in_a_timer_context_without_a_window(blender):
    from animate_drawing.addon import jobs
    from animate_drawing.addon.build.drawing_analysis import settings_from_preferences
    from animate_drawing.operators.ui_review import review_job

    settings = settings_from_preferences(blender.context)
    with blender.context.temp_override(window=None):  # what a bpy.app.timers callback gets
        job = jobs.run(review_job(str(EXAMPLE), settings))
    assert job.state is jobs.JobState.DONE, job.error_message
    assert blender.context.scene.animate_drawing_analysis.figures
    assert blender.context.window_manager.animate_drawing_show_review


@pytest.mark.blender
def test_draw_callbacks_find_the_drawing_without_loading_it(blender):
    from animate_drawing.addon.ui import review_overlay

    bpy = blender
    bpy.ops.animate_drawing.ui_review_drawing(filepath=str(EXAMPLE))
    analysis = bpy.context.scene.animate_drawing_analysis
    image = review_overlay.find_review_image(analysis)
    assert image is not None and image.size[0] > 0
    bpy.data.images.remove(image)
    assert review_overlay.find_review_image(analysis) is None
    assert len(bpy.data.images) == 0  # looking did not load it again
