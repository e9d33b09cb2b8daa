"""Speed of the numpy image operations (imaging/) against the OpenCV calls they replace.

One row per case: median CPU time of ours and of cv2 on the same input, single-threaded
(cv2.setNumThreads(1), OMP_NUM_THREADS=1) so the comparison is per core and CPU time equals
wall time on an idle machine while other processes on a shared one colour it less. Inputs are
synthetic but sized like the real callers (1000-px photos, network inputs, crop-sized
probability maps, a rendered frame's texture lookups). To add a case, append a
`Case(name, ours, reference)` to `cases()`: both are argument-less callables.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import Callable

os.environ.setdefault("OMP_NUM_THREADS", "1")

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from animate_drawing.imaging.morphology import (  # noqa: E402
    close, dilate, distance_to_background, label_components, max_filter)
from animate_drawing.imaging.resample import resize, sample_bilinear, warp_affine  # noqa: E402

REPEATS = 15


@dataclass(frozen=True)
class Case:
    name: str
    ours: Callable[[], object]
    reference: Callable[[], object]


def photo(h: int, w: int, channels: int = 3) -> np.ndarray:
    """Smooth-ish uint8 image: noise on gradients, so no operation can shortcut."""
    rng = np.random.default_rng(0)
    ramp = np.add.outer(np.linspace(0, 160, h), np.linspace(0, 80, w))[..., None]
    return np.clip(ramp + rng.integers(0, 16, (h, w, channels)), 0, 255).astype(np.uint8)


def resample_cases() -> list[Case]:
    page = photo(1000, 750)
    big = photo(3000, 4000)
    texture = photo(1024, 1024, 4)
    rng = np.random.default_rng(1)
    points = 256_000  # roughly the covered pixels of a 720p frame
    tx = rng.uniform(0, 1023, points).astype(np.float32)
    ty = rng.uniform(0, 1023, points).astype(np.float32)
    prob = rng.random((128, 96)).astype(np.float32)
    to_crop = np.array([[0.12, 0.0, -0.4], [0.0, 0.12, -0.4]])
    rotate = np.array([[0.9, 0.3, -20.0], [-0.3, 0.9, 60.0]])
    mask = photo(1000, 800, 1)[..., 0] > 120

    def remap_points():
        cols = 1000
        mx, my = tx.reshape(-1, cols), ty.reshape(-1, cols)
        return cv2.remap(texture, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)

    def cv_warp(image, m, size):
        return cv2.warpAffine(image, m, size, flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                              borderMode=cv2.BORDER_REPLICATE)

    return [
        Case("resize area 1000x750 -> 384x288 (letterbox)", lambda: resize(page, (384, 288), "area"),
             lambda: cv2.resize(page, (384, 288), interpolation=cv2.INTER_AREA)),
        Case("resize area 1000x750 -> 500x375 (x2 exact)", lambda: resize(page, (375, 500), "area"),
             lambda: cv2.resize(page, (375, 500), interpolation=cv2.INTER_AREA)),
        Case("resize area 4000x3000 -> 1000x750 (photo)", lambda: resize(big, (1000, 750), "area"),
             lambda: cv2.resize(big, (1000, 750), interpolation=cv2.INTER_AREA)),
        Case("resize linear 1000x750 -> 384x288", lambda: resize(page, (384, 288), "linear"),
             lambda: cv2.resize(page, (384, 288), interpolation=cv2.INTER_LINEAR)),
        Case("resize linear 384x288 -> 1000x750", lambda: resize(page[:288, :384], (750, 1000), "linear"),
             lambda: cv2.resize(page[:288, :384], (750, 1000), interpolation=cv2.INTER_LINEAR)),
        Case("resize area bool mask 1000x800 -> 256x205", lambda: resize(mask, (256, 205), "area"),
             lambda: cv2.resize(mask.astype(np.uint8) * 255, (256, 205), interpolation=cv2.INTER_AREA) > 127),
        Case("sample_bilinear 256k pts, 1024^2 RGBA", lambda: sample_bilinear(texture, tx, ty), remap_points),
        Case("warp_affine scale 128x96 -> 800x1000 f32", lambda: warp_affine(prob, to_crop, (800, 1000)),
             lambda: cv_warp(prob, to_crop, (800, 1000))),
        Case("warp_affine rotate 1000x750 RGB", lambda: warp_affine(page, rotate, (750, 1000)),
             lambda: cv_warp(page, rotate, (750, 1000))),
    ]


def figure_mask(h: int = 1000, w: int = 1000) -> np.ndarray:
    """A filled figure-like silhouette: an elliptic body with a thick diagonal limb."""
    yy, xx = np.indices((h, w))
    body = ((xx - w / 2) / (0.4 * w)) ** 2 + ((yy - h / 2) / (0.3 * h)) ** 2 < 1
    return body | (np.abs(xx - yy) < 20)


def morphology_cases() -> list[Case]:
    figure = figure_mask()
    figure_u8 = figure.view(np.uint8)
    strokes = photo(1000, 750, 1)[..., 0] > 150          # many small components
    strokes_u8 = strokes.view(np.uint8)
    scores = np.random.default_rng(2).random((128, 96)).astype(np.float32)
    kernel = np.ones((3, 3), np.uint8)
    return [
        Case("distance_to_background 1000^2 figure", lambda: distance_to_background(figure),
             lambda: cv2.distanceTransform(figure_u8, cv2.DIST_L2, 5)),
        Case("distance_to_background 1000^2 around figure", lambda: distance_to_background(~figure),
             lambda: cv2.distanceTransform(1 - figure_u8, cv2.DIST_L2, 5)),
        Case("label_components 8 1000x750 noisy strokes", lambda: label_components(strokes, 8),
             lambda: cv2.connectedComponents(strokes_u8, connectivity=8)),
        Case("label_components 4 1000^2 figure", lambda: label_components(figure, 4),
             lambda: cv2.connectedComponents(figure_u8, connectivity=4)),
        Case("close x2 + dilate x2 uint8 1000x750", lambda: dilate(close(strokes_u8, 2), 2),
             lambda: cv2.dilate(cv2.morphologyEx(strokes_u8, cv2.MORPH_CLOSE, kernel, iterations=2),
                                kernel, iterations=2)),
        Case("max_filter 3x3 f32 128x96 (peaks)", lambda: max_filter(scores, 3),
             lambda: cv2.dilate(scores, kernel)),
    ]


def cases() -> list[Case]:
    return resample_cases() + morphology_cases()


def median_ms(fn: Callable[[], object]) -> float:
    fn()  # warm caches and lazy imports
    times = []
    for _ in range(REPEATS):
        start = time.process_time()
        fn()
        times.append(time.process_time() - start)
    return 1000.0 * float(np.median(times))


def print_table(cases_to_time) -> None:
    """Time each Case (ours and OpenCV's, single-threaded) and print one row per case."""
    cv2.setNumThreads(1)
    rows = [(case.name, median_ms(case.ours), median_ms(case.reference)) for case in cases_to_time]
    width = max(len(name) for name, _, _ in rows)
    print(f"{'case':<{width}}  {'ours ms':>9}  {'cv2 ms':>9}  {'ratio':>6}")
    for name, ours, reference in rows:
        print(f"{name:<{width}}  {ours:9.2f}  {reference:9.2f}  {ours / reference:6.1f}")


def main() -> None:
    print_table(cases())


if __name__ == "__main__":
    main()
