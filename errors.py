"""Errors shared by every layer.

`InputError` is what bad user input (a file, a setting) raises: its message always names
the file and the problem, so the CLI can print it and an operator can report it verbatim.
"""

from __future__ import annotations

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
