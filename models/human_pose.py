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
from ..imaging.resample import warp_affine
from .decoders import nms, sigmoid
from .performer_identity import DIFFERENT, Appearance, MotionPrior, torso_signature
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
LOOKS = 3                    # detections the pose net checks when looking for the performer
# While following the performer, the detector looks at everybody every so often, to keep the
# others' colours up to date (their light changes as they move): about 5 % more time.
OTHERS_EVERY = 30


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


def crop_roi(rgb: np.ndarray, roi: Roi, n: int) -> np.ndarray:
    """The ROI resampled to an n × n square (uint8), upright."""
    c, s = math.cos(roi.angle), math.sin(roi.angle)
    k = roi.size / n
    # output pixel (x, y) → image: centre + R · ((x + 0.5) · k − size / 2, …)
    ox, oy = 0.5 * k - roi.size / 2, 0.5 * k - roi.size / 2
    matrix = np.array([[c * k, -s * k, c * ox - s * oy + roi.cx - 0.5],
                       [s * k, c * k, s * ox + c * oy + roi.cy - 0.5]])
    # Pixel centres are at integers here and in warp_affine; the −0.5 keeps ROI edges exact.
    return warp_affine(rgb, matrix, (n, n))


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
        """The people in the whole picture (one pass at the net's size)."""
        tensor, transform = self.model.preprocess(rgb)
        raw, scores = self.model.ordered_outputs(self.model.infer(tensor))[:2]
        raw, scores = raw.reshape(-1, 12), sigmoid(np.clip(scores.reshape(-1), -100, 100))
        net = float(self.model.size_hw[1])
        centre = raw[:, 0:2] / net + self.anchors
        half = raw[:, 2:4] / net / 2
        boxes = np.concatenate([centre - half, centre + half], axis=1) * net
        keypoints = (raw[:, 4:12].reshape(-1, 4, 2) / net + self.anchors[:, None, :]) * net
        keep = nms(boxes, scores, self.score_threshold, self.iou_threshold)
        return [PersonDetection(transform.boxes_to_image(boxes[i])[0], float(scores[i]),
                                transform.to_image(keypoints[i])) for i in keep]

    def detect_wide(self, rgb: np.ndarray, near: np.ndarray | None = None, radius: float = 0.0) -> list[PersonDetection]:
        """The people in the picture, small ones too: besides the whole picture (shrunk to
        224 px, where a person under ~60 px tall is missed), a closer look at the square of
        `radius` px around `near` (where the performer should be) or, when that is no
        closer, at square tiles along the long side of the frame."""
        h, w = rgb.shape[:2]
        windows = []
        if near is not None and 2 * radius < 0.8 * max(h, w):
            windows.append(_window(near, max(2 * radius, 32.0), w, h))
        else:
            short, long = min(h, w), max(h, w)
            if long > 1.3 * short:
                for start in np.linspace(0, long - short, math.ceil(long / short) + 1):
                    centre = (start + short / 2, short / 2) if w > h else (short / 2, start + short / 2)
                    windows.append(_window(np.array(centre), short, w, h))
        found = self.detect(rgb)
        for x0, y0, x1, y1 in windows:
            for person in self.detect(rgb[y0:y1, x0:x1]):
                found.append(PersonDetection(person.box + (x0, y0, x0, y0), person.score, person.keypoints + (x0, y0)))
        # One body seen in two windows: the boxes are the face's, too small to overlap much,
        # so the same hips are what tells.
        kept: list[PersonDetection] = []
        for person in sorted(found, key=lambda p: -p.score):
            if not any(_same_place(person, other) for other in kept):
                kept.append(person)
        return kept


def _window(centre: np.ndarray, side: float, width: int, height: int) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1) of a square of `side` px around `centre`, shifted inside the frame."""
    side = int(round(side))
    x0 = int(np.clip(round(centre[0] - side / 2), 0, width - side))
    y0 = int(np.clip(round(centre[1] - side / 2), 0, height - side))
    return x0, y0, x0 + side, y0 + side


class PoseLandmarker:
    """BlazePose's landmark net on one ROI: 33 landmarks (+2 alignment points), world landmarks."""

    def __init__(self, spec: ModelSpec | None = None, providers=None, threads: int | None = 1):
        self.model = OnnxModel(spec or load_model_spec(LANDMARKS_JSON, "human_pose"), providers, threads)
        self.size = self.model.size_hw[1]
        spec = self.model.spec
        self.mean = np.array(spec.mean, np.float32) * spec.scale
        self.std = np.array(spec.std, np.float32) * spec.scale

    def run(self, rgb: np.ndarray, roi: Roi) -> tuple[PoseFrame, np.ndarray]:
        """The frame estimate in `roi` and the (2, 2) alignment points for the next ROI."""
        crop = crop_roi(rgb, roi, self.size)
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
        self.appearance = Appearance()
        self.motion = MotionPrior()
        self.detections_run = 0
        self.frames_lost = 0
        self.frames_seen = 0

    def track(self, rgb: np.ndarray) -> PoseFrame:
        found = self._follow(rgb) if self.roi is not None else None
        if found is None and self.frames_lost % REDETECT_EVERY == 0:
            # Frames without anyone are filled in later from their neighbours, so while the
            # person is away the detector need not run every frame. Right after a loss it
            # runs at once: the region lost the performer or slid onto someone else.
            found = self._find(rgb)
        if found is None:
            self.roi = None
            self.frames_lost += 1
            self.motion.unseen()
            return empty_frame()
        frame, align, signature = found
        self.frames_lost = 0
        self.frames_seen += 1
        if self.frames_seen % OTHERS_EVERY == 0:
            self._look_at_others(rgb, align[0])
        self.appearance.learn(signature)
        self.motion.seen(align[0], frame.roi.size)
        self.roi = roi_from_points(align[0], align[1])
        return frame

    def _fit(self, rgb: np.ndarray, roi: Roi):
        """(frame, alignment points, torso signature) of the body in `roi`; None when nobody is there."""
        frame, align = self.landmarker.run(rgb, roi)
        if frame.presence < PRESENCE_THRESHOLD:
            return None
        xy = frame.image_xy
        signature = torso_signature(rgb, xy[[LM["left_hip"], LM["right_hip"]]].mean(axis=0),
                                    xy[[LM["left_shoulder"], LM["right_shoulder"]]].mean(axis=0))
        return frame, align, signature

    def _follow(self, rgb: np.ndarray):
        """The performer in this frame's region, or None when the region lost them: nobody
        there, other clothes, or the hips far from where the performer's were heading."""
        found = self._fit(rgb, self.roi)
        if found is None or self.motion.jumped(found[1][0]) or self.appearance.is_someone_else(found[2]):
            return None
        return found

    def _look_at_others(self, rgb: np.ndarray, hips: np.ndarray) -> None:
        """Learn the colours of the people in view other than the performer (hips at `hips`)."""
        self.detections_run += 1
        apart = [p for p in self.detector.detect(rgb) if _distance(p.keypoints[0], hips) > 0.25 * self.motion.size]
        for person in apart[:LOOKS - 1]:
            fit = self._fit(rgb, person.roi())
            if fit is not None and _distance(fit[1][0], hips) > 0.25 * self.motion.size:
                self.appearance.learn_other(fit[2])

    def _find(self, rgb: np.ndarray):
        """Detect the people in view and fit the one who is the performer (see `_fit`)."""
        self.detections_run += 1
        expected = self.motion.predicted()
        reach = self.motion.reach()
        people = self.detector.detect_wide(rgb, expected, reach + self.motion.size / 2)
        if expected is None:  # the first sight: the N-th largest and most central
            ranked = rank_people(people, rgb.shape[1], rgb.shape[0])[:LOOKS]
            if self.person > len(ranked):
                return None  # that performer is not (yet) in view
            fits = [self._fit(rgb, p.roi()) for p in ranked]
            for fit in fits[:self.person - 1] + fits[self.person:]:
                if fit is not None:  # the others, to tell the performer from them later
                    self.appearance.learn_other(fit[2])
            return fits[self.person - 1]
        # Seen before: of those who can have got there, the one dressed most like the
        # performer and nearest to where they were heading, judged on the pose net's fit
        # (the detector's keypoints are too rough to sample a small torso's colours).
        near = sorted((p for p in people if _distance(p.keypoints[0], expected) <= reach),
                      key=lambda p: _distance(p.keypoints[0], expected))[:LOOKS]
        best, best_cost = None, np.inf
        for person in near:
            fit = self._fit(rgb, person.roi())
            if fit is None or _distance(fit[1][0], expected) > reach:
                continue
            if self.appearance.is_someone_else(fit[2]):
                self.appearance.learn_other(fit[2])
                continue
            looks = 0.0 if fit[2] is None else self.appearance.distance(fit[2]) / DIFFERENT
            cost = looks + _distance(fit[1][0], expected) / reach
            if cost < best_cost:
                best, best_cost = fit, cost
        return best


def _distance(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.hypot(*(np.asarray(a, np.float64) - b)))


def _same_place(a: PersonDetection, b: PersonDetection) -> bool:
    """Two detections of one body (their hips within a quarter of a region apart)."""
    return float(np.hypot(*(a.keypoints[0] - b.keypoints[0]))) < 0.25 * min(a.roi().size, b.roi().size)


def rank_people(people: list[PersonDetection], width: int, height: int) -> list[PersonDetection]:
    """Largest and most central first, the clearly seen before the half seen: body size (the
    region the hips and head span, as a fraction of the frame's long side) discounted by the
    hips' distance from the frame centre and weighted by the detector's score. The face box
    is not used: the whole-frame and tiled detections give one face boxes up to 3x apart, and
    two players side by side then swap places from one decode of the video to the next."""
    def merit(p: PersonDetection) -> float:
        roi = p.roi()
        off = math.hypot(roi.cx / width - 0.5, roi.cy / height - 0.5)
        return roi.size / max(width, height) * (1.0 - off) ** 2 * p.score
    return sorted(people, key=merit, reverse=True)
