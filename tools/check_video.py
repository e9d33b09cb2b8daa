"""Check a rendered animation by looking at its pixels: frame count, a figure in every frame,
and motion over time (a single frame, e.g. a PNG, is checked for the figure only). Used by
tools/blender_matrix.sh on what a real Blender binary rendered.

    python tools/check_video.py VIDEO --frames N [--ffmpeg ffmpeg]

Decodes with the ffmpeg program (raw RGB frames on a pipe), prints one line of measurements and
exits 0 when every check holds, 1 with the failed checks named otherwise.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

import numpy

# A pixel belongs to the figure when it differs this much (0-255, any channel) from the backdrop.
FIGURE_DIFFERENCE = 40
# The figure covers at least this share of every frame and leaves room around it.
FIGURE_SHARE = (0.005, 0.7)
# A frame "moved" when its figure mask differs from the first frame's in this share of the
# figure's area; at least MOVING_FRAMES of the frames after the first must have moved.
MOVED_SHARE = 0.03
MOVING_FRAMES = 0.5


def probe_size(video: str, ffprobe: str) -> tuple[int, int]:
    out = subprocess.run([ffprobe, "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height",
                          "-of", "json", video], capture_output=True, text=True, check=True).stdout
    stream = json.loads(out)["streams"][0]
    return int(stream["width"]), int(stream["height"])


def decode(video: str, ffmpeg: str, ffprobe: str) -> numpy.ndarray:
    """All frames as uint8 (frames, height, width, 3)."""
    width, height = probe_size(video, ffprobe)
    raw = subprocess.run([ffmpeg, "-v", "error", "-i", video, "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
                         capture_output=True, check=True).stdout
    return numpy.frombuffer(raw, numpy.uint8).reshape(-1, height, width, 3)


def figure_masks(frames: numpy.ndarray) -> numpy.ndarray:
    """Pixels unlike the backdrop, whose colour is the median of the first frame's border."""
    first = frames[0].astype(numpy.int16)
    border = numpy.concatenate([first[0], first[-1], first[:, 0], first[:, -1]])
    backdrop = numpy.median(border, axis=0)
    return (numpy.abs(frames.astype(numpy.int16) - backdrop).max(axis=-1) > FIGURE_DIFFERENCE)


def measure(frames: numpy.ndarray) -> dict:
    masks = figure_masks(frames)
    shares = masks.mean(axis=(1, 2))
    changed = (masks[1:] ^ masks[0]).sum(axis=(1, 2)) / max(int(masks[0].sum()), 1)
    return {
        "frames": int(len(frames)),
        "figure_share_min": round(float(shares.min()), 4),
        "figure_share_max": round(float(shares.max()), 4),
        "moved_frames": round(float((changed > MOVED_SHARE).mean()) if len(changed) else 0.0, 3),
        "max_change": round(float(changed.max()) if len(changed) else 0.0, 3),
    }


def failures(metrics: dict, expected_frames: int) -> list[str]:
    found = []
    if metrics["frames"] != expected_frames:
        found.append(f"{metrics['frames']} frames, expected {expected_frames}")
    if metrics["figure_share_min"] < FIGURE_SHARE[0] or metrics["figure_share_max"] > FIGURE_SHARE[1]:
        found.append(f"figure covers {metrics['figure_share_min']:.1%}-{metrics['figure_share_max']:.1%} "
                     f"of a frame, expected {FIGURE_SHARE[0]:.1%}-{FIGURE_SHARE[1]:.0%}")
    if expected_frames > 1 and metrics["moved_frames"] < MOVING_FRAMES:
        found.append(f"the figure moved in {metrics['moved_frames']:.0%} of the frames, expected >= {MOVING_FRAMES:.0%}")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("video")
    parser.add_argument("--frames", type=int, required=True, help="expected frame count")
    parser.add_argument("--ffmpeg", default="ffmpeg")
    parser.add_argument("--ffprobe", default="ffprobe")
    args = parser.parse_args(argv)
    try:
        frames = decode(args.video, args.ffmpeg, args.ffprobe)
    except (OSError, subprocess.CalledProcessError, KeyError, IndexError, ValueError) as exc:
        print(f"check_video: {args.video}: cannot be decoded ({exc})", file=sys.stderr)
        return 1
    metrics = measure(frames)
    print("video " + json.dumps(metrics))
    problems = failures(metrics, args.frames)
    for problem in problems:
        print(f"check_video: {args.video}: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
