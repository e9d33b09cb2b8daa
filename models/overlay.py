"""Pictures for people to check the vision results: joint overlays and contact sheets."""

from __future__ import annotations

import numpy as np

from ..imaging.contours import compress_chain, outer_outlines
from ..imaging.draw import draw_line, draw_polyline, draw_rectangle, draw_text, fill_disc
from ..imaging.font5x7 import GLYPH_HEIGHT, GLYPH_WIDTH
from ..imaging.resample import resize
from .joints import AD_NAMES, AD_PARENT_INDEX, LOW_CONFIDENCE

_GOOD, _UNSURE = (40, 200, 60), (230, 40, 40)      # RGB: confident joint / joint to review
_LEFT, _RIGHT, _CENTRE = (60, 120, 255), (255, 140, 0), (200, 0, 200)
_OUTLINE, _BOX = (0, 200, 255), (240, 220, 0)
_EYE, _PUPIL, _MOUTH = (0, 230, 230), (255, 0, 160), (255, 60, 200)   # found face: cyan eyes, pink mouth


def draw_joint_overlay(rgb: np.ndarray, mask: np.ndarray | None, joints: np.ndarray,
                       conf: np.ndarray | None = None, box=None, face=None) -> np.ndarray:
    """RGB picture: mask outline, bones (figure's left blue / right orange), joints coloured
    green when confident, red when below LOW_CONFIDENCE; optional box in yellow; the found
    face (a `models.face.Face` in the same pixels) as eye circles and a mouth line."""
    out = np.ascontiguousarray(rgb[:, :, :3]).copy()
    size = max(out.shape[:2])
    # Widths grow with the picture (they look as OpenCV's thickness thick/thick+1 lines did).
    thick = max(1, round(size / 300))
    if mask is not None and mask.any():
        for outline in outer_outlines(mask):
            draw_polyline(out, compress_chain(outline), _OUTLINE, thick + 1, closed=True)
    if box is not None:
        draw_rectangle(out, box[:2], box[2:], _BOX, thick + 1)
    pts = np.asarray(joints, np.float64)
    conf = np.ones(len(pts)) if conf is None else np.asarray(conf)
    for i, parent in enumerate(AD_PARENT_INDEX):
        if parent < 0:
            continue
        name = AD_NAMES[i]
        colour = _LEFT if name.startswith("left") else _RIGHT if name.startswith("right") else _CENTRE
        draw_line(out, pts[parent], pts[i], colour, thick + 3)
    for p, c in zip(pts, conf):
        fill_disc(out, p, thick * 3 + 1.5, _GOOD if c >= LOW_CONFIDENCE else _UNSURE)
    return draw_face(out, face, thick) if face is not None else out


def draw_face(rgb: np.ndarray, face, thick: int | None = None) -> np.ndarray:
    """Copy of the picture with the face drawn on it: a circle around each eye with a dot on
    its pupil, and the mouth as a line from corner to centre to corner. None draws nothing."""
    out = np.ascontiguousarray(rgb[:, :, :3]).copy()
    if face is None:
        return out
    thick = thick or max(1, round(max(out.shape[:2]) / 300))
    for eye in face.eyes:
        angles = np.linspace(0, 2 * np.pi, 33)
        ring = np.asarray(eye.center) + (eye.radius + thick) * np.stack([np.cos(angles), np.sin(angles)], 1)
        draw_polyline(out, ring, _EYE, thick, closed=True)
        if eye.pupil is not None:
            fill_disc(out, eye.pupil, thick + 1, _PUPIL)
    if face.mouth is not None:
        left, right = face.mouth.corners
        draw_polyline(out, [left, face.mouth.center, right], _MOUTH, thick)
    return out


def draw_analysis(analysis) -> np.ndarray:
    """Whole image with every figure's box, mask outline and skeleton."""
    out = analysis.image
    for figure in analysis.figures:
        out = draw_joint_overlay(out, figure.mask, figure.joints, figure.joint_conf, figure.box, figure.face)
    return out


def contact_sheet(images: list[np.ndarray], labels: list[str], cell: int = 240, columns: int = 6) -> np.ndarray:
    """Thumbnails (aspect kept, on grey) in a grid with a caption under each; RGB uint8.
    Captions are cut to what fits the cell (39 characters in a 240 px cell)."""
    scale = max(1, cell // 300)  # font pixels: 1 up to 300 px cells, so ~40 characters fit
    caption = (GLYPH_HEIGHT + 6) * scale
    fits = max(1, (cell - 6) // ((GLYPH_WIDTH + 1) * scale))
    rows = max(1, -(-len(images) // columns))
    sheet = np.full((rows * (cell + caption), columns * cell, 3), 90, np.uint8)
    for k, (img, label) in enumerate(zip(images, labels)):
        r, c = divmod(k, columns)
        h, w = img.shape[:2]
        s = (cell - 4) / max(h, w)
        thumb = resize(img[:, :, :3], (max(1, round(w * s)), max(1, round(h * s))), method="area")
        y = r * (cell + caption) + (cell - thumb.shape[0]) // 2
        x = c * cell + (cell - thumb.shape[1]) // 2
        sheet[y:y + thumb.shape[0], x:x + thumb.shape[1]] = thumb
        draw_text(sheet, label[:fits], (c * cell + 3, r * (cell + caption) + cell + 3 * scale), (255, 255, 255), scale)
    return sheet
