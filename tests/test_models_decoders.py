"""Every output kind decoded from a real onnxruntime session of a tiny graph with known outputs."""

from __future__ import annotations

import numpy as np
import pytest

from animate_drawing.models import decoders
from animate_drawing.models.detector import FigureDetector
from animate_drawing.models.pose import PoseEstimator
from animate_drawing.models.runtime import OnnxModel, load_model_spec
from animate_drawing.models.segmenter import FigureSegmenter
from data_models.tiny_onnx import constant_model, gaussian_heatmaps, write_sidecar

INPUT_HW = (64, 48)


def _model(tmp_path, name, task, kind, outputs, size=INPUT_HW, input_extra=None, **out) -> OnnxModel:
    onnx_path = constant_model(tmp_path / f"{name}.onnx", outputs, (1, 3, *size))
    write_sidecar(onnx_path, task, kind, size, input_extra, names=list(outputs), **out)
    return OnnxModel(load_model_spec(onnx_path), ["CPUExecutionProvider"], 1)


def test_heatmap_subpixel_peaks_map_to_crop_pixels(tmp_path):
    # 17 peaks at known sub-cell positions on a 16x12 map (stride 4 for a 64x48 input).
    rng = np.random.default_rng(0)
    cells = np.column_stack([rng.uniform(1.5, 10.5, 17), rng.uniform(1.5, 14.5, 17)])
    hm = gaussian_heatmaps(cells, (16, 12), peak=0.8)
    model = _model(tmp_path, "pose", "pose", "heatmap", {"heatmaps": hm})
    crop = np.full((128, 96, 3), 255, np.uint8)          # twice the input size
    result = PoseEstimator(model).estimate(crop)
    expected = cells * 4 / 0.5                             # cell → input px (×4) → crop px (×2)
    np.testing.assert_allclose(result.keypoints, expected, atol=0.15 * 8)
    # Confidence = the peak cell's value: at most 0.8, a little less off the cell centre.
    assert np.all((result.confidence > 0.7) & (result.confidence <= 0.8 + 1e-6))
    assert result.mask is None


def test_heatmap_refinement_beats_plain_argmax():
    cells = np.array([[4.3, 6.7], [7.8, 2.2]])
    xy, _ = decoders.decode_heatmap(gaussian_heatmaps(cells, (12, 12)), (12, 12))
    assert np.abs(xy - cells).max() < 0.1                 # argmax alone errs by up to 0.5
    xy_c, _ = decoders.decode_heatmap(gaussian_heatmaps(cells, (12, 12)), (24, 24), align="center")
    np.testing.assert_allclose(xy_c, (cells + 0.5) * 2, atol=0.2)


def test_pose_heatmap_with_mask_output_gives_crop_mask(tmp_path):
    hm = gaussian_heatmaps(np.full((17, 2), 6.0), (16, 12))
    logits = np.full((1, 1, 64, 48), -8.0, np.float32)
    logits[0, 0, 16:48, 12:36] = 8.0                      # central box of the input
    model = _model(tmp_path, "posemask", "pose", "heatmap", {"heatmaps": hm, "mask_logits": logits})
    result = PoseEstimator(model).estimate(np.zeros((128, 96, 3), np.uint8))
    ys, xs = np.nonzero(result.mask.above())
    assert (ys.min(), ys.max(), xs.min(), xs.max()) == (32, 95, 24, 71)


def test_simcc_argmax_over_split_ratio(tmp_path):
    k = 17
    sx = np.zeros((1, k, 96), np.float32)
    sy = np.zeros((1, k, 128), np.float32)
    xs, ys = np.arange(k) * 5 + 3, np.arange(k) * 7 + 2
    sx[0, np.arange(k), xs] = 0.9
    sy[0, np.arange(k), ys] = np.linspace(0.2, 0.8, k)
    model = _model(tmp_path, "rtm", "pose", "simcc", {"simcc_x": sx, "simcc_y": sy}, simcc_split_ratio=2.0)
    result = PoseEstimator(model).estimate(np.zeros((64, 48, 3), np.uint8))
    np.testing.assert_allclose(result.keypoints, np.column_stack([xs / 2, ys / 2]))
    np.testing.assert_allclose(result.confidence, np.linspace(0.2, 0.8, k), atol=1e-6)


def _yolo_pose_rows():
    # Two overlapping figures (the weaker one is suppressed) + one far away + one below threshold.
    rows = np.zeros((4, 56), np.float32)
    rows[:, :5] = [[20, 30, 20, 40, 0.9], [21, 31, 20, 40, 0.6], [40, 10, 8, 8, 0.5], [5, 5, 4, 4, 0.1]]
    rows[0, 5:] = np.column_stack([np.arange(17), np.arange(17) + 10, np.full(17, 0.7)]).reshape(-1)
    return rows


def test_yolo_pose_decoder_nms_and_keypoints(tmp_path):
    out = _yolo_pose_rows().T[None]                       # (1, 56, N)
    model = _model(tmp_path, "yp", "detection", "yolo_pose", {"output0": out}, score_threshold=0.25)
    dets = FigureDetector(model).detect(np.zeros((64, 48, 3), np.uint8))
    np.testing.assert_allclose(dets.scores, [0.9, 0.5], atol=1e-6)
    np.testing.assert_allclose(dets.boxes[0], [10, 10, 30, 50])
    np.testing.assert_allclose(dets.keypoints[0, :, 0], np.arange(17))
    np.testing.assert_allclose(dets.keypoints[0, :, 2], 0.7, atol=1e-6)
    # The (1, N, 56) layout decodes the same.
    same = decoders.decode_yolo_pose(_yolo_pose_rows()[None], score_threshold=0.25)
    np.testing.assert_allclose(same.boxes, dets.boxes)


def test_yolo_det_decoder_class_filter(tmp_path):
    rows = np.array([[20, 20, 10, 10, 0.8, 0.1], [40, 40, 10, 10, 0.2, 0.95]], np.float32)
    out = rows.T[None]                                    # (1, 4 + 2 classes, N)
    model = _model(tmp_path, "yd", "detection", "yolo_det", {"out": out}, classes=[0], num_classes=2)
    dets = FigureDetector(model).detect(np.zeros((64, 48, 3), np.uint8))
    assert len(dets) == 1 and dets.labels[0] == 0
    np.testing.assert_allclose(dets.boxes[0], [15, 15, 25, 25])
    everything = decoders.decode_yolo_det(out, 0.5, 0.45, num_classes=2)
    np.testing.assert_allclose(everything.scores, [0.95, 0.8], atol=1e-6)


def test_dets_labels_decoder_maps_back_to_image_pixels(tmp_path):
    dets = np.array([[[4, 8, 20, 40, 0.9], [0, 0, 5, 5, 0.05]]], np.float32)
    labels = np.array([[0, 0]], np.float32)
    model = _model(tmp_path, "rtmdet", "detection", "dets_labels", {"dets": dets, "labels": labels})
    found = FigureDetector(model).detect(np.zeros((128, 96, 3), np.uint8))   # image = 2 × input
    assert len(found) == 1
    np.testing.assert_allclose(found.boxes[0], [8, 16, 40, 80])


def test_box_heatmap_decoder_centre_and_distances(tmp_path):
    centre = np.full((1, 1, 8, 6), -6.0, np.float32)
    centre[0, 0, 3, 2] = 4.0                              # cell (x=2, y=3): centre px (20, 28) at stride 8
    ltrb = np.zeros((1, 4, 8, 6), np.float32)
    ltrb[0, :, 3, 2] = [1.0, 2.0, 1.5, 2.5]               # in strides
    # Output order deliberately swapped: the decoder tells them apart by channel count.
    model = _model(tmp_path, "page", "detection", "box_heatmap", {"box_ltrb": ltrb, "centre_logits": centre},
                   stride=8)
    dets = FigureDetector(model).detect(np.zeros((64, 48, 3), np.uint8))
    assert len(dets) == 1
    np.testing.assert_allclose(dets.boxes[0], [12, 12, 32, 48])
    np.testing.assert_allclose(dets.scores[0], 1 / (1 + np.exp(-4.0)), atol=1e-6)


@pytest.mark.parametrize("channels", [1, 2])
def test_mask_logits_letterboxed_back_to_crop(tmp_path, channels):
    # Letterbox a 32x64 (h x w) crop into a 64x64 input: content rows 16..48.
    logits = np.full((1, 1, 64, 64), -9.0, np.float32)
    logits[0, 0, 16:48, 32:64] = 9.0                      # right half of the content
    if channels == 2:
        logits = np.concatenate([-logits, logits], axis=1)
    model = _model(tmp_path, f"seg{channels}", "segmentation", "mask_logits", {"mask": logits}, size=(64, 64),
                   input_extra={"resize": "letterbox", "pad_value": 255})
    mask = FigureSegmenter(model).segment(np.zeros((32, 64, 3), np.uint8))
    assert mask.shape == (32, 64)
    assert mask[:, 32:].all() and not mask[:, :32].any()


def test_mask_probability_activation_none():
    prob = decoders.decode_mask_logits(np.array([[[[0.2, 0.7]]]]), activation="none")
    np.testing.assert_allclose(prob, [[0.2, 0.7]])


def test_decoders_invert_the_trainers_targets():
    # The shipped nets learn the training targets; decoding those targets with the shipped
    # sidecars' settings must give back the keypoints and boxes they were made from.
    pytest.importorskip("torch")
    from animate_drawing.vision_dev.training.export import DETECTOR, POSE, sidecars
    from animate_drawing.vision_dev.training.targets import box_targets, keypoint_heatmaps

    kps = np.array([[[13.3, 150.2], [80.0, 80.0], [101.7, 33.1]] + [[50.0, 60.0]] * 14], np.float32)
    out = sidecars()[POSE]["output"]
    xy, conf = decoders.decode_heatmap(keypoint_heatmaps(kps, 160).numpy(), (160, 160), out["align"],
                                       out["activation"])
    np.testing.assert_allclose(xy, kps[0], atol=0.1)
    assert conf.min() > 0.9
    target = box_targets([np.array([[40.0, 30.0, 200.0, 250.0]], np.float32)], 256)
    p = np.clip(target["centre"].numpy(), 1e-6, 1 - 1e-6)
    o = sidecars()[DETECTOR]["output"]
    dets = decoders.decode_box_heatmap(np.log(p / (1 - p)), target["ltrb"].numpy(), (256, 256), 0.5, 0.45,
                                       o["stride"], o["centre_offset"], o["ltrb_unit"], o["activation"])
    np.testing.assert_allclose(dets.boxes, [[40, 30, 200, 250]], atol=1e-3)


def test_flip_test_averages_the_mirrored_heatmaps_with_left_right_swapped(tmp_path):
    from animate_drawing.models.joints import COCO17

    # A constant net answers the same for the mirrored crop. Keypoints placed mirror-
    # symmetrically (left at x, right at 15 - x on a 16-wide map) survive the averaging;
    # the nose off the centre line splits into two half-height peaks.
    cells = np.zeros((17, 2))
    parts = sorted({n.removeprefix("left_").removeprefix("right_") for n in COCO17})
    for i, name in enumerate(COCO17):
        cells[i, 1] = 1 + 1.5 * parts.index(name.removeprefix("left_").removeprefix("right_"))
        cells[i, 0] = 3.0 if name.startswith("left") else 12.0 if name.startswith("right") else 5.0
    hm = gaussian_heatmaps(cells, (16, 16), sigma=1.0)
    model = _model(tmp_path, "sym", "pose", "heatmap", {"heatmaps": hm}, size=(32, 32), align="center")
    crop = np.zeros((32, 32, 3), np.uint8)
    plain = PoseEstimator(model).estimate(crop)
    flipped = PoseEstimator(model).estimate(crop, flip_test=True)
    sides = [i for i, n in enumerate(COCO17) if n != "nose" and "eye" not in n and "ear" not in n]
    np.testing.assert_allclose(flipped.keypoints[sides], plain.keypoints[sides], atol=1e-6)
    assert flipped.confidence[0] == pytest.approx(plain.confidence[0] / 2, abs=0.02)
