"""The background work runner: stage order, threads, cancel/failure rollback, one undo step."""

from __future__ import annotations

import threading

import pytest

pytestmark = pytest.mark.blender


def _add_empty(name):
    import bpy

    obj = bpy.data.objects.new(name, None)
    bpy.context.scene.collection.objects.link(obj)
    return obj


def _object_names(bpy):
    return sorted(o.name for o in bpy.data.objects)


def test_stages_run_in_order_with_compute_off_the_main_thread(blender):
    from animate_drawing.addon import jobs

    threads = []

    def compute(value):
        threads.append(threading.current_thread())
        return value + [len(value)]

    def build(value):
        threads.append(threading.current_thread())
        _add_empty("Built")
        return value + ["built"]

    job = jobs.run(jobs.Job("Test", [jobs.Stage("a", compute), jobs.Stage("b", compute),
                                     jobs.Stage("c", build, on_main_thread=True)], initial=[]))
    assert job.state is jobs.JobState.DONE
    assert job.result == [0, 1, "built"]
    assert job.progress == 1.0
    assert threads[0] is not threading.main_thread() and threads[1] is not threading.main_thread()
    assert threads[2] is threading.main_thread()
    assert "Built" in blender.data.objects


def test_cancel_between_stages_removes_what_the_job_created(blender):
    from animate_drawing.addon import jobs

    _add_empty("UserObject")
    before = _object_names(blender)

    def build(_):
        _add_empty("Character")
        blender.data.meshes.new("CharacterMesh")
        return None

    job = jobs.Job("Test", [jobs.Stage("build", build, on_main_thread=True),
                            jobs.Stage("compute", lambda v: v)])
    job.step()  # runs the main-thread stage, queues nothing yet
    assert "Character" in blender.data.objects
    job.cancel()
    jobs.run(job)
    assert job.state is jobs.JobState.CANCELLED
    assert _object_names(blender) == before
    assert "CharacterMesh" not in blender.data.meshes


def test_cancel_during_a_worker_stage_drops_its_result(blender):
    from animate_drawing.addon import jobs

    release = threading.Event()
    reached_build = []
    job = jobs.Job("Test", [jobs.Stage("slow", lambda v: release.wait(5)),
                            jobs.Stage("build", lambda v: reached_build.append(v), on_main_thread=True)])
    job.step()  # worker started
    job.cancel()
    job.step()
    release.set()
    assert job.state is jobs.JobState.CANCELLED
    assert reached_build == []


def test_a_failing_stage_reports_and_rolls_back(blender):
    from animate_drawing.addon import jobs
    from animate_drawing.errors import InputError

    def build(_):
        _add_empty("Half")
        return None

    def fail(_):
        raise InputError("drawing.png", "no figure found")

    job = jobs.run(jobs.Job("Test", [jobs.Stage("build", build, on_main_thread=True),
                                     jobs.Stage("fail", fail)]))
    assert job.state is jobs.JobState.FAILED
    assert job.error_message == "drawing.png: no figure found"
    assert "Half" not in blender.data.objects


def test_a_place_that_fails_is_reported_in_words_and_rolled_back(blender, tmp_path):
    """A folder that vanished or cannot be written (OSError) reads like our own errors."""
    from animate_drawing.addon import jobs

    gone = tmp_path / "character"

    def build(_):
        _add_empty("Half")
        return None

    def read(_):
        return (gone / "char_cfg.yaml").read_text()  # removed while the job ran

    job = jobs.run(jobs.Job("Test", [jobs.Stage("build", build, on_main_thread=True),
                                     jobs.Stage("read", read)]))
    assert job.state is jobs.JobState.FAILED
    assert job.error_message == f"{gone / 'char_cfg.yaml'}: no such file or folder (it is missing or was removed)"
    assert "Half" not in blender.data.objects


def test_a_finished_job_is_one_undo_step(blender):
    from animate_drawing.addon import jobs

    _add_empty("UserObject")
    blender.ops.ed.undo_push(message="before")
    before = _object_names(blender)

    def build(_):
        _add_empty("A")
        _add_empty("B")

    jobs.run(jobs.Job("Animate Drawing", [jobs.Stage("build", build, on_main_thread=True)]))
    assert _object_names(blender) == sorted(before + ["A", "B"])
    blender.ops.ed.undo()
    assert _object_names(blender) == before
    blender.ops.ed.redo()
    assert _object_names(blender) == sorted(before + ["A", "B"])


def test_start_in_background_mode_runs_to_the_end(blender):
    from animate_drawing.addon import jobs

    job = jobs.start(jobs.Job("Test", [jobs.Stage("x", lambda v: 42)]))
    assert job.state is jobs.JobState.DONE and job.result == 42
    assert jobs.running_jobs() == ()


def test_cancel_operator_stops_a_queued_job_and_the_pump_retires_it(blender):
    from animate_drawing.addon import jobs

    release = threading.Event()
    built = []
    job = jobs.submit(jobs.Job("Test", [jobs.Stage("slow", lambda v: release.wait(5)),
                                        jobs.Stage("build", lambda v: built.append(1), on_main_thread=True)]))
    try:
        assert jobs.running_jobs() == (job,)
        assert blender.app.timers.is_registered(jobs.pump)
        # the Esc watcher is offered while work runs (its modal part needs a real event loop)
        assert blender.ops.animate_drawing.ui_watch_jobs.poll()
        assert blender.ops.animate_drawing.ui_cancel_jobs.poll()
        assert blender.ops.animate_drawing.ui_cancel_jobs() == {"FINISHED"}
        assert jobs.pump() is None  # nothing left to pump: the timer stops
    finally:
        release.set()
    assert job.state is jobs.JobState.CANCELLED and built == []
    assert jobs.running_jobs() == ()
    assert not blender.ops.animate_drawing.ui_cancel_jobs.poll()
    assert not blender.ops.animate_drawing.ui_watch_jobs.poll()
    blender.app.timers.unregister(jobs.pump)


def test_unregister_cancels_running_jobs(blender):
    import animate_drawing
    from animate_drawing.addon import jobs

    release = threading.Event()
    job = jobs.submit(jobs.Job("Test", [jobs.Stage("slow", lambda v: release.wait(5))]))
    animate_drawing.unregister()
    release.set()
    try:
        assert job.state is jobs.JobState.CANCELLED
        assert jobs.running_jobs() == ()
        assert not blender.app.timers.is_registered(jobs.pump)
    finally:
        animate_drawing.register()


def test_undo_step_is_recorded_without_a_window_like_in_a_timer(blender):
    from animate_drawing.addon import jobs

    blender.ops.ed.undo_push(message="before")
    before = _object_names(blender)
    with blender.context.temp_override(window=None):  # what a bpy.app.timers callback gets
        assert not blender.ops.ed.undo_push.poll()
        jobs.run(jobs.Job("Animate Drawing", [jobs.Stage("build", lambda v: _add_empty("A"), on_main_thread=True)]))
    blender.ops.ed.undo()
    assert _object_names(blender) == before
