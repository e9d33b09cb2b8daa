"""Helpers shared by the UI operators (no classes: discovery registers nothing from here)."""

from __future__ import annotations

import bpy

from ..addon import jobs


def tell_user(message: str, icon: str = "ERROR") -> None:
    """A popup for results that arrive after the operator returned (from a job's timer).

    Background runs finish inside the operator, which reports instead (`start_reported`).
    """
    if bpy.app.background or not message:
        return

    def draw(menu, _context):
        menu.layout.label(text=message, translate=False)

    with bpy.context.temp_override(**jobs.window_context()):
        bpy.context.window_manager.popup_menu(draw, title="Animate Drawing", icon=icon)


def tell_if_failed(job: jobs.Job) -> None:
    if job.state is jobs.JobState.FAILED:
        tell_user(job.error_message)


def start_reported(operator: bpy.types.Operator, job: jobs.Job, wait: bool) -> set[str]:
    """Run `job` behind the interface, or to the end first when `wait` (a script called the
    operator and expects the result when it returns); report what is already known."""
    if wait:
        jobs.run(job)
    else:
        jobs.start(job)
    if job.state is jobs.JobState.FAILED:
        operator.report({"ERROR"}, job.error_message)
        return {"CANCELLED"}
    if job.state is jobs.JobState.CANCELLED:
        return {"CANCELLED"}
    return {"FINISHED"}


def image_editor_areas(context):
    window_manager = context.window_manager
    return [area for window in window_manager.windows for area in window.screen.areas
            if area.type == "IMAGE_EDITOR"]


def show_in_image_editors(context, image: bpy.types.Image) -> int:
    """Display `image` in every open Image Editor; returns how many."""
    areas = image_editor_areas(context)
    for area in areas:
        area.spaces.active.image = image
    return len(areas)
