"""Regenerate quadruped_gaits.png (the pig: walk, trot, sit, jump, one row each) and
extra_limbs.png (a drawing given a second pair of arms, waving); run from the repository root:

    PYTHONPATH=.. python docs/images/make_bodies.py
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, "tests")
sys.path.insert(0, str(Path(__file__).parent))
from make_pages import PIG, animate, sheet  # noqa: E402
from test_extra_limbs import four_armed_folder  # noqa: E402

from animate_drawing.imaging.image_file import write_png  # noqa: E402

HERE = Path(__file__).parent
GAITS = {"walk": 40, "run": 24, "idle": 90, "jump": 48}    # asked clip → frames of the four-legged one it becomes


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        animate(PIG, "--motion", ",".join(GAITS), "--out", scratch / "pig", "--format", "png", "--size", 256)
        rows = [sheet(scratch / "pig" / f"image_{clip}_frames",
                      np.linspace(1, frames, 8, endpoint=False).astype(int), 8) for clip, frames in GAITS.items()]
        write_png(HERE / "quadruped_gaits.png", np.vstack(rows))
        folder = four_armed_folder(Path("..") / "shared" / "data", scratch / "four_arms")
        animate(folder, "--motion", "dance", "--out", scratch / "four", "--format", "png", "--size", 256,
                "--frames", 64)
        write_png(HERE / "extra_limbs.png", sheet(scratch / "four" / "four_arms_frames", range(1, 64, 8), 8))


if __name__ == "__main__":
    main()
