"""Vision speed: detect + segment + pose (+ face finding) on 1000-px photos (target ≤ 100 ms on a 2-core CPU).

Each raw drawing from ../shared is scaled so its long side is 1000 px and analysed in
memory (file decoding excluded) with 2 onnxruntime threads; the best of 3 runs per image is
kept so that other processes on a shared machine colour the numbers less; "cpu" is the
process CPU time over all threads (an upper bound of the wall time on an idle 2-core
machine, unaffected by other processes). Printed for the shipped models (if any), with and
without the flip test, and for the classical fallbacks.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "2")

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from animate_drawing.models.analyze import AnalysisSettings, analyze_array, models_for  # noqa: E402
from animate_drawing.models.image_io import load_image  # noqa: E402

RAW = Path(__file__).resolve().parents[2] / "shared" / "data" / "drawings" / "raw"
STAGES = ("detect", "segment", "pose", "face")
REPEATS = 3
TARGET_MS = 100.0


def photos_at_1000(limit: int | None = None) -> list[tuple[str, np.ndarray]]:
    out = []
    for path in sorted(RAW.glob("*.*"))[:limit]:
        if path.suffix.lower() not in (".png", ".jpg", ".jpeg"):
            continue
        rgb, _ = load_image(path)
        s = 1000.0 / max(rgb.shape[:2])
        out.append((path.stem, cv2.resize(rgb, (round(rgb.shape[1] * s), round(rgb.shape[0] * s)),
                                          interpolation=cv2.INTER_AREA)))
    return out


def run(label: str, settings: AnalysisSettings, photos) -> None:
    models = models_for(settings)
    rows = []
    for name, rgb in photos:
        best = None
        for _ in range(REPEATS):
            timings: dict[str, float] = {}
            t, cpu = time.perf_counter(), time.process_time()
            analysis = analyze_array(rgb, None, settings, models, timings)
            timings["wall"] = (time.perf_counter() - t) * 1000
            timings["cpu"] = (time.process_time() - cpu) * 1000   # all threads: contention-proof
            if best is None or timings["wall"] < best["wall"]:
                best = dict(timings, figures=len(analysis.figures))
        rows.append((name, best))
    print(f"\n{label}: models {models.names()}, {settings.threads} threads, {len(photos)} photos at 1000 px")
    print(f"{'stage':10s} {'median ms':>10s} {'p90 ms':>8s} {'max ms':>8s}")
    for stage in (*STAGES, "wall", "cpu"):
        v = np.array([r[stage] for _, r in rows])
        print(f"{stage:10s} {np.median(v):10.1f} {np.percentile(v, 90):8.1f} {v.max():8.1f}")
    wall = np.array([r["wall"] for _, r in rows])
    print(f"median detect+segment+pose+face {np.median(wall):.1f} ms (target ≤ {TARGET_MS:.0f} ms): "
          f"{'OK' if np.median(wall) <= TARGET_MS else 'SLOWER'}; "
          f"{int((wall <= TARGET_MS).sum())}/{len(wall)} photos within target")
    slowest = sorted(rows, key=lambda r: -r[1]["wall"])[:3]
    print("slowest: " + ", ".join(f"{n} {r['wall']:.0f} ms ({r['figures']} fig)" for n, r in slowest))


def main() -> None:
    if not RAW.is_dir():
        print(f"skipped: no drawings at {RAW}")
        return
    limit = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else None
    photos = photos_at_1000(limit)
    run("shipped models", AnalysisSettings(provider="cpu", threads=2), photos)
    run("shipped models, no flip test", AnalysisSettings(provider="cpu", threads=2, flip_test=False), photos)
    with tempfile.TemporaryDirectory() as empty:
        run("classical fallbacks", AnalysisSettings(provider="cpu", threads=2, models_dir=empty), photos)


if __name__ == "__main__":
    main()
