"""Find a drawn face (eyes and mouth) on a figure crop, by classical image analysis.

Children draw faces as a few separate marks inside the head: two roughly round ink blobs at
about the same height (dots, circles with pupils, lashes, closed arcs) and one wider mark
below them (a smile, an open mouth). So: take the head region around the `neck` joint
(AnimatedDrawings puts it on the head centre; the shoulders bound the head below), keep what
differs clearly from the colour in the middle of the head, split it into connected marks (and
where two colour families cross, into one-colour marks), pair the marks that look most like two
eyes (preferring marks inside a drawn head line to marks in open paper, like spiky hair), then
take the widest mark under the pair as the mouth. When that finds no clear pair, a
second look keeps only the strokes' dark cores (eyes touching the hair or the head's line come
apart), and then the body is searched (faces drawn on a garlic or a star; the pose net may
have put the head on a tip of the outline).

Why not a learned model: the only real labels are the few hand-labelled shared drawings
(vision_dev/training/face_labels.json), too few to train or even fairly validate one, and the
generator's faces (`training/synth_figure.py`: dot or ring eyes, an arc mouth) are simpler
than real ones. This search finds 27 of the 28 labelled eyes and all 13 mouths, with the
drawings' own joints or the pipeline's, in about 15 ms of CPU per figure at 1000 px; it does
worse on the generator's small, blurred figures (both eyes on about a third of them) and on
photos it was not tuned on (`python -m animate_drawing.vision_dev.evaluate_faces` prints the table).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from ..imaging.morphology import erode, label_components
from ..imaging.resample import resize
from .joints import AD_NAMES

_NECK, _TORSO, _HIP = AD_NAMES.index("neck"), AD_NAMES.index("torso"), AD_NAMES.index("hip")
_SHOULDERS = (AD_NAMES.index("right_shoulder"), AD_NAMES.index("left_shoulder"))

INK_DISTANCE = 60.0        # RGB distance from the face colour that makes a pixel a mark
STRICT_INK = 2.5           # × INK_DISTANCE: the strokes' dark cores, for a second look
BODY_FACE_REACH = 0.3      # search radius as a fraction of the figure height for a face on the body
HEAD_UP = 2.0              # the head window reaches this × the neck-shoulder distance above the neck
BODY_SEARCH_COST = 0.9     # a head face costing more than this (see _pair_cost) gets a second look ...
BODY_FACE_PENALTY = 0.2    # ... loses to a face on the body costing this much less
EXPOSED_EYE_COST = 0.5     # per eye lying in paper open to the outline when others lie enclosed
NO_MOUTH_COST = 0.35       # eyes without a mouth under them are less likely eyes
MAX_FACE_COST = 1.7        # a pair of marks costing more is not taken for eyes
FACE_COLOUR_REACH = 0.6    # the face's colour is taken within this × the search radius of the head centre
MAX_EYE_SIZE = 0.9         # an eye's bounding box side, at most this × the search radius
MIN_EYE_SIZE = 0.04        # and at least this × the search radius
MAX_EYE_CANDIDATES = 24
MIN_EYE_FILL = 0.3         # an upright eye (holes filled) covers at least this share of its box
MAX_EYE_SPACING = 1.3      # eye centres at most this × the search radius apart
SOLID_EYE_INK = 0.6        # an eye filled at least this much with ink is a filled eye, not an outline
PUPIL_CONTRAST = 60.0      # a filled eye's pupil is at least this much darker than its lightest part
MIN_MARK_PX = 3            # marks smaller than this many pixels are noise
WORK_REACH = 64            # search radius (px) the head is shrunk to, at most twice that
VIVID_CHROMA = 70.0        # max - min of R, G, B from this on: a vivid colour (crayon, felt pen)
SPLIT_SHARE = 0.2          # a mark with two colour families this big is two marks,
SPLIT_SIZE = 0.12          # or whose second family covers (this × the search radius)² px


@dataclass(frozen=True)
class Eye:
    center: tuple[float, float]         # x, y pixels
    radius: float                       # of a disc as big as the eye's shape (its outline filled)
    pupil: tuple[float, float] | None   # a darker mark inside a drawn outline; None for dots or closed eyes


@dataclass(frozen=True)
class Mouth:
    center: tuple[float, float]
    corners: tuple[tuple[float, float], tuple[float, float]]   # left, right as the viewer sees them


@dataclass(frozen=True)
class Face:
    eyes: tuple[Eye, ...]               # left to right as the viewer sees them
    mouth: Mouth | None

    def moved(self, dx: float, dy: float) -> "Face":
        """The same face with every point shifted by (dx, dy): crop → image pixels."""
        def p(xy):
            return None if xy is None else (xy[0] + dx, xy[1] + dy)
        eyes = tuple(Eye(p(e.center), e.radius, p(e.pupil)) for e in self.eyes)
        mouth = None if self.mouth is None else Mouth(p(self.mouth.center), tuple(p(c) for c in self.mouth.corners))
        return Face(eyes, mouth)

    def scaled(self, k: float) -> "Face":
        """The face found on a picture shrunk k times, in the full picture's pixels."""
        def p(xy):
            return None if xy is None else ((xy[0] + 0.5) * k - 0.5, (xy[1] + 0.5) * k - 0.5)
        eyes = tuple(Eye(p(e.center), e.radius * k, p(e.pupil)) for e in self.eyes)
        mouth = None if self.mouth is None else Mouth(p(self.mouth.center), tuple(p(c) for c in self.mouth.corners))
        return Face(eyes, mouth)

    @staticmethod
    def from_json(data: dict | None) -> "Face | None":
        """The face `to_json` wrote (or an artist edited in the review); None stays None."""
        if data is None:
            return None
        def p(xy):
            return None if xy is None else (float(xy[0]), float(xy[1]))
        eyes = tuple(Eye(p(e["center"]), float(e["radius"]), p(e.get("pupil"))) for e in data.get("eyes", ()))
        mouth = data.get("mouth")
        mouth = None if mouth is None else Mouth(p(mouth["center"]), tuple(p(c) for c in mouth["corners"]))
        return Face(eyes, mouth)

    def to_json(self) -> dict:
        def r(xy):
            return None if xy is None else [round(float(xy[0]), 2), round(float(xy[1]), 2)]
        return {"eyes": [{"center": r(e.center), "radius": round(float(e.radius), 2), "pupil": r(e.pupil)}
                         for e in self.eyes],
                "mouth": None if self.mouth is None else {"center": r(self.mouth.center),
                                                          "corners": [r(c) for c in self.mouth.corners]}}


NO_FACE = Face((), None)   # an artist's "this figure has no face" (Remove Face in the review): rig none


@dataclass
class _Mark:
    """One connected ink mark in the search window (window pixels)."""
    label: int
    area: int
    x0: int
    y0: int
    x1: int                             # exclusive
    y1: int
    cx: float                           # centroid
    cy: float
    touches_edge: bool                  # reaches the window border or the figure outline
    family: int                         # colour family of most of its pixels (see _ink)

    @property
    def width(self) -> int:
        return self.x1 - self.x0

    @property
    def height(self) -> int:
        return self.y1 - self.y0

    @cached_property
    def size(self) -> float:
        return float(np.sqrt(self.width * self.height))


def find_face(rgb: np.ndarray, mask: np.ndarray, joints: np.ndarray) -> tuple[Face | None, str]:
    """The face on one figure: (Face, "") or (None, why not).

    `rgb` (H, W, 3) and `mask` (H, W) bool are the figure crop, `joints` (16, 2) its
    AnimatedDrawings joints in the crop's pixels. A face may have eyes and no mouth; a
    single eye or none gives None (the reason says what was seen)."""
    joints = np.asarray(joints, np.float64)
    if joints.shape != (len(AD_NAMES), 2) or not np.isfinite(joints).all() or mask.sum() < 16:
        return None, "no head to look in"
    head, body = _search_windows(mask, joints)
    # Eyes touching the hair or the head's outline merge with it; a second look at the
    # strokes' dark cores only may keep them apart.
    found, cost, why = (_find_in(rgb, mask, head, (INK_DISTANCE, STRICT_INK * INK_DISTANCE))
                        if head is not None else (None, np.inf, ""))
    if cost > BODY_SEARCH_COST and body is not None:
        # The head holds no clear face: it may be drawn on the body (a garlic with limbs),
        # where the pose net may have put the head on a tip of the outline instead.
        on_body, body_cost, body_why = _find_in(rgb, mask, body, (INK_DISTANCE,))
        if body_cost + BODY_FACE_PENALTY < cost:
            found, cost, why = on_body, body_cost, body_why
    if found is None:
        return None, why or "the head is too small to hold a face"
    if cost > MAX_FACE_COST:
        return None, "no marks in the head look enough like a pair of eyes"
    return found, ""


def _find_in(rgb: np.ndarray, mask: np.ndarray, window, ink_distances) -> tuple[Face | None, float, str]:
    """(face, cost, why not) in one search window (x0, y0, x1, y1, reach, centre): with the
    first ink distance, then each further one while the face found costs more than
    BODY_SEARCH_COST, the cheapest face kept."""
    x0, y0, x1, y1, reach, centre = window
    # Faces are found at about WORK_REACH px of search radius: a big photo's head is shrunk
    # (whole k × k blocks averaged), which keeps the time per figure to a few ms.
    k = max(1, int(reach // WORK_REACH))
    y1, x1 = y0 + (y1 - y0) // k * k, x0 + (x1 - x0) // k * k
    crop = _shrink(rgb[y0:y1, x0:x1, :3], k).astype(np.float32)
    inside = _shrink(mask[y0:y1, x0:x1].view(np.uint8) * np.uint8(255), k) > 127
    if inside.sum() < 16:
        return None, np.inf, "the head has no marks inside it"
    # The face's own colour is what fills the middle of the head (the hair or a dark dress
    # around it may cover more of the window).
    cy, cx = (centre[1] - y0 + 0.5) / k - 0.5, (centre[0] - x0 + 0.5) / k - 0.5
    rows, cols = np.ogrid[:inside.shape[0], :inside.shape[1]]
    middle = inside & ((rows - cy) ** 2 + (cols - cx) ** 2 <= (FACE_COLOUR_REACH * reach / k) ** 2)
    pixels = crop[middle if middle.sum() >= 16 else inside]
    diff = crop - np.median(pixels[::max(1, len(pixels) // 4096)], axis=0)   # a sample is enough
    distance2 = np.einsum("ijc,ijc->ij", diff, diff)
    neck = (centre - (x0, y0) + 0.5) / k - 0.5
    best: tuple[Face | None, float, str] = (None, np.inf, "the head has no marks inside it")
    for ink_distance in ink_distances:
        if best[1] <= BODY_SEARCH_COST:
            break
        ink = _ink(crop, (distance2 > ink_distance ** 2) & inside)
        if ink is None:
            continue
        labels, marks = _marks(ink, inside, reach / k)
        pair, cost = _best_eye_pair(marks, labels, inside, neck, reach / k)
        if pair is None:
            best = best if best[0] is not None else (None, np.inf, "no pair of eyes found in the head")
            continue
        if cost < best[1]:
            eyes = [_eye(labels, crop, m) for m in pair]
            mouth_mark = _mouth_mark(marks, pair, reach / k)
            mouth = None if mouth_mark is None else _mouth(labels, _mouth_pieces(marks, mouth_mark, pair))
            # Back to crop pixels: a block's centre is at k × (index + 0.5) - 0.5.
            best = Face(tuple(eyes), mouth).scaled(k).moved(x0, y0), cost, ""
    return best


def _search_windows(mask: np.ndarray, joints: np.ndarray):
    """(head, body) search windows (x0, y0, x1, y1, reach, centre) in crop pixels; either may be None.

    The head: around the neck joint down to the shoulders. The body: around the middle of
    the trunk, for faces drawn on it; when the shoulders are not below the head centre the
    head window is already that."""
    h, w = mask.shape
    neck = joints[_NECK]
    shoulders = joints[list(_SHOULDERS)].mean(axis=0)
    ys = np.nonzero(mask.any(axis=1))[0]
    body_reach = BODY_FACE_REACH * float(np.ptp(ys) + 1 if len(ys) else h)
    below = shoulders[1] - neck[1]
    if below > 0.5 * abs(shoulders[0] - neck[0]) and below > 2:
        # The usual figure: the head ends at the shoulders.
        # Generous: the head centre is often placed low (on the chin) or off to one side.
        reach = float(np.hypot(*(shoulders - neck)))
        head = _window(neck, 1.3 * reach, HEAD_UP * reach, shoulders[1] - neck[1], reach, w, h)
        trunk = (joints[_TORSO] + joints[_HIP]) / 2
        body = _window(trunk, body_reach, body_reach, body_reach, body_reach, w, h)
        return head, body
    # Shoulders level with or above the head centre: the face is drawn on the body.
    return _window(neck, 1.3 * body_reach, 1.6 * body_reach, body_reach, body_reach, w, h), None


def _window(centre, half_width, up, down, reach, w, h):
    x0, x1 = max(0, int(centre[0] - half_width)), min(w, int(np.ceil(centre[0] + half_width)) + 1)
    y0, y1 = max(0, int(centre[1] - up)), min(h, int(np.ceil(centre[1] + down)) + 1)
    if reach < 4 or x1 - x0 < 6 or y1 - y0 < 6:
        return None
    return x0, y0, x1, y1, float(reach), np.asarray(centre, np.float64)


def _shrink(image: np.ndarray, k: int) -> np.ndarray:
    """uint8 mean over k × k blocks (the size is a multiple of k)."""
    if k == 1:
        return image
    h, w = image.shape[:2]
    return resize(image, (w // k, h // k), method="area")


def _ink(crop: np.ndarray, ink: np.ndarray) -> np.ndarray | None:
    """int8 map of the ink pixels' colour families (-1 elsewhere): 0 for greys, blacks and
    dull colours (pencil, biro, a dark outline), 1..6 for the sixths of the hue circle of vivid
    ones; None without ink."""
    if not ink.any():
        return None
    colour = crop[ink]
    high, low = colour.max(axis=1), colour.min(axis=1)
    r, g, b = colour[:, 0], colour[:, 1], colour[:, 2]
    # Hue in sixths, rotated by half a sixth so red, orange and brown share one family.
    hue = np.degrees(np.arctan2(np.sqrt(3) * (g - b), 2 * r - g - b)) + 30.0
    family = 1 + (np.mod(hue, 360.0) // 60).astype(np.int8)
    family[high - low < VIVID_CHROMA] = 0
    out = np.full(ink.shape, -1, np.int8)
    out[ink] = family
    return out


def _split_by_colour(ink: np.ndarray, reach: float) -> tuple[int, np.ndarray]:
    """Connected ink marks; a mark made of two colour families (a red mouth crossed by a blue
    line, a big mark or a mark with a big second colour) is cut into its one-colour parts.
    Splitting only such marks keeps a stroke whose anti-aliased edge has a duller colour than
    its core in one piece."""
    count, labels = label_components(ink >= 0, connectivity=8)
    if count <= 1:
        return count, labels
    on = labels > 0
    per_family = np.bincount(labels[on] * 7 + ink[on], minlength=count * 7).reshape(count, 7)
    second = np.sort(per_family, axis=1)[:, -2]
    split = (second >= SPLIT_SHARE * per_family.sum(axis=1)) | (second >= (SPLIT_SIZE * reach) ** 2)
    mixed = split[labels] & on
    if not mixed.any():
        return count, labels
    labels[mixed] = 0
    for family in np.unique(ink[mixed]):
        n, parts = label_components(mixed & (ink == family), connectivity=8)
        labels[parts > 0] = parts[parts > 0] + (count - 1)
        count += n - 1
    return count, labels


def _marks(ink: np.ndarray, inside: np.ndarray, reach: float) -> tuple[np.ndarray, list[_Mark]]:
    count, labels = _split_by_colour(ink, reach)
    if count <= 1:
        return labels, []
    ys, xs = np.nonzero(labels)
    lab = labels[ys, xs]
    area = np.bincount(lab, minlength=count)
    sx = np.bincount(lab, xs, minlength=count)
    sy = np.bincount(lab, ys, minlength=count)
    x0 = np.full(count, 1 << 30)
    y0 = np.full(count, 1 << 30)
    x1 = np.full(count, -1)
    y1 = np.full(count, -1)
    np.minimum.at(x0, lab, xs)
    np.minimum.at(y0, lab, ys)
    np.maximum.at(x1, lab, xs)
    np.maximum.at(y1, lab, ys)
    # The figure's outline (and the window's border) is where hair, the head line and the
    # body's strokes are: a mark touching it is not an eye or a mouth.
    edge = ~erode(inside, 2)
    edge[0, :] = edge[-1, :] = edge[:, 0] = edge[:, -1] = True
    touches = np.zeros(count, bool)
    touches[np.unique(labels[edge & (labels > 0)])] = True
    family = np.bincount(lab * 7 + ink[ys, xs], minlength=count * 7).reshape(count, 7).argmax(axis=1)
    marks = [_Mark(i, int(area[i]), int(x0[i]), int(y0[i]), int(x1[i]) + 1, int(y1[i]) + 1,
                   float(sx[i] / area[i]), float(sy[i] / area[i]), bool(touches[i]), int(family[i]))
             for i in range(1, count) if area[i] >= MIN_MARK_PX]
    return labels, marks


def _eye_candidates(marks: list[_Mark], labels: np.ndarray, reach: float) -> list[_Mark]:
    out = []
    for m in marks:
        long_side, short_side = max(m.width, m.height), min(m.width, m.height)
        if m.touches_edge or long_side > MAX_EYE_SIZE * reach or long_side < max(2.0, MIN_EYE_SIZE * reach):
            continue
        if long_side > 6 * max(short_side, 1):       # a long line: a brow, a hair, a fold
            continue
        # An eye is a blob or an outline around its box (a dot, a ring, lashes round a dot);
        # a lone stroke across its box is a fold or a line, unless it lies flat (a closed eye).
        least = MIN_EYE_FILL * m.width * m.height
        if m.height >= m.width and m.area < least and _filled(labels[m.y0:m.y1, m.x0:m.x1] == m.label).sum() < least:
            continue
        out.append(m)
    # Speckles of a crayon texture can be many: the largest marks are the ones worth pairing.
    return sorted(out, key=lambda m: -m.area)[:MAX_EYE_CANDIDATES]


def _best_eye_pair(marks: list[_Mark], labels: np.ndarray, inside: np.ndarray, neck: np.ndarray, reach: float):
    """(the two marks that look most like a pair of eyes, left one first, their cost), or (None, inf)."""
    cands = sorted(_eye_candidates(marks, labels, reach), key=lambda m: m.cx)
    # Only a ranking among several candidates: two are the pair or nothing.
    exposed = _exposed(cands, labels, inside) if len(cands) > 2 else np.zeros(len(cands), bool)
    if exposed.all():
        exposed[:] = False          # no drawn outline round the face: nothing to prefer
    best, best_cost = None, np.inf
    for i, a in enumerate(cands):
        for j in range(i + 1, len(cands)):
            b = cands[j]
            cost = _pair_cost(a, b, marks, neck, reach) + EXPOSED_EYE_COST * (exposed[i] + exposed[j])
            if cost < best_cost:
                best, best_cost = (a, b), cost
    return best, best_cost


def _exposed(cands: list[_Mark], labels: np.ndarray, inside: np.ndarray) -> np.ndarray:
    """(N,) bool: the candidate lies in paper open to the figure's outline, not in a region a
    stroke encloses (a face inside its head line): spiky hair, a hand, a tuft of grass."""
    if not cands:
        return np.zeros(0, bool)
    count, regions = label_components(inside & (labels == 0), connectivity=4)
    edge = ~erode(inside, 2)
    edge[0, :] = edge[-1, :] = edge[:, 0] = edge[:, -1] = True
    open_region = np.zeros(count, bool)
    open_region[np.unique(regions[edge])] = True
    open_region[0] = True                       # ink or outside the figure
    h, w = labels.shape
    out = np.zeros(len(cands), bool)
    for n, m in enumerate(cands):
        cx, cy = int(round(m.cx)), int(round(m.cy))
        # The paper just beyond the mark on its four sides.
        probes = ((cy, m.x0 - 2), (cy, m.x1 + 1), (m.y0 - 2, cx), (m.y1 + 1, cx))
        outside = sum(not (0 <= r < h and 0 <= c < w) or (open_region[regions[r, c]] and not labels[r, c])
                      for r, c in probes)
        out[n] = outside >= 2
    return out


def _pair_cost(a: _Mark, b: _Mark, marks: list[_Mark], neck: np.ndarray, reach: float) -> float:
    """How unlike a pair of eyes marks a (left) and b are (inf: impossible).

    Eyes sit side by side at nearly the same height, about the same size, a bit apart,
    around the head centre; a mouth under them makes a pair more likely."""
    dx, dy = b.cx - a.cx, abs(b.cy - a.cy)
    if dx < 0.9 * max(a.size, b.size) or dx > MAX_EYE_SPACING * reach or dy > 0.45 * dx:
        return np.inf
    # Not two marks that overlap horizontally (one above the other).
    if b.x0 < a.x1 - 0.3 * min(a.width, b.width):
        return np.inf
    ratio = max(a.size, b.size) / max(min(a.size, b.size), 1.0)
    if ratio > 3.0:
        return np.inf
    mid = np.array([(a.cx + b.cx) / 2, (a.cy + b.cy) / 2])
    cost = (dy / dx + 0.6 * np.log(ratio)
            + 0.8 * abs(mid[0] - neck[0]) / reach + 0.35 * np.hypot(*(mid - neck)) / reach
            + 0.2 * abs(np.log(max(a.area, 1) / max(b.area, 1)))
            # Clear marks rather than specks: a crayon's texture leaves many small ones.
            + 0.3 * np.log(reach / max(min(a.size, b.size), 1.0)))
    if _mouth_mark(marks, (a, b), reach) is None:
        cost += NO_MOUTH_COST
    return float(cost)


def _mouth_mark(marks: list[_Mark], eyes, reach: float) -> _Mark | None:
    """The widest mark under the eyes, centred between them: a mouth (a nose is narrower)."""
    a, b = eyes
    dx = b.cx - a.cx
    mid_x, mid_y = (a.cx + b.cx) / 2, (a.cy + b.cy) / 2
    best, best_width = None, 0.0
    for m in marks:
        if m is a or m is b or m.touches_edge:
            continue
        down = m.cy - mid_y
        if not (0.3 * dx <= down <= 2.2 * dx) or abs(m.cx - mid_x) > 0.6 * dx:
            continue
        if m.width < 0.25 * dx or m.width > 2.5 * dx or m.height > 1.2 * dx:
            continue
        if m.y0 <= max(a.y1, b.y1) - 1:            # starts above the eyes' bottom: not a mouth
            continue
        if m.width > best_width:
            best, best_width = m, m.width
    return best


def _mouth_pieces(marks: list[_Mark], mouth: _Mark, eyes) -> list[_Mark]:
    """The mouth mark and the marks of its colour continuing it sideways: a line drawn across
    a mouth cuts it in pieces."""
    gap = max(2.0, 0.15 * (eyes[1].cx - eyes[0].cx))
    pieces, x0, x1 = [mouth], mouth.x0, mouth.x1
    grown = True
    while grown:
        grown = False
        for m in marks:
            if m in pieces or m in eyes or m.family != mouth.family:
                continue
            # Continuing it to the left or the right, not lying above or below it (a nose).
            overlap = min(m.x1, x1) - max(m.x0, x0)
            beside = m.x1 >= x0 - gap and m.x0 <= x1 + gap and overlap <= 0.5 * m.width
            level = m.y0 < mouth.y1 + gap and m.y1 > mouth.y0 - gap
            if beside and level and m.height <= 2 * mouth.height + gap:
                pieces.append(m)
                x0, x1, grown = min(x0, m.x0), max(x1, m.x1), True
    return pieces


def _eye(labels: np.ndarray, crop: np.ndarray, m: _Mark) -> Eye:
    """Centre, radius and pupil of an eye mark (its outline filled). The pupil of an outlined
    eye is the ink away from the outline; that of a filled eye its clearly darker part, if that
    covers less than half of it (a black eye with white highlights has none)."""
    box = labels[m.y0:m.y1, m.x0:m.x1]
    own = box == m.label
    filled = _filled(own)
    ys, xs = np.nonzero(filled)
    area = len(xs)
    centre = (float(xs.mean() + m.x0), float(ys.mean() + m.y0))
    radius = float(np.sqrt(area / np.pi))
    if own.sum() < SOLID_EYE_INK * area:
        core = erode(filled, max(1, int(round(0.3 * radius))))
        pupil = (box > 0) & core                    # a pupil may be a mark of its own
        if pupil.sum() < max(2, 0.02 * area):
            return Eye(centre, radius, None)
    else:
        # Inside its edge only (anti-aliasing lightens every stroke's rim), and only in a
        # blob: a closed eye's arc has no pupil.
        inner = erode(filled, 1)
        if area < 0.5 * m.width * m.height or inner.sum() < 4:
            return Eye(centre, radius, None)
        light = crop[m.y0:m.y1, m.x0:m.x1].mean(axis=2)
        lo, hi = np.percentile(light[inner], [5, 95])
        pupil = inner & (light < lo + 0.35 * (hi - lo))
        if hi - lo < PUPIL_CONTRAST or pupil.sum() > 0.5 * inner.sum():
            return Eye(centre, radius, None)
    py, px = np.nonzero(pupil)
    return Eye(centre, radius, (float(px.mean() + m.x0), float(py.mean() + m.y0)))


def _mouth(labels: np.ndarray, pieces: list[_Mark]) -> Mouth:
    bx0, by0 = min(m.x0 for m in pieces), min(m.y0 for m in pieces)
    bx1, by1 = max(m.x1 for m in pieces), max(m.y1 for m in pieces)
    own = np.isin(labels[by0:by1, bx0:bx1], [m.label for m in pieces])
    ys, xs = np.nonzero(own)
    band = max(1.0, 0.1 * (bx1 - bx0))           # the ends: the mouth's outermost tenth on each side
    left, right = xs <= xs.min() + band, xs >= xs.max() - band
    corners = ((float(xs[left].mean() + bx0), float(ys[left].mean() + by0)),
               (float(xs[right].mean() + bx0), float(ys[right].mean() + by0)))
    centre = (float((xs.min() + xs.max()) / 2 + bx0), float(ys.mean() + by0))
    return Mouth(centre, corners)


def _filled(own: np.ndarray) -> np.ndarray:
    """The mark with its enclosed holes filled (background not reaching the box's border)."""
    padded = np.pad(own, 1)
    count, background = label_components(~padded, connectivity=4)
    outside = np.zeros(count, bool)
    outside[background[0, 0]] = True
    return ~outside[background][1:-1, 1:-1]


__all__ = ["Eye", "Face", "Mouth", "find_face"]
