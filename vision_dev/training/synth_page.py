"""A synthetic photo of a drawing on paper: figures, distractors, paper and camera effects.

`make_page(rng, textures, paper_patches)` returns a `Page` with the RGB photo and, per figure,
its filled mask, box and COCO-17 keypoints (all after the simulated camera's perspective).
Paper is white/cream/coloured/lined or a real paper patch (cut at training time from the raw
photos, outside the figure, never stored in the repo); the camera adds lighting gradients, hard
shadows, creases, glare, perspective, a visible table edge, blur, noise and JPEG artefacts.
"""
from __future__ import annotations

import string
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from .synth_figure import DARK_INKS, random_color, draw_figure, fill_holes
from .synth_ink import InkLayer, TextureBank, draw_polyline, ellipse_points, wobble

LONG_SIDE = 512


@dataclass
class Page:
    image: np.ndarray              # (H, W, 3) uint8 RGB
    masks: list[np.ndarray]        # per figure (H, W) bool
    keypoints: list[np.ndarray]    # per figure (17, 2) float32 pixels
    boxes: np.ndarray              # (N, 4) x0, y0, x1, y1 from the masks


def load_paper_patches(raw_dir: Path, size: int = 96) -> list[np.ndarray]:
    """Corner and edge patches of real photos (outside the figure, which sits in the middle)."""
    patches = []
    for path in sorted(raw_dir.glob("*")):
        if path.suffix.lower() not in (".png", ".jpg", ".jpeg"):
            continue
        img = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if img is None:
            continue
        img = cv2.cvtColor(img, cv2.COLOR_BGR2RGB)
        h, w = img.shape[:2]
        s = int(min(h, w) * 0.14)
        for y, x in ((0, 0), (0, w - s), (h - s, 0), (h - s, w - s)):
            patches.append(cv2.resize(img[y:y + s, x:x + s], (size, size), interpolation=cv2.INTER_AREA))
    return patches


def _noise(shape, sigma: float) -> np.ndarray:
    """Gaussian pixel noise; cv2.randn is several times faster than numpy's generator here."""
    out = np.empty(shape, np.float32)
    cv2.randn(out, 0.0, float(sigma))
    return out


def _paper(rng, h, w, patches) -> np.ndarray:
    kind = rng.choice(["white", "cream", "colour", "real"], p=[0.3, 0.2, 0.12, 0.38] if patches else [0.45, 0.35, 0.2, 0])
    if kind == "real":
        patch = patches[rng.integers(len(patches))].astype(np.float32)
        # A small real patch stretched over the page keeps its tint and slow shading, not its ink.
        base = cv2.resize(cv2.GaussianBlur(patch, (0, 0), 6), (w, h), interpolation=cv2.INTER_CUBIC)
    else:
        col = {"white": rng.uniform(232, 255) - rng.uniform(0, 6, 3),
               "cream": np.array([rng.uniform(235, 255), rng.uniform(225, 245), rng.uniform(195, 225)]),
               "colour": np.asarray(random_color(rng)) * 0.35 + 165}[str(kind)]
        base = np.ones((h, w, 3), np.float32) * np.asarray(col, np.float32)
    base += _noise((h, w, 1), rng.uniform(1, 5))
    if rng.random() < 0.15:
        spacing = rng.uniform(18, 34)
        y = rng.uniform(0, spacing)
        line_col = np.array([150, 180, 230], np.float32)
        while y < h:
            cv2.line(base, (0, int(y)), (w, int(y)), line_col.tolist(), 1, cv2.LINE_AA)
            y += spacing
        if rng.random() < 0.5:
            x = int(rng.uniform(0.08, 0.15) * w)
            cv2.line(base, (x, 0), (x, h), (230, 120, 120), 1, cv2.LINE_AA)
    return base


def _distractors(ink: InkLayer, rng, keep_out: list[tuple[float, float, float, float]]) -> None:
    """Things that are not figures: text, sun, house, scribbles, flowers, grass."""
    h, w = ink.shape
    for _ in range(int(rng.poisson(1.6))):
        kind = rng.choice(["text", "sun", "house", "scribble", "flower", "grass", "heart"])
        cov = np.zeros((h, w), np.uint8)
        cx, cy = rng.uniform(0, w), rng.uniform(0, h)
        size = rng.uniform(0.06, 0.25) * min(h, w)
        if any(x0 - size < cx < x1 + size and y0 - size < cy < y1 + size for x0, y0, x1, y1 in keep_out) \
                and kind not in ("text", "grass") and rng.random() < 0.8:
            continue
        width = max(rng.uniform(0.005, 0.015) * min(h, w), 1)
        if kind == "text":
            txt = "".join(rng.choice(list(string.ascii_letters + "  "), int(rng.integers(2, 10))))
            font = int(rng.choice([cv2.FONT_HERSHEY_SCRIPT_SIMPLEX, cv2.FONT_HERSHEY_SIMPLEX, cv2.FONT_HERSHEY_PLAIN]))
            cy = rng.choice([rng.uniform(0.02, 0.15), rng.uniform(0.85, 0.98)]) * h
            cv2.putText(cov, txt, (int(rng.uniform(0, w * 0.6)), int(cy)), font, size / 40, 255,
                        max(int(width), 1), cv2.LINE_AA)
        elif kind == "sun":
            r = size * 0.4
            draw_polyline(cov, wobble(ellipse_points((cx, cy), (r, r)), r * 0.03, rng), width)
            for a in np.linspace(0, 2 * np.pi, int(rng.integers(6, 14)), endpoint=False):
                u = np.array([np.cos(a), np.sin(a)])
                draw_polyline(cov, np.stack([(cx, cy) + u * r * 1.2, (cx, cy) + u * r * 1.8]), width)
        elif kind == "house":
            x0, y0 = cx - size / 2, cy - size / 2
            body = np.array([[x0, y0], [x0 + size, y0], [x0 + size, y0 + size], [x0, y0 + size]], np.float32)
            draw_polyline(cov, wobble(np.vstack([body, body[:1]]), size * 0.01, rng), width)
            draw_polyline(cov, np.array([[x0, y0], [cx, y0 - size * 0.6], [x0 + size, y0]]), width)
        elif kind == "scribble":
            pts = np.cumsum(rng.normal(0, size * 0.15, (int(rng.integers(5, 25)), 2)), axis=0) + [cx, cy]
            draw_polyline(cov, wobble(pts, size * 0.02, rng), width)
        elif kind == "flower":
            for a in np.linspace(0, 2 * np.pi, 6, endpoint=False):
                draw_polyline(cov, ellipse_points((cx + np.cos(a) * size * 0.15, cy + np.sin(a) * size * 0.15),
                                                  (size * 0.1,) * 2, 0, 14), width)
            draw_polyline(cov, np.array([[cx, cy + size * 0.2], [cx, cy + size]]), width)
        elif kind == "grass":
            y = rng.uniform(0.8, 0.98) * h
            xs = np.linspace(0, w, int(rng.integers(10, 40)))
            pts = np.stack([xs, y - (np.arange(len(xs)) % 2) * size * 0.2], axis=1)
            draw_polyline(cov, pts, width)
        else:
            pts = ellipse_points((cx, cy), (size * 0.3, size * 0.3), 0, 30)
            pts[:, 1] += np.abs(pts[:, 0] - cx) * 0.3
            draw_polyline(cov, wobble(pts, size * 0.02, rng), width, closed=True)
        color = DARK_INKS[rng.integers(len(DARK_INKS))] if rng.random() < 0.4 else random_color(rng)
        tool = str(rng.choice(["marker", "pen", "pencil", "crayon"]))
        ink.paint(cov, color, tool, rng)


def _lighting(img, rng) -> np.ndarray:
    h, w = img.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    gx, gy = rng.normal(0, 0.25, 2)
    shade = 1 + gx * (xx / w - 0.5) + gy * (yy / h - 0.5)
    if rng.random() < 0.5:
        cx, cy = rng.uniform(0, w), rng.uniform(0, h)
        shade *= 1 - rng.uniform(0, 0.35) * np.clip(((xx - cx) ** 2 + (yy - cy) ** 2) / (w * w + h * h), 0, 1)
    img = img * shade[..., None] * rng.uniform(0.75, 1.08)
    if rng.random() < 0.2:
        # Hard shadow of a hand or phone entering from one side.
        edge = rng.integers(4)
        poly = rng.uniform(0, 1, (5, 2)) * [w, h]
        poly[:2, edge % 2] = 0 if edge < 2 else (w if edge % 2 == 0 else h)
        m = np.zeros((h, w), np.float32)
        cv2.fillPoly(m, [poly.astype(np.int32)], 1.0)
        m = cv2.GaussianBlur(m, (0, 0), rng.uniform(0.5, 8))
        tint = np.array([rng.uniform(0.5, 0.85)] * 3, np.float32) * [0.95, 0.97, 1.03]
        img = img * (1 - m[..., None] * (1 - tint))
    if rng.random() < 0.3:
        for _ in range(int(rng.integers(1, 3))):
            p0, p1 = rng.uniform(0, 1, 2) * [w, h], rng.uniform(0, 1, 2) * [w, h]
            d = (p1 - p0) / (np.linalg.norm(p1 - p0) + 1e-6) * 2 * max(w, h)
            crease = np.zeros((h, w), np.float32)
            cv2.line(crease, tuple((p0 - d).astype(int)), tuple((p0 + d).astype(int)), 1.0, 2, cv2.LINE_AA)
            shift = np.roll(crease, 2, axis=1)
            img = img * (1 - 0.12 * crease[..., None]) + 18 * shift[..., None]
    if rng.random() < 0.2:
        cx, cy, s = rng.uniform(0, w), rng.uniform(0, h), rng.uniform(0.05, 0.25) * max(w, h)
        img = img + rng.uniform(40, 140) * np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * s * s))[..., None]
    return img


def _camera(rng, h, w):
    """Homography from page to photo: mild perspective, sometimes a visible table edge."""
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    if rng.random() < 0.2:
        inset = rng.uniform(0.02, 0.15, (4, 2)) * [w, h]
        dst = src + inset * [[1, 1], [-1, 1], [-1, -1], [1, -1]]
    else:
        dst = src + rng.uniform(-0.06, 0.06, (4, 2)) * [w, h]
    return cv2.getPerspectiveTransform(src, dst.astype(np.float32))


def make_page(rng: np.random.Generator, textures: TextureBank,
              paper_patches: list[np.ndarray] | None = None) -> Page:
    aspect = rng.choice([0.75, 1.0, 1.333, 0.6], p=[0.55, 0.1, 0.25, 0.1])
    h, w = (LONG_SIDE, int(LONG_SIDE * aspect)) if aspect <= 1 else (int(LONG_SIDE / aspect), LONG_SIDE)
    ink = InkLayer(h, w, textures)
    n_fig = int(rng.choice([1, 2, 3], p=[0.78, 0.17, 0.05]))
    masks, kps, keep_out = [], [], []
    for i in range(n_fig):
        fh = h * (rng.uniform(0.45, 0.9) if n_fig == 1 else rng.uniform(0.25, 0.6))
        if i == 0 and n_fig == 1 and rng.random() < 0.12:
            fh = h * rng.uniform(0.12, 0.45)
        slot_w = w / n_fig
        cx = slot_w * (i + 0.5) + rng.uniform(-0.2, 0.2) * slot_w
        top = rng.uniform(0.03, max(0.04, 0.97 - fh / h)) * h
        fig = draw_figure(ink, (cx, top), fh, rng, angle_deg=rng.normal(0, 6))
        if fig.mask.sum() < 30:
            continue
        masks.append(fig.mask)
        kps.append(fig.keypoints)
        ys, xs = np.nonzero(fig.mask)
        keep_out.append((xs.min(), ys.min(), xs.max(), ys.max()))
    _distractors(ink, rng, keep_out)
    img = ink.composite(_paper(rng, h, w, paper_patches or []))
    img = _lighting(img, rng)
    hom = _camera(rng, h, w)
    table = np.asarray(random_color(rng), np.float32) * 0.3 + rng.uniform(20, 160)
    img = cv2.warpPerspective(img, hom, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                              borderValue=table.tolist())
    masks = [fill_holes(cv2.warpPerspective(m.astype(np.uint8), hom, (w, h), flags=cv2.INTER_NEAREST) > 0)
             for m in masks]
    kps = [cv2.perspectiveTransform(k.reshape(-1, 1, 2).astype(np.float64), hom).reshape(-1, 2).astype(np.float32)
           for k in kps]
    if rng.random() < 0.5:
        img = cv2.GaussianBlur(img, (0, 0), rng.uniform(0.3, 1.3))
    img = img + _noise(img.shape, rng.uniform(0, 6))
    img = np.clip(img, 0, 255).astype(np.uint8)
    if rng.random() < 0.6:
        ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(25, 92))])
        img = cv2.imdecode(buf, cv2.IMREAD_UNCHANGED)
    keep = [i for i, m in enumerate(masks) if m.sum() >= 30]
    masks, kps = [masks[i] for i in keep], [kps[i] for i in keep]
    boxes = np.array([[xs.min(), ys.min(), xs.max() + 1, ys.max() + 1]
                      for ys, xs in (np.nonzero(m) for m in masks)], np.float32).reshape(-1, 4)
    return Page(img, masks, kps, boxes)
