"""char_cfg.yaml / bounding_box.yaml reading and writing on real AnimatedDrawings files."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from animate_drawing.errors import InputError
from animate_drawing.formats.char_cfg import (
    CharacterConfig, Joint, dump_char_cfg, load_bounding_box, load_char_cfg, save_bounding_box,
    save_char_cfg,
)

ANNOTATED = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "drawings" / "annotated"

CFG_FILES = sorted(ANNOTATED.glob("*/char_cfg.yaml")) if ANNOTATED.is_dir() else []
BOX_FILES = sorted(ANNOTATED.glob("*/bounding_box.yaml")) if ANNOTATED.is_dir() else []


@pytest.mark.skipif(not CFG_FILES, reason="../shared/data is not beside the repository")
@pytest.mark.parametrize("path", CFG_FILES, ids=lambda p: p.parent.name)
def test_every_annotated_cfg_round_trips_exactly(path, tmp_path):
    config = load_char_cfg(path)
    raw = yaml.safe_load(path.read_text())
    assert config.width == raw["width"] and config.height == raw["height"]
    assert [(j.name, j.parent, list(j.loc)) for j in config.joints] == \
        [(e["name"], e["parent"], e["loc"]) for e in raw["skeleton"]]
    # Byte-identical to AnimatedDrawings' own writer (one upstream file lost its final newline).
    assert dump_char_cfg(config) == path.read_text().rstrip("\n") + "\n"
    out = tmp_path / "char_cfg.yaml"
    save_char_cfg(config, out)
    assert load_char_cfg(out) == config


@pytest.mark.skipif(not CFG_FILES, reason="../shared/data is not beside the repository")
def test_robot_has_twenty_joints_and_two_roots():
    config = load_char_cfg(ANNOTATED / "martinbarry59_AnimatedDrawing__robot" / "char_cfg.yaml")
    assert len(config.joints) == 20
    assert [j.name for j in config.roots] == ["root", "nose"]
    assert config.root.name == "root"
    assert [c.name for c in config.children("nose")] == ["right_eye", "left_eye"]
    assert config.locs().shape == (20, 2)


@pytest.mark.skipif(not BOX_FILES, reason="../shared/data is not beside the repository")
@pytest.mark.parametrize("path", BOX_FILES, ids=lambda p: p.parent.name)
def test_bounding_boxes_round_trip(path, tmp_path):
    box = load_bounding_box(path)
    assert set(box) == {"left", "top", "right", "bottom"}
    assert box["left"] < box["right"] and box["top"] < box["bottom"]
    out = tmp_path / "bounding_box.yaml"
    save_bounding_box(box, out)
    assert out.read_text() == path.read_text().rstrip("\n") + "\n"


def test_float_locations_survive_and_integers_stay_integers(tmp_path):
    config = CharacterConfig(10, 20, [Joint("root", None, (1.5, 2)), Joint("hip", "root", (3, 4.25))])
    path = tmp_path / "char_cfg.yaml"
    save_char_cfg(config, path)
    back = load_char_cfg(path)
    assert back.joints[0].loc == (1.5, 2) and isinstance(back.joints[0].loc[1], int)
    assert back.with_locs(back.locs() + 1).joints[1].loc == (4, 5.25)


def _write(tmp_path, text):
    path = tmp_path / "char_cfg.yaml"
    path.write_text(text)
    return path


GOOD_JOINTS = "- {name: root, parent: null, loc: [1, 2]}\n- {name: hip, parent: root, loc: [1, 3]}\n"


@pytest.mark.parametrize("text, problem", [
    ("width: 10\nheight: [\n", "malformed YAML"),
    ("- just a list\n", "mapping"),
    ("height: 10\nskeleton:\n" + GOOD_JOINTS, "missing key 'width'"),
    ("width: 10\nheight: 0\nskeleton:\n" + GOOD_JOINTS, "'height' must be a positive integer"),
    ("width: 10\nheight: 10\nskeleton: []\n", "non-empty list"),
    ("width: 10\nheight: 10\nskeleton:\n- {name: root, loc: [1, 2]}\n", "missing key 'parent'"),
    ("width: 10\nheight: 10\nskeleton:\n- {name: root, parent: null, loc: [1]}\n", "loc"),
    ("width: 10\nheight: 10\nskeleton:\n- {name: a, parent: ghost, loc: [1, 2]}\n", "unknown parent 'ghost'"),
    ("width: 10\nheight: 10\nskeleton:\n- {name: a, parent: b, loc: [1, 2]}\n- {name: b, parent: a, loc: [1, 2]}\n",
     "cycle"),
    ("width: 10\nheight: 10\nskeleton:\n" + GOOD_JOINTS + "- {name: hip, parent: root, loc: [0, 0]}\n",
     "duplicate joint name 'hip'"),
])
def test_bad_cfg_raises_input_error_naming_the_file(tmp_path, text, problem):
    path = _write(tmp_path, text)
    with pytest.raises(InputError) as info:
        load_char_cfg(path)
    assert str(path) in str(info.value)
    assert problem in str(info.value)


def test_missing_cfg_and_bad_box(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        load_char_cfg(tmp_path / "nope.yaml")
    box = tmp_path / "bounding_box.yaml"
    box.write_text("left: 5\ntop: 1\nright: 2\nbottom: 9\n")
    with pytest.raises(InputError, match="inverted"):
        load_bounding_box(box)
    box.write_text("left: 5\ntop: 1\n")
    with pytest.raises(InputError, match="missing key 'right'"):
        load_bounding_box(box)
