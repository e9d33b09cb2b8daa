"""Pictures for people to check the vision results: joint overlays and contact sheets."""

from __future__ import annotations

import cv2
import numpy as np

from .joints import AD_NAMES, AD_PARENT_INDEX, LOW_CONFIDENCE

_GOOD, _UNSURE = (40, 200, 60), (230, 40, 40)      # RGB: confident joint / joint to review
_LEFT, _RIGHT, _CENTRE = (60, 120, 255), (255, 140, 0), (200, 0, 200)


def draw_joint_overlay(rgb: np.ndarray, mask: np.ndarray | None, joints: np.ndarray,
                       conf: np.ndarray | None = None, box=None) -> np.ndarray:
    """RGB picture: mask outline, bones (figure's left blue / right orange), joints coloured
    green when confident, red when below LOW_CONFIDENCE; optional box in yellow."""
    out = np.ascontiguousarray(rgb[:, :, :3]).copy()
    size = max(out.shape[:2])
    thick = max(1, round(size / 300))
    if mask is not None and mask.any():
        contours, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        cv2.drawContours(out, contours, -1, (0, 200, 255), thick)
    if box is not None:
        x0, y0, x1, y1 = (int(round(v)) for v in box)
        cv2.rectangle(out, (x0, y0), (x1, y1), (240, 220, 0), thick)
    pts = np.rint(np.asarray(joints)).astype(int)
    conf = np.ones(len(pts)) if conf is None else np.asarray(conf)
    for i, parent in enumerate(AD_PARENT_INDEX):
        if parent < 0:
            continue
        name = AD_NAMES[i]
        colour = _LEFT if name.startswith("left") else _RIGHT if name.startswith("right") else _CENTRE
        cv2.line(out, tuple(pts[parent]), tuple(pts[i]), colour, thick + 1, cv2.LINE_AA)
    for p, c in zip(pts, conf):
        cv2.circle(out, tuple(p), thick * 3 + 1, _GOOD if c >= LOW_CONFIDENCE else _UNSURE, -1, cv2.LINE_AA)
    return out


def draw_analysis(analysis) -> np.ndarray:
    """Whole image with every figure's box, mask outline and skeleton."""
    out = analysis.image
    for figure in analysis.figures:
        out = draw_joint_overlay(out, figure.mask, figure.joints, figure.joint_conf, figure.box)
    return out


def contact_sheet(images: list[np.ndarray], labels: list[str], cell: int = 240, columns: int = 6) -> np.ndarray:
    """Thumbnails (aspect kept, on grey) in a grid with a caption under each; RGB uint8."""
    caption = 18
    rows = max(1, -(-len(images) // columns))
    sheet = np.full((rows * (cell + caption), columns * cell, 3), 90, np.uint8)
    for k, (img, label) in enumerate(zip(images, labels)):
        r, c = divmod(k, columns)
        h, w = img.shape[:2]
        s = (cell - 4) / max(h, w)
        thumb = cv2.resize(img[:, :, :3], (max(1, round(w * s)), max(1, round(h * s))), interpolation=cv2.INTER_AREA)
        y = r * (cell + caption) + (cell - thumb.shape[0]) // 2
        x = c * cell + (cell - thumb.shape[1]) // 2
        sheet[y:y + thumb.shape[0], x:x + thumb.shape[1]] = thumb
        cv2.putText(sheet, label[:34], (c * cell + 3, r * (cell + caption) + cell + 13),
                    cv2.FONT_HERSHEY_SIMPLEX, 0.38, (255, 255, 255), 1, cv2.LINE_AA)
    return sheet
