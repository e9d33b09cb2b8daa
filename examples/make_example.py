"""Draw the bundled example drawing: a child-style marker figure on slightly warm paper.

Run `python -m examples.make_example` to regenerate `examples/drawing.png`. The drawing is made
by code so the repository ships no third-party artwork; it is deterministic (fixed seed).
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

OUT = Path(__file__).with_name("drawing.png")
INK = (40, 30, 30)          # BGR, near-black marker
SHIRT = (60, 80, 220)       # red crayon
TROUSERS = (170, 110, 40)   # blue crayon
SKIN = (150, 190, 240)


def _paper(height: int, width: int, rng: np.random.Generator) -> np.ndarray:
    """Cream paper with a soft lighting gradient and fibre noise, as a phone photo shows it."""
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    light = 1.0 - 0.10 * (xs / width) - 0.06 * (ys / height)
    base = np.array([225, 238, 246], np.float32)  # BGR cream
    noise = rng.normal(0, 3.0, (height, width, 1)).astype(np.float32)
    return np.clip(base * light[..., None] + noise, 0, 255).astype(np.uint8)


def _wobbly(points: np.ndarray, rng: np.random.Generator, amount: float = 2.0) -> np.ndarray:
    """Resample a polyline densely and add low-frequency wobble, like a hand-held marker."""
    seg = np.linalg.norm(np.diff(points, axis=0), axis=1)
    t = np.concatenate([[0], np.cumsum(seg)])
    dense_t = np.linspace(0, t[-1], max(int(t[-1] / 3), 2))
    dense = np.stack([np.interp(dense_t, t, points[:, i]) for i in range(2)], axis=1)
    wobble = np.cumsum(rng.normal(0, amount * 0.3, dense.shape), axis=0)
    wobble -= np.linspace(wobble[0], wobble[-1], len(wobble))  # keep the end points
    return (dense + wobble).astype(np.int32)


def _limb(img, start, end, width, fill, rng):
    """A filled limb: a thick crayon stroke with a marker outline around it."""
    pts = _wobbly(np.array([start, end], np.float32), rng)
    cv2.polylines(img, [pts], False, INK, width + 6, cv2.LINE_AA)
    cv2.polylines(img, [pts], False, fill, width, cv2.LINE_AA)


def draw_example(seed: int = 7) -> np.ndarray:
    rng = np.random.default_rng(seed)
    img = _paper(720, 560, rng)
    # Legs and arms first so the body outline overlaps them, as a child would draw.
    _limb(img, (245, 440), (215, 610), 26, TROUSERS, rng)
    _limb(img, (315, 440), (350, 610), 26, TROUSERS, rng)
    _limb(img, (225, 275), (120, 350), 20, SHIRT, rng)
    _limb(img, (120, 350), (70, 290), 18, SKIN, rng)
    _limb(img, (335, 275), (440, 215), 20, SHIRT, rng)
    _limb(img, (440, 215), (490, 150), 18, SKIN, rng)
    for foot in (((215, 612), (180, 622)), ((350, 612), (388, 622))):
        _limb(img, foot[0], foot[1], 20, INK, rng)
    body = np.array([[225, 260], [335, 260], [350, 450], [210, 450]], np.float32)
    body_pts = _wobbly(np.vstack([body, body[:1]]), rng, 1.5)
    cv2.fillPoly(img, [body_pts], SHIRT, cv2.LINE_AA)
    cv2.polylines(img, [body_pts], True, INK, 5, cv2.LINE_AA)
    cv2.line(img, (280, 250), (280, 262), INK, 10)  # neck
    cv2.ellipse(img, (280, 185), (62, 70), 0, 0, 360, SKIN, -1, cv2.LINE_AA)
    cv2.ellipse(img, (280, 185), (62, 70), 0, 0, 360, INK, 5, cv2.LINE_AA)
    for eye_x in (258, 302):
        cv2.circle(img, (eye_x, 172), 7, INK, -1, cv2.LINE_AA)
    cv2.ellipse(img, (280, 212), (22, 12), 0, 10, 170, INK, 4, cv2.LINE_AA)
    cv2.polylines(img, [_wobbly(np.array([[222, 150], [250, 112], [280, 125], [312, 108], [338, 150]],
                                         np.float32), rng)], False, INK, 6, cv2.LINE_AA)
    return cv2.GaussianBlur(img, (3, 3), 0.6)


if __name__ == "__main__":
    cv2.imwrite(str(OUT), draw_example())
    print(f"wrote {OUT}")
