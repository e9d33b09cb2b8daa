"""Make docs/images/video_motion.gif: a filmed person beside the drawing that copies them.

    PYTHONPATH=.. .venv/bin/python docs/images/make_video_motion.py [VIDEO] [--seconds 4]

The drawing (examples/drawing.png) is animated by the project's own CLI with the video as
`--motion`; the video frames (with the tracked skeleton drawn on them) come from the same
decoder and tracker; the GIF from the project's GIF writer. The default video is evaluation
data in ../shared (never shipped): only the small GIF made from it is kept.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
VIDEO = REPO.parent / "shared" / "data" / "video" / "basketball_two_players.mp4"
OUT = Path(__file__).resolve().parent / "video_motion.gif"
HEIGHT = 120
FPS = 10
EDGES = [(11, 12), (11, 13), (13, 15), (12, 14), (14, 16), (11, 23), (12, 24), (23, 24),
         (23, 25), (25, 27), (24, 26), (26, 28), (27, 31), (28, 32)]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("video", nargs="?", default=str(VIDEO))
    parser.add_argument("--start", type=float, default=6.0)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--sheet", help="also write a PNG contact sheet of the frames (to look at)")
    args = parser.parse_args()
    end = args.start + args.seconds
    with tempfile.TemporaryDirectory() as work:
        subprocess.run([sys.executable, "-m", "animate_drawing.cli", "animate", str(REPO / "examples" / "drawing.png"),
                        "--motion", args.video, "--start", str(args.start), "--end", str(end), "--fps", str(FPS),
                        "--format", "png", "--size", str(HEIGHT), "--background", "white", "--out", work],
                       check=True)
        drawing = [_read_png(p) for p in sorted(Path(work).glob("*_frames/*.png"))]
        video = _video_with_skeleton(args.video, args.start, end, HEIGHT)
    from animate_drawing.imaging.gif import GifWriter, build_palette

    times = np.arange(len(drawing)) / FPS
    frames = []
    for t, right in zip(times, drawing):
        left = video[min(range(len(video)), key=lambda i: abs(video[i][0] - (args.start + t)))][1]
        frames.append(np.concatenate([left, right[:, :, :3]], axis=1))
    height, width = frames[0].shape[:2]
    samples = np.concatenate([f.reshape(-1, 3)[::97] for f in frames])
    with GifWriter(OUT, width, height, FPS, build_palette(samples)) as gif:
        for frame in frames:
            gif.write(np.dstack([frame, np.full(frame.shape[:2], 255, np.uint8)]))
    print(f"{OUT} ({OUT.stat().st_size / 1024:.0f} KB, {len(frames)} frames)")
    if args.sheet:
        from animate_drawing.imaging.image_file import write_png
        rows = [np.concatenate(frames[i:i + 4], axis=1) for i in range(0, len(frames) - 3, 8)]
        write_png(args.sheet, np.concatenate(rows, axis=0))
    return 0


def _read_png(path: Path) -> np.ndarray:
    from animate_drawing.imaging.image_file import read_image

    return read_image(path)[0]


def _video_with_skeleton(path: str, start: float, end: float, height: int) -> list[tuple[float, np.ndarray]]:
    import bpy  # noqa: F401 - Blender decodes the video

    from animate_drawing.addon.animate.video_decode import read_video
    from animate_drawing.imaging.draw import draw_line
    from animate_drawing.imaging.resample import resize
    from animate_drawing.models.human_pose import PoseTracker

    tracker = PoseTracker()
    out = []
    for frame in read_video(path, start=start, end=end):   # as the CLI reads it: the same performer
        pose = tracker.track(frame.rgb)
        image = frame.rgb.copy()
        if pose.found:
            for a, b in EDGES:
                draw_line(image, pose.image_xy[a] - 0.5, pose.image_xy[b] - 0.5, (255, 60, 40), 2)
        scale = height / image.shape[0]
        out.append((frame.time, resize(image, (round(image.shape[1] * scale), height))))
    return out


if __name__ == "__main__":
    sys.exit(main())
