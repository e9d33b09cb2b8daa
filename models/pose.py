"""Pose of one figure crop: COCO-17 keypoints with a confidence each (+ optional mask).

Model kinds: keypoint heatmaps (ViTPose/HRNet/SimpleBaseline, optionally with an extra
mask-logits output), RTMPose SimCC, YOLO-pose. Without a model, a geometric guess from
the mask's extremities (confidence 0.1: every joint flagged for review).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .decoders import decode_heatmap, decode_mask_logits, decode_simcc, decode_yolo_pose
from .joints import COCO17, COCO17_FLIP
from .runtime import OnnxModel
from .segmenter import CropProbability, probability_in_crop

GEOMETRIC_CONFIDENCE = 0.1


@dataclass
class PoseResult:
    keypoints: np.ndarray            # (17, 2) crop pixels, COCO-17 order
    confidence: np.ndarray           # (17,) 0..1
    mask: CropProbability | None = None   # figure probability over the crop, when the pose net also segments


class PoseEstimator:
    def __init__(self, model: OnnxModel | None = None):
        self.model = model

    @property
    def name(self) -> str:
        return self.model.spec.name if self.model else "geometric"

    @property
    def can_flip_test(self) -> bool:
        # Mirroring the input mirrors the heatmap exactly only when cells map to their centres.
        spec = self.model.spec if self.model else None
        return spec is not None and spec.kind == "heatmap" and spec.output.get("align") == "center"

    @property
    def gives_mask(self) -> bool:
        return self.model is not None and self.model.spec.kind == "heatmap" and len(self.model.output_names) > 1

    def estimate(self, crop: np.ndarray, mask: np.ndarray | None = None, flip_test: bool = False) -> PoseResult:
        """Keypoints of the figure filling `crop`; `mask` is only used by the geometric fallback.

        `flip_test` (heatmap models with centre-aligned cells) also runs the mirrored crop and
        averages the un-mirrored outputs with left/right keypoints swapped: steadier joints for
        twice the inference time.
        """
        if self.model is None:
            if mask is None or not mask.any():
                raise ValueError("the geometric pose fallback needs a non-empty mask")
            return PoseResult(*geometric_pose(mask))
        spec = self.model.spec
        tensor, transform = self.model.preprocess(crop)
        outputs = self.model.ordered_outputs(self.model.infer(tensor))
        if flip_test and self.can_flip_test:
            outputs = self._average_with_mirror(tensor, outputs)
        out = spec.output
        mask_out = None
        if spec.kind == "heatmap":
            xy, conf = decode_heatmap(outputs[0], self.model.size_hw, out.get("align", "corner"),
                                      out.get("activation", "none"))
            if len(outputs) > 1:
                prob = decode_mask_logits(outputs[1], out.get("mask_activation", "sigmoid"))
                mask_out = probability_in_crop(prob, transform, self.model.size_hw, crop.shape[:2],
                                               float(out.get("mask_threshold", 0.5)))
        elif spec.kind == "simcc":
            xy, conf = decode_simcc(outputs[0], outputs[1], float(out.get("simcc_split_ratio", 2.0)))
        else:  # yolo_pose on the crop: the best-scoring figure
            dets = decode_yolo_pose(outputs[0], 17, float(out.get("score_threshold", 0.05)),
                                    float(out.get("iou_threshold", 0.45)))
            if len(dets) == 0:
                xy, conf = np.zeros((17, 2)), np.zeros(17)
            else:
                xy, conf = dets.keypoints[0, :, :2], dets.keypoints[0, :, 2]
        if len(xy) != 17:
            raise ValueError(f"{spec.onnx_path.name}: {len(xy)} keypoints, expected COCO-17")
        return PoseResult(transform.to_image(xy), np.asarray(conf, np.float64), mask_out)


    def _average_with_mirror(self, tensor: np.ndarray, outputs: list[np.ndarray]) -> list[np.ndarray]:
        w_axis = 3 if self.model.spec.layout == "NCHW" else 2
        mirrored = self.model.ordered_outputs(self.model.infer(np.ascontiguousarray(np.flip(tensor, w_axis))))
        heat = (outputs[0] + mirrored[0][:, list(COCO17_FLIP)][..., ::-1]) / 2.0
        rest = [(a + b[..., ::-1]) / 2.0 for a, b in zip(outputs[1:2], mirrored[1:2])]   # mask logits
        return [heat, *rest, *outputs[2:]]


def geometric_pose(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A last-resort COCO-17 guess from the silhouette, assuming an upright frontal figure.

    Head = top of the mask, hands = the extreme left/right points of the upper body, feet =
    the lowest points of each half, shoulders/hips at typical childlike heights.
    """
    ys, xs = np.nonzero(mask)
    top, bottom = ys.min(), ys.max()
    height = bottom - top + 1
    cx = float(np.median(xs))

    def row_span(frac: float) -> tuple[float, float]:
        row = int(top + frac * height)
        cols = np.nonzero(mask[min(row, mask.shape[0] - 1)])[0]
        return (float(cols.min()), float(cols.max())) if len(cols) else (cx, cx)

    head_band = ys < top + 0.15 * height
    nose = np.array([xs[head_band].mean(), top + 0.08 * height])
    upper = ys < top + 0.6 * height
    left_most = np.argmin(np.where(upper, xs, np.inf))
    right_most = np.argmax(np.where(upper, xs, -np.inf))
    viewer_left_hand = np.array([xs[left_most], ys[left_most]], float)
    viewer_right_hand = np.array([xs[right_most], ys[right_most]], float)
    shoulder_y = top + 0.3 * height
    hip_y = top + 0.58 * height
    l0, r0 = row_span(0.3)
    half_shoulder = max(2.0, min(cx - l0, r0 - cx) * 0.6)
    l1, r1 = row_span(0.58)
    half_hip = max(2.0, min(cx - l1, r1 - cx) * 0.5)
    low = ys > top + 0.8 * height
    left_half, right_half = low & (xs < cx), low & (xs >= cx)

    def lowest(sel: np.ndarray, fallback_x: float) -> np.ndarray:
        if not sel.any():
            return np.array([fallback_x, float(bottom)])
        i = np.argmax(np.where(sel, ys, -1))
        return np.array([xs[i], ys[i]], float)

    # The figure's right is the viewer's left.
    r_sho, l_sho = np.array([cx - half_shoulder, shoulder_y]), np.array([cx + half_shoulder, shoulder_y])
    r_hip, l_hip = np.array([cx - half_hip, hip_y]), np.array([cx + half_hip, hip_y])
    r_ank, l_ank = lowest(left_half, cx - half_hip), lowest(right_half, cx + half_hip)
    pts = {
        "nose": nose, "left_eye": nose, "right_eye": nose, "left_ear": nose, "right_ear": nose,
        "right_shoulder": r_sho, "left_shoulder": l_sho,
        "right_wrist": viewer_left_hand, "left_wrist": viewer_right_hand,
        "right_elbow": (r_sho + viewer_left_hand) / 2, "left_elbow": (l_sho + viewer_right_hand) / 2,
        "right_hip": r_hip, "left_hip": l_hip, "right_ankle": r_ank, "left_ankle": l_ank,
        "right_knee": (r_hip + r_ank) / 2, "left_knee": (l_hip + l_ank) / 2,
    }
    xy = np.array([pts[name] for name in COCO17], np.float64)
    return xy, np.full(17, GEOMETRIC_CONFIDENCE)
