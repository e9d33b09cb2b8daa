"""Motion layer speed (pure numpy): BVH parsing, forward kinematics, auto-mapping, retargeting.

Targets: parse a 1 MB BVH ≤ 100 ms; retarget a 1000-frame clip onto a 16-bone rig ≤ 20 ms
(the Blender-side key writing is measured in bench_blender).
Run: `python -m benchmarks.run_all motion` (or `python -c "from benchmarks.bench_motion import main; main()"`).
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("OMP_NUM_THREADS", "1")

from animate_drawing.motions import authoring  # noqa: E402
from animate_drawing.motions.bvh import BvhClip, load_bvh, write_bvh  # noqa: E402
from animate_drawing.motions.mapping import analyze_skeleton, auto_map  # noqa: E402
from animate_drawing.motions.retarget import RetargetOptions, retarget  # noqa: E402
from animate_drawing.formats.char_cfg import CharacterConfig, Joint  # noqa: E402
from animate_drawing.rig.skeleton import plan_bones  # noqa: E402

SHARED_BVH = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "bvh"
REPEATS = 7
PARSE_TARGET_MS = 100.0
RETARGET_TARGET_MS = 20.0
LONG_CLIP_FRAMES = 1000

# A 16-joint AnimatedDrawings figure, 400 px tall.
FIGURE = [
    ("root", None, (200, 250)), ("hip", "root", (200, 250)), ("torso", "hip", (200, 150)), ("neck", "torso", (200, 90)),
    ("right_shoulder", "torso", (160, 155)), ("right_elbow", "right_shoulder", (130, 200)),
    ("right_hand", "right_elbow", (110, 240)), ("left_shoulder", "torso", (240, 155)),
    ("left_elbow", "left_shoulder", (270, 200)), ("left_hand", "left_elbow", (290, 240)),
    ("right_hip", "root", (175, 255)), ("right_knee", "right_hip", (170, 310)), ("right_foot", "right_knee", (168, 360)),
    ("left_hip", "root", (225, 255)), ("left_knee", "left_hip", (230, 310)), ("left_foot", "left_knee", (232, 360)),
]


def _timed(fn, repeats: int = REPEATS) -> tuple[float, float]:
    """(best wall-clock, best CPU) milliseconds over `repeats` runs. On a shared machine the
    CPU time is the honest number: wall time also counts other processes' turns."""
    wall, cpu = [], []
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        wall.append((time.perf_counter() - start) * 1000.0)
        cpu.append((time.process_time() - start_cpu) * 1000.0)
    return min(wall), min(cpu)


def _long_clip(clip: BvhClip, frames: int) -> BvhClip:
    reps = -(-frames // clip.frame_count)
    return BvhClip(clip.path, clip.joints, clip.frame_time, np.tile(clip.motion, (reps, 1))[:frames])


def main() -> None:
    rows = []
    bones = plan_bones(CharacterConfig(width=400, height=400, joints=[Joint(n, p, uv) for n, p, uv in FIGURE]))
    scale = 2.0 / 400
    sources = {"library zombie_walk (30 fps)": authoring.build_clip("zombie", LONG_CLIP_FRAMES, 20,
                                                                     authoring.zombie_walk, travel=True)}
    if SHARED_BVH.is_dir():
        wave = load_bvh(SHARED_BVH / "fair1/wave_hello.bvh")
        sources["FAIR wave_hello (120 fps)"] = _long_clip(wave, LONG_CLIP_FRAMES)
        sources["CMU jumping_jacks (30 fps)"] = _long_clip(load_bvh(SHARED_BVH / "cmu1/jumping_jacks.bvh"),
                                                           LONG_CLIP_FRAMES)
    with tempfile.TemporaryDirectory() as tmp:
        for name, clip in sources.items():
            path = Path(tmp) / "one_mb.bvh"
            write_bvh(clip, path)        # then just enough frames for a 1 MB file
            write_bvh(_long_clip(clip, int(np.ceil(clip.frame_count * 1e6 / path.stat().st_size))), path)
            size = path.stat().st_size / 1e6
            wall, cpu = _timed(lambda: load_bvh(path))
            rows.append((f"parse {size:.1f} MB: {name}", f"{load_bvh(path).frame_count} fr", wall, cpu,
                         PARSE_TARGET_MS))
    for name, clip in sources.items():
        wall, cpu = _timed(clip.world_transforms)
        rows.append((f"forward kinematics: {name}", f"{clip.frame_count} fr", wall, cpu, None))
        wall, cpu = _timed(lambda: analyze_skeleton(clip))
        rows.append((f"auto-map by shape: {name}", f"{len(clip.joints)} joints", wall, cpu, None))
        mapping = auto_map(clip)
        for fps in (30, 24):
            options = RetargetOptions(fps=fps)
            result = retarget(clip, bones, mapping, options, scale)
            wall, cpu = _timed(lambda: retarget(clip, bones, mapping, options, scale))
            rows.append((f"retarget → {len(bones)} bones @ {fps} fps: {name}",
                         f"{clip.frame_count}→{result.frame_count} fr", wall, cpu, RETARGET_TARGET_MS))
    width = max(len(r[0]) for r in rows)
    print(f"{'case':<{width}}  {'size':>14}  {'wall ms':>8}  {'CPU ms':>7}  {'target (CPU)':>12}")
    for case, size, wall, cpu, target in rows:
        verdict = "" if target is None else f"{'ok ≤' if cpu <= target else 'MISS >'}{target:.0f}"
        print(f"{case:<{width}}  {size:>14}  {wall:8.1f}  {cpu:7.1f}  {verdict:>12}")


if __name__ == "__main__":
    main()
