"""How long Blender's interface is blocked while a drawing is analysed for review.

The review analysis runs as a background job: the models on a worker thread, only storing
and showing the result on the main thread. Per drawing this prints the job's wall time and
the longest single main-thread step (what the user could feel as a freeze), next to the time
the same analysis blocks when run in the foreground, and the time the one-click
`animate_drawing.animate` (analysis, rig, motion) takes when run to the end in the foreground,
as scripts and background runs do (from the interface it runs as a background job).
Run: `python -m benchmarks.run_all ui`.
"""

from __future__ import annotations

import time
from pathlib import Path

from benchmarks import hermetic_blender_env

REPO = Path(__file__).resolve().parents[1]
RAW = REPO.parent / "shared" / "data" / "drawings" / "raw"
RAW_SAMPLES = 6
POLL_S = 0.002  # how often a timer would step the job (Blender's pump uses 50 ms)


def _drawings() -> list[Path]:
    drawings = [REPO / "examples" / "drawing.png"]
    if RAW.is_dir():
        drawings += sorted(p for p in RAW.iterdir() if p.suffix.lower() in {".png", ".jpg", ".jpeg"})[:RAW_SAMPLES]
    return drawings


def _stepped(job) -> tuple[float, float]:
    """(wall ms, longest main-thread step ms) driving `job` like the timer does."""
    longest, started = 0.0, time.perf_counter()
    while not job.finished:
        step_start = time.perf_counter()
        job.step()
        longest = max(longest, time.perf_counter() - step_start)
        time.sleep(POLL_S)
    return (time.perf_counter() - started) * 1000.0, longest * 1000.0


def main() -> None:
    hermetic_blender_env("ui")
    import bpy

    import animate_drawing
    from animate_drawing.addon.build.drawing_analysis import settings_from_preferences
    from animate_drawing.models.analyze import analyze_image
    from animate_drawing.operators.ui_review import review_job

    bpy.ops.wm.read_factory_settings(use_empty=True)
    animate_drawing.register()
    settings = settings_from_preferences(bpy.context)
    analyze_image(REPO / "examples" / "drawing.png", settings)  # load the models once

    print(f"{'drawing':<28} {'foreground ms':>14} {'job wall ms':>12} {'longest block ms':>17} {'blocked %':>10}"
          f" {'animate ms':>11}")
    for path in _drawings():
        started = time.perf_counter()
        try:
            analyze_image(path, settings)
        except Exception:  # noqa: BLE001 - a drawing without a figure still times the job
            pass
        foreground = (time.perf_counter() - started) * 1000.0
        job = review_job(str(path), settings)
        job.undo = False
        wall, longest = _stepped(job)
        bpy.context.scene.animate_drawing_analysis.figures_json = ""  # animate analyses afresh
        started = time.perf_counter()
        try:
            bpy.ops.animate_drawing.animate(filepath=str(path))
            animate = f"{(time.perf_counter() - started) * 1000.0:.0f}"
        except RuntimeError:  # no figure: reported by the operator
            animate = "failed"
        print(f"{path.name[:28]:<28} {foreground:>14.0f} {wall:>12.0f} {longest:>17.1f} "
              f"{100.0 * longest / max(foreground, 1e-6):>9.1f}% {animate:>11}")
    animate_drawing.unregister()


if __name__ == "__main__":
    main()
