"""What an output format is: its facts (pure) and how Blender writes it (imported when used)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np


@dataclass(frozen=True)
class FrameSettings:
    """What a rendered-frames sink needs: the frames' backdrop, square size, rate and the objects
    rendered (the GIF palette covers their textures)."""
    backdrop: np.ndarray | None
    size: int
    fps: float
    objects: list


@dataclass(frozen=True)
class OutputFormat:
    name: str                   # --format value and file extension
    single_file: bool           # an OUT ending in .name is one file (PNG frames are a folder)
    # Free-space estimate: bytes per output pixel per frame (frame formats: about twice what a raw
    # drawing measured, input_0010 at 256 px: PNG 0.33, GIF 0.09, MP4 0.03), bytes per scene file
    # (texture + mesh + keys).
    bytes_per_pixel: float = 0.0
    file_bytes: int = 0
    # Exactly one of the two: a sink fed every rendered frame (`write(frame, rgba)`, `close()`,
    # `abort()`), or an export of the finished scene to one file.
    open_sink: Callable[[Path, FrameSettings], Any] | None = None
    export: Callable[[Path], Any] | None = None

    def __post_init__(self):
        if (self.open_sink is None) == (self.export is None):
            raise ValueError(f"output format {self.name}: give open_sink or export, not both")
