"""`animate-drawing animate` end to end in a child process (real bpy, real drawings, real BVH).

One batch of three raw drawings plus a corrupt file and a blank page is rendered once (tiny:
128 px, 12 frames, two worker processes) and inspected by several tests.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from conftest import BVH_DIR, RAW_DRAWINGS, REPO_ROOT

pytestmark = pytest.mark.blender
CLI = [sys.executable, "-m", "animate_drawing.cli"]
DRAWINGS = ("input_0010.png", "input_0016.png", "animate_example_images_img1.png")
FRAMES, SIZE = 12, 128


def run_cli(*args, cwd=None) -> subprocess.CompletedProcess:
    env = dict(os.environ, OMP_NUM_THREADS="1")
    return subprocess.run([*CLI, *map(str, args)], capture_output=True, text=True, env=env, cwd=cwd, timeout=600)


def read_video(path: Path) -> list[np.ndarray]:
    capture = cv2.VideoCapture(str(path))
    frames = []
    while True:
        ok, frame = capture.read()
        if not ok:
            return frames
        frames.append(frame)


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    if not (RAW_DRAWINGS.is_dir() and BVH_DIR.is_dir()):
        pytest.skip("../shared/data is not beside the repository")
    folder = tmp_path_factory.mktemp("batch")
    corrupt = folder / "corrupt.png"
    corrupt.write_bytes((RAW_DRAWINGS / DRAWINGS[0]).read_bytes()[:2000])  # truncated PNG
    blank = folder / "blank.png"
    cv2.imwrite(str(blank), np.full((600, 450, 3), 246, np.uint8))
    out = folder / "out"
    args = [*(RAW_DRAWINGS / name for name in DRAWINGS), corrupt, blank, "--motion", BVH_DIR / "fair1" / "jumping.bvh",
            "--out", out, "--format", "mp4,gif,png", "--size", SIZE, "--frames", FRAMES, "--jobs", 2, "--json"]
    done = run_cli("animate", *args)
    return {"done": done, "out": out, "args": args, "corrupt": corrupt, "blank": blank}


def test_bad_inputs_fail_clearly_and_the_rest_finish(batch):
    done = batch["done"]
    assert done.returncode == 1, done.stderr[-2000:]
    printed = json.loads(done.stdout)  # --json: stdout is exactly the summary
    summary = json.loads((batch["out"] / "summary.json").read_text())
    assert printed == summary
    status = {Path(item["input"]).name: item for item in summary["items"]}
    assert sorted(status) == sorted([*DRAWINGS, "corrupt.png", "blank.png"])
    for name in DRAWINGS:
        assert status[name]["status"] == "ok", status[name]["error"]
        assert status[name]["error"] is None and len(status[name]["outputs"]) == 3
        assert status[name]["timings_ms"]["render"] > 0
    for name in ("corrupt.png", "blank.png"):
        assert status[name]["status"] == "failed" and status[name]["outputs"] == []
        assert status[name]["error"].startswith(str(batch[name.split(".")[0]]) + ": ")
    assert "corrupt" in status["corrupt.png"]["error"]
    assert "no figure" in status["blank.png"]["error"]


def h264_profile(video: Path) -> int:
    """AVCProfileIndication from the MP4's avcC box (66/77/100 = Baseline/Main/High: 4:2:0 only)."""
    blob = video.read_bytes()
    at = blob.index(b"avcC") + 4
    assert blob[at] == 1  # configurationVersion
    return blob[at + 1]


def test_videos_are_complete_and_animated(batch):
    for name in DRAWINGS:
        video = batch["out"] / f"{Path(name).stem}.mp4"
        assert h264_profile(video) in (66, 77, 100)  # H.264, yuv420p
        frames = read_video(video)
        assert len(frames) == FRAMES
        assert frames[0].shape == (SIZE, SIZE, 3)
        # Figure pixels on the white default backdrop, and the figure moves.
        ink = [(f.astype(int).sum(2) < 600).mean() for f in frames]
        assert min(ink) > 0.02
        change = max(np.abs(frames[0].astype(int) - f.astype(int)).mean() for f in frames[1:])
        assert change > 1.0
        # The video shows the drawing's own colours (no filmic view transform): compare with the
        # lossless PNG frame over white.
        png = cv2.imread(str(batch["out"] / f"{Path(name).stem}_frames" / "frame_0001.png"), cv2.IMREAD_UNCHANGED)
        alpha = png[..., 3:4] / 255.0
        over_white = png[..., :3] * alpha + 255 * (1 - alpha)
        assert np.abs(frames[0] - over_white).mean() < 4
        assert not list(batch["out"].glob(".*part*")), "temporary outputs left behind"


def test_png_frames_have_alpha_and_gif_matches(batch):
    stem = Path(DRAWINGS[0]).stem
    pngs = sorted((batch["out"] / f"{stem}_frames").glob("frame_*.png"))
    assert len(pngs) == FRAMES
    first = cv2.imread(str(pngs[0]), cv2.IMREAD_UNCHANGED)
    assert first.shape == (SIZE, SIZE, 4)
    alpha = first[..., 3]
    assert (alpha == 0).mean() > 0.3 and (alpha == 255).mean() > 0.02  # transparent around the figure
    gif = read_video(batch["out"] / f"{stem}.gif")
    assert len(gif) == FRAMES
    # The GIF frame shows the PNG frame (palette quantised) where the figure is opaque.
    opaque = alpha == 255
    diff = np.abs(gif[0].astype(int) - first[..., :3].astype(int))[opaque].mean()
    assert diff < 12


def test_resume_redoes_nothing(batch):
    out = batch["out"]
    before = {p: p.stat().st_mtime_ns for p in out.iterdir() if p.suffix in (".mp4", ".gif")}
    done = run_cli("animate", *batch["args"], "--resume")
    assert done.returncode == 1  # the two bad inputs still fail
    items = json.loads(done.stdout)["items"]
    ok = [item for item in items if item["status"] == "ok"]
    assert len(ok) == 3 and all(item.get("skipped") for item in ok)
    assert {p: p.stat().st_mtime_ns for p in before} == before


def test_help_lists_every_option_with_defaults():
    done = run_cli("animate", "--help")
    assert done.returncode == 0
    for option in ("--motion", "--out", "--format", "--size", "--fps", "--background", "--jobs", "--shard",
                   "--resume", "--json", "--scene", "--engine", "--frames"):
        assert option in done.stdout
    text = " ".join(done.stdout.split())
    assert "(default: 512)" in text and "(default: flat)" in text and "(default: 1/1)" in text


def test_script_mode_finds_its_package(tmp_path):
    """`blender -b -P cli.py -- ARGS` runs cli.py as a script with no package: same CLI."""
    done = subprocess.run([sys.executable, str(REPO_ROOT / "cli.py"), "animate", "--help"],
                          capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "--shard" in done.stdout


def test_unknown_format_is_a_usage_error(tmp_path):
    done = run_cli("animate", "x.png", "--motion", "dab", "--out", tmp_path, "--format", "mp4,avi")
    assert done.returncode == 2 and "avi" in done.stderr


def test_scene_mode_puts_drawings_side_by_side_with_their_own_motions(tmp_path):
    if not (RAW_DRAWINGS.is_dir() and BVH_DIR.is_dir()):
        pytest.skip("../shared/data is not beside the repository")
    motions = f"{BVH_DIR / 'fair1' / 'dab.bvh'},{BVH_DIR / 'fair1' / 'jumping.bvh'}"
    done = run_cli("animate", RAW_DRAWINGS / DRAWINGS[0], RAW_DRAWINGS / DRAWINGS[1], tmp_path / "missing.png",
                   "--motion", motions, "--scene", "--out", tmp_path / "out", "--format", "png", "--size", 96,
                   "--frames", 4, "--json")
    items = json.loads(done.stdout)["items"]
    assert done.returncode == 1 and [i["status"] for i in items] == ["ok", "ok", "failed"]
    assert [Path(i["motion"]).stem for i in items[:2]] == ["dab", "jumping"]
    assert items[2]["error"] == f"{tmp_path / 'missing.png'}: not found"
    frames = sorted((tmp_path / "out" / "scene_frames").glob("*.png"))
    assert len(frames) == 4
    covered = cv2.imread(str(frames[0]), cv2.IMREAD_UNCHANGED)[..., 3].max(0) > 0
    starts = np.flatnonzero(covered[1:] & ~covered[:-1])
    assert len(starts) >= 2  # two figures, separate columns


def test_interrupted_run_leaves_no_finished_looking_output_and_resume_completes_it(tmp_path):
    if not (RAW_DRAWINGS.is_dir() and BVH_DIR.is_dir()):
        pytest.skip("../shared/data is not beside the repository")
    out = tmp_path / "out"
    args = ["animate", RAW_DRAWINGS / DRAWINGS[0], "--motion", BVH_DIR / "fair1" / "jumping.bvh", "--out", out,
            "--format", "png,mp4", "--size", 256, "--json"]   # big enough to take seconds: it must be caught mid-render
    proc = subprocess.Popen([*CLI, *map(str, args)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env=dict(os.environ, OMP_NUM_THREADS="1"))
    try:
        deadline = time.monotonic() + 120
        while not list(out.glob(".*.part-*")) and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        proc.kill()  # mid-render: the PNG frames folder is still partial
    finally:
        proc.wait()
    assert list(out.glob(".*.part-*")), "the run finished before it could be interrupted"
    stem = Path(DRAWINGS[0]).stem
    assert not (out / f"{stem}.mp4").exists() and not (out / f"{stem}_frames").exists()

    done = run_cli(*args, "--resume")
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout)["items"][0].get("skipped") is None  # really redone
    assert len(read_video(out / f"{stem}.mp4")) == len(list((out / f"{stem}_frames").glob("*.png"))) > 100
    assert not list(out.glob(".*.part-*"))  # the killed run's leftovers are gone


def test_shards_from_the_command_line_cover_every_item_once(tmp_path):
    inputs = [tmp_path / f"missing_{k}.png" for k in range(5)]  # fail fast: no rendering needed
    seen = []
    for index in (1, 2):
        done = run_cli("animate", *inputs, "--motion", "dab", "--out", tmp_path / "out", "--shard", f"{index}/2")
        assert done.returncode == 1
        summary = json.loads((tmp_path / "out" / f"summary-{index}-of-2.json").read_text())
        seen.append([Path(item["input"]).name for item in summary["items"]])
    assert sorted(seen[0] + seen[1]) == sorted(p.name for p in inputs)
    assert not set(seen[0]) & set(seen[1]) and abs(len(seen[0]) - len(seen[1])) <= 1
    assert not (tmp_path / "out" / "summary.json").exists()
