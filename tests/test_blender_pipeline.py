"""One batch item through the whole staged pipeline (addon/stages.py): analyse → plan → build →
motion → output, its progress heard stage by stage and frame by frame, a cancel check that
stops it before Blender data is made, and its timings."""

from __future__ import annotations

import pytest

from conftest import ANNOTATED

pytestmark = pytest.mark.blender
CHARACTER = ANNOTATED / "AnimatedDrawings_Server-Backend__example1"
FRAMES = 6


def _options():
    from animate_drawing.addon.batch.batch_plan import BatchOptions
    return BatchOptions(inputs=[], motions=[], out="", formats=["gif"], size=64, frames=FRAMES)


def test_an_item_runs_every_stage_and_reports_its_progress(blender, shared_data, tmp_path):
    from animate_drawing.addon.stages import BUILD, MOTION, OUTPUT, item_stages
    from animate_drawing.pipeline.run import Hooks, Timer, run_stages
    from animate_drawing.pipeline.stages import PLAN

    heard, frames, timer = [], [], Timer()
    hooks = Hooks(progress=lambda label, fraction: heard.append((label, fraction)))
    outputs = {"gif": tmp_path / "walk.gif"}
    stages = item_stages(str(CHARACTER), ["walk"], _options(), outputs, timer, hooks,
                         on_frame=lambda done, total: frames.append((done, total)))
    built = run_stages(stages, hooks=hooks, timer=timer)

    assert [label for label, _ in heard[:4]] == [PLAN, BUILD, MOTION, OUTPUT]
    fractions = [fraction for _, fraction in heard]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert [label for label, fraction in heard if 0.75 < fraction < 1.0] == [OUTPUT] * (FRAMES - 1)  # each frame
    assert frames == [(k, FRAMES) for k in range(1, FRAMES + 1)]
    assert outputs["gif"].stat().st_size > 0
    assert len(built.armatures) == 1 and built.lengths[0] >= FRAMES
    assert built.armatures[0].animation_data.action is not None
    assert {"plan", "build", "motion", "render"} <= set(timer.ms)


def test_a_cancel_check_stops_the_item_before_anything_is_built(blender, shared_data, tmp_path):
    from animate_drawing.addon.stages import BUILD, item_stages
    from animate_drawing.pipeline.run import Cancelled, Hooks, Timer, run_stages

    bpy = blender
    labels = []
    hooks = Hooks(progress=lambda label, _: labels.append(label), cancelled=lambda: bool(labels))
    objects_before = len(bpy.data.objects)
    with pytest.raises(Cancelled) as stopped:
        run_stages(item_stages(str(CHARACTER), ["walk"], _options(), {"gif": tmp_path / "x.gif"}, Timer()), hooks=hooks)
    assert stopped.value.label == BUILD
    assert len(bpy.data.objects) == objects_before and not (tmp_path / "x.gif").exists()
