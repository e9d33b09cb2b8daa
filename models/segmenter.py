"""Figure segmentation of a (padded) figure crop: a mask-logits model, the classical algorithm,
or both reconciled (classical detail where it agrees with the model, the model where the
classical flood leaked into paper/background or lost parts of the figure)."""

from __future__ import annotations

import cv2
import numpy as np

from .classical_segmentation import classical_mask, largest_blob
from .decoders import decode_mask_logits
from .runtime import OnnxModel, Transform


AGREEMENT_TOLERANCE = 0.02   # × crop diagonal: boundary slack between a coarse model mask and strokes
MAX_DISAGREEMENT = 0.12      # fraction of a mask the other one may miss beyond that slack


class FigureSegmenter:
    def __init__(self, model: OnnxModel | None = None):
        self.model = model

    @property
    def name(self) -> str:
        return self.model.spec.name if self.model else "classical"

    def segment(self, crop: np.ndarray) -> np.ndarray:
        """(H, W) bool figure mask of the crop: one blob, holes filled (as AnimatedDrawings)."""
        if self.model is None:
            return classical_mask(crop)
        tensor, transform = self.model.preprocess(crop)
        outputs = self.model.ordered_outputs(self.model.infer(tensor))
        prob = decode_mask_logits(outputs[0], self.model.spec.output.get("activation", "sigmoid"))
        return mask_from_probability(prob, transform, self.model.size_hw, crop.shape[:2],
                                     float(self.model.spec.output.get("threshold", 0.5)))


def mask_from_probability(prob: np.ndarray, transform: Transform, net_hw: tuple[int, int],
                          crop_hw: tuple[int, int], threshold: float = 0.5) -> np.ndarray:
    """Network-resolution probability → crop-size bool mask (largest blob, holes filled).

    The probability map may be coarser than the network input (stride): it is first scaled
    to input pixels, then the image→input transform is inverted with one affine warp.
    """
    net_h, net_w = net_hw
    ph, pw = prob.shape
    # input px = prob px · (net/prob) ; image px = (input px − offset) / scale
    ax, ay = net_w / pw, net_h / ph
    (sx, sy), (ox, oy) = transform.scale, transform.offset
    # Pixel-centre aligned affine from crop pixels to probability-map pixels.
    m = np.array([[sx / ax, 0.0, (ox + 0.5 * sx) / ax - 0.5],
                  [0.0, sy / ay, (oy + 0.5 * sy) / ay - 0.5]])
    h, w = crop_hw
    full = cv2.warpAffine(prob.astype(np.float32), m, (w, h),
                          flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_REPLICATE)
    return largest_blob(full > threshold)


def reconcile_masks(classical: np.ndarray, learned: np.ndarray) -> tuple[np.ndarray, str]:
    """(mask, "classical" | "model"): the pixel-exact classical mask unless it clearly failed.

    The classical flood is exact on clean paper (it is what AnimatedDrawings ships) but can
    leak into shadows/backgrounds, or keep only an enclosed part when strokes have gaps; the
    model mask is coarse (low resolution, thin strokes fade) but knows what a figure is. So
    the model wins only when (a) the classical mask has *thick* regions far from the model's
    (a flood, not a thin limb the model lost) or (b) the model's figure reaches well outside
    the classical mask's convex hull (the classical flood kept only a part).
    """
    if not learned.any():
        return classical, "classical"
    if not classical.any():
        return learned, "model"
    h, w = classical.shape
    r = max(2, round(AGREEMENT_TOLERANCE * float(np.hypot(h, w))))
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))
    near_learned = cv2.dilate(learned.astype(np.uint8), kernel)
    leaked = (classical.astype(np.uint8) & (1 - near_learned))
    thick_leak = cv2.morphologyEx(leaked, cv2.MORPH_OPEN, kernel)
    hull = np.zeros((h, w), np.uint8)
    cv2.fillConvexPoly(hull, cv2.convexHull(cv2.findNonZero(classical.astype(np.uint8))), 1)
    near_hull = cv2.dilate(hull, kernel).astype(bool)
    leak_fraction = np.count_nonzero(thick_leak) / np.count_nonzero(classical)
    lost_fraction = np.count_nonzero(learned & ~near_hull) / np.count_nonzero(learned)
    if leak_fraction <= MAX_DISAGREEMENT and lost_fraction <= MAX_DISAGREEMENT:
        return classical, "classical"
    return learned, "model"
