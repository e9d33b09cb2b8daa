"""Human pose in video frames: MediaPipe BlazePose (person detector + 33-landmark net) on ONNX.

Per frame the tracker follows one performer with a rotated square region of interest (ROI):
the detector runs only when there is no ROI yet or the landmark net says the person left it;
otherwise the ROI of the next frame comes from this frame's two alignment landmarks (hip
centre and a point above the head), as MediaPipe's own graph does. With several people the
detector picks the performer: by default the largest and most central, `person=N` the N-th
in that order; after a loss the detection nearest to the last position wins.

Pixel coordinates are those of the frame given (x right, y down). World landmarks are the
net's metric 3D estimate (metres, origin between the hips, x right / y down / z away from
the camera as seen in the image), rotated back from the ROI's tilt.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import InputError
from ..imaging.resample import sample_bilinear, warp_affine
from .decoders import nms, sigmoid
from .runtime import ModelSpec, OnnxModel, load_model_spec

HUMAN_MODELS_DIR = Path(__file__).resolve().parent / "human"
DETECTOR_JSON = HUMAN_MODELS_DIR / "person_detector.json"
LANDMARKS_JSON = HUMAN_MODELS_DIR / "pose_landmarks.json"

LANDMARK_NAMES = (
    "nose", "left_eye_inner", "left_eye", "left_eye_outer", "right_eye_inner", "right_eye",
    "right_eye_outer", "left_ear", "right_ear", "mouth_left", "mouth_right",
    "left_shoulder", "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist",
    "left_pinky", "right_pinky", "left_index", "right_index", "left_thumb", "right_thumb",
    "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle",
    "left_heel", "right_heel", "left_foot_index", "right_foot_index",
)
LM = {name: i for i, name in enumerate(LANDMARK_NAMES)}
# The ROI of the next frame: centre at landmark 33 (hips), size from the distance to 34.
ALIGN_CENTRE, ALIGN_TOP = 33, 34
ROI_SCALE = 1.25             # MediaPipe's margin around the body circle
PRESENCE_THRESHOLD = 0.5     # below it the person left the ROI: detect again
REDETECT_EVERY = 3           # while nobody is found, the detector runs on every 3rd frame only
# Mean absolute difference (0..1 RGB) of the torso colours above which the region has moved
# onto somebody else (people crossing). Measured on the basketball clip: the same player
# 0.05 median, 0.09 at the 90th percentile, but up to 0.2 while raising the arms to shoot
# (arms and ball over the shirt); the other player's shirt 0.3-0.4. So only a clear change
# counts: a region sliding over a similar-looking person or wall still passes (a known limit).
SWITCH_DISTANCE = 0.3
REFERENCE_FRAMES = 5         # frames whose torso colours make the performer's reference


@dataclass
class Roi:
    """A square region: centre (pixels), side (pixels), rotation (radians, counter-clockwise
    tilt of the body as seen in the image; 0 = upright)."""
    cx: float
    cy: float
    size: float
    angle: float

    def to_image(self, uv: np.ndarray) -> np.ndarray:
        """(N, 2) points in the unit ROI square ([0, 1]², y down) → image pixels."""
        c, s = math.cos(self.angle), math.sin(self.angle)
        local = (np.asarray(uv, np.float64) - 0.5) * self.size
        return np.stack([c * local[:, 0] - s * local[:, 1] + self.cx,
                         s * local[:, 0] + c * local[:, 1] + self.cy], axis=1)


@dataclass
class PersonDetection:
    box: np.ndarray         # (4,) x0, y0, x1, y1 pixels
    score: float
    keypoints: np.ndarray   # (4, 2) pixels: hip centre, above-head point, shoulder centre, body top

    def roi(self) -> Roi:
        return roi_from_points(self.keypoints[0], self.keypoints[1])


@dataclass
class PoseFrame:
    """One frame's estimate; `found` False means nobody was tracked (the arrays are NaN)."""
    found: bool
    image_xy: np.ndarray     # (33, 2) pixels
    visibility: np.ndarray   # (33,) 0..1
    world: np.ndarray        # (33, 3) metres
    presence: float
    roi: Roi | None


def roi_from_points(centre: np.ndarray, top: np.ndarray) -> Roi:
    """MediaPipe's alignment: rotate so `top` is straight above `centre`; side = 2·distance·1.25."""
    dx, dy = float(top[0] - centre[0]), float(top[1] - centre[1])
    angle = _wrap(math.pi / 2 - math.atan2(-dy, dx))
    return Roi(float(centre[0]), float(centre[1]), 2.0 * math.hypot(dx, dy) * ROI_SCALE, angle)


def _wrap(angle: float) -> float:
    return (angle + math.pi) % (2 * math.pi) - math.pi


def ssd_anchors(size: int = 224, strides=(8, 16, 32, 32, 32)) -> np.ndarray:
    """(2254, 2) anchor centres in [0, 1] of the BlazePose detector (fixed-size SSD anchors,
    two per cell; consecutive layers of equal stride share one grid)."""
    centres, layer = [], 0
    while layer < len(strides):
        stride, per_cell = strides[layer], 0
        while layer < len(strides) and strides[layer] == stride:
            per_cell += 2       # aspect ratio 1.0 plus the interpolated scale
            layer += 1
        cells = math.ceil(size / stride)
        ys, xs = np.meshgrid((np.arange(cells) + 0.5) / cells, (np.arange(cells) + 0.5) / cells, indexing="ij")
        grid = np.stack([xs.ravel(), ys.ravel()], axis=1)
        centres.append(np.repeat(grid, per_cell, axis=0))
    return np.concatenate(centres)


class PersonDetector:
    """BlazePose's person detector: boxes plus four alignment keypoints per person."""

    def __init__(self, spec: ModelSpec | None = None, providers=None, threads: int | None = 1):
        self.model = OnnxModel(spec or load_model_spec(DETECTOR_JSON, "person_detection"), providers, threads)
        self.anchors = ssd_anchors(self.model.size_hw[1])
        out = self.model.spec.output
        self.score_threshold = float(out.get("score_threshold", 0.5))
        self.iou_threshold = float(out.get("iou_threshold", 0.3))

    def detect(self, rgb: np.ndarray) -> list[PersonDetection]:
        tensor, transform = self.model.preprocess(rgb)
        raw, scores = self.model.ordered_outputs(self.model.infer(tensor))[:2]
        raw, scores = raw.reshape(-1, 12), sigmoid(np.clip(scores.reshape(-1), -100, 100))
        net = float(self.model.size_hw[1])
        centre = raw[:, 0:2] / net + self.anchors
        half = raw[:, 2:4] / net / 2
        boxes = np.concatenate([centre - half, centre + half], axis=1) * net
        keypoints = (raw[:, 4:12].reshape(-1, 4, 2) / net + self.anchors[:, None, :]) * net
        keep = nms(boxes, scores, self.score_threshold, self.iou_threshold)
        found = []
        for i in keep:
            found.append(PersonDetection(transform.boxes_to_image(boxes[i])[0], float(scores[i]),
                                         transform.to_image(keypoints[i])))
        return found


class PoseLandmarker:
    """BlazePose's landmark net on one ROI: 33 landmarks (+2 alignment points), world landmarks."""

    def __init__(self, spec: ModelSpec | None = None, providers=None, threads: int | None = 1):
        self.model = OnnxModel(spec or load_model_spec(LANDMARKS_JSON, "human_pose"), providers, threads)
        self.size = self.model.size_hw[1]
        spec = self.model.spec
        self.mean = np.array(spec.mean, np.float32) * spec.scale
        self.std = np.array(spec.std, np.float32) * spec.scale

    def crop(self, rgb: np.ndarray, roi: Roi) -> np.ndarray:
        """The ROI resampled to the net's square input (uint8)."""
        n = self.size
        c, s = math.cos(roi.angle), math.sin(roi.angle)
        k = roi.size / n
        # output pixel (x, y) → image: centre + R · ((x + 0.5) · k − size / 2, …)
        ox, oy = 0.5 * k - roi.size / 2, 0.5 * k - roi.size / 2
        matrix = np.array([[c * k, -s * k, c * ox - s * oy + roi.cx - 0.5],
                           [s * k, c * k, s * ox + c * oy + roi.cy - 0.5]])
        # Pixel centres are at integers here and in warp_affine; the −0.5 keeps ROI edges exact.
        return warp_affine(rgb, matrix, (n, n))

    def run(self, rgb: np.ndarray, roi: Roi) -> tuple[PoseFrame, np.ndarray]:
        """The frame estimate in `roi` and the (2, 2) alignment points for the next ROI."""
        crop = self.crop(rgb, roi)
        tensor = ((crop.astype(np.float32) - self.mean) / self.std)[None]
        landmarks, presence, world = self.model.ordered_outputs(self.model.infer(tensor))[:3]
        values = landmarks.reshape(-1, 5)
        image_xy = roi.to_image(values[:, :2] / self.size)
        c, s = math.cos(roi.angle), math.sin(roi.angle)
        w = world.reshape(-1, 3)[:33].astype(np.float64)
        world_rot = np.stack([c * w[:, 0] - s * w[:, 1], s * w[:, 0] + c * w[:, 1], w[:, 2]], axis=1)
        score = float(np.ravel(presence)[0])
        frame = PoseFrame(True, image_xy[:33], sigmoid(values[:33, 3].astype(np.float64)), world_rot,
                          score, roi)
        return frame, image_xy[[ALIGN_CENTRE, ALIGN_TOP]]


def empty_frame() -> PoseFrame:
    nan = np.full((33, 2), np.nan)
    return PoseFrame(False, nan, np.zeros(33), np.full((33, 3), np.nan), 0.0, None)


class PoseTracker:
    """Follows one performer through consecutive frames (call `track` in frame order)."""

    def __init__(self, person: int = 1, providers=None, threads: int | None = 1):
        if person < 1:
            raise InputError(None, f"person number must be 1 or more, got {person}")
        self.person = person
        self.detector = PersonDetector(providers=providers, threads=threads)
        self.landmarker = PoseLandmarker(providers=providers, threads=threads)
        self.roi: Roi | None = None
        self.last_centre: np.ndarray | None = None
        self.detections_run = 0
        self.frames_lost = 0
        self.colours: np.ndarray | None = None   # the performer's torso colours (running mean)
        self.first_colours: list[np.ndarray] = []

    def track(self, rgb: np.ndarray) -> PoseFrame:
        detected = False
        if self.roi is None:
            # Frames without anyone are filled in later from their neighbours, so while the
            # person is away the detector (2/3 of the per-frame cost) need not run every frame.
            self.frames_lost += 1
            if (self.frames_lost - 1) % REDETECT_EVERY:
                return empty_frame()
            self.roi, detected = self._find(rgb), True
            if self.roi is None:
                return empty_frame()
        self.frames_lost = 0
        found = self._landmarks(rgb)
        if found is None and not detected:
            # The region lost the performer or slid onto someone else: look for them again.
            self.roi = self._find(rgb)
            found = self._landmarks(rgb) if self.roi is not None else None
        if found is None:
            self.roi = None
            return empty_frame()
        frame, align, colours = found
        if len(self.first_colours) < REFERENCE_FRAMES:
            if colours is not None:  # the reference: the first frames' median (one frame can be off)
                self.first_colours.append(colours)
                self.colours = np.median(self.first_colours, axis=0) if len(self.first_colours) == REFERENCE_FRAMES \
                    else None
        elif colours is not None and self._distance(colours) < SWITCH_DISTANCE / 2:
            # Follow slow lighting changes, but only on clear matches: updating on every frame
            # let the reference drift, step by small step, onto the wall behind a crossing player.
            self.colours = 0.95 * self.colours + 0.05 * colours
        self.last_centre = align[0]
        self.roi = roi_from_points(align[0], align[1])
        return frame

    def _landmarks(self, rgb: np.ndarray):
        """(frame, alignment points, torso colours) in the current region, or None when nobody
        is there or it is not the performer."""
        frame, align = self.landmarker.run(rgb, self.roi)
        if frame.presence < PRESENCE_THRESHOLD:
            return None
        xy = frame.image_xy
        colours = torso_colours(rgb, xy[[LM["left_hip"], LM["right_hip"]]].mean(axis=0),
                                xy[[LM["left_shoulder"], LM["right_shoulder"]]].mean(axis=0))
        return None if self._is_someone_else(colours) else (frame, align, colours)

    def _distance(self, colours: np.ndarray) -> float:
        return float(np.abs(colours - self.colours).mean())

    def _is_someone_else(self, colours: np.ndarray | None) -> bool:
        return self.colours is not None and colours is not None and self._distance(colours) > SWITCH_DISTANCE

    def _find(self, rgb: np.ndarray) -> Roi | None:
        self.detections_run += 1
        people = self.detector.detect(rgb)
        if not people:
            return None
        if self.colours is not None:  # seen before: the one dressed like the performer, if any
            distances = [np.abs(torso_colours(rgb, p.keypoints[0], p.keypoints[2]) - self.colours).mean()
                         if torso_colours(rgb, p.keypoints[0], p.keypoints[2]) is not None else np.inf
                         for p in people]
            best = int(np.argmin(distances))
            return people[best].roi() if distances[best] <= SWITCH_DISTANCE else None
        if self.last_centre is not None:  # lost on the way: the one nearest to where it was
            near = min(people, key=lambda p: float(np.hypot(*(p.keypoints[0] - self.last_centre))))
            return near.roi()
        ranked = rank_people(people, rgb.shape[1], rgb.shape[0])
        if self.person > len(ranked):
            return None  # that performer is not (yet) in view
        return ranked[self.person - 1].roi()


def torso_colours(rgb: np.ndarray, hips: np.ndarray, shoulders: np.ndarray) -> np.ndarray | None:
    """(3, 3) mean RGB (0..1) of three bands of the torso from the shoulders down to the hips
    (the middle 40 % of its width): what a performer wears, to tell them from passers-by.
    None when the torso is too small to sample or outside the frame."""
    axis = np.asarray(shoulders, np.float64) - np.asarray(hips, np.float64)
    length = float(np.hypot(*axis))
    h, w = rgb.shape[:2]
    if not np.isfinite(length) or length < 6 or not (0 <= hips[0] < w and 0 <= hips[1] < h):
        return None
    across = np.array([-axis[1], axis[0]]) / length
    along = np.linspace(0.15, 0.85, 9)
    side = np.linspace(-0.2, 0.2, 5) * length
    points = (hips[None, None] - 0.5 + along[:, None, None] * axis + side[None, :, None] * across)
    values = sample_bilinear(rgb, points[..., 0], points[..., 1]).reshape(9, 5, -1)[..., :3]
    return values.reshape(3, 15, 3).mean(axis=1) / 255.0


def rank_people(people: list[PersonDetection], width: int, height: int) -> list[PersonDetection]:
    """Largest and most central first: box area, discounted by distance from the frame centre."""
    def merit(p: PersonDetection) -> float:
        x0, y0, x1, y1 = p.box
        area = max(x1 - x0, 0.0) * max(y1 - y0, 0.0) / float(width * height)
        off = math.hypot((x0 + x1) / 2 / width - 0.5, (y0 + y1) / 2 / height - 0.5)
        return area * (1.0 - off)
    return sorted(people, key=merit, reverse=True)
