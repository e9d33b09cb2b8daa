"""Operators that let the user stop background work: Esc while a job runs, or the ✕ button."""

from __future__ import annotations

import bpy

from ..addon import jobs


class ANIMATE_DRAWING_OT_ui_cancel_jobs(bpy.types.Operator):
    bl_idname = "animate_drawing.ui_cancel_jobs"
    bl_label = "Cancel Animate Drawing"
    bl_description = "Stop the running Animate Drawing work and remove what it created so far"
    bl_options = {"INTERNAL"}

    @classmethod
    def poll(cls, context):
        return bool(jobs.running_jobs())

    def execute(self, context):
        count = jobs.cancel_all()
        self.report({"INFO"}, f"Cancelling {count} job(s)")
        return {"FINISHED"}


class ANIMATE_DRAWING_OT_ui_watch_jobs(bpy.types.Operator):
    """Modal watcher: passes every event through except Esc, which cancels the running jobs."""

    bl_idname = "animate_drawing.ui_watch_jobs"
    bl_label = "Watch Animate Drawing Jobs"
    bl_description = "Wait for the running Animate Drawing work; Esc cancels it"
    bl_options = {"INTERNAL"}

    _timer = None

    @classmethod
    def poll(cls, context):
        return context.window is not None and bool(jobs.running_jobs())

    def invoke(self, context, event):
        # The timer only wakes the modal handler so it notices the end of the work.
        self._timer = context.window_manager.event_timer_add(0.25, window=context.window)
        context.window_manager.modal_handler_add(self)
        return {"RUNNING_MODAL"}

    def modal(self, context, event):
        if not jobs.running_jobs():
            return self._stop(context, {"FINISHED"})
        if event.type == "ESC" and event.value == "PRESS":
            jobs.cancel_all()
            return self._stop(context, {"CANCELLED"})
        return {"PASS_THROUGH"}

    def _stop(self, context, result):
        context.window_manager.event_timer_remove(self._timer)
        return result


CLASSES = (ANIMATE_DRAWING_OT_ui_cancel_jobs, ANIMATE_DRAWING_OT_ui_watch_jobs)
