"""Turn synthetic pages into network inputs and targets.

Both nets take a *stretched* resize (no letterbox), exactly as the runtime feeds them:
`crop_sample` cuts a padded figure box (padding jittered, sometimes clamped at the photo edge)
and `page_sample` stretches the whole photo. Targets: figure mask + COCO-17 keypoints for the
crop; boxes for the page. Heatmap/box target *tensors* are built in `targets`.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from .nets import CROP_SIZE, PAGE_SIZE
from .synth_figure import COCO17_FLIP
from .synth_page import Page


@dataclass
class CropSample:
    image: np.ndarray       # (S, S, 3) uint8 RGB
    mask: np.ndarray        # (S, S) float32 0..1 (area-resampled true silhouette)
    keypoints: np.ndarray   # (17, 2) float32 in input pixels


@dataclass
class PageSample:
    image: np.ndarray       # (P, P, 3) uint8 RGB
    boxes: np.ndarray       # (N, 4) float32 x0, y0, x1, y1 in input pixels


def _resize(img: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    interp = cv2.INTER_AREA if rng.random() < 0.6 else cv2.INTER_LINEAR
    return cv2.resize(img, (size, size), interpolation=interp)


def _colour_jitter(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    if rng.random() < 0.15:
        grey = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY)
        return np.repeat(grey[..., None], 3, axis=2)
    if rng.random() < 0.3:
        hsv = cv2.cvtColor(img, cv2.COLOR_RGB2HSV)
        hsv[..., 0] = (hsv[..., 0].astype(np.int16) + rng.integers(0, 180)) % 180
        img = cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB)
    gain, bias = rng.uniform(0.75, 1.2), rng.uniform(-25, 20)
    return np.clip(img.astype(np.float32) * gain + bias, 0, 255).astype(np.uint8)


def padded_crop_box(box, rng: np.random.Generator, shape) -> tuple[int, int, int, int]:
    """Box grown by a random margin per side (sometimes slightly shrunk, like a sloppy detector)."""
    x0, y0, x1, y1 = box
    bw, bh = x1 - x0, y1 - y0
    pad = rng.uniform(-0.03, 0.25, 4) * [bw, bh, bw, bh]
    c = [x0 - pad[0], y0 - pad[1], x1 + pad[2], y1 + pad[3]]
    if rng.random() < 0.7:   # runtime clamps the padded box to the photo
        h, w = shape[:2]
        c = [max(c[0], 0), max(c[1], 0), min(c[2], w), min(c[3], h)]
    x0, y0, x1, y1 = (int(round(v)) for v in c)
    return x0, y0, max(x1, x0 + 4), max(y1, y0 + 4)


def _cut(img: np.ndarray, box, fill) -> np.ndarray:
    """Crop that may reach outside the image; outside is `fill`."""
    x0, y0, x1, y1 = box
    h, w = img.shape[:2]
    inner = img[max(y0, 0):min(y1, h), max(x0, 0):min(x1, w)]
    pads = (max(-y0, 0), max(y1 - h, 0), max(-x0, 0), max(x1 - w, 0))
    if any(pads):
        inner = cv2.copyMakeBorder(inner, *pads, cv2.BORDER_CONSTANT, value=fill)
    return inner


def crop_sample(page: Page, index: int, rng: np.random.Generator, size: int = CROP_SIZE) -> CropSample:
    box = padded_crop_box(page.boxes[index], rng, page.image.shape)
    fill = [int(v) for v in rng.choice([0, 128, 255, rng.integers(0, 256)]) * np.ones(3)]
    image = _resize(_cut(page.image, box, fill), size, rng)
    mask_crop = _cut(page.masks[index].astype(np.float32), box, 0.0)
    mask = cv2.resize(mask_crop, (size, size), interpolation=cv2.INTER_AREA)
    scale = np.array([size / (box[2] - box[0]), size / (box[3] - box[1])], np.float32)
    kps = (page.keypoints[index] - [box[0], box[1]]) * scale
    if rng.random() < 0.5:
        image, mask = image[:, ::-1], mask[:, ::-1]
        kps = kps[list(COCO17_FLIP)] * [-1, 1] + [size, 0]
    return CropSample(np.ascontiguousarray(_colour_jitter(image, rng)), np.ascontiguousarray(mask),
                      kps.astype(np.float32))


def page_sample(page: Page, rng: np.random.Generator, size: int = PAGE_SIZE) -> PageSample:
    h, w = page.image.shape[:2]
    image = _resize(page.image, size, rng)
    boxes = page.boxes * [size / w, size / h, size / w, size / h]
    if rng.random() < 0.5:
        image = image[:, ::-1]
        boxes = np.stack([size - boxes[:, 2], boxes[:, 1], size - boxes[:, 0], boxes[:, 3]], axis=1)
    return PageSample(np.ascontiguousarray(_colour_jitter(image, rng)), boxes.astype(np.float32))
