"""Batching samples into normalised input tensors and dense training targets, plus the losses."""
from __future__ import annotations

import numpy as np
import torch
from torch.nn import functional as F

from .nets import DET_STRIDE, HEATMAP_STRIDE

# Input contract written into every sidecar: value = (pixel / SCALE - MEAN) / STD, RGB, NCHW.
MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)
SCALE = 255.0
HEATMAP_SIGMA = 2.0   # in heatmap cells


def to_input(images: np.ndarray) -> torch.Tensor:
    """(B, H, W, 3) uint8 RGB → (B, 3, H, W) float32 normalised, channels_last memory."""
    x = torch.from_numpy(np.ascontiguousarray(images)).float().div_(SCALE)
    x = (x - torch.tensor(MEAN)) / torch.tensor(STD)
    return x.permute(0, 3, 1, 2).contiguous(memory_format=torch.channels_last)


def keypoint_heatmaps(kps: np.ndarray, size: int) -> torch.Tensor:
    """(B, K, 2) input-pixel keypoints → (B, K, size/stride, size/stride) Gaussians, peak 1."""
    g = size // HEATMAP_STRIDE
    centres = torch.from_numpy(kps).float() / HEATMAP_STRIDE - 0.5   # cell i covers [i, i+1)·stride
    coords = torch.arange(g, dtype=torch.float32)
    gx = torch.exp(-(coords.view(1, 1, g) - centres[..., :1]) ** 2 / (2 * HEATMAP_SIGMA ** 2))
    gy = torch.exp(-(coords.view(1, 1, g) - centres[..., 1:]) ** 2 / (2 * HEATMAP_SIGMA ** 2))
    return gy.unsqueeze(-1) * gx.unsqueeze(-2)


def box_targets(boxes: list[np.ndarray], size: int) -> dict[str, torch.Tensor]:
    """CenterNet-style targets on the stride-8 grid.

    centre: Gaussian (peak exactly 1 at the cell holding the box centre); ltrb: distances from
    each cell centre to the box edges / stride, supervised on cells near the box centre.
    """
    g = size // DET_STRIDE
    b = len(boxes)
    centre = np.zeros((b, 1, g, g), np.float32)
    ltrb = np.zeros((b, 4, g, g), np.float32)
    weight = np.zeros((b, 1, g, g), np.float32)
    cell = (np.arange(g, dtype=np.float32) + 0.5) * DET_STRIDE
    for i, bx in enumerate(boxes):
        # Larger boxes first so smaller (front) figures win shared cells.
        for x0, y0, x1, y1 in sorted(bx.tolist(), key=lambda r: -(r[2] - r[0]) * (r[3] - r[1])):
            cx, cy, bw, bh = (x0 + x1) / 2, (y0 + y1) / 2, x1 - x0, y1 - y0
            sx, sy = max(bw / DET_STRIDE / 6, 0.7), max(bh / DET_STRIDE / 6, 0.7)
            gx = np.exp(-((cell - cx) / DET_STRIDE) ** 2 / (2 * sx * sx))
            gy = np.exp(-((cell - cy) / DET_STRIDE) ** 2 / (2 * sy * sy))
            centre[i, 0] = np.maximum(centre[i, 0], gy[:, None] * gx[None, :])
            ci, cj = min(int(cy // DET_STRIDE), g - 1), min(int(cx // DET_STRIDE), g - 1)
            centre[i, 0, ci, cj] = 1.0
            near = (np.abs(cell[:, None] - cy) <= max(0.2 * bh, DET_STRIDE * 0.75)) & \
                   (np.abs(cell[None, :] - cx) <= max(0.2 * bw, DET_STRIDE * 0.75))
            near[ci, cj] = True
            yy, xx = np.nonzero(near)
            ltrb[i, :, yy, xx] = np.stack([cell[xx] - x0, cell[yy] - y0, x1 - cell[xx], y1 - cell[yy]], 1) / DET_STRIDE
            weight[i, 0, yy, xx] = 1.0 / max((bw + bh) / 2 / DET_STRIDE, 1.0)
    return {k: torch.from_numpy(v) for k, v in (("centre", centre), ("ltrb", ltrb), ("weight", weight))}


def focal_loss(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """CenterNet's penalty-reduced focal loss on Gaussian targets."""
    p = torch.sigmoid(logits).clamp(1e-4, 1 - 1e-4)
    pos = target.eq(1).float()
    pos_loss = -torch.log(p) * (1 - p) ** 2 * pos
    neg_loss = -torch.log(1 - p) * p ** 2 * (1 - target) ** 4 * (1 - pos)
    return (pos_loss.sum() + neg_loss.sum()) / pos.sum().clamp(min=1)


def detection_loss(centre_logits, box, t) -> tuple[torch.Tensor, dict[str, float]]:
    lc = focal_loss(centre_logits, t["centre"])
    lb = (torch.abs(box - t["ltrb"]) * t["weight"]).sum() / (t["weight"] > 0).sum().clamp(min=1)
    return lc + 2.0 * lb, {"centre": lc.item(), "box": lb.item()}


def figure_loss(heatmaps, mask_logits, heat_t, mask_t, kp_weight=None) -> tuple[torch.Tensor, dict[str, float]]:
    """Heatmap + mask loss; `kp_weight` (B, 17) switches off keypoints a sample does not know."""
    # Positive-weighted MSE: the few peak pixels matter more than the wide flat background.
    err = ((heatmaps - heat_t) ** 2) * (1 + 8 * heat_t)
    if kp_weight is not None:
        err = err * kp_weight[:, :, None, None]
    lh = err.mean() * 100
    bce = F.binary_cross_entropy_with_logits(mask_logits, mask_t)
    p = torch.sigmoid(mask_logits)
    dice = 1 - (2 * (p * mask_t).sum((1, 2, 3)) + 1) / (p.sum((1, 2, 3)) + mask_t.sum((1, 2, 3)) + 1)
    lm = bce + dice.mean()
    return lh + lm, {"heat": lh.item(), "mask": lm.item()}
