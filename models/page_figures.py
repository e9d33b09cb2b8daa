"""Which of the figures found on a page are kept: every real figure, not the fragments (pure numpy).

A page can hold a family, a pet and some scribbles. The detector and the duplicate check
(analyze.py) give candidate figures; here the ones too small to be a figure (a letter, a
smudge, a leftover stroke of a figure drawn twice) are dropped, and a crowd is capped, each
drop said in one note so the user knows what was skipped and why.
"""

from __future__ import annotations

import copy

import numpy as np

MIN_AREA_FRACTION = 0.04   # of the largest figure's mask: smaller is a fragment (a letter, a stray stroke)
MIN_HEIGHT_PX = 24         # a figure shorter than this cannot be meshed and rigged meaningfully
MAX_FIGURES = 12           # more figures than this on one page: the most person-like are animated
EDGE_PX = 3                # a mask this close to the photo's edge is cut by it (masks stop short of the ink)
MERGE_FRACTION = 0.4       # masks overlapping by this much of the smaller one are one figure
ATTACHED_LIKENESS = 0.5    # a touching figure less person-like than this × its neighbour is part of it


def keep_page_figures(figures: list, likeness) -> tuple[list, list[str]]:
    """(kept figures in their given order, notes on the dropped and merged ones). `likeness(figure)`
    ranks the figures (the input is usually already sorted by it). Merged figures are copies;
    the others are the given objects."""
    if not figures:
        return [], []
    areas = [int(f.mask.sum()) for f in figures]
    heights = [_mask_height(f.mask) for f in figures]
    largest = max(areas)
    kept, fragments, tiny = [], [], []
    for figure, area, height in zip(figures, areas, heights):
        if height < MIN_HEIGHT_PX:
            tiny.append(figure)
        elif area < MIN_AREA_FRACTION * largest:
            fragments.append(figure)
        else:
            kept.append(figure)
    kept, notes = _merge_overlapping(kept)
    kept, attached = _without_attached_parts(kept, likeness)
    if attached:
        notes.append(f"skipped {_count(attached, 'part')} joined to a figure but with no body of its own "
                     f"(a tail, a balloon, a shadow) at {_boxes(attached)}")
    if fragments:
        notes.append(f"skipped {_count(fragments, 'small fragment')} (under {MIN_AREA_FRACTION:.0%} of the "
                     f"largest figure's area) at {_boxes(fragments)}")
    if tiny:
        notes.append(f"skipped {_count(tiny, 'figure')} under {MIN_HEIGHT_PX} px tall at {_boxes(tiny)}")
    if len(kept) > MAX_FIGURES:
        ranked = sorted(range(len(kept)), key=lambda i: -likeness(kept[i]))
        chosen = set(ranked[:MAX_FIGURES])
        crowd = [f for i, f in enumerate(kept) if i not in chosen]
        kept = [f for i, f in enumerate(kept) if i in chosen]
        notes.append(f"the page has {len(kept) + len(crowd)} figures; the {MAX_FIGURES} most person-like are "
                     f"animated, {_count(crowd, 'figure')} skipped at {_boxes(crowd)}")
    return kept, notes


def _merge_overlapping(figures: list) -> tuple[list, list[str]]:
    """Two found figures whose masks overlap by MERGE_FRACTION of the smaller one are one figure
    seen twice or split in two (a pig's head and front legs boxed apart from its body and tail):
    they become one, the first (more person-like) one's joints kept, its mask the union."""
    merged, notes = [], []
    for figure in figures:
        area = int(figure.mask.sum())
        into = next((m for m in merged if np.logical_and(m.mask, figure.mask).sum()
                     >= MERGE_FRACTION * min(area, int(m.mask.sum()))), None)
        if into is None:
            merged.append(copy.copy(figure))
            continue
        notes.append(f"the figures found at {_boxes([into])} and {_boxes([figure])} overlap: taken as one figure")
        into.mask = into.mask | figure.mask
        into.box = (min(into.box[0], figure.box[0]), min(into.box[1], figure.box[1]),
                    max(into.box[2], figure.box[2]), max(into.box[3], figure.box[3]))
        into.score = max(into.score, figure.score)
    return merged, notes


def _without_attached_parts(figures: list, likeness) -> tuple[list, list]:
    """A found figure that touches a much more person-like one (the pose net sees little body in
    it) is part of that figure, drawn attached to it: a squirrel's big tail, a kite on its string."""
    order = sorted(range(len(figures)), key=lambda i: -likeness(figures[i]))
    extents = [_mask_extent(f.mask) for f in figures]
    kept, parts = [], []
    for i in order:
        owner = next((k for k in kept if likeness(figures[i]) < ATTACHED_LIKENESS * likeness(figures[k])
                      and _touch(figures[k], extents[k], figures[i], extents[i])), None)
        (kept if owner is None else parts).append(i)
    return [f for i, f in enumerate(figures) if i in kept], [f for i, f in enumerate(figures) if i in parts]


def _touch(a, a_extent, b, b_extent) -> bool:
    return _boxes_meet(a_extent, b_extent) and bool(np.logical_and(_grown(a.mask, a_extent), b.mask).any())


def touching_notes(figures: list) -> list[str]:
    """A note for each pair of kept figures whose masks touch or overlap: each is cut out along its
    own mask, so a shared stroke goes with both and may show twice while they move."""
    notes = []
    boxes = [_mask_extent(f.mask) for f in figures]
    for i in range(len(figures)):
        for j in range(i + 1, len(figures)):
            if _touch(figures[i], boxes[i], figures[j], boxes[j]):
                notes.append(f"figures {i + 1} and {j + 1} touch or overlap; each is cut out along its own "
                             "outline, so a shared stroke may move with both")
    return notes


def edge_notes(figures: list) -> list[str]:
    """A note for each figure cut by the photo's edge: what lies beyond it cannot move."""
    notes = []
    for i, figure in enumerate(figures):
        mask = figure.mask
        m = EDGE_PX
        sides = [side for side, strip in (("left", mask[:, :m]), ("right", mask[:, -m:]), ("top", mask[:m]),
                                          ("bottom", mask[-m:])) if strip.any()]
        if sides:
            which = f"figure {i + 1}" if len(figures) > 1 else "the figure"
            notes.append(f"{which} is cut by the photo's {' and '.join(sides)} edge: it is animated as drawn, "
                         "without what lies beyond")
    return notes


def _grown(mask: np.ndarray, extent) -> np.ndarray:
    """The mask grown by one pixel (touching counts as meeting), computed inside its extent only."""
    from ..imaging.morphology import dilate

    x0, y0, x1, y1 = extent
    y0, x0 = max(y0 - 1, 0), max(x0 - 1, 0)
    out = np.zeros_like(mask)
    out[y0:y1 + 1, x0:x1 + 1] = dilate(mask[y0:y1 + 1, x0:x1 + 1], 1)
    return out


def _boxes_meet(a, b) -> bool:
    return a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]


def _mask_extent(mask: np.ndarray) -> tuple[int, int, int, int]:
    ys, xs = np.nonzero(mask)
    return int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1


def _mask_height(mask: np.ndarray) -> int:
    rows = np.flatnonzero(mask.any(axis=1))
    return int(rows[-1] - rows[0] + 1) if len(rows) else 0


def _count(figures: list, noun: str) -> str:
    return f"{len(figures)} {noun}{'' if len(figures) == 1 else 's'}"


def _boxes(figures: list, shown: int = 4) -> str:
    boxes = ", ".join(str([round(float(v)) for v in f.box]) for f in figures[:shown])
    return boxes + (f" and {len(figures) - shown} more" if len(figures) > shown else "")
