"""Regenerate page_family.png, quadruped_pig.png and limbless_hop.png (run from the repository root, ../shared beside it).

    PYTHONPATH=.. python docs/images/make_pages.py
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, "tests")
from composed_pages import sack_page, write_page  # noqa: E402

from animate_drawing.imaging.image_file import read_image, write_png  # noqa: E402

HERE = Path(__file__).parent
PIG = Path("..") / "shared" / "data" / "drawings" / "annotated" / "A2S-LAB_AnimatedTale__test_2" / "image.png"


def sheet(frames_dir: Path, frames, columns: int) -> np.ndarray:
    """Frames on white (alpha composited), `columns` to a row."""
    tiles = []
    for frame in frames:
        rgba = read_image(frames_dir / f"frame_{frame:04d}.png")[0].astype(np.float32)
        alpha = rgba[..., 3:] / 255.0
        tiles.append((rgba[..., :3] * alpha + 255.0 * (1.0 - alpha)).astype(np.uint8))
    rows = [np.hstack(tiles[k:k + columns]) for k in range(0, len(tiles), columns)]
    return np.vstack(rows)


def animate(*args) -> None:
    subprocess.run([sys.executable, "-m", "animate_drawing.cli", "animate", *map(str, args)], check=True)


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        page, _ = write_page(scratch)
        animate(page, "--figure-motions", "wave,jump,dab", "--background", "page", "--out", scratch / "family",
                "--format", "png", "--size", 384, "--frames", 40)
        write_png(HERE / "page_family.png", sheet(scratch / "family" / "family_frames", (1, 10, 20, 30), 2))
        animate(PIG, "--motion", "walk", "--out", scratch / "pig", "--format", "png", "--size", 256)
        write_png(HERE / "quadruped_pig.png", sheet(scratch / "pig" / "image_frames", (1, 6, 12, 18, 24, 30), 3))
        write_png(scratch / "sack.png", sack_page())
        animate(scratch / "sack.png", "--motion", "wave", "--background", "page", "--out", scratch / "sack",
                "--format", "png", "--size", 200)
        write_png(HERE / "limbless_hop.png", sheet(scratch / "sack" / "sack_frames", (1, 7, 10, 15, 20, 28), 6))


if __name__ == "__main__":
    main()
