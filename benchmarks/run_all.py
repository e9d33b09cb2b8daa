"""`make bench`: run every benchmarks/bench_*.py in its own process and print their tables.

Each benchmark gets a fresh interpreter so one Blender session's state or memory never
colours another's numbers. Pass names to run a subset: `python -m benchmarks.run_all rig motion`.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent


def main(argv: list[str] | None = None) -> int:
    wanted = set(argv if argv is not None else sys.argv[1:])
    failures = []
    for script in sorted(BENCH_DIR.glob("bench_*.py")):
        area = script.stem.removeprefix("bench_")
        if wanted and area not in wanted:
            continue
        print(f"\n=== {area} ===", flush=True)
        started = time.perf_counter()
        code = subprocess.call([sys.executable, "-c", f"from benchmarks.{script.stem} import main; main()"],
                               cwd=BENCH_DIR.parent)
        print(f"--- {area}: {time.perf_counter() - started:.1f} s, exit {code}", flush=True)
        if code:
            failures.append(area)
    if failures:
        print(f"\nbenchmarks that failed: {', '.join(failures)}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
