"""Real annotated drawings (dev data in ../shared) as heavily augmented crop samples.

Used only for a short, reported fine-tuning phase mixed into the synthetic batches. Each folder
gives a tight figure crop, the classical-algorithm mask and 16 AnimatedDrawings joints; they map
onto 12 COCO keypoints (+ the nose from `neck`, which AnimatedDrawings places on the head); eyes
and ears get weight 0. Which folders may be learned from is the split manifest's call (`split.py`).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from ...formats.char_cfg import load_char_cfg
from .nets import CROP_SIZE
from .samples import CropSample, _colour_jitter
from .synth_figure import COCO17, COCO17_FLIP
from .synth_page import _lighting

ANNOTATED_DIR = Path(__file__).resolve().parents[3] / "shared" / "data" / "drawings" / "annotated"
NON_HUMAN = ("A2S-LAB_AnimatedTale__test_2",)
# COCO-17 name → AnimatedDrawings joint name supervising it.
COCO_FROM_AD = {"nose": "neck", "left_shoulder": "left_shoulder", "right_shoulder": "right_shoulder",
                "left_elbow": "left_elbow", "right_elbow": "right_elbow", "left_wrist": "left_hand",
                "right_wrist": "right_hand", "left_hip": "left_hip", "right_hip": "right_hip",
                "left_knee": "left_knee", "right_knee": "right_knee", "left_ankle": "left_foot",
                "right_ankle": "right_foot"}


@dataclass
class RealFigure:
    name: str
    group: str              # near-duplicate group (the same drawing annotated several times)
    image: np.ndarray       # (H, W, 3) uint8 RGB tight crop
    mask: np.ndarray        # (H, W) float32 0/1
    keypoints: np.ndarray   # (17, 2) crop pixels (0 where unknown)
    weight: np.ndarray      # (17,) 1 where supervised


def _near_duplicate_groups(root: Path) -> dict[str, str]:
    index = root / "INDEX.tsv"
    if not index.exists():
        return {}
    rows = [line.split("\t") for line in index.read_text(encoding="utf-8").splitlines()]
    col = rows[0].index("near_dup_group")
    return {r[0]: r[col] for r in rows[1:] if len(r) > col and r[col]}


def load_real_figures(root: Path = ANNOTATED_DIR, only: tuple[str, ...] | None = None) -> list[RealFigure]:
    """The annotated folders named in `only` (all usable ones when None) as training figures."""
    figures = []
    groups = _near_duplicate_groups(root) if root.is_dir() else {}
    for folder in sorted(p for p in root.iterdir() if p.is_dir()) if root.is_dir() else []:
        if folder.name in NON_HUMAN or (only is not None and folder.name not in only) \
                or not (folder / "mask.png").exists():
            continue
        bgr = cv2.imread(str(folder / "texture.png"), cv2.IMREAD_COLOR)
        mask = cv2.imread(str(folder / "mask.png"), cv2.IMREAD_GRAYSCALE)
        if bgr is None or mask is None or mask.shape != bgr.shape[:2]:
            continue
        config = load_char_cfg(folder / "char_cfg.yaml")
        if not set(COCO_FROM_AD.values()) <= set(config.names):
            continue
        sx, sy = bgr.shape[1] / config.width, bgr.shape[0] / config.height
        kps = np.zeros((17, 2), np.float32)
        weight = np.zeros(17, np.float32)
        for i, name in enumerate(COCO17):
            if name in COCO_FROM_AD:
                kps[i] = np.asarray(config.joint(COCO_FROM_AD[name]).loc, np.float32) * [sx, sy]
                weight[i] = 1.0
        figures.append(RealFigure(folder.name, groups.get(folder.name, folder.name), cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB),
                                  (mask > 127).astype(np.float32), kps, weight))
    return figures


def real_crop_sample(fig: RealFigure, rng: np.random.Generator,
                     size: int = CROP_SIZE) -> tuple[CropSample, np.ndarray]:
    """A padded, rotated, scaled, relit, flipped, colour-jittered crop; returns (sample, weights)."""
    h, w = fig.image.shape[:2]
    pad = rng.uniform(-0.03, 0.25, 4) * [w, h, w, h]
    x0, y0, x1, y1 = -pad[0], -pad[1], w + pad[2], h + pad[3]
    centre = np.array([(x0 + x1) / 2, (y0 + y1) / 2])
    rot = cv2.getRotationMatrix2D(tuple(centre), rng.normal(0, 7), 1.0)
    scale = np.diag([size / (x1 - x0), size / (y1 - y0)])
    affine = scale @ rot[:, :2]
    offset = scale @ (rot[:, 2] - [x0, y0])
    m = np.hstack([affine, offset[:, None]])
    # Outside the crop: the edge pixels stretched (replicate) or the paper's median colour.
    paper = np.median(np.concatenate([fig.image[0], fig.image[-1], fig.image[:, 0], fig.image[:, -1]]), axis=0)
    border = cv2.BORDER_REPLICATE if rng.random() < 0.5 else cv2.BORDER_CONSTANT
    image = cv2.warpAffine(fig.image, m, (size, size), flags=cv2.INTER_AREA, borderMode=border,
                           borderValue=[float(v) for v in paper])
    mask = cv2.warpAffine(fig.mask, m, (size, size), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
    kps = fig.keypoints @ affine.T + offset
    weight = fig.weight.copy()
    image = np.clip(_lighting(image.astype(np.float32), rng), 0, 255).astype(np.uint8)
    if rng.random() < 0.4:
        image = cv2.GaussianBlur(image, (0, 0), rng.uniform(0.3, 1.2))
    if rng.random() < 0.5:
        image, mask = image[:, ::-1], mask[:, ::-1]
        kps = kps[list(COCO17_FLIP)] * [-1, 1] + [size, 0]
        weight = weight[list(COCO17_FLIP)]
    sample = CropSample(np.ascontiguousarray(_colour_jitter(image, rng)), np.ascontiguousarray(mask),
                        kps.astype(np.float32))
    return sample, weight


def pick_real(figures: list[RealFigure], rng: np.random.Generator) -> RealFigure:
    """Uniform over distinct drawings, so a drawing annotated five times is not seen five times as often."""
    groups = sorted({f.group for f in figures})
    group = groups[rng.integers(len(groups))]
    members = [f for f in figures if f.group == group]
    return members[rng.integers(len(members))]
