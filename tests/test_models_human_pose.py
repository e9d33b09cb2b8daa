"""BlazePose plumbing (pure): anchors, regions of interest, crops, ranking, the shipped sidecars."""

from __future__ import annotations

import math

import numpy as np
import pytest

from animate_drawing.models import runtime
from animate_drawing.models.human_pose import (
    DETECTOR_JSON, LANDMARKS_JSON, PersonDetection, PersonDetector, PoseLandmarker, Roi, crop_roi, rank_people,
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
    crop = crop_roi(image, roi, 256)
    assert crop.shape == (256, 256, 3)
    red = np.argwhere(crop[:, :, 0] > 128).mean(axis=0)     # (row, col)
    green = np.argwhere(crop[:, :, 1] > 128).mean(axis=0)
    assert np.allclose(green, (127.5, 127.5), atol=1.5)
    # The head, 80 px from the hips in a 200 px region, is straight above them in the crop.
    assert np.allclose(red, (127.5 - 80 / roi.size * 256, 127.5), atol=1.5)


def test_the_largest_most_central_clearly_seen_person_comes_first():
    def person(hips_x, hips_y, body, score=0.9):
        # keypoints: hips centre, then the point above it that sizes the region
        keypoints = np.array([[hips_x, hips_y], [hips_x, hips_y - body], [0, 0], [0, 0]], float)
        return PersonDetection(np.zeros(4), score, keypoints)
    small_centre = person(320, 240, 40)
    big_edge = person(60, 240, 150)
    big_centre = person(320, 240, 150)
    half_seen = person(330, 240, 160, score=0.5)
    ranked = rank_people([small_centre, big_edge, half_seen, big_centre], 640, 480)
    assert ranked[0] is big_centre and ranked[-1] is small_centre
    order = [id(p) for p in ranked]
    assert order.index(id(half_seen)) > order.index(id(big_centre))


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


def test_torso_signature_reads_the_shirt_whatever_the_light():
    from animate_drawing.models.performer_identity import signature_distance, torso_signature

    image = np.full((200, 200, 3), 200, np.uint8)
    image[60:140, 80:120] = (20, 40, 200)             # a blue shirt
    image[95:105, 60:140] = (230, 200, 170)           # an arm across it: the median ignores it
    hips, shoulders = np.array([100.0, 140.0]), np.array([100.0, 60.0])
    signature = torso_signature(image, hips, shoulders)
    assert signature.shape == (3, 4)
    assert np.allclose(signature[:, :3], np.array([20, 40, 200]) / 260.0, atol=0.02)
    assert np.allclose(signature[:, 3], 260 / 765.0, atol=0.02)
    # The same shirt in the shade: the colour part is unchanged, only the lightness drops.
    shaded = torso_signature((image * 0.6).astype(np.uint8), hips, shoulders)
    assert np.allclose(shaded[:, :3], signature[:, :3], atol=0.02)
    white = image.copy()
    white[60:140, 80:120] = 235
    assert signature_distance(signature, torso_signature(white, hips, shoulders)) > 0.13
    assert torso_signature(image, hips, np.array([100.0, 138.0])) is None   # too small


def test_a_torso_closer_to_someone_else_is_not_the_performer():
    from animate_drawing.models.performer_identity import Appearance

    def shirt(r, g, b, lightness):
        return np.array([[r, g, b, lightness]] * 3)
    blue, teal, white = shirt(0.1, 0.3, 0.6, 0.4), shirt(0.15, 0.35, 0.5, 0.5), shirt(0.33, 0.33, 0.34, 0.8)
    appearance = Appearance()
    assert not appearance.is_someone_else(white)          # nothing known yet
    for _ in range(5):
        appearance.learn(blue)
    assert appearance.is_someone_else(white)              # clearly other clothes
    teal_in_shade = shirt(0.14, 0.34, 0.52, 0.5)
    assert not appearance.is_someone_else(teal_in_shade)  # near enough, while nobody else is known
    appearance.learn_other(teal)
    assert appearance.is_someone_else(teal_in_shade)      # nearer the other one's
    appearance.learn_other(blue * 1.0001)                 # dressed like the performer: not kept
    assert len(appearance.others) == 1


def test_the_motion_prior_carries_on_and_widens_while_unseen():
    from animate_drawing.models.performer_identity import MotionPrior

    motion = MotionPrior()
    assert motion.predicted() is None
    for x in range(100, 140, 4):                           # walking right, 4 px a frame
        motion.seen(np.array([x, 50.0]), 100.0)
    assert motion.predicted()[0] == pytest.approx(140, abs=1.5)
    assert motion.jumped(np.array([200.0, 50.0])) and not motion.jumped(np.array([141.0, 52.0]))
    near = motion.reach()
    for _ in range(10):
        motion.unseen()
    assert motion.reach() > 2 * near and motion.predicted()[0] == pytest.approx(180, abs=5)
    assert not motion.jumped(np.array([400.0, 50.0]))      # after a gap the search decides
