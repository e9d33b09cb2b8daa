"""Render benchmark: drawing → MP4 end to end, as a user runs it (one `animate-drawing` process
per row, start-up included), with its peak memory and temporary disk; engines compared; a
3116-frame clip for memory flatness; drawing → rigged .blend; memory over a 50-drawing batch.

Rows (779 frames = the library clip zombie_walk, 500×500, raw drawing input_0016):
* flat, the default: helper processes rasterise while Blender encodes; run REPEAT times,
  the median run printed with the range of walls (the machine is shared and noisy);
* flat with ANIMATE_DRAWING_RASTER_PROCESS=2 / 0: two helpers (the default on more than two
  cores; one on two), and everything on one core;
* flat, 3116 frames (zombie_walk four times over): peak memory must not grow with the clip;
* cycles / workbench (when OpenGL exists) on the first CYCLES_FRAMES frames.

"temp MB" is the peak size of the run's private TMPDIR plus anything beside the outputs that
is not an output (frame folders, scratch files), sampled every 20 ms.

AnimatedDrawings is compared only when measured in the same run: set ANIMATED_DRAWINGS_DIR to
a checkout of it (github.com/facebookresearch/AnimatedDrawings, installed in the Python named
by ANIMATED_DRAWINGS_PYTHON, default `python`). Its char1 is then rendered with its zombie
motion to a 500×500 MP4 by its own `render.start` (OSMesa), and ours renders the same
character folder with zombie_walk. Nothing of it is copied here: the config is written at
run time.

    python -m benchmarks.run_all render        # or: make bench
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

from benchmarks import hermetic_blender_env

hermetic_blender_env("render", threads=2)

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"
RAW = SHARED / "drawings" / "raw"
DRAWING = RAW / "input_0016.png"
CLIP, CLIP_FRAMES, SIZE = "zombie_walk", 779, 500
LONG_REPEAT = 4  # 3116 frames
CYCLES_FRAMES = 60
REPEAT = 3  # runs of the headline row
TARGETS = "targets: >= 5x AnimatedDrawings (same run), peak RSS <= 500 MB, temp <= 50 MB, rig .blend <= 1.5 s"


def cli(args: list[str], out: Path, env_extra: dict | None = None) -> dict:
    """Run `animate-drawing ARGS` in a fresh process: wall seconds, peak RSS (MB), peak temporary
    disk (MB) and the summary's item."""
    tmp = Path(tempfile.mkdtemp(prefix="bench_render_tmp_"))
    try:
        return _measure(args, out, tmp, dict(os.environ, TMPDIR=str(tmp), **(env_extra or {})))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _measure(args: list[str], out: Path, tmp: Path, env: dict) -> dict:
    started = time.perf_counter()
    json_flag = ["--json"] if args[0] == "animate" else []  # `rig` prints the written path
    proc = subprocess.Popen([sys.executable, "-m", "animate_drawing.cli", *args, *json_flag], cwd=REPO.parent,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    peak_temp = [0]
    done = threading.Event()

    def watch():
        while not done.wait(0.02):
            peak_temp[0] = max(peak_temp[0], _temporary_bytes(tmp, out))

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    stdout = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    done.set()
    watcher.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if json_flag:
        item = json.loads(stdout)["items"][0] if stdout.strip() else {"status": "failed", "error": "no summary"}
    else:
        item = {"status": "ok" if proc.returncode == 0 and out.exists() else "failed", "error": None}
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "rss_mb": usage.ru_maxrss / 1024,
            "temp_mb": peak_temp[0] / 2**20, "item": item}


def _temporary_bytes(tmp: Path, out: Path) -> int:
    """Bytes in the run's TMPDIR and, beside its outputs (each run writes into its own folder),
    in anything that is not an output."""
    total = 0
    for folder, outputs_allowed in ((tmp, False), (out if out.is_dir() else out.parent, True)):
        for path in folder.rglob("*") if folder.is_dir() else ():
            try:
                if not path.is_file():
                    continue
                if outputs_allowed and (path.suffix in (".mp4", ".gif", ".json", ".blend") or "_frames" in path.parent.name):
                    continue  # the outputs themselves (a video grows as it is encoded)
                total += path.stat().st_size
            except OSError:
                pass  # removed while we looked
    return total


def long_clip(folder: Path) -> str:
    from animate_drawing.motions.bvh import load_bvh, write_bvh
    from animate_drawing.motions.library import resolve_motion

    clip = load_bvh(resolve_motion(CLIP))
    clip.motion = np.concatenate([clip.motion] * LONG_REPEAT)
    path = folder / f"{CLIP}_x{LONG_REPEAT}.bvh"
    write_bvh(clip, path)
    return str(path)


def median_run(args: list[str], out: Path, repeat: int = REPEAT) -> dict:
    """The run with the median wall of `repeat` runs, with the range of walls seen."""
    runs = sorted((cli(args, out) for _ in range(repeat)), key=lambda run: run["wall"])
    return dict(runs[len(runs) // 2], walls=(runs[0]["wall"], runs[-1]["wall"]))


def row(name: str, frames: int, run: dict) -> None:
    item = run["item"]
    if item["status"] != "ok":
        print(f"{name:26} failed: {item['error']}")
        return
    t = item["timings_ms"]
    setup = sum(t.get(k, 0.0) for k in ("analyze", "plan", "build", "motion", "setup")) / 1000
    startup = run["wall"] - (sum(t.values()) - t.get("write_frames", 0.0)) / 1000  # "render" holds write_frames
    walls = f"  (walls {run['walls'][0]:.1f}-{run['walls'][1]:.1f} s)" if "walls" in run else ""
    print(f"{name:26} {frames:6d} {startup:8.2f} {setup:7.2f} {t.get('render', 0) / frames:10.1f} {run['wall']:7.1f} "
          f"{frames / run['wall']:9.1f} {run['cpu']:6.1f} {run['rss_mb']:8.0f} {run['temp_mb']:8.1f}{walls}")


def animated_drawings(folder: Path) -> float | None:
    """Seconds for AnimatedDrawings to render char1 + zombie to a 500x500 MP4, or None."""
    checkout = os.environ.get("ANIMATED_DRAWINGS_DIR")
    if not checkout:
        return None
    config = folder / "ad_mvc.yaml"
    examples = Path(checkout) / "examples"
    config.write_text(
        "scene:\n  ANIMATED_CHARACTERS:\n"
        f"    - character_cfg: {examples / 'characters/char1/char_cfg.yaml'}\n"
        f"      motion_cfg: {examples / 'config/motion/zombie.yaml'}\n"
        f"      retarget_cfg: {examples / 'config/retarget/fair1_ppf.yaml'}\n"
        f"view:\n  USE_MESA: True\n  WINDOW_DIMENSIONS: [{SIZE}, {SIZE}]\n"
        f"controller:\n  MODE: video_render\n  OUTPUT_VIDEO_PATH: {folder / 'ad.mp4'}\n")
    started = time.perf_counter()
    done = subprocess.run([os.environ.get("ANIMATED_DRAWINGS_PYTHON", "python"), "-c",
                           f"from animated_drawings import render; render.start({str(config)!r})"],
                          cwd=checkout, capture_output=True, text=True)
    if done.returncode != 0:
        print(f"AnimatedDrawings failed: {done.stderr.strip().splitlines()[-1:]}")
        return None
    return time.perf_counter() - started


def main() -> None:
    if not RAW.is_dir():
        print("../shared/data missing: nothing to benchmark")
        return
    folder = Path(tempfile.mkdtemp(prefix="bench_render_out_"))
    try:
        run_all_rows(folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def run_all_rows(folder: Path) -> None:

    def target(name: str) -> Path:  # every run writes into a folder of its own
        (folder / name).mkdir()
        return folder / name / f"{name}.mp4"
    print(f"{datetime.date.today()} on {platform.node()}: {os.cpu_count()} cores, {platform.processor() or platform.machine()}, "
          f"load average {os.getloadavg()[0]:.1f} at start")
    print(f"drawing {DRAWING.name} -> MP4 {SIZE}x{SIZE}, clip {CLIP}; one animate-drawing process per row; {TARGETS}\n")
    print(f"{'run':26} {'frames':>6} {'start s':>8} {'setup s':>7} {'loop ms/f':>10} {'total s':>7} {'frames/s':>9} "
          f"{'cpu s':>6} {'peak MB':>8} {'temp MB':>8}")
    base = ["animate", str(DRAWING), "--motion", CLIP, "--size", str(SIZE)]
    out = target("flat")
    row(f"flat (median of {REPEAT})", CLIP_FRAMES, median_run(base + ["--out", str(out)], out))
    out = target("one_helper")
    row("flat, two helpers", CLIP_FRAMES, cli(base + ["--out", str(out)], out, {"ANIMATE_DRAWING_RASTER_PROCESS": "2"}))
    out = target("one_core")
    row("flat, one core", CLIP_FRAMES, cli(base + ["--out", str(out)], out, {"ANIMATE_DRAWING_RASTER_PROCESS": "0"}))
    long_args = ["animate", str(DRAWING), "--motion", long_clip(folder), "--size", str(SIZE)]
    out = target("long")
    row(f"flat, {CLIP_FRAMES * LONG_REPEAT} frames", CLIP_FRAMES * LONG_REPEAT, cli(long_args + ["--out", str(out)], out))
    out = target("gif").parent
    row("flat, MP4 + GIF", CLIP_FRAMES, cli(base + ["--out", str(out), "--format", "mp4,gif"], out))
    from animate_drawing.addon.output.scene_setup import gl_available

    for engine in ["cycles"] + (["workbench"] if gl_available() else []):
        out = target(engine)
        row(engine, CYCLES_FRAMES, cli(base + ["--engine", engine, "--frames", str(CYCLES_FRAMES), "--out", str(out)], out))
    print("(start s = process start-up and imports; setup = vision, rig, build, motion, framing; "
          "loop = rendering and encoding, overlapped; cpu s = CPU time of the process and its helpers, "
          "steadier than wall time on a shared machine)")

    out = target("rig").with_suffix(".blend")
    rig = cli(["rig", str(DRAWING), "--out", str(out)], out)
    print(f"\ndrawing -> rigged .blend, one process: {rig['wall']:.2f} s ({rig['item']['status']}), "
          f"peak {rig['rss_mb']:.0f} MB")

    seconds = animated_drawings(folder)
    if seconds is None:
        print("AnimatedDrawings: not measured in this run (set ANIMATED_DRAWINGS_DIR to a checkout to compare)")
    else:
        out = target("char1")
        ours = cli(["animate", str(Path(os.environ["ANIMATED_DRAWINGS_DIR"]) / "examples/characters/char1"),
                    "--motion", CLIP, "--size", str(SIZE), "--out", str(out)], out)
        print(f"AnimatedDrawings char1 + zombie, {SIZE}x{SIZE} MP4: {seconds:.1f} s; ours on the same character: "
              f"{ours['wall']:.1f} s ({seconds / ours['wall']:.2f}x)")
    batch_memory(folder)


def rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def batch_memory(folder: Path) -> None:
    """Memory over a 50-drawing batch in this process (tiny renders: what each item leaves behind)."""
    from animate_drawing.addon.batch.run import run_items
    from animate_drawing.addon.batch.batch_plan import BatchOptions, Item
    from animate_drawing.addon.progress import Reporter

    drawings = sorted(p for p in RAW.iterdir() if p.suffix.lower() in (".png", ".jpg", ".jpeg"))
    inputs = [drawings[k % len(drawings)] for k in range(50)]
    options = BatchOptions(inputs=[], motions=[CLIP], out=str(folder / "fifty"), size=128, frames=10)
    items = [Item(str(p), CLIP, f"d{k:02d}") for k, p in enumerate(inputs)]
    samples: list[float] = []
    started = time.perf_counter()
    results = run_items(items, options, Reporter("quiet"), on_result=lambda done: samples.append(rss_mb()))
    ok = sum(r["status"] == "ok" for r in results)
    print(f"\n50-drawing batch in one process (128 px, 10 frames each): {ok} ok, {len(results) - ok} failed, "
          f"{time.perf_counter() - started:.0f} s")
    print(f"RSS after item 1/10/25/50: {samples[0]:.0f} / {samples[9]:.0f} / {samples[24]:.0f} / {samples[49]:.0f} MB; "
          f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
