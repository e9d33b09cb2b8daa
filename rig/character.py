"""An AnimatedDrawings character folder: `texture.png`, `mask.png`, `char_cfg.yaml`.

Upstream folders are messy: textures come as RGB, RGBA, grayscale or 16-bit; masks as
single-channel, anti-aliased grayscale, RGB or RGBA. Everything is normalised here to an
8-bit RGBA texture whose alpha is the mask, and a boolean mask of the same size.
"""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np

from ..errors import InputError
from .char_cfg import CharacterConfig, load_char_cfg, save_bounding_box, save_char_cfg

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
    texture = to_rgba8(_read_image(texture_path))
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
    _write_image(directory / TEXTURE_FILE, cv2.cvtColor(rgba, cv2.COLOR_RGBA2BGRA))
    _write_image(directory / MASK_FILE, mask_alpha(mask))
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
    rgba = np.empty(texture.shape[:2] + (4,), np.uint8)
    rgba[..., :3] = texture[..., :1] if texture.shape[2] < 3 else texture[..., :3]
    rgba[..., 3] = texture[..., 3] if texture.shape[2] == 4 else 255
    return rgba


def mask_alpha(mask: np.ndarray) -> np.ndarray:
    """Boolean mask → uint8 0/255 (alpha channel, mask.png)."""
    return np.asarray(mask, dtype=bool).view(np.uint8) * np.uint8(255)


def to_rgba8(image: np.ndarray) -> np.ndarray:
    """Any cv2 image (gray, BGR, BGRA; 8- or 16-bit; float 0..1) → (H, W, 4) uint8 RGBA.

    3/4-channel input is taken as cv2's BGR(A) order.
    """
    image = _to_uint8(image)
    if image.ndim == 2:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2RGBA)
    channels = image.shape[2]
    if channels == 1:
        return cv2.cvtColor(image[..., 0], cv2.COLOR_GRAY2RGBA)
    if channels == 3:
        return cv2.cvtColor(image, cv2.COLOR_BGR2RGBA)
    if channels == 4:
        return cv2.cvtColor(image, cv2.COLOR_BGRA2RGBA)
    raise ValueError(f"unsupported channel count {channels}")


def to_mask(image: np.ndarray) -> np.ndarray:
    """Any mask image → (H, W) bool. A varying alpha channel is the mask; otherwise the brightest colour."""
    image = _to_uint8(image)
    if image.ndim == 3:
        if image.shape[2] == 4 and image[..., 3].min() != image[..., 3].max():
            image = image[..., 3]
        else:
            image = image[..., :3].max(axis=2)
    return image >= 128


def _to_uint8(image: np.ndarray) -> np.ndarray:
    if image.dtype == np.uint8:
        return image
    if image.dtype == np.uint16:
        return (image >> 8).astype(np.uint8)
    if np.issubdtype(image.dtype, np.floating):
        return (np.clip(image, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
    raise ValueError(f"unsupported pixel type {image.dtype}")


def _read_image(path: Path) -> np.ndarray:
    if not path.is_file():
        raise InputError(path, "file not found")
    # IMREAD_UNCHANGED keeps 16-bit depth and the alpha channel; plain imread would drop both.
    image = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    if image is None or image.size == 0:
        raise InputError(path, "not a readable image (corrupt or unsupported format)")
    if image.ndim == 3 and image.shape[2] not in (1, 3, 4) or image.dtype not in (np.uint8, np.uint16, np.float32):
        raise InputError(path, f"unsupported image layout {image.shape} {image.dtype}")
    return image


def _write_image(path: Path, image: np.ndarray) -> None:
    if not cv2.imwrite(str(path), image):
        raise InputError(path, "could not write the image")
