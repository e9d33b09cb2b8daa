"""Errors shared by every layer.

`InputError` is what bad user input (a file, a setting) raises: its message always names
the file and the problem, so the CLI can print it and an operator can report it verbatim.
`PlaceError` is the same for a place the program writes to (a folder that is read-only, a
disk that is full): `place_error()` turns the operating system's `OSError` into one.
"""

from __future__ import annotations

import errno
import os


class AnimateDrawingError(Exception):
    """Base class for errors the product reports to the user (never a bare traceback)."""


class InputError(AnimateDrawingError):
    """A user-supplied file or value is unusable; `str()` names the file and the problem."""

    def __init__(self, path: str | os.PathLike | None, problem: str):
        self.path = os.fspath(path) if path is not None else None
        self.problem = problem
        super().__init__(f"{self.path}: {problem}" if self.path else problem)


class NoFigureError(InputError):
    """The image holds no drawn figure the detector could find."""


class PlaceError(InputError):
    """A place cannot be written, or vanished: read-only, full, missing. When it is the output
    of a batch, later items would fail the same way, so the batch stops there."""


# errno → the problem in words; what a user can act on, not the C name.
_PLACE_PROBLEMS = {
    errno.EACCES: "permission denied: this place cannot be written",
    errno.EPERM: "operation not permitted: the place is immutable or protected",
    errno.EROFS: "read-only file system",
    errno.ENOSPC: "no space left on the disk",
    errno.EDQUOT: "disk quota exceeded",
    errno.ENOENT: "no such file or folder (it is missing or was removed)",
    errno.ENOTDIR: "a part of this path is a file, not a folder",
    errno.EISDIR: "this is a folder, not a file",
    errno.EEXIST: "already exists",
    errno.ENAMETOOLONG: "the name is too long",
    errno.EIO: "input/output error (the disk or network share failed)",
    errno.EFBIG: "the file is larger than this file system allows",
}


def place_error(exc: OSError, path: str | os.PathLike | None = None) -> PlaceError:
    """One line for an OSError: the path it names (or `path`) and the problem in words."""
    problem = _PLACE_PROBLEMS.get(exc.errno) or (exc.strerror or str(exc)).strip() or type(exc).__name__
    return PlaceError(exc.filename if exc.filename is not None else path, problem)


def is_disk_full(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
