"""The performer's face in video frames: MediaPipe's face mesh net (468 landmarks) on ONNX.

No face detector runs: the face region comes from BlazePose's own face landmarks (eyes, mouth)
already tracked in the frame, turned so the eyes are level, then once more from the first
pass's face mesh (its eye corners and extent), as MediaPipe's face graph re-crops from its own
landmarks. A face too small in the frame to see eyelids (eyes under `MIN_EYE_SPAN_PX` apart)
is not looked at. What the landmarks mean for the face rig is `motions.face_track`'s job.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .decoders import sigmoid
from .human_pose import HUMAN_MODELS_DIR, LM, PoseFrame, Roi, crop_roi
from .runtime import ModelSpec, OnnxModel, load_model_spec

FACE_JSON = HUMAN_MODELS_DIR / "face_landmarks.json"
FACE_POINTS = 468
EYE_CORNERS = (33, 263)     # face mesh: the outer corners of the performer's right and left eye
MIN_EYE_SPAN_PX = 12.0     # the eyes' centres this far apart at least (eyelids then span ~2 px)
FACE_SCALE_FROM_EYES = 3.2  # the region's side over the distance between BlazePose's eyes
FACE_SCALE_FROM_MESH = 1.5  # the region's side over the face mesh's extent (MediaPipe's margin)
FACE_THRESHOLD = 0.5        # the net's face flag below this: no face in the region


@dataclass
class FaceFrame:
    """One frame's face mesh; `found` False means no face was seen (the array is NaN)."""
    found: bool
    points: np.ndarray    # (468, 3) image pixels x, y and relative depth z (pixels, toward the camera negative)
    score: float


def no_face() -> FaceFrame:
    return FaceFrame(False, np.full((FACE_POINTS, 3), np.nan), 0.0)


def roi_from_pose(pose: PoseFrame) -> Roi | None:
    """The face region from BlazePose's eyes and mouth corners; None when too small or unseen."""
    if not pose.found:
        return None
    xy = pose.image_xy
    eyes = xy[[LM["right_eye"], LM["left_eye"]]]
    mouth = xy[[LM["mouth_right"], LM["mouth_left"]]].mean(axis=0)
    span = float(np.hypot(*(eyes[1] - eyes[0])))
    if not np.isfinite(span) or span < MIN_EYE_SPAN_PX:
        return None
    # The performer's right eye is on the image's left: the eye line points to the image's right.
    angle = math.atan2(eyes[1, 1] - eyes[0, 1], eyes[1, 0] - eyes[0, 0])
    centre = 0.5 * (eyes.mean(axis=0) + mouth)
    return Roi(float(centre[0]), float(centre[1]), FACE_SCALE_FROM_EYES * span, angle)


def roi_from_mesh(points: np.ndarray) -> Roi:
    """The region MediaPipe would crop next: level eyes, around the mesh's extent."""
    right, left = points[EYE_CORNERS[0], :2], points[EYE_CORNERS[1], :2]
    angle = math.atan2(left[1] - right[1], left[0] - right[0])
    c, s = math.cos(-angle), math.sin(-angle)
    xy = points[:, :2]
    upright = np.stack([c * xy[:, 0] - s * xy[:, 1], s * xy[:, 0] + c * xy[:, 1]], axis=1)
    low, high = upright.min(axis=0), upright.max(axis=0)
    mid = (low + high) / 2
    centre = (math.cos(angle) * mid[0] - math.sin(angle) * mid[1], math.sin(angle) * mid[0] + math.cos(angle) * mid[1])
    return Roi(float(centre[0]), float(centre[1]), float(np.max(high - low)) * FACE_SCALE_FROM_MESH, angle)


class FaceLandmarker:
    """The face mesh net on one region."""

    def __init__(self, spec: ModelSpec | None = None, providers=None, threads: int | None = 1):
        self.model = OnnxModel(spec or load_model_spec(FACE_JSON, "face_landmarks"), providers, threads)
        self.size = self.model.size_hw[1]
        spec = self.model.spec
        self.mean = np.array(spec.mean, np.float32) * spec.scale
        self.std = np.array(spec.std, np.float32) * spec.scale

    def run(self, rgb: np.ndarray, roi: Roi) -> FaceFrame:
        crop = crop_roi(rgb, roi, self.size)
        tensor = ((crop.astype(np.float32) - self.mean) / self.std)[None]
        landmarks, flag = self.model.ordered_outputs(self.model.infer(tensor))[:2]
        values = landmarks.reshape(-1, 3).astype(np.float64)
        score = float(sigmoid(np.clip(np.ravel(flag)[:1], -100, 100))[0])
        if score < FACE_THRESHOLD:
            return no_face()
        xy = roi.to_image(values[:, :2] / self.size)
        z = values[:, 2:] * roi.size / self.size
        return FaceFrame(True, np.concatenate([xy, z], axis=1), score)

    def track(self, rgb: np.ndarray, pose: PoseFrame) -> FaceFrame:
        """The face of the performer BlazePose tracked in this frame: a first look where its
        face landmarks say, a second one framed on what the first found."""
        roi = roi_from_pose(pose)
        if roi is None:
            return no_face()
        first = self.run(rgb, roi)
        if not first.found:
            return first
        second = self.run(rgb, roi_from_mesh(first.points))
        return second if second.found else first
