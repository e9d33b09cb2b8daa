"""Synthetic pages with simple drawn figures (made by code) for the vision pipeline tests."""

from __future__ import annotations

import cv2
import numpy as np


def blank_page(h: int = 600, w: int = 450, seed: int = 0) -> np.ndarray:
    """Off-white paper with slight sensor noise and a soft shading gradient (RGB)."""
    rng = np.random.default_rng(seed)
    shade = np.linspace(0, 12, w)[None, :, None]
    page = 238 - shade + rng.normal(0, 2.0, (h, w, 3))
    return np.clip(page, 0, 255).astype(np.uint8)


def draw_stick_figure(page: np.ndarray, cx: int, top: int, height: int, colour=(30, 30, 40)) -> np.ndarray:
    """A child's stick figure: filled head outline, body, arms out, legs apart. Returns the page."""
    s = height / 100.0
    t = max(2, round(2.5 * s))
    p = lambda x, y: (int(cx + x * s), int(top + y * s))  # noqa: E731
    cv2.circle(page, p(0, 12), int(12 * s), colour, t, cv2.LINE_AA)
    cv2.line(page, p(0, 24), p(0, 60), colour, t, cv2.LINE_AA)
    cv2.line(page, p(0, 32), p(-28, 48), colour, t, cv2.LINE_AA)
    cv2.line(page, p(0, 32), p(28, 48), colour, t, cv2.LINE_AA)
    cv2.line(page, p(0, 60), p(-16, 99), colour, t, cv2.LINE_AA)
    cv2.line(page, p(0, 60), p(16, 99), colour, t, cv2.LINE_AA)
    return page
