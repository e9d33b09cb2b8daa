"""AnimatedDrawings character files: `char_cfg.yaml` and `bounding_box.yaml`.

`char_cfg.yaml` holds `width`, `height` and `skeleton: [{name, parent, loc: [x, y]}]` in crop
pixels (origin top-left, v down). Any number of joints and several roots (parent null) are
valid: quadrupeds, extra arms and 20-joint variants exist in the wild. Writing uses the same
layout AnimatedDrawings writes (`yaml.dump` with sorted keys), so an untouched file round-trips
byte for byte.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml

from ..errors import InputError

BOUNDING_BOX_KEYS = ("left", "top", "right", "bottom")


@dataclass(frozen=True)
class Joint:
    name: str
    parent: str | None
    loc: tuple[float, float]  # (u, v) crop pixels; ints stay ints so files round-trip exactly


@dataclass
class CharacterConfig:
    width: int
    height: int
    joints: list[Joint] = field(default_factory=list)

    @property
    def names(self) -> list[str]:
        return [j.name for j in self.joints]

    def index(self, name: str) -> int:
        return self.names.index(name)

    def joint(self, name: str) -> Joint:
        return self.joints[self.index(name)]

    def children(self, name: str) -> list[Joint]:
        return [j for j in self.joints if j.parent == name]

    @property
    def roots(self) -> list[Joint]:
        return [j for j in self.joints if j.parent is None]

    @property
    def root(self) -> Joint:
        """The joint named `root` if present, else the first parentless joint."""
        by_name = [j for j in self.joints if j.name == "root"]
        return (by_name or self.roots)[0]

    def locs(self) -> np.ndarray:
        """(J, 2) float64 joint positions in `joints` order."""
        return np.array([j.loc for j in self.joints], dtype=np.float64).reshape(-1, 2)

    def with_locs(self, locs) -> "CharacterConfig":
        """A copy with new joint positions (same order as `joints`)."""
        locs = np.asarray(locs, dtype=np.float64).reshape(len(self.joints), 2)
        joints = [Joint(j.name, j.parent, (_plain_number(u), _plain_number(v)))
                  for j, (u, v) in zip(self.joints, locs)]
        return CharacterConfig(self.width, self.height, joints)


def _plain_number(value: float) -> int | float:
    """Integral values become ints, as AnimatedDrawings writes them."""
    value = float(value)
    return int(value) if value.is_integer() else value


def parse_char_cfg(data, path: str | os.PathLike = "char_cfg.yaml") -> CharacterConfig:
    """Validate a parsed `char_cfg.yaml` mapping; every problem raises `InputError(path, …)`."""
    if not isinstance(data, dict):
        raise InputError(path, "expected a mapping with width, height and skeleton")
    for key in ("width", "height", "skeleton"):
        if key not in data:
            raise InputError(path, f"missing key '{key}'")
    width, height = data["width"], data["height"]
    for key, value in (("width", width), ("height", height)):
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise InputError(path, f"'{key}' must be a positive integer, got {value!r}")
    skeleton = data["skeleton"]
    if not isinstance(skeleton, list) or not skeleton:
        raise InputError(path, "'skeleton' must be a non-empty list of joints")

    joints = [_parse_joint(entry, i, path) for i, entry in enumerate(skeleton)]
    _check_tree(joints, path)
    return CharacterConfig(width, height, joints)


def _parse_joint(entry, index: int, path) -> Joint:
    if not isinstance(entry, dict):
        raise InputError(path, f"skeleton[{index}] must be a mapping with name, parent, loc")
    for key in ("name", "parent", "loc"):
        if key not in entry:
            raise InputError(path, f"skeleton[{index}] is missing key '{key}'")
    name, parent, loc = entry["name"], entry["parent"], entry["loc"]
    if not isinstance(name, str) or not name:
        raise InputError(path, f"skeleton[{index}] has an invalid name {name!r}")
    if parent is not None and not isinstance(parent, str):
        raise InputError(path, f"joint '{name}' has an invalid parent {parent!r}")
    if (not isinstance(loc, (list, tuple)) or len(loc) != 2
            or not all(isinstance(c, (int, float)) and not isinstance(c, bool) and math.isfinite(c)
                       for c in loc)):
        raise InputError(path, f"joint '{name}' needs loc: [x, y] with two finite numbers, got {loc!r}")
    return Joint(name, parent, (loc[0], loc[1]))


def _check_tree(joints: list[Joint], path) -> None:
    names = [j.name for j in joints]
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise InputError(path, f"duplicate joint name '{name}'")
        seen.add(name)
    parent_of = {j.name: j.parent for j in joints}
    for j in joints:
        if j.parent is not None and j.parent not in parent_of:
            raise InputError(path, f"joint '{j.name}' has unknown parent '{j.parent}'")
    for j in joints:
        chain, current = [j.name], j.parent
        while current is not None:
            if current in chain:
                raise InputError(path, f"joint parents form a cycle: {' -> '.join(chain + [current])}")
            chain.append(current)
            current = parent_of[current]


def load_char_cfg(path: str | os.PathLike) -> CharacterConfig:
    return parse_char_cfg(_load_yaml(path), path)


def dump_char_cfg(config: CharacterConfig) -> str:
    data = {
        "width": int(config.width),
        "height": int(config.height),
        "skeleton": [{"name": j.name, "parent": j.parent,
                      "loc": [_plain_number(j.loc[0]), _plain_number(j.loc[1])]}
                     for j in config.joints],
    }
    return yaml.safe_dump(data, default_flow_style=False, sort_keys=True)


def save_char_cfg(config: CharacterConfig, path: str | os.PathLike) -> None:
    Path(path).write_text(dump_char_cfg(config), encoding="utf-8")


def load_bounding_box(path: str | os.PathLike) -> dict[str, int]:
    """`bounding_box.yaml`: {left, top, right, bottom} in the photo's pixels."""
    data = _load_yaml(path)
    if not isinstance(data, dict):
        raise InputError(path, "expected a mapping with left, top, right, bottom")
    box = {}
    for key in BOUNDING_BOX_KEYS:
        if key not in data:
            raise InputError(path, f"missing key '{key}'")
        value = data[key]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise InputError(path, f"'{key}' must be a number, got {value!r}")
        box[key] = _plain_number(value)
    if box["right"] < box["left"] or box["bottom"] < box["top"]:
        raise InputError(path, f"box is inverted: {box}")
    return box


def dump_bounding_box(box: dict) -> str:
    return yaml.safe_dump({k: _plain_number(box[k]) for k in BOUNDING_BOX_KEYS},
                          default_flow_style=False, sort_keys=True)


def save_bounding_box(box: dict, path: str | os.PathLike) -> None:
    Path(path).write_text(dump_bounding_box(box), encoding="utf-8")


def _load_yaml(path: str | os.PathLike):
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(path, "file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(path, f"cannot read: {exc}") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InputError(path, f"malformed YAML: {_yaml_problem(exc)}") from None


def _yaml_problem(exc: yaml.YAMLError) -> str:
    """PyYAML's multi-line report as one line: the problem and where (1-based line and column)."""
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    mark = getattr(exc, "problem_mark", None)
    return f"{problem} (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else problem
