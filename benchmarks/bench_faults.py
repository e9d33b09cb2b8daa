"""The fault table: fault x runs x outcome over the whole fault-injection suite.

Target: 0 tracebacks, 0 truncated outputs and 0 leftovers (any BAD column above 0 is a bug).
Damaged files run in this process through the CLI's loaders; places and interrupts run the
real command line (tmpfs mounts and `chattr +i` need root: skipped otherwise, and said so).
Run: `python -m benchmarks.run_all faults` (about 3 minutes on 2 cores).
"""

from __future__ import annotations

import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from benchmarks import hermetic_blender_env

TESTS = Path(__file__).resolve().parents[1] / "tests"
CASES, SEED = 100, 19


def fuzz_rows(fi, bpy, folder: Path) -> list:
    folder.mkdir(parents=True)
    source = folder / "source.blend"
    bpy.ops.mesh.primitive_cube_add()
    bpy.ops.wm.save_as_mainfile(filepath=str(source), copy=True)
    outcomes = []
    for name, run in (("images", fi.fuzz_images), ("bvh", fi.fuzz_bvh), ("cfg", fi.fuzz_char_cfg),
                      ("onnx", fi.fuzz_onnx)):
        outcomes += run(folder / name, CASES, SEED)
    return outcomes + fi.fuzz_blend(folder / "blend", CASES, SEED, source)


def place_rows(fi, folder: Path) -> tuple[list, list[str]]:
    outcomes, skipped = [], []
    if fi.can_mount():
        scenarios = (("1m", True, lambda p: fi.unwritable_place("read-only tmpfs", p)),
                     ("48m", False, lambda p: [fi.disk_fills_mid_render("disk fills mid-render", p)]),
                     ("48m", False, lambda p: [fi.disk_fills_while_encoding("disk fills while encoding", p)]))
        for k, (size, read_only, run) in enumerate(scenarios):
            where = folder / f"mount{k}"
            if fi.mounted_tmpfs(where, size, read_only):
                try:
                    outcomes += run(where)
                finally:
                    fi.unmount(where)
    else:
        skipped.append("tmpfs faults (need root)")
    immutable = folder / "immutable"
    immutable.mkdir()
    if subprocess.run(["chattr", "+i", str(immutable)], capture_output=True).returncode == 0:
        try:
            outcomes += fi.unwritable_place("immutable folder", immutable)
        finally:
            subprocess.run(["chattr", "-i", str(immutable)])
    else:
        skipped.append("immutable folder (chattr +i not possible)")
    outcomes.append(fi.vanishing_character("folder vanishes mid-batch", folder / "vanish"))
    return outcomes, skipped


def interrupt_rows(fi, folder: Path) -> tuple[list, list[float]]:
    rng = random.Random(SEED)
    outcomes, stop_times = [], []
    for k in range(8):  # moments: once item 0-3 has begun (0: Blender starting) + up to 0.8 s
        sig = (signal.SIGINT, signal.SIGTERM)[k % 2]
        moment = (k // 2, rng.uniform(0.0, 0.8))
        runs = fi.interrupt_then_resume(signal.Signals(sig).name + " --jobs 2", sig, moment, folder / f"int{k}",
                                        jobs=2)
        outcomes += runs
        if runs[0].detail.startswith("stopped in"):
            stop_times.append(float(runs[0].detail.split()[2]))
    for k, jobs in enumerate((1, 2)):
        moment = (rng.randint(1, 3), rng.uniform(0.0, 0.8))
        outcomes += fi.kill9_then_resume(f"SIGKILL --jobs {jobs}", moment, folder / f"kill{k}", jobs)
    return outcomes, stop_times


def main() -> None:
    hermetic_blender_env("faults")
    sys.path.insert(0, str(TESTS))
    import bpy

    import animate_drawing
    import fault_injection as fi

    if not fi.ANNOTATED.is_dir():
        print("../shared/data is not beside the repository: nothing to run")
        return
    bpy.ops.wm.read_factory_settings(use_empty=True)
    animate_drawing.register()
    folder = Path(tempfile.mkdtemp(prefix="bench_faults_"))
    started = time.perf_counter()
    try:
        outcomes = fuzz_rows(fi, bpy, folder / "fuzz")
        places, skipped = place_rows(fi, folder / "places")
        interrupts, stop_times = interrupt_rows(fi, folder / "interrupts")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    outcomes += places + interrupts
    table = Counter((o.fault, o.outcome) for o in outcomes)
    faults = list(dict.fromkeys(o.fault for o in outcomes))
    print(f"{'fault':34} {'runs':>5}  outcomes")
    for fault in faults:
        counts = {outcome: n for (f, outcome), n in table.items() if f == fault}
        print(f"{fault:34} {sum(counts.values()):5d}  " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    bad = Counter(o.outcome for o in outcomes if o.bad)
    print(f"\nruns {len(outcomes)}; " + ", ".join(f"{kind} {bad.get(kind, 0)}" for kind in fi.BAD_OUTCOMES)
          + f"  (target: all 0)   [{time.perf_counter() - started:.0f} s]")
    if stop_times:
        print(f"SIGINT/SIGTERM to exit: max {max(stop_times):.2f} s over {len(stop_times)} interrupted runs "
              "(target: within 1 s)")
    for note in skipped:
        print(f"skipped: {note}")
    for o in outcomes:
        if o.bad:
            print(f"  {o.fault} / {o.case}: {o.outcome}: {o.detail}")


if __name__ == "__main__":
    main()
