"""What kind of body a figure has, from its outline (pure numpy): biped, quadruped or limbless.

The pose net only knows people, so the body kind is read from the mask: a figure much wider
than tall standing on three or more separate feet is a quadruped (a dog, a pig); one whose
lower part is a single solid block with no legs apart and little outline outside its
box-filling body is limbless (a ghost, a blob, a sack). Everything else is a biped. The rule
is deliberately cautious: a person with arms spread is wide but stands on two feet.
"""

from __future__ import annotations

import numpy as np

BODIES = ("biped", "quadruped", "extra_limbs", "limbless")
QUADRUPED_ASPECT = 1.5        # width / height of the mask at least this…
QUADRUPED_FEET = 3            # … and at least this many separate runs across the feet rows
FEET_ROWS = (0.86, 0.90, 0.94)  # fractions of the height where the feet are counted
LIMBLESS_FILL = 0.72          # mask area / box area at least this, with one run at the feet


def body_kind(mask: np.ndarray) -> str:
    """"biped", "quadruped" or "limbless" for a figure's (H, W) bool mask ("extra_limbs" needs the
    joints too: `models.extra_limbs.find_extra_limbs` tells a biped with a tail apart)."""
    ys, xs = np.nonzero(mask)
    if len(ys) == 0:
        return "biped"
    y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
    box = mask[y0:y1, x0:x1]
    height, width = box.shape
    feet = max(_runs(box[min(height - 1, int(f * height))]) for f in FEET_ROWS)
    if width >= QUADRUPED_ASPECT * height and feet >= QUADRUPED_FEET:
        return "quadruped"
    if feet <= 1 and box.mean() >= LIMBLESS_FILL:
        return "limbless"
    return "biped"


def _runs(row: np.ndarray) -> int:
    """Separate stretches of mask along one row."""
    row = row.astype(np.int8)
    return int(np.count_nonzero(np.diff(row) == 1) + row[0])


def body_notes(kinds: list[str]) -> list[str]:
    """A note for each figure that is not a biped: how it is rigged."""
    which = (lambda i: f"figure {i + 1} ") if len(kinds) > 1 else (lambda i: "the figure ")
    notes = []
    for i, kind in enumerate(kinds):
        if kind == "quadruped":
            notes.append(f"{which(i)}looks like a quadruped: its front legs move as arms and its back "
                         "legs as legs, its body keeps its drawn pose")
        elif kind == "extra_limbs":
            notes.append(f"{which(i)}has parts its skeleton does not explain (a tail, wings, another limb): "
                         "each gets bones and follows the nearest limb a beat later")
        elif kind == "limbless":
            notes.append(f"{which(i)}has no limbs: it hops, squashing and stretching, whatever the clip")
    return notes
