"""Save a contact sheet of synthetic pages (mask outline + keypoints) beside real raw photos.

    python -m animate_drawing.vision_dev.training.contact_sheet OUT.png [--n 12] [--seed 0]
"""
from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np

from .synth_ink import TextureBank
from .synth_page import load_paper_patches, make_page

RAW_DIR = Path(__file__).resolve().parents[3] / "shared" / "data" / "drawings" / "raw"
TILE = 256


def _tile(img: np.ndarray) -> np.ndarray:
    h, w = img.shape[:2]
    s = TILE / max(h, w)
    small = cv2.resize(img, (max(int(w * s), 1), max(int(h * s), 1)), interpolation=cv2.INTER_AREA)
    out = np.full((TILE, TILE, 3), 90, np.uint8)
    out[:small.shape[0], :small.shape[1]] = small
    return out


def overlay(page) -> np.ndarray:
    img = page.image.copy()
    for mask, kp, box in zip(page.masks, page.keypoints, page.boxes):
        contours, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
        cv2.drawContours(img, contours, -1, (255, 0, 255), 1)
        cv2.rectangle(img, (int(box[0]), int(box[1])), (int(box[2]), int(box[3])), (0, 200, 0), 1)
        for i, (x, y) in enumerate(kp):
            col = (0, 160, 0) if i == 0 else ((0, 0, 255) if i % 2 == 1 else (255, 0, 0))
            cv2.circle(img, (int(x), int(y)), 3, col, -1)
    return img


def main(argv=None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--n", type=int, default=12)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    textures = TextureBank(rng)
    patches = load_paper_patches(RAW_DIR) if RAW_DIR.is_dir() else []
    synth = [page for page in (make_page(rng, textures, patches) for _ in range(args.n))]
    real = [cv2.cvtColor(cv2.imread(str(p)), cv2.COLOR_BGR2RGB) for p in sorted(RAW_DIR.glob("input_*.png"))[:6]]
    tiles = [_tile(p.image) for p in synth] + [_tile(overlay(p)) for p in synth[:6]] + [_tile(r) for r in real]
    while len(tiles) % 6:
        tiles.append(np.zeros((TILE, TILE, 3), np.uint8))
    sheet = np.vstack([np.hstack(tiles[i:i + 6]) for i in range(0, len(tiles), 6)])
    cv2.imwrite(args.out, cv2.cvtColor(sheet, cv2.COLOR_RGB2BGR))


if __name__ == "__main__":
    main()
