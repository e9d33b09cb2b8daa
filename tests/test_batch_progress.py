"""Progress reporting: one line per item for logs, an updating line per frame on a terminal,
nothing with --json."""

from __future__ import annotations

import io

from animate_drawing.addon.batch.batch_plan import Item
from animate_drawing.addon.progress import Reporter

OK = {"input": "a.png", "status": "ok", "outputs": ["out/a.mp4"], "error": None}
FAILED = {"input": "b.png", "status": "failed", "outputs": [], "error": "b.png: no figure found"}


def _run(mode: str) -> str:
    stream = io.StringIO()
    reporter = Reporter(mode, stream)
    for number, result in enumerate((OK, FAILED), 1):
        reporter.item_started(number, 2, Item(result["input"], "dab", result["input"]))
        for frame in range(1, 4):
            reporter.frame_done(frame, 3)
        reporter.item_finished(result)
    return stream.getvalue()


def test_lines_mode_prints_one_line_per_item():
    assert _run("lines").splitlines() == ["ok      a.png -> out/a.mp4", "FAILED  b.png: no figure found"]


def test_tty_mode_shows_frames_on_one_updating_line():
    text = _run("tty")
    assert "[1/2] a.png (dab): frame 3/3" in text and "[2/2] b.png (dab)" in text
    assert text.count("\n") == 2  # frames overwrite one line; only item results end lines
    assert text.endswith("FAILED  b.png: no figure found\n")


def test_quiet_mode_prints_nothing():
    assert _run("quiet") == ""
