"""Quiet by default: Blender's and libraries' own log lines reach the terminal only with --verbose.

Blender and the C libraries it loads (libpng, FFmpeg, its logger) write straight to file
descriptors 1 and 2, out of Python's reach. `native_output_silenced()` points those
descriptors at /dev/null and gives Python's `sys.stdout`/`sys.stderr` private copies of the
real ones, so our own lines (progress, errors, --json) still arrive and come last. Worker
processes inherit the silenced descriptors.
"""

from __future__ import annotations

import contextlib
import os
import sys


@contextlib.contextmanager
def native_output_silenced(enabled: bool = True):
    if not enabled:
        yield
        return
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    streams = sys.stdout, sys.stderr
    # Python's own streams keep writing where they did, which is not always fds 1/2: the console
    # script points sys.stdout at a copy of the results' fd and fd 1 at stderr (Blender's log).
    targets = [os.dup(_fd_of(stream, fd)) for stream, fd in zip(streams, saved)]
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    os.dup2(null, 2)
    os.close(null)
    sys.stdout = os.fdopen(targets[0], "w", buffering=1, encoding=streams[0].encoding, errors="replace")
    sys.stderr = os.fdopen(targets[1], "w", buffering=1, encoding=streams[1].encoding, errors="replace")
    try:
        yield
    finally:
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
            stream.close()
        sys.stdout, sys.stderr = streams
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for fd in saved:
            os.close(fd)


def _fd_of(stream, default: int) -> int:
    try:
        return stream.fileno()
    except (AttributeError, OSError, ValueError):  # a stream with no descriptor (e.g. captured)
        return default
