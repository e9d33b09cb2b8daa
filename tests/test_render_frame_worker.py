"""The frame worker (numpy only): results come back in order, in reused slots, for requests
larger than a pipe's buffer, from a forked helper and inline alike; a failure in the helper
becomes one clear error here."""

from __future__ import annotations

import os

import numpy as np
import pytest

from animate_drawing.addon.output import frame_worker

LAYOUT = [((4,), np.float64), ((2, 3), np.uint8)]


def _draw(positions, slot, outputs):
    total, counts = outputs
    if positions[0, 0] < 0:
        raise ValueError("negative frame")
    total[:] = positions.sum(0)[:1].repeat(4)
    counts[...] += 1  # slots keep what was painted in them before


WORKERS = [frame_worker.InlineWorker] + ([frame_worker.ForkedWorker] if hasattr(os, "fork") else [])


@pytest.mark.parametrize("worker_type", WORKERS)
def test_results_come_back_in_order_through_reused_slots(worker_type):
    rows = 200_000  # 4.8 MB a request: far more than a pipe holds
    worker = worker_type(_draw, LAYOUT, (rows, 3), slots=2)
    try:
        sums = []
        worker.submit(np.full((rows, 3), 0.0))
        for k in range(5):
            if k + 1 < 5:
                worker.submit(np.full((rows, 3), float(k + 1)))
            total, counts = worker.result()
            sums.append(total[0])
            assert counts[0, 0] == k // 2 + 1  # each of the 2 slots is painted every other frame
        assert sums == [0.0, rows * 1.0, rows * 2.0, rows * 3.0, rows * 4.0]
    finally:
        worker.close()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this platform")
def test_a_failure_in_the_helper_is_one_clear_error():
    worker = frame_worker.ForkedWorker(_draw, LAYOUT, (3, 3))
    try:
        worker.submit(np.full((3, 3), -1.0))
        with pytest.raises(RuntimeError, match="rasteriser process failed: ValueError: negative frame"):
            worker.result()
    finally:
        worker.close()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this platform")
def test_too_many_frames_in_flight_is_refused():
    """A slot still being read must never be painted over."""
    worker = frame_worker.ForkedWorker(_draw, LAYOUT, (3, 3), slots=1)
    try:
        worker.submit(np.zeros((3, 3)))
        with pytest.raises(RuntimeError, match="slot"):
            worker.submit(np.zeros((3, 3)))
    finally:
        worker.close()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_an_interrupt_while_closing_comes_after_the_helper_is_reaped():
    """SIGTERM while close() waits for the helper: the helper is still reaped, then the interrupt
    is raised to the caller (it was once raised mid-wait, leaving a zombie and a traceback)."""
    import signal
    import threading
    import time

    from animate_drawing.addon.interrupt import Interrupted, signals_raise_interrupted

    def slow_draw(positions, slot, outputs):
        time.sleep(0.6)  # the helper is still drawing when close() starts waiting

    worker = frame_worker.ForkedWorker(slow_draw, LAYOUT, (2, 3), slots=2)
    child = worker.pid
    worker.submit(np.zeros((2, 3)))
    strike = threading.Timer(0.2, os.kill, (os.getpid(), signal.SIGTERM))
    with signals_raise_interrupted():
        strike.start()
        with pytest.raises(Interrupted):
            worker.close()
        strike.join()
    assert worker.pid == 0
    with pytest.raises(ChildProcessError):
        os.waitpid(child, os.WNOHANG)  # already reaped


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_pool_deals_frames_to_its_helpers_in_turn_and_returns_them_in_order():
    """Two helpers, a frame in each: results come back in submission order, each drawn by the
    helper whose turn it was, and every helper is reaped on close."""
    layout = [((2,), np.float64)]

    def draw(positions, slot, outputs):
        outputs[0][:] = positions[0, 0], os.getpid()

    pool = frame_worker.WorkerPool(draw, layout, (100_000, 3), slots=2, helpers=2)
    helpers = [worker.pid for worker in pool.workers]
    try:
        assert pool.ahead == 2 and len(set(helpers)) == 2 and os.getpid() not in helpers
        drawn = []
        for k in range(pool.ahead):
            pool.submit(np.full((100_000, 3), float(k)))
        for k in range(7):
            if k + pool.ahead < 7:
                pool.submit(np.full((100_000, 3), float(k + pool.ahead)))
            value, pid = pool.result()[0]
            drawn.append((value, int(pid)))
        assert [value for value, _ in drawn] == [float(k) for k in range(7)]
        assert [pid for _, pid in drawn] == [helpers[k % 2] for k in range(7)]
    finally:
        pool.close()
    for pid in helpers:
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)


def test_the_helper_count_follows_the_setting(monkeypatch):
    def draw(positions, slot, outputs):
        pass

    for setting, helpers in (("0", 0), ("1", 1), ("3", 3), ("", frame_worker.default_helpers())):
        monkeypatch.setenv("ANIMATE_DRAWING_RASTER_PROCESS", setting)
        worker = frame_worker.start_worker(draw, LAYOUT, (2, 3))
        try:
            if helpers == 0 or not hasattr(os, "fork"):
                assert isinstance(worker, frame_worker.InlineWorker)
            else:
                assert len(worker.workers) == helpers == worker.ahead
        finally:
            worker.close()
