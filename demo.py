"""`make demo`: animate the bundled example drawing from the raw image.

Writes `out/drawing.mp4` (a rendered clip), `out/drawing.blend` (the rigged character with its
Action) and `out/summary.json` through the same public command line a user runs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import cli

EXAMPLE_DRAWING = Path(__file__).resolve().parent / "examples" / "drawing.png"
DEMO_MOTION = "wave"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("out"), help="output folder (default: out)")
    parser.add_argument("--motion", default=DEMO_MOTION, help=f"library clip or BVH (default: {DEMO_MOTION})")
    args = parser.parse_args(argv)
    return cli.main(["animate", str(EXAMPLE_DRAWING), "--motion", args.motion,
                     "--out", str(args.out), "--format", "mp4,blend"])


if __name__ == "__main__":
    cli.exit_program(main())  # bpy < 5.0 as a module can crash at exit; this exit is safe
