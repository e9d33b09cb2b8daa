"""Motion from video: a 10 s 720p clip of a person → keyed Action on a character.

Target: ≤ 10 s on the 2-core machine (real time) including decoding, and ≤ 1 GB of memory
above the start. The 720p clip is made once from ../shared/data/video/basketball_two_players.mp4
(upscaled by Blender's sequencer, which fits the strip to the frame; H.264) in a separate process, so its rendering does not count in the
memory peak. Run: `python -m benchmarks.run_all video`.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks import hermetic_blender_env, print_table

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
SOURCE = SHARED_DATA / "video" / "basketball_two_players.mp4"
STREET = SHARED_DATA / "video" / "street_dance.avi"
TARGET_S = 10.0
TARGET_MEMORY_MB = 1024.0

_MAKE_720P = """
import sys, bpy
source, out = sys.argv[1], sys.argv[2]
scene = bpy.context.scene
editor = scene.sequence_editor_create()
strips = editor.strips if hasattr(editor, "strips") else editor.sequences
strip = strips.new_movie("v", source, channel=1, frame_start=1)
scene.render.fps, scene.render.fps_base = 30000, 1001
strips.remove(strip)
strip = strips.new_movie("v", source, channel=1, frame_start=1)
scene.frame_start, scene.frame_end = 1, strip.frame_final_duration
render = scene.render
render.resolution_x, render.resolution_y, render.resolution_percentage = 1280, 720, 100
if hasattr(render.image_settings, "media_type"):
    render.image_settings.media_type = "VIDEO"
render.image_settings.file_format = "FFMPEG"
render.ffmpeg.format, render.ffmpeg.codec = "MPEG4", "H264"
render.filepath = out
bpy.ops.render.render(animation=True)
"""


def _memory_mb() -> tuple[float, float]:
    """(current RSS, peak RSS) of this process in MB."""
    values = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(("VmRSS:", "VmHWM:")):
            key, amount = line.split(":")
            values[key] = float(amount.split()[0]) / 1024.0
    return values.get("VmRSS", 0.0), values.get("VmHWM", 0.0)


def _cpu_s() -> float:
    """CPU seconds of this process, all threads (Blender's decoder threads included): the work
    done, which other processes on the shared machine do not inflate the way they do wall time."""
    times = os.times()
    return times.user + times.system


def make_720p_clip(folder: Path) -> Path:
    out = folder / "basketball_720p.mp4"
    subprocess.run([sys.executable, "-c", _MAKE_720P, str(SOURCE), str(out)], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return out


def bench(bpy, video: Path, label: str) -> tuple:
    from animate_drawing.addon.build.build_armature import bone_plans
    from animate_drawing.addon.build.character import build_character, plan_from_character_dir
    from animate_drawing.addon.animate.motion import apply_retarget
    from animate_drawing.addon.animate.video_decode import probe_video
    from animate_drawing.addon.animate.video_motion import VideoMotionOptions, video_to_clip
    from animate_drawing.motions.retarget import RetargetOptions, retarget

    directory = next((SHARED_DATA / "drawings" / "annotated").glob("*example1"))
    bpy.ops.wm.read_factory_settings(use_empty=True)
    armature = build_character(bpy.context, plan_from_character_dir(directory), directory)
    props = armature.animate_drawing
    info = probe_video(video)
    rss_before, _ = _memory_mb()
    cpu_start = _cpu_s()
    start = time.perf_counter()
    result, timings = video_to_clip(video, VideoMotionOptions(fps=30.0))
    t0 = time.perf_counter()
    retargeted = retarget(result.clip, bone_plans(armature, props.scale, props.origin_uv), None,
                          RetargetOptions(fps=30.0), scale=props.scale)
    apply_retarget(armature, retargeted, video.stem, scene_fps=30.0)
    keys_ms = (time.perf_counter() - t0) * 1000.0
    total = time.perf_counter() - start
    cpu = _cpu_s() - cpu_start
    _, peak = _memory_mb()
    extra = peak - rss_before
    ok = total <= TARGET_S * info.duration / 10.0 and extra <= TARGET_MEMORY_MB
    return (label, f"{info.width}x{info.height} {info.fps:.0f} fps {info.duration:.1f} s",
            f"{timings['decode_ms'] / 1000:.2f}", f"{timings['pose_ms'] / 1000:.2f}",
            f"{(timings['clip_ms'] + keys_ms) / 1000:.2f}", f"{total:.2f}", f"{cpu:.2f}", f"{extra:.0f}",
            f"{result.found_fraction:.0%}", "ok" if ok else "MISSED")


def main() -> None:
    hermetic_blender_env("video")
    if not SOURCE.is_file():
        print(f"no shared videos at {SOURCE.parent}: nothing to benchmark")
        return
    with tempfile.TemporaryDirectory(prefix="bench_video_") as folder:
        clip_720p = make_720p_clip(Path(folder))
        import bpy
        import animate_drawing

        bpy.ops.wm.read_factory_settings(use_empty=True)
        animate_drawing.register()
        rows = [bench(bpy, clip_720p, "basketball upscaled to 720p"),
                bench(bpy, STREET, "street_dance (passers-by)")]
        animate_drawing.unregister()
    print_table(f"Video → keyed Action (target ≤ {TARGET_S:.0f} s per 10 s of video, ≤ {TARGET_MEMORY_MB:.0f} MB "
                 "above start; memory is the process peak, so the second row's is an upper bound; "
                 f"load average now {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)",
                 ("video", "source", "decode s", "pose s", "clip+keys s", "total s", "cpu s", "MB", "tracked", ""),
                 rows)


if __name__ == "__main__":
    sys.exit(main())
