"""SIGINT (Ctrl-C) and SIGTERM (a render farm, a CI timeout) as one exception, `Interrupted`.

Python turns SIGINT into KeyboardInterrupt and lets SIGTERM kill the process on the spot,
leaving partial files. Inside `signals_raise_interrupted()` both raise `Interrupted` in the
main thread instead, so the `finally`/`except BaseException` blocks that discard partial
outputs run. Only the first signal raises: a second one (an impatient Ctrl-C, or the
SIGTERM a batch sends its workers after the terminal's SIGINT) must not cut the clean-up
short. Where an exception would leave Blender half set up, it must not be raised: during
Blender's start-up (`import bpy` runs Python start-up scripts; an exception there crashes the
process) nothing is written yet, so `signals_exit_now()` leaves at once; while classes are
registered `signals_deferred()` holds the signal until the block is done.
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


@contextlib.contextmanager
def signals_raise_interrupted():
    """Inside: the first SIGINT/SIGTERM raises Interrupted; later ones are ignored."""
    previous = {sig: signal.getsignal(sig) for sig in HANDLED}
    caught: list[int] = []

    def handler(signum, _frame):
        if caught:
            return
        caught.append(signum)
        raise Interrupted(signum)

    for sig in HANDLED:
        signal.signal(sig, handler)
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


@contextlib.contextmanager
def signals_deferred():
    """Inside: SIGINT/SIGTERM wait (blocked, still pending) and arrive when the block ends. For
    work that must not be cut in the middle: raising inside `import bpy` crashes the process."""
    if not hasattr(signal, "pthread_sigmask"):  # Windows: nothing to block with
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, HANDLED)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


@contextlib.contextmanager
def signals_exit_now(message: str = "interrupted"):
    """Inside: SIGINT/SIGTERM print `message` and end the process on the spot (os._exit, no
    clean-up): for work that writes nothing and must not see an exception."""
    previous = {sig: signal.getsignal(sig) for sig in HANDLED}

    def handler(signum, _frame):
        if message:
            print(message, file=sys.stderr, flush=True)
        os._exit(128 + signum)

    for sig in HANDLED:
        signal.signal(sig, handler)
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
