"""Rasterise frames in helper processes so both cores work: this one drives Blender
(frame_set, the encoder), the helpers turn vertex positions into pixels.

A thread cannot do it: Blender keeps Python's GIL while it renders and encodes, so a numpy
thread beside it barely runs (measured: slower than one thread). The helper is a fork of
this process made once the clip's fixed data is prepared (textures, triangles), so nothing
is pickled or imported again; it never touches bpy. Requests (vertex positions, a few KB)
go through a pipe; finished frames come back in shared memory, one slot per frame in flight,
and the encoder reads them in place. Where fork is missing (Windows) frames are drawn in
this process, one after another.

Helpers take frames in turn (`WorkerPool`), one on two cores, two on more (`default_helpers`):
a frame's rasterising costs a little more than what Blender spends on it here (frame_set,
the encoder), so on more cores a second helper keeps this process from waiting; on two
cores a second one only took turns on the same core as the first (779 frames at 500×500:
8.1-8.3 s with one, 9.1-9.5 s with two, interleaved; benchmarks/bench_render.py). Before
the rasteriser drew spans it cost twice Blender's share and two helpers were faster there.

Pure numpy and os: no bpy.
"""

from __future__ import annotations

import mmap
import os
import struct
import traceback
from collections.abc import Callable
from math import prod

import numpy as np

from ..interrupt import signals_deferred

# draw(positions, slot, outputs): paint one frame into `outputs`, the arrays of `slot`, which
# still hold the frame last painted in that slot (slots start zeroed).
Draw = Callable[[np.ndarray, int, tuple[np.ndarray, ...]], None]
Layout = list[tuple[tuple[int, ...], np.dtype]]  # shape and dtype of each output array
_HEADER = struct.Struct("<i")  # slot index of a request; -1 = stop


class _Slots:
    """`count` sets of output arrays in one buffer (shared with a child when it is an mmap)."""

    def __init__(self, layout: Layout, count: int, buffer=None):
        self.layout, self.count = [(tuple(shape), np.dtype(dtype)) for shape, dtype in layout], count
        self.slot_bytes = sum(prod(shape) * dtype.itemsize for shape, dtype in self.layout)
        self.buffer = buffer if buffer is not None else bytearray(self.slot_bytes * count)

    def views(self, slot: int) -> tuple[np.ndarray, ...]:
        views, offset = [], slot * self.slot_bytes
        for shape, dtype in self.layout:
            views.append(np.frombuffer(self.buffer, dtype, prod(shape), offset).reshape(shape))
            offset += prod(shape) * dtype.itemsize
        return tuple(views)


class InlineWorker:
    """Draws each frame when asked, in this process."""

    ahead = 1  # frames worth submitting before taking a result

    def __init__(self, draw: Draw, layout: Layout, positions_shape, slots: int = 2):
        self.draw, self.slots = draw, _Slots(layout, slots)
        self.submitted = self.received = 0

    def submit(self, positions: np.ndarray) -> None:
        slot = self.submitted % self.slots.count
        self.draw(positions, slot, self.slots.views(slot))
        self.submitted += 1

    def result(self) -> tuple[np.ndarray, ...]:
        slot = self.received % self.slots.count
        self.received += 1
        return self.slots.views(slot)

    def close(self) -> None:
        pass


class ForkedWorker:
    """Draws frames in a forked child, in submission order, up to `slots` frames in flight.

    A result is a tuple of views into shared memory: valid until `slots` more frames have
    been submitted."""

    ahead = 1

    def __init__(self, draw: Draw, layout: Layout, positions_shape, slots: int = 2, inherited: tuple[int, ...] = ()):
        probe = _Slots(layout, slots, b"")
        # Anonymous shared memory: the child writes frames, this process reads them in place.
        self.slots = _Slots(layout, slots, mmap.mmap(-1, probe.slot_bytes * slots))
        self.positions_shape = tuple(positions_shape)
        self.submitted = self.received = 0
        requests_read, self.requests = os.pipe()
        self.replies, replies_write = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:  # the child: draw until told to stop, never return into the caller
            code = 1
            try:
                for fd in (self.requests, self.replies, *inherited):  # other helpers' pipes
                    os.close(fd)
                code = self._serve(draw, requests_read, replies_write)
            finally:
                os._exit(code)
        os.close(requests_read)
        os.close(replies_write)

    def _serve(self, draw: Draw, requests: int, replies: int) -> int:
        size = prod(self.positions_shape) * 8
        while True:
            header = _read_exactly(requests, _HEADER.size)
            if header is None:
                return 0
            (slot,) = _HEADER.unpack(header)
            if slot < 0:
                return 0
            positions = np.frombuffer(_read_exactly(requests, size), np.float64).reshape(self.positions_shape)
            try:
                draw(positions, slot, self.slots.views(slot))
            except Exception:
                message = traceback.format_exc(limit=3).encode()[-4000:]
                _write_all(replies, b"E" + struct.pack("<i", len(message)) + message)
                return 1
            os.write(replies, b"K")

    def submit(self, positions: np.ndarray) -> None:
        if self.submitted - self.received >= self.slots.count:
            raise RuntimeError("every frame slot is in use: take a result first")
        slot = self.submitted % self.slots.count
        data = np.ascontiguousarray(positions, np.float64).tobytes()
        _write_all(self.requests, _HEADER.pack(slot) + data)
        self.submitted += 1

    def result(self) -> tuple[np.ndarray, ...]:
        status = _read_exactly(self.replies, 1)
        if status != b"K":
            detail = ""
            if status == b"E":
                (length,) = struct.unpack("<i", _read_exactly(self.replies, 4))
                detail = ": " + _read_exactly(self.replies, length).decode(errors="replace").strip().splitlines()[-1]
            raise RuntimeError(f"the frame rasteriser process failed{detail}")
        slot = self.received % self.slots.count
        self.received += 1
        return self.slots.views(slot)

    def close(self) -> None:
        if self.pid <= 0:
            return
        try:
            os.write(self.requests, _HEADER.pack(-1))
        except OSError:
            pass  # the child is gone already
        os.close(self.requests)
        os.close(self.replies)
        with signals_deferred():  # an interrupt mid-wait would leave the child a zombie
            os.waitpid(self.pid, 0)
            self.pid = 0


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _read_exactly(fd: int, size: int) -> bytes | None:
    """`size` bytes from a pipe, or None at end of file."""
    chunks, remaining = [], size
    while remaining:
        chunk = os.read(fd, min(remaining, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


class WorkerPool:
    """Forked workers taking frames in turn: results come back in submission order. A result
    is valid until `slots` more frames have been submitted to its worker."""

    def __init__(self, draw: Draw, layout: Layout, positions_shape, slots: int = 2, helpers: int = 2):
        self.workers: list[ForkedWorker] = []
        try:
            for _ in range(helpers):
                inherited = tuple(fd for w in self.workers for fd in (w.requests, w.replies))
                self.workers.append(ForkedWorker(draw, layout, positions_shape, slots, inherited))
        except BaseException:
            self.close()
            raise
        self.submitted = self.received = 0
        self.ahead = len(self.workers)  # one frame in each helper

    def submit(self, positions: np.ndarray) -> None:
        self.workers[self.submitted % len(self.workers)].submit(positions)
        self.submitted += 1

    def result(self) -> tuple[np.ndarray, ...]:
        worker = self.workers[self.received % len(self.workers)]
        self.received += 1
        return worker.result()

    def close(self) -> None:
        with signals_deferred():  # every helper reaped before an interrupt goes on
            for worker in self.workers:
                worker.close()


def default_helpers() -> int:
    """Helper processes for the cores this process may use (see the module note)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return 1 if cores <= 2 else 2


def start_worker(draw: Draw, layout: Layout, positions_shape, slots: int = 2):
    """Forked workers where the platform can fork: ANIMATE_DRAWING_RASTER_PROCESS helpers
    (default `default_helpers()`; "0" draws in this process), else an inline one."""
    setting = os.environ.get("ANIMATE_DRAWING_RASTER_PROCESS", "")
    helpers = int(setting) if setting.isdigit() else default_helpers()
    if not hasattr(os, "fork") or helpers == 0:
        return InlineWorker(draw, layout, positions_shape, slots)
    return WorkerPool(draw, layout, positions_shape, slots, helpers)
