"""Blender-side speed: rig build per annotated drawing, and retarget + key writing for a long clip.

Targets: rig build (mask → mesh → weights → Blender objects) ≤ 150 ms per drawing;
retarget + keys for a 1000-frame clip onto a 16-bone rig ≤ 50 ms.
Run: `python -m benchmarks.run_all blender` (or `python -c "from benchmarks.bench_blender import main; main()"`).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from benchmarks import hermetic_blender_env, print_table

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
REPEATS = 3
RIG_TARGET_MS = 150.0
RETARGET_TARGET_MS = 50.0
LONG_CLIP_FRAMES = 1000


def _best_ms(fn, repeats: int = REPEATS) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        best = min(best, (time.perf_counter() - start) * 1000.0)
    return best, result


def _annotated_dirs() -> list[Path]:
    annotated = SHARED_DATA / "drawings" / "annotated"
    if not annotated.is_dir():
        return []
    return sorted(d for d in annotated.iterdir() if (d / "mask.png").exists() and (d / "texture.png").exists())


def bench_rig_build(bpy) -> list[tuple]:
    from animate_drawing.addon.build.character import build_character, plan_from_character_dir
    from animate_drawing.errors import InputError

    rows = []
    for directory in _annotated_dirs():
        try:
            plan_ms, plan = _best_ms(lambda: plan_from_character_dir(directory))
        except InputError as error:  # e.g. a non-biped whose joints the planner rejects
            rows.append((directory.name[:44], "-", "-", "-", "-", f"skipped: {error.problem[:40]}"))
            continue

        def build():
            bpy.ops.wm.read_factory_settings(use_empty=True)
            start = time.perf_counter()
            build_character(bpy.context, plan, directory)
            return (time.perf_counter() - start) * 1000.0

        blender_ms = min(build() for _ in range(REPEATS))
        total = plan_ms + blender_ms
        rows.append((directory.name[:44], len(plan.triangles), f"{plan_ms:.1f}", f"{blender_ms:.1f}",
                     f"{total:.1f}", "ok" if total <= RIG_TARGET_MS else "SLOW"))
    return rows


def bench_retarget(bpy) -> list[tuple]:
    """A FAIR clip resampled to LONG_CLIP_FRAMES frames onto the first annotated 16-joint character."""
    from animate_drawing.addon.animate import motion
    from animate_drawing.addon.build.build_armature import bone_plans
    from animate_drawing.addon.build.character import build_character, plan_from_character_dir
    from animate_drawing.motions.bvh import load_bvh
    from animate_drawing.motions.retarget import RetargetOptions, retarget

    bvh_path = SHARED_DATA / "bvh" / "fair1" / "wave_hello.bvh"
    directory = next(d for d in _annotated_dirs() if "garlic" in d.name)
    bpy.ops.wm.read_factory_settings(use_empty=True)
    armature = build_character(bpy.context, plan_from_character_dir(directory), directory)
    props = armature.animate_drawing
    bones = bone_plans(armature, props.scale, props.origin_uv)

    parse_ms, clip = _best_ms(lambda: load_bvh(bvh_path))
    fps = (LONG_CLIP_FRAMES - 1) / ((clip.frame_count - 1) * clip.frame_time)
    options = RetargetOptions(fps=fps)
    retarget_ms, result = _best_ms(lambda: retarget(clip, bones, options=options, scale=props.scale))
    keys_ms, action = _best_ms(lambda: motion.apply_retarget(armature, result, "bench", scene_fps=fps))
    key_count = sum(len(fc.keyframe_points) for fc in motion.build_action.fcurve_collection(
        action, getattr(armature.animation_data, "action_slot", None)).fcurves)
    total = retarget_ms + keys_ms
    return [
        ("parse BVH (not in target)", f"{clip.frame_count} frames", f"{parse_ms:.1f}", ""),
        ("retarget", f"{result.frame_count} frames x {len(bones)} bones", f"{retarget_ms:.1f}", ""),
        ("write keys", f"{key_count} keys", f"{keys_ms:.1f}", ""),
        ("retarget + keys", "", f"{total:.1f}", "ok" if total <= RETARGET_TARGET_MS else "SLOW"),
    ]


def main() -> None:
    hermetic_blender_env("blender")
    import bpy
    import animate_drawing

    if not SHARED_DATA.is_dir():
        print(f"no shared data at {SHARED_DATA}: nothing to benchmark")
        return
    bpy.ops.wm.read_factory_settings(use_empty=True)
    animate_drawing.register()
    rig_rows = bench_rig_build(bpy)
    print_table(f"Rig build per annotated drawing (best of {REPEATS}, target ≤ {RIG_TARGET_MS:.0f} ms)",
                 ("drawing", "triangles", "plan ms", "blender ms", "total ms", ""), rig_rows)
    print_table(f"Retarget + keys, {LONG_CLIP_FRAMES}-frame clip (best of {REPEATS}, target ≤ "
                 f"{RETARGET_TARGET_MS:.0f} ms)", ("stage", "size", "ms", ""), bench_retarget(bpy))
    animate_drawing.unregister()


if __name__ == "__main__":
    sys.exit(main())
