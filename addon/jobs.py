"""Run long work without freezing Blender: worker-thread stages, main-thread stages, cancel.

A `Job` is a list of named `Stage`s (`pipeline.run.Stage`: the same stages a batch item runs
with `pipeline.run.run_stages`) run in order, each receiving the previous stage's result.
Stages that only compute (inference, skin-weight solving, retargeting math) run on a worker
thread; stages that create Blender data run on the main thread, from a `bpy.app.timers` pump,
because bpy is not thread-safe. Between stages the job checks for cancellation (Esc, the ✕ in
the status bar), so a cancelled job never starts another stage.

"Cancel leaves the scene as it was": a job records which data-blocks existed when it started
and removes every data-block created since if it is cancelled or fails, so a half-built
character never stays behind. Stages must therefore only *add* data, or do their edits in a
single main-thread stage that cannot be interrupted. On success one undo step is pushed with
the job's name: one Ctrl+Z removes everything the user action created.

In background mode (the bpy module, `blender -b`) there is no event loop, so timers never
fire: `start()` then drives the same stages synchronously (`run()`), and scripts that want the
result when an operator returns call `run()` themselves.
"""

from __future__ import annotations

import concurrent.futures
import enum
import time
import traceback
from typing import Any, Callable

import bpy
from bpy.app.translations import pgettext_iface as iface_

from ..errors import AnimateDrawingError, place_error
from ..pipeline.run import Stage

PUMP_INTERVAL_S = 0.05

# bpy.data collections a job may add to; removing the new members undoes a half-built result.
_ID_COLLECTIONS = ("objects", "meshes", "armatures", "materials", "images", "textures",
                   "actions", "collections", "cameras", "lights", "node_groups", "worlds")


class JobState(enum.Enum):
    RUNNING = "RUNNING"
    DONE = "DONE"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"


class DataSnapshot:
    """The data-blocks that exist now, to remove whatever is created after."""

    def __init__(self):
        self._existing = {name: {id_.as_pointer() for id_ in getattr(bpy.data, name)}
                          for name in _ID_COLLECTIONS}

    def created_since(self) -> list[bpy.types.ID]:
        return [id_ for name, before in self._existing.items()
                for id_ in getattr(bpy.data, name) if id_.as_pointer() not in before]

    def rollback(self) -> int:
        """Remove the data-blocks created since the snapshot; returns how many."""
        created = self.created_since()
        if created:
            bpy.data.batch_remove(created)
        return len(created)


class Job:
    """One user action's work. Create it, then `start()` (interactive) or `run()` (background)."""

    def __init__(self, name: str, stages: list[Stage], *, initial: Any = None,
                 undo: bool = True, on_finished: Callable[["Job"], None] | None = None):
        if not stages:
            raise ValueError("a job needs at least one stage")
        self.name = name
        self.stages = list(stages)
        self.undo = undo
        self.on_finished = on_finished
        self.state = JobState.RUNNING
        self.result: Any = initial
        self.error: BaseException | None = None
        self.stage_index = 0
        self._cancel_requested = False
        self._future: concurrent.futures.Future | None = None
        self._snapshot: DataSnapshot | None = None

    # -- what the UI shows ------------------------------------------------------------------
    @property
    def finished(self) -> bool:
        return self.state is not JobState.RUNNING

    @property
    def stage_label(self) -> str:
        return self.stages[min(self.stage_index, len(self.stages) - 1)].label

    @property
    def progress(self) -> float:
        return 1.0 if self.state is JobState.DONE else self.stage_index / len(self.stages)

    @property
    def error_message(self) -> str:
        """What to tell the user: our errors verbatim, a file or folder that failed (OSError) as
        its path and the problem in words, anything else with its type."""
        if self.error is None:
            return ""
        if isinstance(self.error, AnimateDrawingError):
            return str(self.error)
        if isinstance(self.error, OSError):
            return str(place_error(self.error))
        return f"{type(self.error).__name__}: {self.error}"

    def cancel(self) -> None:
        """Ask the job to stop; it stops (and rolls back) at its next step on the main thread."""
        self._cancel_requested = True

    # -- driving it (main thread only) ------------------------------------------------------
    def step(self) -> None:
        """Advance without blocking: collect a finished worker stage, start the next one."""
        if self.finished:
            return
        if self._snapshot is None:
            self._snapshot = DataSnapshot()
        if self._future is not None:
            if not self._future.done():
                if self._cancel_requested:  # the worker's result will simply be dropped
                    self._finish(JobState.CANCELLED)
                return
            future, self._future = self._future, None
            if future.exception() is not None:
                self._finish(JobState.FAILED, future.exception())
                return
            self.result = future.result()
            self.stage_index += 1
        if self._cancel_requested:
            self._finish(JobState.CANCELLED)
            return
        if self.stage_index == len(self.stages):
            self._finish(JobState.DONE)
            return
        stage = self.stages[self.stage_index]
        if stage.on_main_thread:
            try:
                self.result = stage.run(self.result)
            except Exception as exc:  # noqa: BLE001 - reported to the user, scene rolled back
                self._finish(JobState.FAILED, exc)
                return
            self.stage_index += 1
        else:
            self._future = _executor().submit(stage.run, self.result)

    def _finish(self, state: JobState, error: BaseException | None = None) -> None:
        self.state = state
        self.error = error
        if error is not None and not isinstance(error, (AnimateDrawingError, OSError)):
            traceback.print_exception(error)  # a bug: its traceback for the report
        if state is JobState.DONE:
            if self.undo:
                _push_undo(self.name)
        elif self._snapshot is not None:
            self._snapshot.rollback()
        if self.on_finished is not None:
            self.on_finished(self)


def window_context() -> dict:
    """Context overrides giving timer callbacks (which run without a window) the main window,
    which undo pushes and popups need."""
    context = bpy.context
    if context.window is not None:
        return {}
    windows = getattr(context.window_manager, "windows", ())
    return {"window": windows[0]} if len(windows) else {}


def _push_undo(message: str) -> None:
    # Work done from a timer is outside any operator, so Blender records no undo step itself.
    with bpy.context.temp_override(**window_context()):
        if bpy.ops.ed.undo_push.poll():
            bpy.ops.ed.undo_push(message=message)


_pool: concurrent.futures.ThreadPoolExecutor | None = None
_running: list[Job] = []


def _executor() -> concurrent.futures.ThreadPoolExecutor:
    global _pool
    if _pool is None:
        _pool = concurrent.futures.ThreadPoolExecutor(max_workers=2, thread_name_prefix="animate_drawing")
    return _pool


def running_jobs() -> tuple[Job, ...]:
    return tuple(_running)


def start(job: Job) -> Job:
    """Run `job` behind the interface, pumped by a timer; Esc cancels it.

    Without an event loop (background mode) nothing would ever pump it, so it runs to the
    end before returning: callers need no second code path for scripts and batch runs.
    """
    if bpy.app.background:
        return run(job)
    submit(job)
    if len(_running) == 1 and bpy.ops.animate_drawing.ui_watch_jobs.poll():
        bpy.ops.animate_drawing.ui_watch_jobs("INVOKE_DEFAULT")
    return job


def submit(job: Job) -> Job:
    """Queue `job` on the timer pump and return at once (`start()` adds the Esc watcher)."""
    _running.append(job)
    job.step()
    if not bpy.app.timers.is_registered(pump):
        bpy.app.timers.register(pump, first_interval=PUMP_INTERVAL_S)
    _tag_redraw()
    return job


def run(job: Job, poll_s: float = 0.005) -> Job:
    """Drive `job` to the end in the calling (main) thread: for background mode and scripts."""
    while not job.finished:
        job.step()
        if job._future is not None:
            time.sleep(poll_s)
    return job


def cancel_all() -> int:
    for job in _running:
        job.cancel()
    return len(_running)


def pump() -> float | None:
    """The timer callback: step every running job; returns the delay to the next call."""
    for job in list(_running):
        job.step()
        if job.finished:
            _running.remove(job)
    _tag_redraw()
    return PUMP_INTERVAL_S if _running else None


def _tag_redraw() -> None:
    window_manager = bpy.context.window_manager
    for window in getattr(window_manager, "windows", ()):
        for area in window.screen.areas:
            if area.type in {"STATUSBAR", "VIEW_3D", "IMAGE_EDITOR"}:
                area.tag_redraw()


def draw_status_bar(self, context):
    for job in _running:
        row = self.layout.row(align=True)
        text = f"{iface_(job.name)}: {iface_(job.stage_label)}"
        row.progress(factor=job.progress, type="BAR", text=text, translate=False)
        row.operator("animate_drawing.ui_cancel_jobs", text="", icon="X", emboss=False)


def register_module() -> None:
    bpy.types.STATUSBAR_HT_header.append(draw_status_bar)


def unregister_module() -> None:
    """Stop everything when the add-on goes away; running workers finish and are dropped."""
    global _pool
    bpy.types.STATUSBAR_HT_header.remove(draw_status_bar)
    cancel_all()
    for job in list(_running):
        job.step()
    _running.clear()
    if bpy.app.timers.is_registered(pump):
        bpy.app.timers.unregister(pump)
    if _pool is not None:
        _pool.shutdown(wait=False, cancel_futures=True)
        _pool = None
