"""Image → DrawingAnalysis: every figure's box, mask and 16 joints (the vision pipeline entry)."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import InputError, NoFigureError
from .body_kind import body_kind, body_notes
from .extra_limbs import ExtraLimb, find_extra_limbs, limb_joints
from .classical_segmentation import blobs, classical_mask, ink_contrast
from .detector import classical_figure_boxes
from .face import Face, find_face
from .image_io import load_image
from .joints import AD_SKELETON, coco17_to_ad16, snap_into_mask
from .model_set import ModelSet, load_model_set
from .page_figures import edge_notes, keep_page_figures, touching_notes
from .runtime import MODELS_DIR
from .segmenter import line_map, reconcile_masks, with_attached_lines
from .tiled_detection import detect_with_tiles, needs_tiles
from .trunk_check import with_upright_trunk

MASK_SOURCES = ("auto", "model", "classical")
NO_FIGURE_HINT = ("no figure found. Hint: draw a box around the figure (command line: --box X0,Y0,X1,Y1 "
                  "in image pixels; in Blender: the review step's manual box) and try again, or use a photo "
                  "with the figure drawn in dark lines on plain paper")


@dataclass
class AnalysisSettings:
    provider: str = "auto"                       # auto | cpu | cuda | directml | coreml
    threads: int = 0                             # 0 = min(2, CPU count)
    custom_models: dict[str, str] = field(default_factory=dict)  # task → .onnx/.json path
    pad: float = 0.1                             # box padding (fraction of box size) so limbs are never clipped
    manual_box: tuple[float, float, float, float] | None = None  # x0, y0, x1, y1 image px: skip detection
    mask_source: str = "auto"                    # auto: classical where it agrees with the model, else
                                                 # the model's; "model" or "classical" to force one
    flip_test: bool = True                       # pose on the crop and its mirror, averaged (2x pose time)
    models_dir: str | None = None                # where shipped models are looked for (None: models/);
                                                 # a folder without models forces the classical fallbacks


@dataclass
class Figure:
    box: tuple[float, float, float, float]   # x0, y0, x1, y1 image pixels: the detected (or manual)
                                             # box, unpadded; `mask_box()` is the figure's extent
    score: float
    mask: np.ndarray                         # (H, W) bool, full image size
    joints: np.ndarray                       # (16, 2) image pixels, AnimatedDrawings order
    joint_conf: np.ndarray                   # (16,) 0..1
    joint_snapped: np.ndarray = field(default_factory=lambda: np.zeros(16, bool))  # moved onto the mask
    face: Face | None = None                 # eyes and mouth in image pixels; None when none was found
    face_note: str = ""                      # why no face was found
    face_edited: bool = False                # placed by the artist in the review: rigged as it is, not looked for again
    body: str = "biped"                      # biped | quadruped | extra_limbs | limbless (models/body_kind.py)
    extra_limbs: list[ExtraLimb] = field(default_factory=list)   # parts the skeleton leaves out (models/extra_limbs.py)

    def mask_box(self) -> tuple[float, float, float, float]:
        """x0, y0, x1, y1 of the mask: where the figure really is (a detector box is looser or tighter)."""
        return _mask_box(self.mask)


@dataclass
class DrawingAnalysis:
    image_path: str
    image: np.ndarray                        # (H, W, 3) RGB uint8, EXIF-rotated, long side ≤ 2000
    alpha: np.ndarray | None
    figures: list[Figure]                    # most person-like first (see person_likeness)
    timings_ms: dict[str, float]
    models: dict[str, str] = field(default_factory=dict)   # stage → model name used
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True, eq=False)
class LoadedImage:
    """A drawing decoded ahead of the analysis (`load_drawing`, any thread), then analysed by
    `analyze_image`. It is os.PathLike (the file it came from),
    so it can go wherever a drawing path goes."""
    path: str
    rgb: np.ndarray
    alpha: np.ndarray | None
    load_ms: float

    def __fspath__(self) -> str:
        return self.path


def load_drawing(path: str | os.PathLike) -> LoadedImage:
    """Decode the drawing (Pillow: any thread). Raises InputError."""
    t = time.perf_counter()
    rgb, alpha = load_image(path)
    return LoadedImage(os.fspath(path), rgb, alpha, _ms(t))


def analyze_image(path: str | os.PathLike, settings: AnalysisSettings | None = None) -> DrawingAnalysis:
    """Find, segment and pose every figure in the image. Raises InputError / NoFigureError.

    A path is decoded here; a `LoadedImage` was decoded before (e.g. to time it apart)."""
    settings = settings or AnalysisSettings()
    loaded = path if isinstance(path, LoadedImage) else load_drawing(path)
    timings: dict[str, float] = {"load": loaded.load_ms}
    if settings.manual_box is not None:
        check_box_inside(settings.manual_box, loaded.rgb.shape[1], loaded.rgb.shape[0], loaded.path)
    t = time.perf_counter()
    models = models_for(settings)
    timings["models"] = _ms(t)
    analysis = analyze_array(loaded.rgb, loaded.alpha, settings, models, timings)
    analysis.image_path = loaded.path
    if not analysis.figures:
        if settings.manual_box is not None:
            box = [round(float(v)) for v in settings.manual_box]
            raise NoFigureError(path, f"no figure found inside the box {box}; draw the box around the "
                                      "whole figure, on the image as loaded (EXIF-rotated, long side ≤ 2000 px)")
        raise NoFigureError(path, NO_FIGURE_HINT)
    return analysis


def check_box_inside(box, width: int, height: int, path) -> None:
    """A manual box must have a positive size and overlap the image (as loaded: EXIF-rotated)."""
    x0, y0, x1, y1 = (float(v) for v in box)
    shown = ",".join(f"{v:g}" for v in (x0, y0, x1, y1))
    if not (x1 > x0 and y1 > y0):
        raise InputError(path, f"the box {shown} has no area: it needs X0 < X1 and Y0 < Y1")
    if x1 <= 0 or y1 <= 0 or x0 >= width or y0 >= height:
        raise InputError(path, f"the box {shown} lies outside the image, which is {width}x{height} px "
                               "(as loaded: EXIF-rotated, long side ≤ 2000 px)")


def models_for(settings: AnalysisSettings) -> ModelSet:
    models_dir = Path(settings.models_dir) if settings.models_dir else MODELS_DIR
    return load_model_set(settings.provider, settings.threads, settings.custom_models, models_dir)


def analyze_array(rgb: np.ndarray, alpha: np.ndarray | None, settings: AnalysisSettings,
                  models: ModelSet, timings: dict[str, float] | None = None) -> DrawingAnalysis:
    """The pipeline on an already loaded image (figures may be empty: the caller decides)."""
    if settings.mask_source not in MASK_SOURCES:
        raise InputError(None, f"unknown mask source '{settings.mask_source}' (choose {', '.join(MASK_SOURCES)})")
    timings = {} if timings is None else timings
    notes = list(models.warnings)
    h, w = rgb.shape[:2]
    t = time.perf_counter()
    alpha_mask = alpha > 127 if alpha is not None else None
    if settings.manual_box is not None:
        boxes, scores = [_clip_box(settings.manual_box, w, h)], [1.0]
    elif alpha_mask is not None:
        # A transparent PNG's alpha is the figure mask: one figure per opaque blob.
        found = [b for b in blobs(alpha_mask, 0.25) if b.sum() >= 64]
        boxes = [_mask_box(b) for b in found]
        scores = [1.0] * len(found)
    else:
        dets = models.detector.detect(rgb)
        if models.detector.model is not None and needs_tiles(dets, h):   # only small figures seen: look closer
            dets = detect_with_tiles(models.detector.detect, rgb, dets)
        if len(dets) == 0 and models.detector.model is not None:
            # A model that sees nothing may be wrong on an unusual photo; paper + ink still tells.
            dets = classical_figure_boxes(rgb)
            if len(dets):
                notes.append(f"the {models.detector.name} model found no figure; "
                             "the classical page segmentation found one")
        boxes, scores = [tuple(b) for b in dets.boxes], list(dets.scores)
    timings["detect"] = _ms(t)

    timings["segment"] = timings["pose"] = 0.0
    figures = []
    for box, score in zip(boxes, scores):
        figure = _analyze_figure(rgb, alpha_mask, box, float(score), settings, models, timings, notes)
        if figure is not None:
            figures.append(figure)
    figures = _without_duplicates(figures)
    figures, skipped = keep_page_figures(figures, person_likeness)
    notes += skipped + touching_notes(figures) + edge_notes(figures)
    for figure in figures:
        figure.body = body_kind(figure.mask)
        if figure.body == "quadruped":     # the pose net knows people: four legs are read from the outline
            _use_quadruped_joints(figure)
        elif figure.body == "biped":       # a tail, wings, a third arm: parts no bone explains
            figure.extra_limbs = find_extra_limbs(figure.mask, figure.joints)
            figure.body = "extra_limbs" if figure.extra_limbs else "biped"
    notes += body_notes([figure.body for figure in figures])
    t = time.perf_counter()
    for figure in figures:       # only the figures kept: a duplicate box's face is not looked for
        figure.face, figure.face_note = find_face(rgb, figure.mask, figure.joints)
    timings["face"] = _ms(t)
    notes += _face_notes(figures)
    timings["total"] = sum(v for k, v in timings.items() if k != "total")
    return DrawingAnalysis("", rgb, alpha, figures, timings, models.names(), notes)


DUPLICATE_IOU = 0.7


def _face_notes(figures: list[Figure]) -> list[str]:
    """A warning for each figure without a face (and why) or without a mouth."""
    notes = []
    for i, figure in enumerate(figures):
        which = f"figure {i + 1}: " if len(figures) > 1 else ""
        if figure.face is None:
            notes.append(f"{which}no face found ({figure.face_note})")
        elif figure.face.mouth is None:
            notes.append(f"{which}no mouth found on the face")
    return notes


def _use_quadruped_joints(figure: Figure) -> None:
    from .quadruped import quadruped_joints

    joints = quadruped_joints(figure.mask)
    if joints:
        figure.joints = np.array([joints[name] for name, _ in AD_SKELETON], float)
        figure.joint_conf = np.full(len(AD_SKELETON), QUADRUPED_JOINT_CONF)
        figure.joint_snapped = np.zeros(len(AD_SKELETON), bool)


QUADRUPED_JOINT_CONF = 0.5   # outline-read joints: plausible, not seen by a model


def person_likeness(figure: Figure) -> float:
    """How much a found figure looks like a drawn person: detector score × mean joint confidence.

    A drawn object beside the person (a boombox, a house, a scribble) can have the larger mask,
    but the pose net finds no body in it, so it ranks below the person.
    """
    return float(figure.score) * float(np.mean(figure.joint_conf))


def _without_duplicates(figures: list[Figure]) -> list[Figure]:
    """Most person-like first; a figure whose mask mostly repeats a kept one (two boxes on one drawing) is dropped."""
    kept: list[Figure] = []
    for fig in sorted(figures, key=lambda f: (-person_likeness(f), -int(f.mask.sum()))):
        area = fig.mask.sum()
        if all(np.logical_and(fig.mask, k.mask).sum() < DUPLICATE_IOU * np.logical_or(fig.mask, k.mask).sum()
               and np.logical_and(fig.mask, k.mask).sum() < 0.9 * area for k in kept):
            kept.append(fig)
    return kept


def _crop_mask(crop, pose_result, models: ModelSet, mask_source: str, box, focus, notes) -> np.ndarray:
    learned = None
    if pose_result is not None and pose_result.mask is not None and models.segmenter_shares_pose_net:
        learned = pose_result.mask          # the pose net already segmented this crop
    elif models.segmenter.model is not None:
        learned = models.segmenter.probability(crop)
    contrast = ink_contrast(crop)
    lines = line_map(contrast)
    # Every source gets the one-line limbs hanging from its mask (the classical one before it
    # is weighed against the model's, so a stick body it reaches that way counts).
    if learned is not None and mask_source == "model":
        if learned.above().any():
            return with_attached_lines(learned.above(), lines)
        notes.append(f"the segmentation model gave an empty mask for the box at {[round(v) for v in box]}; "
                     "the classical segmentation was used")
    classical = with_attached_lines(classical_mask(crop, focus, contrast), lines)
    if learned is None or mask_source == "classical":
        return classical
    mask, chosen = reconcile_masks(classical, learned)
    return with_attached_lines(mask, lines) if chosen == "model" else mask


def _analyze_figure(rgb, alpha_mask, box, score, settings: AnalysisSettings, models: ModelSet,
                    timings, notes) -> Figure | None:
    h, w = rgb.shape[:2]
    x0, y0, x1, y1 = padded_box(box, settings.pad, w, h)
    crop = rgb[y0:y1, x0:x1]
    if crop.shape[0] < 4 or crop.shape[1] < 4:
        return None
    pose_result = None
    t = time.perf_counter()
    if models.pose.model is not None:
        pose_result = models.pose.estimate(crop, flip_test=settings.flip_test)
    timings["pose"] += _ms(t)

    t = time.perf_counter()
    if alpha_mask is not None:
        crop_mask = alpha_mask[y0:y1, x0:x1]
    else:
        focus = (box[0] - x0, box[1] - y0, box[2] - x0, box[3] - y0)   # the unpadded box in the crop
        crop_mask = _crop_mask(crop, pose_result, models, settings.mask_source, box, focus, notes)
    timings["segment"] += _ms(t)
    if not crop_mask.any():
        return None

    t = time.perf_counter()
    if pose_result is None:
        pose_result = models.pose.estimate(crop, crop_mask)
    keypoints, keypoint_conf, rebuilt = with_upright_trunk(pose_result.keypoints, pose_result.confidence, crop_mask)
    if rebuilt:
        notes.append(f"the pose found for the figure at {[round(v) for v in box]} was upside down (hips above "
                     "shoulders): its shoulders, hips, elbows and knees were guessed from the outline, check them")
    joints, conf = coco17_to_ad16(keypoints, keypoint_conf)
    joints, conf, snapped = snap_into_mask(joints, conf, crop_mask)
    timings["pose"] += _ms(t)

    mask = np.zeros((h, w), bool)
    mask[y0:y1, x0:x1] = crop_mask
    return Figure(tuple(float(v) for v in box), score, mask, joints + (x0, y0), conf, snapped)


def padded_box(box, pad: float, width: int, height: int) -> tuple[int, int, int, int]:
    """Integer crop (x0, y0, x1, y1) = box grown by `pad` × its size on each side, inside the image."""
    x0, y0, x1, y1 = box
    px, py = pad * (x1 - x0), pad * (y1 - y0)
    return (max(0, int(np.floor(x0 - px))), max(0, int(np.floor(y0 - py))),
            min(width, int(np.ceil(x1 + px))), min(height, int(np.ceil(y1 + py))))


def _clip_box(box, w, h) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = (float(v) for v in box)
    x0, x1 = sorted((min(max(x0, 0), w), min(max(x1, 0), w)))
    y0, y1 = sorted((min(max(y0, 0), h), min(max(y1, 0), h)))
    return x0, y0, x1, y1


def _mask_box(mask: np.ndarray) -> tuple[float, float, float, float]:
    ys, xs = np.nonzero(mask)
    return float(xs.min()), float(ys.min()), float(xs.max() + 1), float(ys.max() + 1)


def _ms(t0: float) -> float:
    return (time.perf_counter() - t0) * 1000.0


def figure_to_character(analysis: DrawingAnalysis, index: int = 0, pad: float = 0.1):
    """(texture RGBA, mask bool, CharacterConfig, bbox dict) for one figure, in crop pixels.

    The crop is the figure box grown by `pad` (the mask, not the box, decides what is drawn),
    the texture's alpha is the mask, joints are whole pixels on the mask, and `bbox` gives
    the crop's left/top/right/bottom in the analysed image's pixels.
    """
    from ..formats.char_cfg import CharacterConfig, Joint

    figure = analysis.figures[index]
    h, w = analysis.image.shape[:2]
    ys, xs = np.nonzero(figure.mask)
    # Grow the crop to the mask too: a learned or alpha mask may reach past the padded box.
    box = padded_box(figure.box, pad, w, h)
    x0, y0 = min(box[0], int(xs.min())), min(box[1], int(ys.min()))
    x1, y1 = max(box[2], int(xs.max()) + 1), max(box[3], int(ys.max()) + 1)
    mask = figure.mask[y0:y1, x0:x1].copy()
    texture = np.dstack([analysis.image[y0:y1, x0:x1], mask.astype(np.uint8) * 255])
    local = np.rint(figure.joints - (x0, y0))
    local, _, _ = snap_into_mask(local, figure.joint_conf, mask)  # rounding can step off a 1-px limb
    joints = [Joint(name, parent, (int(u), int(v)))
              for (name, parent), (u, v) in zip(AD_SKELETON, np.rint(local))]
    joints += limb_joints(figure.extra_limbs, (x0, y0))       # rigged by the extra limbs feature
    config = CharacterConfig(width=int(x1 - x0), height=int(y1 - y0), joints=joints)
    bbox = {"left": int(x0), "top": int(y0), "right": int(x1), "bottom": int(y1)}
    return texture, mask, config, bbox


__all__ = ["AnalysisSettings", "DrawingAnalysis", "Figure", "LoadedImage", "analyze_image", "analyze_array",
           "figure_to_character", "load_drawing", "models_for", "padded_box"]
