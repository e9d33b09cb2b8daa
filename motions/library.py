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
    "quadruped_walk": "Four-legged walk",
    "quadruped_trot": "Four-legged trot",
    "quadruped_sit": "Four-legged sit",
    "quadruped_jump": "Four-legged jump",
}
# A four-legged figure asked for a two-legged clip gets the four-legged one that means the same
# (motions/quadruped_clips.py); clips missing here keep the two-legged clip on its legs.
FOUR_LEGGED_FOR = {"walk": "quadruped_walk", "zombie_walk": "quadruped_walk", "run": "quadruped_trot",
                   "jump": "quadruped_jump", "jumping_jacks": "quadruped_jump", "idle": "quadruped_sit"}


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


def is_four_legged_clip(path: str | os.PathLike) -> bool:
    """Whether a BVH file is one of the library's four-legged clips."""
    return Path(path).resolve().parent == CLIP_DIR and Path(path).stem in FOUR_LEGGED_FOR.values()


def clip_for_body(name_or_path: str, body: str) -> str:
    """The motion a figure of this body kind plays when asked for `name_or_path`: a quadruped
    asked for a library clip with a four-legged counterpart gets that one, anything else as asked."""
    path = library_clip_path(os.fspath(name_or_path))
    if body != "quadruped" or path is None:
        return name_or_path
    return FOUR_LEGGED_FOR.get(Path(path).stem, name_or_path)


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
