"""What every Animate Drawing operator does the same way: report user errors, show progress.

Not registered itself (the leading underscore keeps discovery away; it has no classes).
"""

from __future__ import annotations

import contextlib

import bpy

from ..errors import AnimateDrawingError, place_error
from ..pipeline.run import Hooks


@contextlib.contextmanager
def progress(context, steps: int):
    """Yields `advance()`; drives the window manager's progress cursor when there is one."""
    window_manager = getattr(context, "window_manager", None)
    done = 0

    def advance() -> None:
        nonlocal done
        done += 1
        if window_manager is not None:
            window_manager.progress_update(done)

    if window_manager is not None:
        window_manager.progress_begin(0, steps)
    try:
        yield advance
    finally:
        if window_manager is not None:
            window_manager.progress_end()


@contextlib.contextmanager
def stage_hooks(context):
    """Yields `pipeline.run.Hooks` that drive the window manager's progress cursor (0-100 %)
    while a synchronous operator runs the pipeline's stages."""
    window_manager = getattr(context, "window_manager", None)
    if window_manager is None:
        yield Hooks()
        return
    window_manager.progress_begin(0, 100)
    try:
        yield Hooks(progress=lambda _label, fraction: window_manager.progress_update(round(100 * fraction)))
    finally:
        window_manager.progress_end()


def run_reported(operator: bpy.types.Operator, work) -> set[str]:
    """Run `work()`; a user-facing error (or an OSError) becomes an ERROR report and {'CANCELLED'}.

    Builders roll back what they created before raising, so CANCELLED means the scene is as
    it was.
    """
    try:
        message = work()
    except AnimateDrawingError as error:
        operator.report({"ERROR"}, str(error))
        return {"CANCELLED"}
    except OSError as error:  # a file or folder that vanished or cannot be written: said in words
        operator.report({"ERROR"}, str(place_error(error)))
        return {"CANCELLED"}
    if message:
        operator.report({"INFO"}, message)
    return {"FINISHED"}


def select_only(context, obj: bpy.types.Object, *others: bpy.types.Object) -> None:
    """Make `obj` the active object and it (with `others`) the only selected ones (so panels and
    rebuild find the character)."""
    for selected in context.view_layer.objects.selected:
        selected.select_set(False)
    context.view_layer.objects.active = obj
    for chosen in (obj, *others):
        chosen.select_set(True)
