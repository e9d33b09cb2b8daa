"""Render benchmark: one character, a 779-frame clip at 500×500, end to end; engines compared;
peak memory over a 50-drawing batch.

Prints where the time goes (setup = analyse/plan/build/motion/framing, per-frame render,
per-frame writing into the sinks, final encode) and frames per second end to end
(AnimatedDrawings: 7.6 frames/s on this machine class).

    python -c "from benchmarks.bench_render import main; main()"   # or: make bench
"""

from __future__ import annotations

import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks import hermetic_blender_env

hermetic_blender_env("render", threads=2)

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"
RAW = SHARED / "drawings" / "raw"
CHARACTER = SHARED / "drawings" / "annotated" / "AnimatedDrawings_Server-Backend__example1"
CLIP_FRAMES, SIZE = 779, 500
CYCLES_FRAMES = 60  # Cycles/Workbench are timed on a prefix of the clip and reported per frame


def clip_779(folder: Path) -> str:
    """A shipped 779-frame clip if the library has one; else dab.bvh played back and forth to 779 frames."""
    from animate_drawing.motions.bvh import load_bvh, write_bvh
    from animate_drawing.motions.library import list_clips

    for _, _, path in list_clips():
        if Path(path).is_file() and len(load_bvh(path).motion) == CLIP_FRAMES:
            return path
    clip = load_bvh(SHARED / "bvh" / "fair1" / "dab.bvh")
    there_and_back = [clip.motion, clip.motion[::-1]]
    motion = clip.motion
    while len(motion) < CLIP_FRAMES:
        motion = np.concatenate([motion, there_and_back[len(motion) // len(clip.motion) % 2]])
    clip.motion = motion[:CLIP_FRAMES]
    path = folder / "dab_779.bvh"
    write_bvh(clip, path)
    return str(path)


def rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def run_one(inputs, motion, out, engine, frames, formats=("mp4",), size=SIZE):
    from animate_drawing.addon.batch import run_items
    from animate_drawing.addon.batch_plan import BatchOptions, plan_items
    from animate_drawing.addon.progress import Reporter

    options = BatchOptions(inputs=[str(i) for i in inputs], motions=[motion], out=str(out), formats=list(formats),
                           size=size, engine=engine, frames=frames)
    started = time.perf_counter()
    results = run_items(plan_items(options), options, Reporter("quiet"))
    return results, time.perf_counter() - started


def main() -> None:
    if not RAW.is_dir():
        print("../shared/data missing: nothing to benchmark")
        return
    folder = Path(tempfile.mkdtemp(prefix="bench_render_out_"))
    motion = clip_779(folder)
    drawing = RAW / "input_0016.png"
    print(f"clip: {Path(motion).name}, {CLIP_FRAMES} frames at {SIZE}x{SIZE}; drawing {drawing.name}; "
          f"{os.cpu_count()} cores\n")
    print(f"{'engine':8} {'frames':>6} {'setup s':>8} {'render ms/f':>12} {'write ms/f':>11} {'encode s':>9} "
          f"{'total s':>8} {'frames/s':>9}")
    from animate_drawing.addon.scene_setup import gl_available

    engines = [("flat", None), ("cycles", CYCLES_FRAMES)] + ([("workbench", CYCLES_FRAMES)] if gl_available() else [])
    for engine, frames in engines:
        results, wall = run_one([drawing], motion, folder / engine, engine, frames)
        item = results[0]
        if item["status"] != "ok":
            print(f"{engine:8} failed: {item['error']}")
            continue
        t = item["timings_ms"]
        count = frames or CLIP_FRAMES
        setup = sum(t.get(k, 0.0) for k in ("analyze", "plan", "build", "motion", "setup")) / 1000
        print(f"{engine:8} {count:6d} {setup:8.2f} {t['render'] / count:12.1f} {t['write_frames'] / count:11.1f} "
              f"{t['encode'] / 1000:9.2f} {wall:8.1f} {count / wall:9.1f}")
        if engine == "flat":
            print("         setup = " + ", ".join(f"{k} {t[k] / 1000:.2f} s"
                                                for k in ("analyze", "plan", "build", "motion", "setup") if k in t))

    # Memory over a 50-drawing batch (tiny renders: this measures what each item leaves behind).
    drawings = sorted(p for p in RAW.iterdir() if p.suffix.lower() in (".png", ".jpg", ".jpeg"))
    inputs = [drawings[k % len(drawings)] for k in range(50)]
    from animate_drawing.addon.batch import run_items
    from animate_drawing.addon.batch_plan import BatchOptions, Item
    from animate_drawing.addon.progress import Reporter

    options = BatchOptions(inputs=[], motions=[motion], out=str(folder / "fifty"), size=128, frames=10)
    items = [Item(str(p), motion, f"d{k:02d}") for k, p in enumerate(inputs)]
    samples: list[float] = []
    batch_start = time.perf_counter()
    results = run_items(items, options, Reporter("quiet"), on_result=lambda done: samples.append(rss_mb()))
    ok = sum(r["status"] == "ok" for r in results)
    print(f"\n50-drawing batch (128 px, 10 frames each): {ok} ok, {len(results) - ok} failed, "
          f"{time.perf_counter() - batch_start:.0f} s")
    print(f"RSS after item 1/10/25/50: {samples[0]:.0f} / {samples[9]:.0f} / {samples[24]:.0f} / {samples[49]:.0f} MB; "
          f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
