"""The stage driver: a list of named stages run in order, each given the previous one's result.

Every path from a drawing to a result (the animate operator's job, the review, a batch item,
`animate-drawing rig`) is such a list; `pipeline.stages` makes the pure stages (analyse, plan),
`addon.stages` the Blender ones (build, motion, output). Two schedulers run the same lists:
`run_stages` here, in the calling thread (batch items, the CLI, scripts), and `addon.jobs.Job`
behind Blender's interface (pure stages on a worker thread, Esc heard between stages).

Plain Python: no Blender here.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Stage:
    label: str                       # what the user is told, e.g. "Finding the figure, its mask and joints"
    run: Callable[[Any], Any]        # previous stage's result → this stage's result
    on_main_thread: bool = False     # True for stages that touch Blender data
    timing: str = ""                 # the summary.json `timings_ms` key its time adds to ("" = the stage times itself)


class Cancelled(BaseException):
    """The caller's cancel check said stop. Not an Exception: a batch's per-item `except
    Exception` must let it through, as it lets an interrupt through."""

    def __init__(self, label: str):
        super().__init__(f"cancelled before '{label}'")
        self.label = label


class Timer:
    """Milliseconds per named stage, added up (a batch item's `timings_ms`)."""

    def __init__(self):
        self.ms: dict[str, float] = {}

    def add(self, stage: str, started: float) -> None:
        self.ms[stage] = self.ms.get(stage, 0.0) + (time.perf_counter() - started) * 1000.0


@dataclass
class Hooks:
    """What the caller wants to hear and say while stages run.

    `progress(label, fraction)`: the stage running and how far the whole run is (0..1); a stage
    that knows its own progress (rendering frames) reports it through `advance`.
    `cancelled()`: asked before every stage; True stops the run with `Cancelled`."""
    progress: Callable[[str, float], None] | None = None
    cancelled: Callable[[], bool] | None = None
    _label: str = ""
    _index: int = 0
    _count: int = 1

    def enter(self, index: int, count: int, label: str) -> None:
        if self.cancelled is not None and self.cancelled():
            raise Cancelled(label)
        self._index, self._count, self._label = index, count, label
        self.advance(0.0)

    def advance(self, fraction: float) -> None:
        """The running stage is `fraction` (0..1) done."""
        if self.progress is not None:
            self.progress(self._label, min(1.0, (self._index + fraction) / self._count))


def run_stages(stages: Sequence[Stage], value: Any = None, hooks: Hooks | None = None,
               timer: Timer | None = None) -> Any:
    """Run `stages` in order in this thread; returns the last one's result. Each stage's time
    goes to `timer` under its `timing` key; the cancel check runs before each stage."""
    hooks = hooks or Hooks()
    for index, stage in enumerate(stages):
        hooks.enter(index, len(stages), stage.label)
        started = time.perf_counter()
        value = stage.run(value)
        if timer is not None and stage.timing:
            timer.add(stage.timing, started)
    if stages:
        hooks.advance(1.0)
    return value
