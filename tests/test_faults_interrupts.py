"""Interrupts on the real command line: SIGINT and SIGTERM at seeded random moments of a
3-item batch with --jobs 2, then --resume; SIGKILL, then --resume.

Pass: status 130/143 and "interrupted: N of M done; rerun with --resume" as the last line, no
traceback, no partial file left, every output under its final name complete, and --resume
finishes the rest without redoing a finished item. After SIGKILL (no clean-up possible)
nothing incomplete carries a final name, and --resume removes the leftovers.
"""

from __future__ import annotations

import random
import signal

import pytest

from fault_injection import ANNOTATED, interrupt_then_resume, kill9_then_resume

pytestmark = [pytest.mark.blender, pytest.mark.faults]
SEED = 19
# When to strike: once item k (1-3) has begun writing, plus a seeded fraction of a second;
# k = 0 while Blender is still starting. At most 0.4 s: on a quiet machine the last item's
# 120 frames were all written 0.41 s after its first file appeared.
_rng = random.Random(SEED)
MOMENTS = [(k, round(_rng.uniform(0.0, 0.4), 2)) for k in (0, 1, 2, 3)]


@pytest.fixture(autouse=True)
def shared(shared_data):
    if not ANNOTATED.is_dir():
        pytest.skip("../shared/data is not beside the repository")


def assert_good(outcomes) -> None:
    bad = [o for o in outcomes if o.bad]
    assert not bad, "\n".join(f"{o.fault} / {o.case}: {o.outcome}: {o.detail}" for o in bad)


@pytest.mark.parametrize("sig, moment", [(signal.SIGINT, MOMENTS[0]), (signal.SIGTERM, MOMENTS[1]),
                                         (signal.SIGINT, MOMENTS[2]), (signal.SIGTERM, MOMENTS[3])])
def test_interrupt_then_resume(tmp_path, sig, moment):
    outcomes = interrupt_then_resume(signal.Signals(sig).name, sig, moment, tmp_path / "out", jobs=2)
    assert_good(outcomes)
    assert outcomes[0].outcome == "stopped", "the signal came after the batch had finished"
    assert outcomes[1].outcome == "finished"


def test_interrupt_single_process(tmp_path):
    assert_good(interrupt_then_resume("SIGTERM", signal.SIGTERM, (2, 0.3), tmp_path / "out", jobs=1))


@pytest.mark.parametrize("jobs, moment", [(1, MOMENTS[1]), (2, MOMENTS[2])])
def test_kill9_then_resume(tmp_path, jobs, moment):
    outcomes = kill9_then_resume("SIGKILL", moment, tmp_path / "out", jobs)
    assert_good(outcomes)
    assert not list((tmp_path / "out").glob(".*.part-*")), "--resume left what the killed run wrote"
