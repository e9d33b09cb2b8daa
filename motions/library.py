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


def resolve_motion(name_or_path: str | os.PathLike) -> str:
    """A shipped clip's id or label (any case, spaces or underscores), or a path to a .bvh file
    → the file's path. Raises InputError for anything else."""
    text = os.fspath(name_or_path).strip()
    key = text.lower().replace(" ", "_").replace("-", "_")
    for clip_id, label, path in list_clips():
        if key in (clip_id, label.lower().replace(" ", "_")):
            return path
    if Path(text).is_file():
        return text
    if text.lower().endswith(".bvh"):
        raise InputError(text, "no such BVH file")
    raise InputError(text, f"unknown motion; use a .bvh file or one of: {', '.join(CLIPS)}")
