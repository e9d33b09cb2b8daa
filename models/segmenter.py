"""Figure segmentation of a (padded) figure crop: a mask-logits model, the classical algorithm,
or both reconciled (classical detail where it agrees with the model, the model where the
classical flood leaked into paper/background or lost parts of the figure)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..imaging.contours import convex_hull, fill_polygons
from ..imaging.morphology import close, dilate, distance_to_background, label_components, max_filter, min_filter
from ..imaging.resample import resize, warp_affine
from .classical_segmentation import classical_mask, largest_blob
from .decoders import decode_mask_logits
from .runtime import OnnxModel, Transform


AGREEMENT_TOLERANCE = 0.02   # × crop diagonal: boundary slack between a coarse model mask and strokes
MAX_DISAGREEMENT = 0.1       # fraction of a mask the other one may miss beyond that slack
SURE_BACKGROUND = 0.01       # model probability below which a leaked pixel counts as flooded paper
RECONCILE_SIDE = 256         # masks are compared at this long side
LINE_CONTRAST = 24           # a pen line is this much darker than the paper's local mean (3 × the
                             # classical stroke threshold: paper grain and shadows stay below it)
LINE_HALF_WIDTH = 0.006      # × crop diagonal (at least 4 px): stroke pieces no thicker than twice this are lines
LINE_GAP = 0.02              # × crop diagonal: a line this close to the figure hangs from it (pen lifted at a joint)
LINE_MIN_LENGTH = 3.0        # a line covers at least this × LINE_HALF_WIDTH² px; smaller pieces are specks


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
        return self.probability(crop).above()

    def probability(self, crop: np.ndarray) -> "CropProbability":
        """The model's figure probability over the crop (model only)."""
        tensor, transform = self.model.preprocess(crop)
        outputs = self.model.ordered_outputs(self.model.infer(tensor))
        prob = decode_mask_logits(outputs[0], self.model.spec.output.get("activation", "sigmoid"))
        return probability_in_crop(prob, transform, self.model.size_hw, crop.shape[:2],
                                   float(self.model.spec.output.get("threshold", 0.5)))


@dataclass
class CropProbability:
    """A model's figure probability warped onto the crop: one blob above `threshold`."""

    prob: np.ndarray        # (H, W) float32
    threshold: float

    def above(self) -> np.ndarray:
        return self.prob > self.threshold


def probability_in_crop(prob: np.ndarray, transform: Transform, net_hw: tuple[int, int],
                        crop_hw: tuple[int, int], threshold: float = 0.5) -> CropProbability:
    """Network-resolution probability → crop-size probability whose mask is one blob.

    The blob is chosen at the map's own (low) resolution, where it is cheap; the cleaned
    probability (other blobs held below the threshold, holes raised to 1) is then warped to
    the crop with one affine map (map px → input px → crop px), keeping smooth edges.
    """
    blob = largest_blob(prob > threshold)
    if not blob.any():
        return CropProbability(np.zeros(crop_hw, np.float32), threshold)
    prob = np.where(blob, np.where(prob > threshold, prob, 1.0), np.minimum(prob, threshold * 0.999))
    net_h, net_w = net_hw
    ph, pw = prob.shape
    # input px = prob px · (net/prob) ; image px = (input px − offset) / scale
    ax, ay = net_w / pw, net_h / ph
    (sx, sy), (ox, oy) = transform.scale, transform.offset
    # Pixel-centre aligned affine from crop pixels to probability-map pixels.
    m = np.array([[sx / ax, 0.0, (ox + 0.5 * sx) / ax - 0.5],
                  [0.0, sy / ay, (oy + 0.5 * sy) / ay - 0.5]])
    h, w = crop_hw
    full = warp_affine(prob.astype(np.float32), m, (w, h))
    return CropProbability(full, threshold)


def reconcile_masks(classical: np.ndarray, learned: CropProbability) -> tuple[np.ndarray, str]:
    """(mask, "classical" | "model"): the pixel-exact classical mask unless it clearly failed.

    The classical flood is exact on clean paper (it is what AnimatedDrawings ships) but can
    leak into shadows/backgrounds, or keep only an enclosed part when strokes have gaps; the
    model mask is coarse (low resolution, thin strokes and odd parts fade) but knows what a
    figure is. So the model wins only when (a) the classical mask has thick regions far from
    the model's mask that the model is *sure* are background (a flood, not a thin limb, hair
    or tail the model was unsure about) or (b) the model's figure reaches well outside the
    classical mask's convex hull (the classical flood kept only a part).
    """
    learned_mask = learned.above()
    if not learned_mask.any():
        return classical, "classical"
    if not classical.any():
        return learned_mask, "model"
    # Fractions are all that is needed: measure them on masks at most RECONCILE_SIDE px.
    classical_small, learned_small = _at_most(classical, RECONCILE_SIDE), _at_most(learned_mask, RECONCILE_SIDE)
    if not classical_small.any() or not learned_small.any():
        return (classical, "classical") if classical_small.any() else (learned_mask, "model")
    h, w = classical_small.shape
    sure_background = resize(learned.prob, (w, h), "area") < SURE_BACKGROUND
    r = max(1.5, AGREEMENT_TOLERANCE * float(np.hypot(h, w)))
    # Each disk operation is a distance transform. The margin around the model's mask and the
    # opening only remove leaked pixels, the margin around the hull only adds hull pixels, so
    # each is computed only while the cheaper bound still fails (usual case: masks agree).
    leaked = classical_small & ~learned_small
    leak_fraction = _fraction(leaked & sure_background, classical_small)
    if leak_fraction > MAX_DISAGREEMENT:
        leaked &= ~_grow(learned_small, r)
        leak_fraction = _fraction(leaked & sure_background, classical_small)
    if leak_fraction > MAX_DISAGREEMENT:
        thick_leak = _grow(_shrink(leaked, r), r) & leaked      # opening: thin strokes vanish
        leak_fraction = _fraction(thick_leak & sure_background, classical_small)
    if leak_fraction > MAX_DISAGREEMENT:
        return learned_mask, "model"
    hull = fill_polygons((h, w), [convex_hull(_row_ends(classical_small))])
    lost_fraction = _fraction(learned_small & ~hull, learned_small)
    if lost_fraction > MAX_DISAGREEMENT:
        lost_fraction = _fraction(learned_small & ~_grow(hull, r), learned_small)
    if lost_fraction > MAX_DISAGREEMENT:
        return learned_mask, "model"
    return classical, "classical"


def _row_ends(mask: np.ndarray) -> np.ndarray:
    """(x, y) of the first and last pixel of every row of a non-empty mask: all its convex
    hull depends on, and far fewer points than the whole mask."""
    rows = np.flatnonzero(mask.any(1))
    lines = mask[rows]
    first = lines.argmax(1)
    last = mask.shape[1] - 1 - lines[:, ::-1].argmax(1)
    return np.column_stack([np.concatenate([first, last]), np.concatenate([rows, rows])])


def _fraction(part: np.ndarray, whole: np.ndarray) -> float:
    return np.count_nonzero(part) / np.count_nonzero(whole)


# Morphology with a disk of radius r through distance transforms (a 45-px structuring element
# made reconciling a 1000-px crop cost 100+ ms); distances beyond r + 1 are never needed.
def _grow(mask: np.ndarray, r: float) -> np.ndarray:
    return distance_to_background(~mask, limit=r + 1.0) <= r


def _shrink(mask: np.ndarray, r: float) -> np.ndarray:
    return distance_to_background(mask, limit=r + 1.0) > r


def _at_most(mask: np.ndarray, side: int) -> np.ndarray:
    h, w = mask.shape
    s = side / max(h, w)
    if s >= 1:
        return mask
    return resize(mask, (max(1, round(w * s)), max(1, round(h * s))), "area")


def line_map(contrast: np.ndarray) -> np.ndarray:
    """bool map of clear pen lines (from `classical_segmentation.ink_contrast`), gaps of a
    pixel or two where the pen skipped closed."""
    lines = (contrast >= LINE_CONTRAST).view(np.uint8) * np.uint8(255)
    return dilate(close(lines, 1), 1) > 0


def with_attached_lines(mask: np.ndarray, lines: np.ndarray) -> np.ndarray:
    """`mask` plus the pen lines that hang from it: stick arms and legs drawn as one line,
    which the model's coarse mask fades out along and the classical flood loses when the
    line starts a few pixels away from the body.

    A line is a connected piece of `lines` (a `line_map`) outside the mask that is thin all
    along (nothing of it survives an erosion by LINE_HALF_WIDTH), big enough not to be a
    speck and off the crop border; it hangs from the figure when it comes within LINE_GAP of
    the mask, directly or through other lines (a line broken where the pen skipped). A
    shadow, a paper edge or a neighbour's filled body is none of these. Square windows
    (sliding min/max, a few ms) stand in for disks: the distances are rough anyway.
    """
    loose = lines & ~mask
    count, labels = label_components(loose, connectivity=8)
    if count <= 1:
        return mask
    diagonal = float(np.hypot(*mask.shape))
    r = round(max(4.0, LINE_HALF_WIDTH * diagonal))
    gap = round(max(2.0, LINE_GAP * diagonal))
    thick = np.bincount(labels[min_filter(loose, 2 * r + 1)], minlength=count)
    area = np.bincount(labels.ravel(), minlength=count)
    candidate = (thick == 0) & (area >= LINE_MIN_LENGTH * r * r)
    for edge in (labels[0], labels[-1], labels[:, 0], labels[:, -1]):
        candidate[edge] = False
    candidate[0] = False
    line_pixels = candidate[labels]
    # Lines within `gap` of one another form one chain; a chain within `gap` of the mask hangs from it.
    chain_count, chains = label_components(max_filter(line_pixels, gap + 1), connectivity=8)
    hanging = np.zeros(chain_count, bool)
    hanging[chains[line_pixels & max_filter(mask, 2 * gap + 1)]] = True
    hanging[0] = False
    return mask | (line_pixels & hanging[chains])
