"""What a batch will do, decided before any work (pure: no bpy).

Inputs are expanded into a sorted, de-duplicated list of items (input × motion) with
unique output names; `--shard i/N` then takes a deterministic slice of that list, so N
machines given the same command line and different `i` cover every item exactly once.
"""

from __future__ import annotations

import glob
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ...output_formats import FORMATS as OUTPUT_FORMATS

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff")
CHARACTER_FILE = "char_cfg.yaml"
FORMATS = tuple(OUTPUT_FORMATS)
FILE_FORMATS = tuple(name for name, fmt in OUTPUT_FORMATS.items() if fmt.single_file)  # an OUT ending in one is a file
DEFAULT_FORMATS = ("mp4",)
FACE_MODES = ("off", "idle", "video")  # --face: no face rig / natural blinks / follow the performer


@dataclass
class BatchOptions:
    inputs: list[str]
    motions: list[str]
    out: str
    formats: list[str] = field(default_factory=lambda: list(DEFAULT_FORMATS))
    size: int = 512
    fps: float = 30.0
    background: str | None = None
    jobs: int = 1
    shard: tuple[int, int] = (1, 1)
    resume: bool = False
    scene: bool = False
    engine: str = "flat"
    frames: int | None = None  # render only the first N frames of each clip
    box: tuple[float, float, float, float] | None = None  # the figure's box in every drawing (--box)
    figures: str = "all"  # every figure of a page, or only the "first" (most person-like)
    figure_motions: list[str] | None = None  # one clip per figure, round-robin (--figure-motions)
    verbose: bool = False  # workers show Blender's own log lines too
    face: str = "idle"  # FACE_MODES

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "BatchOptions":
        data = dict(data)
        data["shard"] = tuple(data["shard"])
        data["box"] = tuple(data["box"]) if data.get("box") else None
        return cls(**data)


@dataclass
class Item:
    input: str  # as expanded (a file or a character folder), or the unmatched pattern
    motion: str
    name: str  # output base name, unique within the batch
    problem: str | None = None  # known before any work (missing file, unsupported type)


def single_file_target(options: BatchOptions) -> str | None:
    """The format when OUT names one file: it ends in a file format's extension and the batch
    makes one output (one input and one motion, or --scene)."""
    suffix = Path(options.out).suffix.lower().lstrip(".")
    if suffix not in FILE_FORMATS:
        return None
    one_item = (len(options.inputs) == 1 and len(options.motions) == 1
                and not any(ch in options.inputs[0] for ch in "*?["))
    return suffix if options.scene or one_item else None


def parse_shard(text: str) -> tuple[int, int]:
    """'2/4' → (2, 4); shards are numbered from 1."""
    try:
        index, count = (int(part) for part in text.split("/"))
    except ValueError:
        raise ValueError(f"--shard expects i/N (e.g. 2/4), got {text!r}") from None
    if count < 1 or not 1 <= index <= count:
        raise ValueError(f"--shard {text}: need 1 <= i <= N")
    return index, count


def take_shard(items: list, shard: tuple[int, int]) -> list:
    """Round-robin slice: item k goes to shard (k mod N) + 1 (balanced even when sorted by size)."""
    index, count = shard
    return items[index - 1::count]


def expand_inputs(specs: list[str]) -> list[tuple[str, str | None]]:
    """(path, problem) per input: images and character folders from files, folders and globs."""
    found: list[tuple[str, str | None]] = []
    for spec in specs:
        if any(ch in spec for ch in "*?["):
            matches = sorted(glob.glob(spec))
            if not matches:
                found.append((spec, "no file matches this pattern"))
            found.extend(entry for match in matches for entry in _expand_path(Path(match), explicit=False))
        else:
            found.extend(_expand_path(Path(spec), explicit=True))
    unique, seen = [], set()
    for path, problem in found:
        key = os.path.abspath(path)
        if key not in seen:
            seen.add(key)
            unique.append((path, problem))
    return unique


def _expand_path(path: Path, explicit: bool) -> list[tuple[str, str | None]]:
    if not path.exists():
        return [(str(path), "not found")]
    if path.is_dir():
        if (path / CHARACTER_FILE).is_file():
            return [(str(path), None)]
        children = sorted(path.iterdir())
        entries = [(str(child), None) for child in children
                   if (child.is_file() and child.suffix.lower() in IMAGE_SUFFIXES)
                   or (child.is_dir() and (child / CHARACTER_FILE).is_file())]
        return entries or [(str(path), "folder holds no drawings (images) or character folders")]
    if path.name == CHARACTER_FILE:
        return [(str(path.parent), None)]
    if path.suffix.lower() in IMAGE_SUFFIXES:
        return [(str(path), None)]
    if explicit:
        return [(str(path), f"unsupported file type {path.suffix or '(none)'}: expected an image or a character folder")]
    return []  # a glob's non-image match (e.g. a README) is not an input


def output_name(path: str) -> str:
    """A character folder is named by its folder (its files are always texture.png…), an image by its stem."""
    p = Path(path)
    return p.name if p.is_dir() else p.stem or "drawing"


def plan_items(options: BatchOptions) -> list[Item]:
    """Every (input, motion) pair of the whole batch, before sharding, with unique names."""
    inputs = expand_inputs(options.inputs)
    items, used = [], set()
    for path, problem in inputs:
        base = output_name(path)
        for motion in options.motions:
            name = base if len(options.motions) == 1 else f"{base}_{_motion_label(motion)}"
            unique, n = name, 2
            while unique in used:
                unique, n = f"{name}_{n}", n + 1
            used.add(unique)
            items.append(Item(path, motion, unique, problem))
    return items


def _motion_label(motion: str) -> str:
    return Path(motion).stem if motion.lower().endswith(".bvh") else motion


def item_outputs(item_name: str, out_dir: Path, formats: list[str]) -> dict[str, Path]:
    """Final output paths of one item in directory mode."""
    return {fmt: out_dir / (f"{item_name}_frames" if fmt == "png" else f"{item_name}.{fmt}") for fmt in formats}


def outputs_complete(paths: dict[str, Path]) -> bool:
    """Finished outputs appear only by rename, so existing final names mean complete ones."""
    return all(path.is_dir() if fmt == "png" else path.is_file() and path.stat().st_size > 0
               for fmt, path in paths.items())


def summary_name(shard: tuple[int, int]) -> str:
    """Shards of one batch share the out dir: each writes its own summary."""
    return "summary.json" if shard == (1, 1) else f"summary-{shard[0]}-of-{shard[1]}.json"
