"""Every figure on a page: lifting the figures off the page (push-pull fill) and planning the
cast, against the issue's target of about a second per page on CPU.

Pages are synthetic paper with ink blobs covering about a fifth of the page, at the sizes the
pipeline sees (long side ≤ 2000 px); the cast row analyses and plans a page composed from the
shared masked drawings (needs ../shared/data and Blender's image decoding, skipped without).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

from animate_drawing.imaging.inpaint import lift_figures  # noqa: E402

REPEATS = 5
TARGET_S = 1.0


def page_with_figures(width: int, height: int) -> tuple[np.ndarray, list[np.ndarray]]:
    rng = np.random.default_rng(0)
    ramp = np.add.outer(np.linspace(0, 20, height), np.linspace(0, 14, width))[..., None]
    page = np.clip(230 - ramp + rng.integers(0, 6, (height, width, 3)), 0, 255).astype(np.uint8)
    yy, xx = np.mgrid[:height, :width]
    masks = []
    for k in range(3):   # three upright ellipses, ~7% of the page each
        cx, cy = width * (0.2 + 0.3 * k), height * 0.55
        masks.append(((xx - cx) / (0.1 * width)) ** 2 + ((yy - cy) / (0.3 * height)) ** 2 < 1)
        page[masks[-1]] = (40, 40, 40)
    return page, masks


def median_seconds(call) -> float:
    times = []
    for _ in range(REPEATS):
        started = time.process_time()
        call()
        times.append(time.process_time() - started)
    return float(np.median(times))


def main() -> None:
    print(f"{'case':34s} {'CPU s':>8s} {'target':>8s}")
    for width, height in ((1200, 900), (2000, 1500)):
        page, masks = page_with_figures(width, height)
        seconds = median_seconds(lambda: lift_figures(page, masks))
        print(f"{f'lift figures, {width}x{height}':34s} {seconds:8.3f} {TARGET_S:8.1f}")
    _cast_row()


def _cast_row() -> None:
    tests = Path(__file__).resolve().parents[1] / "tests"
    sys.path.insert(0, str(tests))
    try:
        from composed_pages import MASKED, write_page
        if not MASKED.is_dir():
            raise FileNotFoundError(MASKED)
        import tempfile

        from animate_drawing.addon.batch.batch_item import Timer
        from animate_drawing.addon.build.page_cast import load_cast
        with tempfile.TemporaryDirectory() as folder:
            path, _ = write_page(Path(folder))
            timer = Timer()
            started = time.perf_counter()
            cast = load_cast(str(path), timer)
            total = time.perf_counter() - started
    except (ImportError, FileNotFoundError) as exc:
        print(f"{'analyse + plan a 3-figure page':34s} skipped ({exc})")
        return
    stages = ", ".join(f"{k} {v / 1000:.2f}" for k, v in timer.ms.items())
    print(f"{f'analyse + plan {len(cast.plans)}-figure page':34s} {total:8.3f}  (wall s; {stages})")
