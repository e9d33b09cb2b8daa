"""SIGINT (Ctrl-C) and SIGTERM (a render farm, a CI timeout) as one exception, `Interrupted`.

Python turns SIGINT into KeyboardInterrupt and lets SIGTERM kill the process on the spot,
leaving partial files. Inside `signals_raise_interrupted()` both raise `Interrupted` in the
main thread instead, so the `finally`/`except BaseException` blocks that discard partial
outputs run. Only the first signal raises: a second one (an impatient Ctrl-C, or the
SIGTERM a batch sends its workers after the terminal's SIGINT) must not cut the clean-up
short. Where an exception would leave things half done, it waits: `signals_deferred()` holds
it until the block ends (opening an output, registering classes, a Blender exporter). During
Blender's start-up (`import bpy` runs Python start-up scripts; an exception there crashes the
process) nothing is written yet, so `signals_exit_now()` leaves at once.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys

HANDLED = (signal.SIGINT, signal.SIGTERM)


class Interrupted(BaseException):
    """Not an Exception: the per-item `except Exception` of a batch must let it through."""

    def __init__(self, signum: int, done: int = 0, total: int = 0):
        super().__init__(signal.Signals(signum).name)
        self.signum, self.done, self.total = signum, done, total

    @property
    def exit_status(self) -> int:
        return 128 + self.signum  # the shell's convention: 130 for SIGINT, 143 for SIGTERM

    def message(self) -> str:
        return f"interrupted: {self.done} of {self.total} done; rerun with --resume"


class _State:
    """Shared by the handler and `signals_deferred` (Python runs signal handlers in the main
    thread only, so plain attributes suffice)."""
    caught: list[int] = []      # the first signal; later ones are ignored
    deferring = 0               # depth of signals_deferred blocks
    pending: int | None = None  # a signal that arrived while deferring


@contextlib.contextmanager
def signals_raise_interrupted():
    """Inside: the first SIGINT/SIGTERM raises Interrupted; later ones are ignored."""
    _State.caught, _State.pending = [], None

    def handler(signum, _frame):
        if _State.caught:
            return
        _State.caught.append(signum)
        if _State.deferring:
            _State.pending = signum
            return
        raise Interrupted(signum)

    with _handling(handler):
        yield


@contextlib.contextmanager
def signals_deferred():
    """Inside: an interrupt waits and is raised when the block ends. (Blocking the signal
    would not do: the kernel hands it to another thread, and Blender has several.)"""
    _State.deferring += 1
    try:
        yield
    finally:
        _State.deferring -= 1
        if not _State.deferring and _State.pending is not None:
            signum, _State.pending = _State.pending, None
            raise Interrupted(signum)


def interrupt_pending() -> bool:
    """Whether a signal waits for the end of a `signals_deferred` block: long deferred work
    (a movie render) checks it to stop at the next whole step."""
    return _State.pending is not None


@contextlib.contextmanager
def signals_exit_now(message: str = "interrupted"):
    """Inside: SIGINT/SIGTERM print `message` and end the process on the spot (os._exit, no
    clean-up): for work that writes nothing and must not see an exception."""
    def handler(signum, _frame):
        if message:
            print(message, file=sys.stderr, flush=True)
        os._exit(128 + signum)

    with _handling(handler):
        yield


@contextlib.contextmanager
def _handling(handler):
    """`handler` for SIGINT/SIGTERM inside; then the handlers found are put back. One Python
    cannot name (None: installed from C, as the Blender program does) becomes the default."""
    previous = {sig: signal.getsignal(sig) for sig in HANDLED}
    for sig in HANDLED:
        signal.signal(sig, handler)
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, signal.SIG_DFL if old is None else old)
