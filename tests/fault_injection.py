"""Fault injection shared by the fault tests (tests/test_faults_*.py) and the fault table
(benchmarks/bench_faults.py): damaged input files, and places and processes that fail.

Every scenario returns `Outcome`s. Pass means the product stayed in control: a damaged file
is loaded or refused in one line naming it ("refused"), a failed place or an interrupt ends
with one line and the right status, and afterwards there is no traceback, no partial file
and no output under its final name that is not complete.
"""

from __future__ import annotations

import dataclasses
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"
RAW = SHARED_DATA / "drawings" / "raw"
ANNOTATED = SHARED_DATA / "drawings" / "annotated"
BVH = SHARED_DATA / "bvh" / "fair1" / "jumping.bvh"
CHARACTER = ANNOTATED / "limefresh5455_animation_drawing__char8"  # small: fast to rig
PNG_SOURCE = RAW / "input_0010.png"
JPEG_SOURCE = RAW / "ui_www_public_assets_example6.jpg"
CLI = [sys.executable, "-m", "animate_drawing.cli"]
PARTIAL = re.compile(r"\.part-\d+")
BAD_OUTCOMES = ("TRACEBACK", "HANG", "TRUNCATED", "LEFTOVER", "WRONG", "BUG")


@dataclass
class Outcome:
    fault: str
    case: str
    outcome: str  # "loaded", "refused", "finished", "stopped", … or one of BAD_OUTCOMES
    detail: str = ""

    @property
    def bad(self) -> bool:
        return self.outcome in BAD_OUTCOMES


# --- damaged files, in process -------------------------------------------------------------

def mutations(data: bytes, count: int, seed: int):
    """`count` damaged copies of `data`: half with 1-8 random bytes changed, half cut short."""
    rng = random.Random(seed)
    for k in range(count):
        if k % 2 == 0:
            damaged = bytearray(data)
            for _ in range(rng.randint(1, 8)):
                at = rng.randrange(len(damaged))
                damaged[at] ^= rng.randint(1, 255)
            yield f"flip{k}", bytes(damaged)
        else:
            yield f"cut{k}", data[:rng.randrange(len(data))]


def judge_load(fault: str, case: str, path: Path, load) -> Outcome:
    """Run `load()`; a refusal must be the product's one line naming the damaged file."""
    from animate_drawing.errors import InputError

    try:
        load()
    except InputError as exc:
        message = str(exc)
        if "\n" in message or str(path) not in message:
            return Outcome(fault, case, "WRONG", message[:200])
        return Outcome(fault, case, "refused", message[:200])
    except Exception as exc:  # noqa: BLE001 - exactly what the fuzzing looks for
        return Outcome(fault, case, "BUG", f"{type(exc).__name__}: {exc}"[:300])
    return Outcome(fault, case, "loaded")


def fuzz_file(fault: str, source: Path, name: str, folder: Path, count: int, seed: int, load) -> list[Outcome]:
    """Damaged copies of `source` written as `folder/name`, each given to `load(path)`."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    outcomes = []
    for case, data in mutations(source.read_bytes(), count, seed):
        target.write_bytes(data)
        outcomes.append(judge_load(fault, case, target, lambda: load(target)))
    return outcomes


def fuzz_images(folder: Path, count: int, seed: int) -> list[Outcome]:
    """PNG and JPEG through the CLI's image loader (Blender's decoder, EXIF, size checks)."""
    from animate_drawing.models.analyze import load_drawing

    return (fuzz_file("png", PNG_SOURCE, "drawing.png", folder, count, seed, load_drawing)
            + fuzz_file("jpeg", JPEG_SOURCE, "drawing.jpg", folder, count, seed, load_drawing))


def fuzz_bvh(folder: Path, count: int, seed: int) -> list[Outcome]:
    """BVH through the parser and the retargeting onto a real character's bones."""
    from animate_drawing.addon.build.character import plan_from_character_dir
    from animate_drawing.motions.bvh import load_bvh
    from animate_drawing.motions.retarget import RetargetOptions, retarget

    plan = plan_from_character_dir(CHARACTER)

    def load(path):
        retarget(load_bvh(path), plan.bones, None, RetargetOptions(fps=30.0), scale=plan.scale)

    return fuzz_file("bvh", BVH, "motion.bvh", folder, count, seed, load)


def fuzz_char_cfg(folder: Path, count: int, seed: int) -> list[Outcome]:
    """char_cfg.yaml in a copy of a character folder, through the CLI's character loader."""
    from animate_drawing.addon.build.character import plan_from_character_dir

    character = folder / "character"
    shutil.copytree(CHARACTER, character, dirs_exist_ok=True)
    original = folder / "char_cfg.yaml.original"
    shutil.copy(CHARACTER / "char_cfg.yaml", original)
    return fuzz_file("char_cfg.yaml", original, "character/char_cfg.yaml", folder, count, seed,
                     lambda _: plan_from_character_dir(character))


def fuzz_onnx(folder: Path, count: int, seed: int) -> list[Outcome]:
    """The shipped figure detector damaged, loaded as a model folder and run on a drawing."""
    from animate_drawing.models.analyze import AnalysisSettings, analyze_image, load_drawing
    from animate_drawing.models.runtime import MODELS_DIR, clear_session_cache

    models = folder / "models"
    shutil.copytree(MODELS_DIR, models, dirs_exist_ok=True, ignore=shutil.ignore_patterns("*.md", "*.py"))
    full = load_drawing(PNG_SOURCE)
    loaded = dataclasses.replace(full, rgb=np.ascontiguousarray(full.rgb[::3, ::3]))  # 300 px: 3x faster

    def load(_):
        clear_session_cache()  # sessions are cached per file name: the damaged copy must be loaded
        analyze_image(loaded, AnalysisSettings(models_dir=str(models), mask_source="classical"))

    original = folder / "figure_detector.onnx.original"
    shutil.copy(MODELS_DIR / "figure_detector.onnx", original)
    try:
        return fuzz_file("onnx", original, "models/figure_detector.onnx", folder, count, seed, load)
    finally:
        clear_session_cache()


def fuzz_blend(folder: Path, count: int, seed: int, source: Path) -> list[Outcome]:
    """A damaged .blend given as an input: the CLI's input expansion, then its image loader."""
    from animate_drawing.addon.batch.batch_plan import expand_inputs
    from animate_drawing.errors import InputError
    from animate_drawing.models.analyze import load_drawing

    def load(path):
        [(_, problem)] = expand_inputs([str(path)])
        if problem is None:
            raise AssertionError("a .blend was taken for a drawing")
        raise InputError(path, problem)

    def as_image(path):  # the same bytes renamed .png reach Blender's image decoder
        renamed = path.with_suffix(".png")
        shutil.copy(path, renamed)
        try:
            load_drawing(renamed)
        finally:
            renamed.unlink()

    outcomes = fuzz_file("blend", source, "scene.blend", folder, count, seed, load)
    return outcomes + fuzz_file("blend as .png", source, "scene.blend", folder / "renamed", count // 4, seed,
                                lambda path: judge_renamed(path, as_image))


def judge_renamed(path: Path, load) -> None:
    """`load` reports the renamed copy; say it about `path` so judge_load sees the name it expects."""
    from animate_drawing.errors import InputError

    try:
        load(path)
    except InputError as exc:
        raise InputError(path, exc.problem) from None


# --- the real command line: places and interrupts --------------------------------------------

def cli_env() -> dict:
    return dict(os.environ, OMP_NUM_THREADS="1", PYTHONUNBUFFERED="1")


def run_cli(*args, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([*CLI, *map(str, args)], capture_output=True, text=True, env=cli_env(),
                          cwd=REPO_ROOT, timeout=timeout)


def start_cli(*args) -> subprocess.Popen:
    return subprocess.Popen([*CLI, *map(str, args)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=cli_env(), cwd=REPO_ROOT)


def last_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else ""


def leftovers(folder: Path) -> list[str]:
    """Partial outputs anywhere under `folder`."""
    if not folder.exists():
        return []
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if PARTIAL.search(p.name))


def incomplete_outputs(folder: Path, frames: int) -> list[str]:
    """Outputs under their final names that are not whole: an MP4 without its index (moov box)
    or with fewer frames, a GIF without its trailer, a PNG folder short of frames."""
    import cv2

    def final(pattern):  # partial files are judged as leftovers, not as outputs
        return [p for p in folder.glob(pattern) if not PARTIAL.search(p.name)]

    bad = []
    for video in final("*.mp4"):
        capture = cv2.VideoCapture(str(video))
        count = int(capture.get(cv2.CAP_PROP_FRAME_COUNT))
        ok, _ = capture.read()
        if b"moov" not in video.read_bytes() or count != frames or not ok:
            bad.append(f"{video.name}: {count} frames")
    for gif in final("*.gif"):
        if not gif.read_bytes().endswith(b";"):
            bad.append(f"{gif.name}: no GIF trailer")
    for pngs in final("*_frames"):
        count = len(list(pngs.glob("frame_*.png")))
        if count != frames:
            bad.append(f"{pngs.name}: {count} of {frames} frames")
    return bad


def judge_run(fault: str, case: str, done: subprocess.CompletedProcess | tuple, out: Path, frames: int,
              expect_status: tuple[int, ...], expect_last: str) -> Outcome:
    """The usual verdict on a finished CLI run: status, our line last, nothing partial, all complete."""
    code, stderr = (done.returncode, done.stderr) if hasattr(done, "returncode") else done
    if "Traceback" in stderr:
        return Outcome(fault, case, "TRACEBACK", stderr[stderr.index("Traceback"):][:1500])
    left = leftovers(out)
    if left:
        return Outcome(fault, case, "LEFTOVER", ", ".join(left[:5]))
    broken = incomplete_outputs(out, frames)
    if broken:
        return Outcome(fault, case, "TRUNCATED", ", ".join(broken[:5]))
    last = last_line(stderr)
    if code not in expect_status or not re.search(expect_last, last):
        return Outcome(fault, case, "WRONG", f"exit {code}: {last[:200]}")
    return Outcome(fault, case, "stopped" if code else "finished", last[:160])


def summary_items(out: Path) -> list[dict]:
    path = out / "summary.json"
    return json.loads(path.read_text())["items"] if path.exists() else []


def interrupt_at(args: list, when, sig: int, timeout: float = 300) -> tuple[int, str, float]:
    """Start the CLI and send `sig` when `when` = (ready(), extra seconds) says; (status,
    stderr, seconds it took to stop after the signal). Status -1: it hung."""
    proc = start_cli(*args)
    ready, extra = when
    deadline = time.monotonic() + timeout
    while proc.poll() is None and not ready() and time.monotonic() < deadline:
        time.sleep(0.01)
    try:
        proc.wait(timeout=extra)
    except subprocess.TimeoutExpired:
        pass
    if proc.poll() is not None:  # finished before the moment came
        _, stderr = proc.communicate()
        return proc.returncode, stderr, 0.0
    sent = time.monotonic()
    proc.send_signal(sig)
    try:
        _, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, stderr = proc.communicate()
        return -1, "HANG " + stderr, time.monotonic() - sent
    return proc.returncode, stderr, time.monotonic() - sent


def mounted_tmpfs(where: Path, size: str, read_only: bool = False) -> bool:
    """Mount a tmpfs (root only); False where that is not possible."""
    where.mkdir(parents=True, exist_ok=True)
    options = f"size={size}" + (",ro" if read_only else "")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(where)], capture_output=True)
    return done.returncode == 0


def unmount(where: Path) -> None:
    subprocess.run(["umount", "-l", str(where)], capture_output=True)


def can_mount() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("mount") is not None



# --- scenarios on the real command line (each returns Outcomes; the tests and the table share them)

FRAMES, SIZE = 24, 96
# Runs struck while an item writes render more frames: 24 frames write in well under the
# strike moments' extra 0.4-0.8 s, so the batch finished before the signal came.
STRIKE_FRAMES = 120
CHARACTERS = ("limefresh5455_animation_drawing__char8", "mikaelapisani_AnimatedDrawings-JM__output",
              "limefresh5455_animation_drawing__char2_output")
# "interrupted" alone when the signal came while Blender started, before the batch was planned.
STOP_LINE = r"^interrupted(: \d+ of \d+ done; rerun with --resume)?$"


def batch_args(inputs, out: Path, jobs: int = 1, formats: str = "mp4,png,gif", frames: int = FRAMES,
               size: int = SIZE) -> list:
    return ["animate", *inputs, "--motion", BVH, "--out", out, "--format", formats, "--size", size,
            "--frames", frames, "--jobs", jobs]


def characters() -> list[Path]:
    return [ANNOTATED / name for name in CHARACTERS]


def unwritable_place(fault: str, place: Path) -> list[Outcome]:
    """Every command that writes, aimed at a place that cannot be written: one line naming it."""
    expect = re.escape(str(place)) + r".*: (read-only file system|operation not permitted|permission denied)"
    runs = {
        "animate folder": batch_args([CHARACTER], place / "out", frames=4),
        "animate file": batch_args([CHARACTER], place / "walk.mp4", frames=4),
        "rig": ["rig", CHARACTER, "--out", place / "c.blend"],
        "annotate": ["annotate", PNG_SOURCE, "--out", place / "character"],
    }
    return [judge_run(fault, case, run_cli(*args), place, 4, (1,), r"^animate-drawing: " + expect)
            for case, args in runs.items()]


def disk_fills_mid_render(fault: str, place: Path, fill_after: str = "second") -> Outcome:
    """A tmpfs that fills (a filler file takes what is left) while the second item renders: the
    first item stays complete, the second leaves nothing, the run ends in one line."""
    out = place / "out"
    first, second = characters()[:2]
    proc = start_cli(*batch_args([first, second], out, frames=60, size=192))
    filler = place / "filler"
    deadline = time.monotonic() + 240
    second_name = second.name
    while proc.poll() is None and time.monotonic() < deadline:
        if any(p.name.startswith(f".{second_name}") and PARTIAL.search(p.name) for p in out.glob(".*")):
            _fill(filler)
            break
        time.sleep(0.02)
    try:
        _, stderr = proc.communicate(timeout=max(1.0, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        proc.kill()
        return Outcome(fault, "2 items", "HANG")
    verdict = judge_run(fault, "2 items", (proc.returncode, stderr), out, 60, (1,),
                        r"no space left on the disk; stopped with 1 of 2 done; rerun with --resume")
    if not verdict.bad and not (out / f"{first.name}.mp4").is_file():
        return Outcome(fault, "2 items", "WRONG", "the first item's finished output is gone")
    return verdict


def _fill(filler: Path) -> None:
    try:
        with open(filler, "wb") as stream:
            while True:
                stream.write(b"\0" * (1 << 20))
    except OSError:
        pass


def vanishing_character(fault: str, folder: Path) -> Outcome:
    """The second character folder is removed while the first renders: it fails in one line,
    the first finishes."""
    first, second = folder / "first", folder / "second"
    shutil.copytree(characters()[0], first)
    shutil.copytree(characters()[1], second)
    out = folder / "out"
    proc = start_cli(*batch_args([first, second], out, formats="png", frames=60))
    deadline = time.monotonic() + 240
    while proc.poll() is None and time.monotonic() < deadline:
        if any(PARTIAL.search(p.name) for p in out.glob(".first*")):
            shutil.rmtree(second)
            break
        time.sleep(0.02)
    _, stderr = proc.communicate(timeout=240)
    verdict = judge_run(fault, "2 items", (proc.returncode, stderr), out, 60, (1,),
                        "^FAILED  " + re.escape(str(second)))
    items = {Path(item["input"]).name: item for item in summary_items(out)}
    if not verdict.bad and (items.get("first", {}).get("status") != "ok" or "\n" in stderr.strip().splitlines()[-1]):
        return Outcome(fault, "2 items", "WRONG", json.dumps(items)[:300])
    return verdict


def interrupt_then_resume(fault: str, sig: int, moment: tuple[int, float], out: Path, jobs: int = 2
                          ) -> list[Outcome]:
    """SIGINT/SIGTERM at `moment` = (item k, extra seconds): once item k's partial files appear
    (k = 0: while Blender starts), then the same command with --resume."""
    args = batch_args(characters(), out, jobs=jobs, frames=STRIKE_FRAMES)
    case = f"item {moment[0]} + {moment[1]:.2f} s, jobs {jobs}"
    code, stderr, took = interrupt_at(args, _item_started(out, moment), sig, timeout=30)
    if code == -1:
        return [Outcome(fault, case, "HANG", stderr[-300:])]
    finished_before = {item["input"]: _stamp(item) for item in summary_items(out) if item["status"] == "ok"}
    if code == 0:  # the batch was faster than the signal: nothing to judge but the run itself
        stopped = judge_run(fault, case, (code, stderr), out, STRIKE_FRAMES, (0,), r"^ok ")
    else:
        stopped = judge_run(fault, case, (code, stderr), out, STRIKE_FRAMES, (128 + sig,), STOP_LINE)
        stopped.detail = f"stopped in {took:.2f} s; " + stopped.detail
    resumed = judge_run(fault + ", then --resume", case, run_cli(*args, "--resume"), out, STRIKE_FRAMES, (0,), r"^ok ")
    kept = {item["input"]: _stamp(item) for item in summary_items(out) if item["input"] in finished_before}
    if not resumed.bad and kept != finished_before:
        resumed = Outcome(fault, resumed.case, "WRONG", "--resume redid or lost a finished item")
    return [stopped, resumed]


def _item_started(out: Path, moment: tuple[int, float]):
    """A `when` for interrupt_at: item k's partial files exist (k = 0: at once), then `extra` s."""
    item, extra = moment
    name = characters()[item - 1].name if item else None

    def ready() -> bool:
        return name is None or any(PARTIAL.search(p.name) for p in out.glob(f".{name}*"))
    return ready, extra


def _stamp(item: dict) -> tuple:
    """What identifies a finished item's files: their inode and modification time."""
    return tuple((os.stat(p).st_ino, os.stat(p).st_mtime_ns) for p in item["outputs"])


def kill9_then_resume(fault: str, moment: tuple[int, float], out: Path, jobs: int) -> list[Outcome]:
    """SIGKILL (no clean-up possible) at `moment` (see interrupt_then_resume): nothing
    incomplete under a final name; --resume then removes what was left and finishes the rest."""
    args = batch_args(characters(), out, jobs=jobs, frames=STRIKE_FRAMES)
    case = f"item {moment[0]} + {moment[1]:.2f} s, jobs {jobs}"
    code, stderr, _ = interrupt_at(args, _item_started(out, moment), signal.SIGKILL, timeout=30)
    time.sleep(1.0)  # the workers' own SIGTERM (parent death) clean-up
    broken = incomplete_outputs(out, STRIKE_FRAMES) if out.exists() else []
    killed = (Outcome(fault, case, "TRUNCATED", ", ".join(broken)) if broken
              else Outcome(fault, case, "killed", f"{len(leftovers(out))} partial files left"))
    resumed = judge_run(fault + ", then --resume", case, run_cli(*args, "--resume"), out, STRIKE_FRAMES, (0,), r"^ok ")
    return [killed, resumed]


def disk_fills_while_encoding(fault: str, place: Path) -> Outcome:
    """The disk fills once FFmpeg has started the video (which it would cut short and call
    finished): no video under the final name, one line saying the disk is full."""
    out = place / "walk.mp4"
    proc = start_cli(*batch_args([CHARACTER], out, formats="mp4", frames=200, size=256))
    deadline = time.monotonic() + 240
    while proc.poll() is None and time.monotonic() < deadline:
        if list(place.glob(".walk.part-*.mp4")):
            _fill(place / "filler")
            break
        time.sleep(0.005)
    try:
        _, stderr = proc.communicate(timeout=max(1.0, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        proc.kill()
        return Outcome(fault, "mp4", "HANG")
    return judge_run(fault, "mp4", (proc.returncode, stderr), place, 200, (1,),
                     r"no space left on the disk; stopped with 0 of 1 done")
