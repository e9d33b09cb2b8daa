"""Who the performer is, frame after frame: what they wear and where they can be.

The pose nets follow whatever body is in their region; when two people cross, the region can
slide onto the other one, and after a loss the detector offers everybody in view. Two cues
tell the performer apart:

- appearance: the torso's colours (`torso_signature`), compared with the performer's
  reference and with those of the other people seen so far. "Closer to somebody else than to
  the performer" is the test: on the basketball clip an absolute threshold could not separate
  the two players (the performer's own colours change more between the lit and the shaded
  side of the gym than the two shirts differ at times), the comparison does in 97-100 % of
  the frames;
- motion (`MotionPrior`): where the hips should be now, from their last positions, and how
  far the person can have gone in the frames they were not seen.
"""

from __future__ import annotations

from collections import deque

import numpy as np

from ..imaging.resample import sample_bilinear

# Mean absolute signature difference above which a torso is not the performer's even when
# nobody else was seen to compare with. Measured on the basketball clip (chromaticity +
# lightness of three bands): the performer's own frames 0.02-0.07 from the (slowly updated)
# reference, up to 0.11 from the first frames' one; the other player's 0.11 and up (median
# 0.16).
DIFFERENT = 0.13
REFERENCE_FRAMES = 5     # the first tracked frames whose median makes the performer's reference
OTHERS_KEPT = 30         # signatures of other people remembered (the most recent)
# A region whose hips land farther than this fraction of its size from where they were
# expected has jumped to somebody else (a body moves a few percent of its size per frame).
JUMP = 0.35
# How far (in region sizes) a person not seen for a while may have gone: the first term for a
# frame, the second per extra frame; the search after a loss keeps to that circle.
REACH, REACH_PER_FRAME = 0.35, 0.08


def torso_signature(rgb: np.ndarray, hips: np.ndarray, shoulders: np.ndarray) -> np.ndarray | None:
    """(3, 4) colours of three bands of the torso from the hips up to the shoulders (the
    middle 40 % of its width): per band the median chromaticity (r, g, b over their sum) and
    the lightness. The median ignores an arm or a ball across the shirt; chromaticity keeps a
    shirt's colour when the light on it changes. None when the torso is too small to sample or
    its hips are outside the frame."""
    hips, shoulders = np.asarray(hips, np.float64), np.asarray(shoulders, np.float64)
    axis = shoulders - hips
    length = float(np.hypot(*axis))
    h, w = rgb.shape[:2]
    if not np.isfinite(length) or length < 6 or not (0 <= hips[0] < w and 0 <= hips[1] < h):
        return None
    across = np.array([-axis[1], axis[0]]) / length
    along = np.linspace(0.15, 0.85, 9)
    side = np.linspace(-0.2, 0.2, 5) * length
    points = hips[None, None] - 0.5 + along[:, None, None] * axis + side[None, :, None] * across
    values = sample_bilinear(rgb, points[..., 0], points[..., 1]).reshape(9, 5, -1)[..., :3] / 255.0
    bands = np.median(values.reshape(3, 15, 3), axis=1)
    total = bands.sum(axis=1, keepdims=True)
    return np.concatenate([bands / np.maximum(total, 1e-3), total / 3.0], axis=1)


def signature_distance(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a - b).mean())


class Appearance:
    """The performer's reference signature and the signatures of the others seen."""

    def __init__(self):
        self.reference: np.ndarray | None = None
        self.first: list[np.ndarray] = []
        self.others: deque[np.ndarray] = deque(maxlen=OTHERS_KEPT)

    def distance(self, signature: np.ndarray) -> float:
        return 0.0 if self.reference is None else signature_distance(signature, self.reference)

    def nearest_other(self, signature: np.ndarray) -> float:
        return min((signature_distance(signature, o) for o in self.others), default=np.inf)

    def is_someone_else(self, signature: np.ndarray | None) -> bool:
        """True when the torso clearly is not the performer's: far from the reference, or
        closer to another person's than to the performer's."""
        if signature is None or self.reference is None:
            return False
        mine = self.distance(signature)
        return mine > DIFFERENT or self.nearest_other(signature) < mine

    def learn(self, signature: np.ndarray | None) -> None:
        """A frame known to show the performer."""
        if signature is None:
            return
        if len(self.first) < REFERENCE_FRAMES:  # the reference: the first frames' median
            self.first.append(signature)
            self.reference = np.median(self.first, axis=0)
        elif self.distance(signature) < DIFFERENT / 2 and self.nearest_other(signature) > 2 * self.distance(signature):
            # Follow slow lighting changes, on clear matches only: updating on every frame let
            # the reference drift, step by small step, onto a crossing player.
            self.reference = 0.95 * self.reference + 0.05 * signature

    def learn_other(self, signature: np.ndarray | None) -> None:
        """Somebody else seen; one dressed like the performer is not kept (it would make the
        performer look like somebody else)."""
        if signature is not None and (self.reference is None or self.distance(signature) > DIFFERENT / 2):
            self.others.append(signature)


class MotionPrior:
    """Where the performer's hips should be: the last position seen, moved on at the recent
    speed (pixels per frame), and how far they can have gone since."""

    def __init__(self):
        self.centre: np.ndarray | None = None
        self.velocity = np.zeros(2)
        self.size = 0.0            # the region's side when last seen (pixels)
        self.frames_unseen = 0

    def seen(self, centre: np.ndarray, size: float) -> None:
        centre = np.asarray(centre, np.float64)
        if self.centre is not None and self.frames_unseen == 0:
            self.velocity = 0.7 * self.velocity + 0.3 * (centre - self.centre)
        elif self.centre is not None:   # back after a gap: the average speed over it
            self.velocity = (centre - self.centre) / (self.frames_unseen + 1)
        self.centre, self.size, self.frames_unseen = centre, float(size), 0

    def unseen(self) -> None:
        self.frames_unseen += 1

    def predicted(self) -> np.ndarray | None:
        if self.centre is None:
            return None
        # A lost person's speed is a guess: carried on for a second at most.
        return self.centre + self.velocity * min(self.frames_unseen + 1, 30)

    def reach(self) -> float:
        """Pixels from the predicted centre within which the performer can be now."""
        return self.size * (REACH + REACH_PER_FRAME * self.frames_unseen)

    def jumped(self, centre: np.ndarray) -> bool:
        """True when a region tracked without a break lands its hips too far from the prediction."""
        expected = self.predicted()
        return (expected is not None and self.frames_unseen == 0
                and float(np.hypot(*(np.asarray(centre) - expected))) > JUMP * self.size)
