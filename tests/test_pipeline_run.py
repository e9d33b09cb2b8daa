"""The stage driver (pipeline/run.py) and the pure stages every caller starts with
(pipeline/stages.py): order, progress, cancel between stages, timings, and the real analyse
and plan stages on a drawing and a character folder."""

from __future__ import annotations

import pytest

from conftest import ANNOTATED, REPO_ROOT

from animate_drawing.pipeline.run import Cancelled, Hooks, Stage, Timer, run_stages

CHARACTER = ANNOTATED / "AnimatedDrawings_Server-Backend__example1"


def test_stages_run_in_order_each_given_the_previous_result():
    stages = [Stage("one", lambda v: v + [1]), Stage("two", lambda v: v + [2]), Stage("three", lambda v: v + [3])]
    assert run_stages(stages, []) == [1, 2, 3]


def test_progress_names_each_stage_and_the_share_done_including_inside_a_stage():
    heard = []
    hooks = Hooks(progress=lambda label, fraction: heard.append((label, round(fraction, 3))))

    def render(value):
        for done in (1, 2):
            hooks.advance(done / 2)
        return value

    run_stages([Stage("plan", lambda v: v), Stage("render", render)], 0, hooks)
    assert heard == [("plan", 0.0), ("render", 0.5), ("render", 0.75), ("render", 1.0), ("render", 1.0)]


def test_a_cancel_check_stops_before_the_next_stage_and_it_never_runs():
    ran = []
    stages = [Stage("analyse", lambda v: ran.append("analyse")), Stage("build", lambda v: ran.append("build"))]
    with pytest.raises(Cancelled) as stopped:
        run_stages(stages, hooks=Hooks(cancelled=lambda: bool(ran)))
    assert ran == ["analyse"] and stopped.value.label == "build"
    assert not isinstance(stopped.value, Exception)   # a batch's `except Exception` lets it through


def test_each_stage_adds_its_time_under_its_timing_key():
    timer = Timer()
    run_stages([Stage("a", lambda v: v, timing="analyze"), Stage("b", lambda v: v, timing="analyze"),
                Stage("c", lambda v: v, timing="plan"), Stage("d", lambda v: v)], timer=timer)
    assert set(timer.ms) == {"analyze", "plan"} and all(ms >= 0 for ms in timer.ms.values())


@pytest.mark.blender   # meshing triangulates with mathutils
def test_a_drawing_is_decoded_analysed_and_planned_into_a_cast():
    from animate_drawing.pipeline.stages import FIND, LOAD, PLAN, cast_stages

    heard, timer = [], Timer()
    stages = cast_stages(REPO_ROOT / "examples" / "drawing.png")
    assert [(s.label, s.on_main_thread) for s in stages] == [(LOAD, False), (FIND, False), (PLAN, False)]
    cast = run_stages(stages, hooks=Hooks(progress=lambda label, _: heard.append(label)), timer=timer)
    assert heard == [LOAD, FIND, PLAN, PLAN]
    assert set(timer.ms) == {"analyze", "plan"}
    assert len(cast.plans) == len(cast.placements) == len(cast.bodies) >= 1
    assert cast.plans[0].name == "drawing" and cast.placements[0].location == (0.0, 0.0, 0.0)


@pytest.mark.blender
def test_a_character_folder_is_planned_in_one_stage(shared_data):
    from animate_drawing.pipeline.stages import PLAN, cast_stages
    from animate_drawing.rig.plan import sanitize_name

    timer = Timer()
    stages = cast_stages(CHARACTER)
    assert [s.label for s in stages] == [PLAN]
    cast = run_stages(stages, timer=timer)
    assert set(timer.ms) == {"plan"} and cast.bodies == ["biped"] and cast.source == str(CHARACTER)
    assert cast.plans[0].name == sanitize_name(CHARACTER.name)
