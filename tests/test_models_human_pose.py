"""BlazePose plumbing (pure): anchors, regions of interest, crops, ranking, the shipped sidecars."""

from __future__ import annotations

import math

import numpy as np
import pytest

from animate_drawing.models import runtime
from animate_drawing.models.human_pose import (
    DETECTOR_JSON, LANDMARKS_JSON, PersonDetection, PersonDetector, PoseLandmarker, Roi, rank_people,
    roi_from_points, ssd_anchors)


def test_anchors_match_the_detector_output():
    anchors = ssd_anchors()
    assert anchors.shape == (2254, 2)
    assert np.allclose(anchors[0], (0.5 / 28, 0.5 / 28)) and np.allclose(anchors[1], anchors[0])
    assert np.allclose(anchors[-1], (6.5 / 7, 6.5 / 7))
    detector = PersonDetector()
    outputs = detector.model.infer(np.zeros((1, 224, 224, 3), np.float32))
    assert outputs["boxes"].shape == (1, 2254, 12) and outputs["scores"].shape == (1, 2254, 1)


def test_roi_from_alignment_points():
    upright = roi_from_points(np.array([100.0, 200.0]), np.array([100.0, 120.0]))
    assert upright.angle == pytest.approx(0.0)
    assert upright.size == pytest.approx(2 * 80 * 1.25)
    lying = roi_from_points(np.array([100.0, 200.0]), np.array([180.0, 200.0]))   # head to the right
    assert abs(lying.angle) == pytest.approx(math.pi / 2)
    # The region's "up" (unit point (0.5, 0)) lands on the head side in both cases.
    assert np.allclose(upright.to_image(np.array([[0.5, 0.0]]))[0], (100, 200 - upright.size / 2))
    assert np.allclose(lying.to_image(np.array([[0.5, 0.0]]))[0], (100 + lying.size / 2, 200))


def test_crop_puts_the_region_upright_in_the_net_input():
    image = np.zeros((300, 400, 3), np.uint8)
    image[198:203, 178:183] = (255, 0, 0)     # a red dot at the head of a person lying head right
    image[198:203, 98:103] = (0, 255, 0)      # a green dot at the hips
    roi = roi_from_points(np.array([100.5, 200.5]), np.array([180.5, 200.5]))
    crop = PoseLandmarker().crop(image, roi)
    assert crop.shape == (256, 256, 3)
    red = np.argwhere(crop[:, :, 0] > 128).mean(axis=0)     # (row, col)
    green = np.argwhere(crop[:, :, 1] > 128).mean(axis=0)
    assert np.allclose(green, (127.5, 127.5), atol=1.5)
    # The head, 80 px from the hips in a 200 px region, is straight above them in the crop.
    assert np.allclose(red, (127.5 - 80 / roi.size * 256, 127.5), atol=1.5)


def test_the_largest_most_central_person_comes_first():
    def person(x0, y0, x1, y1):
        return PersonDetection(np.array([x0, y0, x1, y1], float), 0.9, np.zeros((4, 2)))
    small_centre = person(300, 200, 340, 280)
    big_edge = person(0, 0, 200, 400)
    big_centre = person(220, 40, 420, 440)
    ranked = rank_people([small_centre, big_edge, big_centre], 640, 480)
    assert ranked[0] is big_centre and ranked[-1] is small_centre


def test_human_sidecars_load_apart_from_the_drawing_models():
    detector = runtime.load_model_spec(DETECTOR_JSON, "person_detection")
    landmarks = runtime.load_model_spec(LANDMARKS_JSON, "human_pose")
    assert (detector.layout, detector.size, detector.resize) == ("NHWC", (224, 224), "letterbox")
    assert landmarks.kind == "blazepose_landmarks" and landmarks.onnx_path.stat().st_size < 4e6
    # The drawing pipeline lists models/*.json only: the photo models never serve drawings.
    for task in ("pose", "detection"):
        assert all("human" not in str(s.json_path) for s in runtime.shipped_specs(task))


def test_landmarks_of_an_empty_picture_say_nobody_is_there():
    frame, _ = PoseLandmarker().run(np.full((256, 256, 3), 128, np.uint8), Roi(128, 128, 256, 0.0))
    assert frame.presence < 0.5


def test_torso_colours_read_the_shirt_between_shoulders_and_hips():
    from animate_drawing.models.human_pose import torso_colours

    image = np.full((200, 200, 3), 200, np.uint8)
    image[60:140, 80:120] = (20, 40, 200)             # a blue shirt
    colours = torso_colours(image, np.array([100.0, 140.0]), np.array([100.0, 60.0]))
    assert colours.shape == (3, 3)
    assert np.allclose(colours, np.array([20, 40, 200]) / 255.0, atol=0.02)
    assert torso_colours(image, np.array([100.0, 140.0]), np.array([100.0, 138.0])) is None   # too small
