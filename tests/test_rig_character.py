"""Character folders: real AnimatedDrawings folders and every kind of broken input."""

from __future__ import annotations

import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest

from animate_drawing.errors import InputError
from animate_drawing.formats.char_cfg import CharacterConfig, Joint, load_bounding_box, load_char_cfg
from animate_drawing.rig.character import load_character_dir, save_character_dir
from animate_drawing.rig.plan import build_rig_plan

ANNOTATED = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "drawings" / "annotated"
MASKED_DIRS = sorted(p.parent for p in ANNOTATED.glob("*/mask.png")) if ANNOTATED.is_dir() else []
needs_data = pytest.mark.skipif(not MASKED_DIRS, reason="../shared/data is not beside the repository")


@needs_data
@pytest.mark.parametrize("folder", MASKED_DIRS, ids=lambda p: p.name)
def test_real_folders_load_as_rgba_with_mask_alpha(folder):
    texture, mask, config = load_character_dir(folder)
    assert texture.dtype == np.uint8 and texture.ndim == 3 and texture.shape[2] == 4
    assert mask.dtype == bool and mask.shape == texture.shape[:2]
    assert (config.width, config.height) == (mask.shape[1], mask.shape[0])
    assert np.array_equal(texture[..., 3], np.where(mask, 255, 0))
    assert 0.1 < mask.mean() < 0.6
    # Colour order: RGB, same as cv2's BGR read reversed.
    raw = cv2.imread(str(folder / "texture.png"), cv2.IMREAD_COLOR)
    assert np.array_equal(texture[..., :3], raw[..., ::-1])


@needs_data
def test_folder_without_mask_names_mask_png():
    folder = ANNOTATED / "martinbarry59_AnimatedDrawing__robot"
    with pytest.raises(InputError) as info:
        load_character_dir(folder)
    assert "mask.png" in str(info.value)


def _figure(size=(120, 80)) -> tuple[np.ndarray, np.ndarray, CharacterConfig]:
    height, width = size
    texture = np.zeros((height, width, 4), np.uint8)
    texture[..., 0] = np.arange(width, dtype=np.uint8)[None]
    texture[..., 1] = 100
    texture[..., 2] = np.arange(height, dtype=np.uint8)[:, None]
    texture[..., 3] = 255
    mask = np.zeros((height, width), bool)
    mask[10:110, 25:55] = True
    joints = [Joint("root", None, (40, 70)), Joint("hip", "root", (40, 70)), Joint("torso", "hip", (40, 30)),
              Joint("neck", "torso", (40, 15))]
    return texture, mask, CharacterConfig(width, height, joints)


@pytest.fixture
def folder(tmp_path):
    texture, mask, config = _figure()
    save_character_dir(tmp_path / "char", texture, mask, config, bbox={"left": 1, "top": 2, "right": 81, "bottom": 122})
    return tmp_path / "char"


def test_save_then_load_round_trips(folder):
    texture, mask, config = _figure()
    loaded_texture, loaded_mask, loaded_config = load_character_dir(folder)
    assert loaded_config == config
    assert np.array_equal(loaded_mask, mask)
    assert np.array_equal(loaded_texture[..., :3], texture[..., :3])
    assert np.array_equal(loaded_texture[..., 3], np.where(mask, 255, 0))
    assert load_bounding_box(folder / "bounding_box.yaml") == {"left": 1, "top": 2, "right": 81, "bottom": 122}
    assert load_char_cfg(folder / "char_cfg.yaml") == config


def test_missing_mask(folder):
    (folder / "mask.png").unlink()
    with pytest.raises(InputError, match=r"mask\.png: file not found"):
        load_character_dir(folder)


def test_corrupt_mask_bytes(folder):
    (folder / "mask.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"garbage" * 20)
    with pytest.raises(InputError, match=r"mask\.png: not an image"):
        load_character_dir(folder)


def test_empty_mask(folder):
    cv2.imwrite(str(folder / "mask.png"), np.zeros((120, 80), np.uint8))
    with pytest.raises(InputError, match=r"mask\.png: mask is empty"):
        load_character_dir(folder)


def test_mask_and_texture_size_mismatch(folder):
    cv2.imwrite(str(folder / "mask.png"), np.full((60, 40), 255, np.uint8))
    with pytest.raises(InputError, match=r"mask\.png: mask is 40x60 px but texture\.png is 80x120 px"):
        load_character_dir(folder)


def test_cfg_size_mismatch(folder):
    text = (folder / "char_cfg.yaml").read_text().replace("width: 80", "width: 90")
    (folder / "char_cfg.yaml").write_text(text)
    with pytest.raises(InputError) as info:
        load_character_dir(folder)
    assert "char_cfg.yaml" in str(info.value) and "90x120" in str(info.value)


def test_sixteen_bit_texture(folder):
    texture, _, _ = _figure()
    bgr16 = texture[..., 2::-1].astype(np.uint16) * 257 + 3
    cv2.imwrite(str(folder / "texture.png"), bgr16)
    loaded, _, _ = load_character_dir(folder)
    assert loaded.dtype == np.uint8
    assert np.array_equal(loaded[..., :3], texture[..., :3])


def test_grayscale_texture_and_colour_masks(folder):
    gray = np.tile(np.arange(80, dtype=np.uint8)[None], (120, 1))
    cv2.imwrite(str(folder / "texture.png"), gray)
    _, mask, _ = _figure()
    rgba_mask = np.zeros((120, 80, 4), np.uint8)
    rgba_mask[..., 3] = np.where(mask, 255, 0)              # alpha carries the mask
    cv2.imwrite(str(folder / "mask.png"), rgba_mask)
    texture, loaded_mask, _ = load_character_dir(folder)
    assert np.array_equal(texture[..., 0], gray) and np.array_equal(texture[..., 2], gray)
    assert np.array_equal(loaded_mask, mask)
    cv2.imwrite(str(folder / "mask.png"), np.dstack([np.where(mask, 250, 3).astype(np.uint8)] * 3))
    assert np.array_equal(load_character_dir(folder)[1], mask)


@pytest.mark.blender   # build_rig_plan triangulates with mathutils (rig/triangulate.py)
def test_joints_outside_the_image_are_snapped_by_the_plan(folder):
    texture, mask, config = _figure()
    joints = config.joints[:3] + [Joint("neck", "torso", (40, -30)), Joint("hand", "torso", (200, 30))]
    save_character_dir(folder, texture, mask, CharacterConfig(80, 120, joints))
    texture, mask, config = load_character_dir(folder)
    assert config.joint("neck").loc == (40, -30)            # loading keeps what the file says
    plan = build_rig_plan(texture, mask, config, folder / "texture.png")
    snapped = {s.name: s for s in plan.snapped_joints}
    assert set(snapped) == {"neck", "hand"}
    assert snapped["neck"].original_uv == (40.0, -30.0)
    neck_u, neck_v = plan.config.joint("neck").loc
    hand_u, hand_v = plan.config.joint("hand").loc
    assert 10 <= neck_v <= 13 and abs(neck_u - 40) <= 1      # top of the figure, straight below
    assert 52 <= hand_u <= 54 and abs(hand_v - 30) <= 1      # right edge, level with the hand
    assert mask[int(neck_v), int(neck_u)] and mask[int(hand_v), int(hand_u)]


def test_real_folder_copy_with_broken_mask(tmp_path):
    if not MASKED_DIRS:
        pytest.skip("../shared/data is not beside the repository")
    copy = tmp_path / "copy"
    shutil.copytree(MASKED_DIRS[0], copy)
    (copy / "mask.png").write_bytes(b"not an image at all")
    with pytest.raises(InputError) as info:
        load_character_dir(copy)
    assert str(copy / "mask.png") in str(info.value)
