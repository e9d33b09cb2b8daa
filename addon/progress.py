"""Batch progress for people (terminal) or nobody (--json keeps stdout for the summary)."""

from __future__ import annotations

import sys
import time


class Reporter:
    """mode: "tty" (per item, per frame on one updating line), "lines" (one line per item, for
    logs), "quiet" (nothing). Everything goes to stderr."""

    def __init__(self, mode: str = "lines", stream=None):
        self.mode = mode
        self.stream = stream or sys.stderr
        self._label = ""
        self._last_draw = 0.0

    @classmethod
    def for_terminal(cls, quiet: bool) -> "Reporter":
        if quiet:
            return cls("quiet")
        return cls("tty" if sys.stderr.isatty() else "lines")

    def item_started(self, number: int, total: int, item) -> None:
        self._label = f"[{number}/{total}] {item.input}" + (f" ({item.motion})" if item.motion else "")
        if self.mode == "tty":
            self._draw(self._label)

    def frame_done(self, done: int, total: int) -> None:
        now = time.monotonic()
        if self.mode == "tty" and (done == total or now - self._last_draw > 0.1):
            self._last_draw = now
            self._draw(f"{self._label}: frame {done}/{total}")

    def item_finished(self, result: dict) -> None:
        if self.mode == "quiet":
            return
        if result["status"] == "ok":
            what = "skipped (outputs complete)" if result.get("skipped") else ", ".join(result["outputs"])
            line = f"ok      {result['input']} -> {what}"
        else:
            line = f"FAILED  {result['error']}"
        if self.mode == "tty":
            self.stream.write("\r\033[K")
        self.stream.write(line + "\n")
        self.stream.flush()

    def _draw(self, text: str) -> None:
        self.stream.write("\r\033[K" + text[-200:])
        self.stream.flush()
