"""Figure segmentation of a (padded) figure crop: a mask-logits model or the classical algorithm."""

from __future__ import annotations

import cv2
import numpy as np

from .classical_segmentation import classical_mask, largest_blob
from .decoders import decode_mask_logits
from .runtime import OnnxModel, Transform


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
