"""The motion clips shipped with the add-on (authored by this project, see `authoring.py`)."""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import InputError

CLIP_DIR = Path(__file__).resolve().parent / "clips"

# id → label, in the order the UI lists them.
CLIPS = {
    "idle": "Idle (breathing)",
    "wave": "Wave hello",
    "walk": "Walk cycle",
    "run": "Run cycle",
    "jump": "Jump",
    "jumping_jacks": "Jumping jacks",
    "dance": "Dance",
    "dab": "Dab",
    "zombie_walk": "Zombie walk",
    "cheer": "Cheer",
}


def list_clips() -> list[tuple[str, str, str]]:
    """[(id, label, path)] of every shipped clip."""
    return [(clip_id, label, str(CLIP_DIR / f"{clip_id}.bvh")) for clip_id, label in CLIPS.items()]


def library_clip_path(name: str) -> str | None:
    """The shipped clip a name means (its id or label, any case, spaces, dashes or underscores)."""
    key = name.strip().lower().replace(" ", "_").replace("-", "_")
    for clip_id, label, path in list_clips():
        if key in (clip_id, label.lower().replace(" ", "_")):
            return path
    return None


def resolve_motion(name_or_path: str | os.PathLike) -> str:
    """A shipped clip's id or label, or a path to a .bvh file → the file's path. Raises
    InputError for anything else."""
    text = os.fspath(name_or_path).strip()
    if (path := library_clip_path(text)) is not None:
        return path
    if Path(text).is_file():
        return text
    raise unknown_motion(text)


def unknown_motion(text: str) -> InputError:
    """The error for a motion name no source knows."""
    if text.lower().endswith(".bvh"):
        return InputError(text, "no such BVH file")
    return InputError(text, f"unknown motion; use a .bvh file or one of: {', '.join(CLIPS)}")
