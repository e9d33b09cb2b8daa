"""Face rig geometry (pure numpy): small meshes over a drawn face that blink, smile, open the
mouth and look around, as shape keys a Blender builder drives from five controls.

What the viewer must see is still a drawing, so nothing squashes the drawn eye:

* a **patch**: a fine grid over the face showing the drawing itself (its own copy of the
  pixels, with drawn pupils painted over in the eye's fill colour); its border never moves,
  so at rest it is invisible, and the `smile`/`frown` keys bend the drawn mouth by moving the
  grid around the mouth corners with a smooth falloff;
* **pupils**: the drawn pupil's own pixels (a solid dot eye: the whole dot) on a small quad
  that the `look_*` keys slide inside the eye outline;
* **eyelids**: an upper and a lower lid per eye, flat in the colour sampled around the eye,
  the upper one edged with a line in the eye's stroke colour; at rest each lid is folded
  flat onto the eye's rim (no area, nothing drawn) and `blink` sweeps them over the eye
  until they meet on a curved line, a closed drawn eye;
* a **mouth opening**: a lens between the mouth corners, dark inside and edged in the stroke
  colour, flat on the mouth line at rest; `mouth_open` drops its lower edge.

Positions are in the texture's mesh pixels (`RigPlan.vertices_uv`: texel i spans [i, i+1));
`models.face` reports pixel centres at integers, hence the half-pixel shift on the way in.
Each vertex is skinned with the weights of the drawing's mesh under it, so the face moves
exactly with the part it is drawn on (the head, or a garlic's body).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

INK_DISTANCE = 60.0     # RGB distance from the skin colour that makes a pixel ink (as models.face)
LID_MARGIN = 1.15       # a lid covers the eye's disc this much larger (its outline's rim too) ...
LID_PAD_PX = 1.5        # ... plus this many pixels (anti-aliasing)
DOT_TRAVEL = 0.3        # a solid dot eye looks around by sliding this × its radius
PUPIL_TRAVEL = 0.7      # a pupil slides this share of the room left inside the outline (per axis)
CLOSED_BOW = 0.3        # the closed lid's line sags this × the lid radius below the eye centre
SMILE_LIFT = 0.4        # mouth corners rise (smile) or drop (frown) this × the mouth's half width
SMILE_REACH = 1.0       # the corners pull the drawing within this × the half width around them
OPEN_DEPTH = 0.55       # an open mouth's lower edge drops this × the half width at its middle
PATCH_STEP = (1.5, 4.0) # grid spacing of the face patch in pixels (min, max)
DEPTH_STEP = 0.0008     # world units toward the camera between face layers (limbs step 0.01)
MOUTH_INSIDE = (110, 25, 35)  # an open mouth's inside, mixed with the stroke colour
SWATCH = 3              # px side of a flat-colour swatch in the atlas (bilinear sampling at its centre is exact)

# Shape key → (control property, sign): the key's value is max(0, sign × control).
SHAPE_KEYS = {
    "blink": ("blink", 1.0),
    "smile": ("smile", 1.0),
    "frown": ("smile", -1.0),
    "mouth_open": ("mouth_open", 1.0),
    "look_right": ("gaze_x", 1.0),
    "look_left": ("gaze_x", -1.0),
    "look_up": ("gaze_y", 1.0),
    "look_down": ("gaze_y", -1.0),
}
# Control → (minimum, maximum, description): keyable properties on the character's armature.
CONTROLS = {
    "blink": (0.0, 1.0, "Eyelids: 0 open, 1 closed"),
    "smile": (-1.0, 1.0, "Mouth corners: -1 frown, 1 smile"),
    "mouth_open": (0.0, 1.0, "Mouth: 0 closed, 1 open"),
    "gaze_x": (-1.0, 1.0, "Pupils: -1 look left, 1 look right (as the viewer sees it)"),
    "gaze_y": (-1.0, 1.0, "Pupils: -1 look down, 1 look up"),
}


@dataclass
class FaceRigPlan:
    vertices_uv: np.ndarray             # (N, 2) rest positions, texture mesh pixels
    depth: np.ndarray                   # (N,) world units toward the camera (in front of the drawing)
    triangles: np.ndarray               # (M, 3) int32
    corner_uv: np.ndarray               # (M, 3, 2) float32 atlas UVs per corner (v up)
    atlas: np.ndarray                   # (h, w, 4) uint8 RGBA
    keys: dict[str, np.ndarray]         # shape key → (N, 2) positions at value 1
    weights: np.ndarray                 # (N, B) float32 skin weights, columns in the plan's bone order
    controls: tuple[str, ...]           # the controls that move something
    notes: list[str] = field(default_factory=list)


@dataclass
class _EyeLook:
    """What one drawn eye looks like, measured on the texture (mesh pixels)."""
    center: np.ndarray
    radius: float
    skin: np.ndarray                    # RGB around the eye: the lids' fill
    stroke: np.ndarray                  # RGB of its ink: the lid line
    cover: np.ndarray                   # RGB painted over the drawn pupil
    sprite: np.ndarray | None           # (h, w) bool pupil/dot pixels, at `sprite_origin`
    sprite_origin: tuple[int, int]      # x, y of the sprite's top-left texel
    travel: float                       # px the pupil slides at gaze ±1 (per axis)
    lid_radius: float


class _Mesh:
    """Accumulates vertices (rest + per-key positions), triangles and per-corner UVs."""

    def __init__(self):
        self.rest: list[np.ndarray] = []
        self.depth: list[np.ndarray] = []
        self.moved: list[dict[str, np.ndarray]] = []
        self.triangles: list[np.ndarray] = []
        self.uvs: list[np.ndarray] = []
        self.count = 0

    def add_grid(self, rest: np.ndarray, depth: float, moved: dict[str, np.ndarray], uv, keep=None) -> None:
        """A (R, K) grid of vertices, quads between neighbours; `uv` is (R, K, 2) atlas UVs per vertex,
        or (R-1, K-1, 2) one UV per quad (a flat colour); `keep` (R-1, K-1) bool: the quads wanted."""
        rows, cols = rest.shape[:2]
        index = np.arange(rows * cols).reshape(rows, cols)
        a, b, c, d = index[:-1, :-1], index[:-1, 1:], index[1:, 1:], index[1:, :-1]
        quads = np.ones((rows - 1, cols - 1), bool) if keep is None else np.asarray(keep, bool)
        tris = np.concatenate([np.stack([a, b, c], -1)[quads], np.stack([a, c, d], -1)[quads]])
        uv = np.asarray(uv, np.float32)
        if uv.shape[:2] == (rows, cols):
            corner_uv = uv.reshape(-1, 2)[tris]
        else:
            per_quad = uv[quads]
            corner_uv = np.repeat(np.concatenate([per_quad, per_quad])[:, None], 3, axis=1)
        used = np.unique(tris)                               # vertices of dropped quads go too
        remap = np.zeros(rows * cols, np.int64)
        remap[used] = np.arange(len(used))
        self._add(rest.reshape(-1, 2)[used], depth, {k: v.reshape(-1, 2)[used] for k, v in moved.items()},
                  self.count + remap[tris], corner_uv)

    def _add(self, rest, depth, moved, tris, corner_uv) -> None:
        self.rest.append(np.asarray(rest, np.float64))
        self.depth.append(np.full(len(rest), depth))
        self.moved.append(moved)
        self.triangles.append(np.asarray(tris, np.int64))
        self.uvs.append(np.asarray(corner_uv, np.float32))
        self.count += len(rest)

    def keyed(self, names) -> dict[str, np.ndarray]:
        """Each key's full (N, 2) positions: the rest position where a part does not move."""
        return {name: np.concatenate([m.get(name, r) for r, m in zip(self.rest, self.moved)]) for name in names}


def plan_face_rig(face, texture: np.ndarray, mask: np.ndarray, mesh_vertices: np.ndarray,
                  mesh_triangles: np.ndarray, mesh_weights: np.ndarray) -> tuple[FaceRigPlan | None, list[str]]:
    """Face rig for `face` (models.face.Face in the texture's pixel-centre coordinates) drawn on
    `texture` (H, W, 4) / `mask`, skinned like the drawing's mesh (vertices in mesh pixels,
    triangles, weights). Returns (plan or None, notes saying what is missing and why)."""
    if face is None:
        return None, ["no face found: the character has no face rig"]
    notes: list[str] = []
    spacing = _eye_spacing(face)
    eyes = []
    for eye in face.eyes:
        if eye.radius < 1.0:
            notes.append("an eye under 2 px across has no eyelid")
            continue
        eyes.append(_look_at_eye(texture, mask, eye, spacing))
    mouth = _mouth_geometry(face.mouth, texture, mask) if face.mouth is not None else None
    if not eyes and mouth is None:
        return None, ["the face is too small to rig"]
    if len(eyes) == 1:
        notes.append("one eye found: it blinks alone")
    if mouth is None:
        notes.append("no mouth found: smile and mouth_open move nothing")
    if eyes and not any(e.sprite is not None for e in eyes):
        notes.append("no pupils or dot eyes: gaze moves nothing")

    field_ = _SmileField(mouth) if mouth is not None else None
    box = _patch_box(eyes, mouth, mask.shape)
    atlas, place = _Atlas.build(texture, box, eyes, mouth)
    skin = _FaceSkin([e.center for e in eyes] + ([mouth.center] if mouth is not None else []),
                     mesh_vertices, mesh_triangles, mesh_weights)
    mesh = _Mesh()
    _add_patch(mesh, box, eyes, atlas, field_, skin)
    for number, eye in enumerate(eyes):
        if eye.sprite is not None:
            _add_pupil(mesh, eye, number, atlas, place, field_)
        _add_lids(mesh, eye, number, atlas, place, field_)
    if mouth is not None:
        _add_mouth_opening(mesh, mouth, atlas, place, field_)

    controls = ["blink"] if eyes else []
    if mouth is not None:
        controls += ["smile", "mouth_open"]
    if any(e.sprite is not None for e in eyes):
        controls += ["gaze_x", "gaze_y"]
    used = [k for k, (control, _) in SHAPE_KEYS.items() if control in controls]
    rest = np.concatenate(mesh.rest)
    keys = mesh.keyed(used)
    triangles, corner_uv = _facing_camera(np.concatenate(mesh.triangles), np.concatenate(mesh.uvs), [rest, *keys.values()])
    weights = skin(rest)
    plan = FaceRigPlan(
        vertices_uv=rest, depth=np.concatenate(mesh.depth), triangles=triangles.astype(np.int32),
        corner_uv=corner_uv, atlas=atlas.pixels, keys=keys, weights=weights, controls=tuple(controls), notes=notes)
    return plan, notes


# -- measuring the drawn face ------------------------------------------------------------------

def _eye_spacing(face) -> float:
    centres = np.array([e.center for e in face.eyes], np.float64).reshape(-1, 2)
    if len(centres) < 2:
        return np.inf
    d = np.hypot(*(centres[:, None] - centres[None]).transpose(2, 0, 1))
    return float(d[d > 0].min()) if (d > 0).any() else np.inf


def _around(texture: np.ndarray, mask: np.ndarray, centre: np.ndarray, radius: float):
    """(RGB float64, mask, offset) of the window holding every pixel whose centre lies within
    `radius` of `centre`, offset = the window's top-left (x, y) in the texture: a feature is
    measured there, not over the whole drawing (hundreds of ms a face on a large drawing)."""
    h, w = mask.shape
    x0, y0 = (max(int(np.floor(c - radius)) - 1, 0) for c in centre)
    x1, y1 = min(int(np.ceil(centre[0] + radius)) + 1, w), min(int(np.ceil(centre[1] + radius)) + 1, h)
    return (np.asarray(texture[y0:y1, x0:x1, :3], np.float64), mask[y0:y1, x0:x1],
            np.array([x0, y0], np.float64))


def _disc(shape, centre, radius) -> np.ndarray:
    h, w = shape
    ys, xs = np.ogrid[:h, :w]
    return (xs + 0.5 - centre[0]) ** 2 + (ys + 0.5 - centre[1]) ** 2 <= radius ** 2


def _median_colour(rgb: np.ndarray, where: np.ndarray, fallback) -> np.ndarray:
    return np.median(rgb[where], axis=0) if where.any() else np.asarray(fallback, np.float64)


def _commonest_colour(rgb: np.ndarray, where: np.ndarray, fallback) -> np.ndarray:
    """The median of the most frequent coarse colour among `where`'s pixels: the paper or fill
    around an eye, not the outline ring, lashes or whiskers crossing it."""
    if not where.any():
        return np.asarray(fallback, np.float64)
    pixels = rgb[where]
    bins = (pixels // 32).astype(np.int64) @ np.array([64, 8, 1])
    return np.median(pixels[bins == np.bincount(bins).argmax()], axis=0)


def _look_at_eye(texture: np.ndarray, mask: np.ndarray, eye, spacing: float) -> _EyeLook:
    r = float(eye.radius)
    rgb, mask, offset = _around(texture, mask, np.asarray(eye.center, np.float64) + 0.5, 2.6 * r + 3)
    centre = np.asarray(eye.center, np.float64) + 0.5 - offset   # in the window (exact: whole pixels off)
    shape = mask.shape
    ring = _disc(shape, centre, 2.6 * r + 3) & ~_disc(shape, centre, 1.3 * r + 1) & mask
    skin = _commonest_colour(rgb, ring, (255, 255, 255))
    near = _disc(shape, centre, 1.3 * r + 1)
    ink = near & (np.linalg.norm(rgb - skin, axis=-1) > INK_DISTANCE)
    if ink.any():
        # The darkest ink is the line (a coloured iris is ink too, but lighter).
        light = rgb[ink].mean(-1)
        stroke = np.median(rgb[ink][light <= np.percentile(light, 30)], axis=0)
    else:
        stroke = np.array([30.0, 30.0, 30.0])
    inner = _disc(shape, centre, 0.75 * r)
    solid = inner.any() and ink[inner].mean() > 0.6
    sprite_mask, cover, travel, whole = None, skin, 0.0, False
    if eye.pupil is not None:
        pupil = np.asarray(eye.pupil, np.float64) + 0.5 - offset
        # The eye's own fill (paper, or a coloured iris) is what most of its inside shows; the
        # pupil is the darker ink on it.
        fill = _commonest_colour(rgb, inner, skin)
        darker = (np.linalg.norm(rgb - fill, axis=-1) > INK_DISTANCE) & (rgb.mean(-1) < fill.mean())
        blob = _component_at(darker & _disc(shape, centre, 0.85 * r), pupil)
        if blob is not None:
            sprite_mask, cover = blob, fill
            travel = PUPIL_TRAVEL * max(0.0, 0.8 * r - np.sqrt(blob.sum() / np.pi))
    if sprite_mask is None and solid:   # a dot, or a filled eye whose pupil hardly differs: it moves whole
        blob = _component_at(ink & _disc(shape, centre, 1.3 * r + 1), centre)
        if blob is not None:
            sprite_mask, travel, whole = blob, DOT_TRAVEL * r, True
    lid = r * LID_MARGIN + LID_PAD_PX + (travel if whole else 0.0)   # covers a dot wherever it looks
    lid = min(lid, 0.48 * spacing)
    sprite, origin = None, (0, 0)
    if sprite_mask is not None:
        sprite_mask = _dilate(sprite_mask)  # the stroke's anti-aliased rim goes with it
        ys, xs = np.nonzero(sprite_mask)
        y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
        sprite, origin = sprite_mask[y0:y1, x0:x1], (int(x0 + offset[0]), int(y0 + offset[1]))
    return _EyeLook(centre + offset, r, skin, stroke, cover, sprite, origin, travel, lid)


def _component_at(pixels: np.ndarray, point) -> np.ndarray | None:
    """The 8-connected part of `pixels` nearest `point` (mesh pixels)."""
    from ..imaging.morphology import label_components

    if not pixels.any():
        return None
    count, labels = label_components(pixels, connectivity=8)
    ys, xs = np.nonzero(pixels)
    nearest = np.argmin((xs + 0.5 - point[0]) ** 2 + (ys + 0.5 - point[1]) ** 2)
    return labels == labels[ys[nearest], xs[nearest]]


def _dilate(pixels: np.ndarray) -> np.ndarray:
    out = pixels.copy()
    out[1:] |= pixels[:-1]
    out[:-1] |= pixels[1:]
    out[:, 1:] |= pixels[:, :-1]
    out[:, :-1] |= pixels[:, 1:]
    return out


@dataclass
class _MouthShape:
    left: np.ndarray
    right: np.ndarray
    center: np.ndarray
    half_width: float
    stroke: np.ndarray
    line_width: float


def _mouth_geometry(mouth, texture, mask) -> _MouthShape | None:
    left, right = (np.asarray(c, np.float64) + 0.5 for c in mouth.corners)
    centre = np.asarray(mouth.center, np.float64) + 0.5
    half = float(np.hypot(*(right - left))) / 2
    if half < 2.0:
        return None
    rgb, mask, offset = _around(texture, mask, centre, half * 1.2)
    box = _disc(mask.shape, centre - offset, half * 1.2)
    around = _median_colour(rgb, box & mask, (255, 255, 255))
    ink = box & (np.linalg.norm(rgb - around, axis=-1) > INK_DISTANCE)
    stroke = _median_colour(rgb, ink, (30, 30, 30))
    line = float(np.clip(ink.sum() / (2 * half), 1.5, 0.25 * half)) if ink.any() else 2.0
    return _MouthShape(left, right, centre, half, stroke, line)


# -- displacement: the smile field ------------------------------------------------------------

class _SmileField:
    """Vertical displacement around the mouth corners: 1 at a corner, easing to 0 at
    SMILE_REACH × the half width from it (so the middle of the mouth stays where it is)."""

    def __init__(self, mouth: _MouthShape):
        self.corners = np.stack([mouth.left, mouth.right])
        self.reach = SMILE_REACH * mouth.half_width
        self.lift = max(1.5, SMILE_LIFT * mouth.half_width)

    def __call__(self, points: np.ndarray, sign: float) -> np.ndarray:
        pts = points.reshape(-1, 2)
        weight = np.zeros(len(pts))
        for corner in self.corners:
            d2 = ((pts - corner) ** 2).sum(-1) / self.reach ** 2
            weight = np.maximum(weight, np.where(d2 < 1, (1 - d2) ** 2, 0.0))
        moved = pts.copy()
        moved[:, 1] -= sign * self.lift * weight   # image y points down: a smile lifts
        return moved.reshape(points.shape)

    def keys(self, points: np.ndarray) -> dict[str, np.ndarray]:
        return {"smile": self(points, 1.0), "frown": self(points, -1.0)}


def _smile_keys(field_, points) -> dict[str, np.ndarray]:
    return field_.keys(points) if field_ is not None else {}


# -- atlas: the face patch's pixels and flat colours ------------------------------------------

@dataclass
class _Atlas:
    pixels: np.ndarray
    crop_origin: tuple[int, int]        # texture pixel at the atlas' (0, 0)

    @staticmethod
    def build(texture, box, eyes, mouth):
        """Crop of the face (pupils painted over), the pupil sprites and the flat colours below it.
        Returns the atlas and `place`: name → atlas texel (x, y) of each sprite's top-left or
        swatch's centre."""
        x0, y0, x1, y1 = box
        crop = texture[y0:y1, x0:x1].copy()
        sprites, swatches = [], []
        for i, eye in enumerate(eyes):
            if eye.sprite is not None:
                sx, sy = eye.sprite_origin
                h, w = eye.sprite.shape
                tile = texture[sy:sy + h, sx:sx + w].copy()
                tile[..., 3] = np.where(eye.sprite, tile[..., 3], 0)
                sprites.append((f"pupil{i}", tile))
                covered = crop[sy - y0:sy - y0 + h, sx - x0:sx - x0 + w]   # the pupil painted out
                covered[..., :3] = np.where(eye.sprite[..., None], np.round(eye.cover), covered[..., :3])
            swatches += [(f"skin{i}", eye.skin), (f"stroke{i}", eye.stroke)]
        if mouth is not None:
            swatches += [("mouth_stroke", mouth.stroke),
                         ("mouth_inside", 0.35 * mouth.stroke + 0.65 * np.asarray(MOUTH_INSIDE, np.float64))]
        shelf_h = max([SWATCH] + [t.shape[0] for _, t in sprites])
        shelf_w = sum(t.shape[1] + 1 for _, t in sprites) + len(swatches) * (SWATCH + 1)
        height = crop.shape[0] + 1 + shelf_h
        width = max(crop.shape[1], shelf_w)
        pixels = np.zeros((height, width, 4), np.uint8)
        pixels[:crop.shape[0], :crop.shape[1]] = crop
        place, x, top = {}, 0, crop.shape[0] + 1
        for name, tile in sprites:
            pixels[top:top + tile.shape[0], x:x + tile.shape[1]] = tile
            place[name] = (x, top)
            x += tile.shape[1] + 1
        for name, colour in swatches:
            pixels[top:top + SWATCH, x:x + SWATCH, :3] = np.clip(np.round(colour), 0, 255)
            pixels[top:top + SWATCH, x:x + SWATCH, 3] = 255
            place[name] = (x + SWATCH / 2, top + SWATCH / 2)
            x += SWATCH + 1
        return _Atlas(pixels, (x0, y0)), place

    def uv(self, atlas_xy) -> np.ndarray:
        """Atlas texel positions (texel i spans [i, i+1)) → UVs (v up)."""
        xy = np.asarray(atlas_xy, np.float64)
        h, w = self.pixels.shape[:2]
        return np.stack([xy[..., 0] / w, 1.0 - xy[..., 1] / h], -1)

    def texture_uv(self, points) -> np.ndarray:
        """UVs of texture mesh-pixel positions inside the face crop."""
        return self.uv(np.asarray(points, np.float64) - self.crop_origin)


def _patch_box(eyes, mouth, shape) -> tuple[int, int, int, int]:
    points, reach = [], []
    for eye in eyes:
        points.append(eye.center)
        reach.append(max(eye.lid_radius, 1.3 * eye.radius + 2) + eye.travel + 3)
    if mouth is not None:
        for p in (mouth.left, mouth.right, mouth.center):
            points.append(p)
            reach.append(SMILE_REACH * mouth.half_width + OPEN_DEPTH * mouth.half_width + 3)
    points = np.array(points)
    reach = np.array(reach)
    h, w = shape
    x0 = int(max(0, np.floor((points[:, 0] - reach).min())))
    y0 = int(max(0, np.floor((points[:, 1] - reach).min())))
    x1 = int(min(w, np.ceil((points[:, 0] + reach).max())))
    y1 = int(min(h, np.ceil((points[:, 1] + reach).max())))
    return x0, y0, x1, y1


# -- the parts ----------------------------------------------------------------------------------

def _add_patch(mesh: _Mesh, box, eyes, atlas: _Atlas, field_, skin) -> None:
    """The drawing's own pixels over the face; its outer border stays put."""
    x0, y0, x1, y1 = box
    size = max(x1 - x0, y1 - y0)
    step = float(np.clip(size / 40.0, *PATCH_STEP))
    # Half a texel inside the crop: bilinear sampling never reaches past the copied pixels.
    xs = np.linspace(x0 + 0.5, x1 - 0.5, max(2, int(np.ceil((x1 - x0) / step)) + 1))
    ys = np.linspace(y0 + 0.5, y1 - 0.5, max(2, int(np.ceil((y1 - y0) / step)) + 1))
    grid = np.stack(np.meshgrid(xs, ys), -1)
    on_face = skin.on_face(grid.reshape(-1, 2)).reshape(grid.shape[:2])
    whole = on_face[:-1, :-1] & on_face[1:, :-1] & on_face[:-1, 1:] & on_face[1:, 1:]
    mesh.add_grid(grid, 1 * DEPTH_STEP, _smile_keys(field_, grid), atlas.texture_uv(grid),
                  keep=_patch_cells(grid, eyes, field_, step) & whole)


def _patch_cells(grid: np.ndarray, eyes, field_, step: float) -> np.ndarray:
    """The grid cells the patch needs: over painted-out pupils and where the smile moves the
    drawing. Anything more would only risk copying pixels of a nearby limb, whose flap moves
    differently from the face (a patch cell stretched between them would show)."""
    centres = (grid[:-1, :-1] + grid[1:, 1:]) / 2
    keep = np.zeros(centres.shape[:2], bool)
    for eye in eyes:
        if eye.sprite is not None:
            h, w = eye.sprite.shape
            x0, y0 = eye.sprite_origin
            keep |= ((centres[..., 0] >= x0 - 2 * step) & (centres[..., 0] <= x0 + w + 2 * step)
                     & (centres[..., 1] >= y0 - 2 * step) & (centres[..., 1] <= y0 + h + 2 * step))
    if field_ is not None:
        for corner in field_.corners:
            keep |= np.hypot(*(centres - corner).transpose(2, 0, 1)) <= field_.reach + 2 * step
    return keep


def _add_pupil(mesh: _Mesh, eye: _EyeLook, number: int, atlas: _Atlas, place, field_) -> None:
    """The drawn pupil's pixels on a quad the look_* keys slide."""
    sx, sy = eye.sprite_origin
    h, w = eye.sprite.shape
    ax, ay = place[f"pupil{number}"]
    quad = np.array([[[sx, sy], [sx + w, sy]], [[sx, sy + h], [sx + w, sy + h]]], np.float64)
    tile = np.array([[[ax, ay], [ax + w, ay]], [[ax, ay + h], [ax + w, ay + h]]], np.float64)
    t = eye.travel
    moved = {"look_right": quad + [t, 0], "look_left": quad - [t, 0],
             "look_up": quad - [0, t], "look_down": quad + [0, t], **_smile_keys(field_, quad)}
    mesh.add_grid(quad, 2 * DEPTH_STEP, moved, atlas.uv(tile))


LID_COLUMNS = 15
LID_ROWS = 4


def _add_lids(mesh: _Mesh, eye: _EyeLook, number: int, atlas: _Atlas, place, field_) -> None:
    """Upper and lower lid over the eye's disc, folded onto its rim at rest (no area).

    Column s across the disc has half height h(s); closed, the upper lid reaches down to the
    line y_e(s) = CLOSED_BOW · R · (1 - s²) below the centre (a sagging curve, as children
    draw a closed eye), the lower lid up to it, and the upper lid's edge carries a line in
    the stroke colour."""
    R = eye.lid_radius
    s = np.linspace(-1.0, 1.0, LID_COLUMNS)
    h = R * np.sqrt(np.clip(1.0 - s ** 2, 0.0, None))
    edge = CLOSED_BOW * R * (1.0 - s ** 2)
    line = float(np.clip(0.22 * eye.radius, 1.2, 4.0))
    t = np.linspace(0.0, 1.0, LID_ROWS)[:, None]
    cx, cy = eye.center
    x = np.broadcast_to(cx + R * s, (LID_ROWS, LID_COLUMNS))

    def grid(y):
        return np.stack([x[: len(y)], y], -1)

    skin = atlas.uv(place[f"skin{number}"])
    stroke = atlas.uv(place[f"stroke{number}"])
    flat = np.full((LID_ROWS - 1, LID_COLUMNS - 1, 2), skin)
    # Upper lid: rows from the top of the disc down to the closing edge, then the line's band.
    upper_rest = grid(np.broadcast_to(cy - h, (LID_ROWS, LID_COLUMNS)))
    upper_closed = grid(cy - h + t * (edge + h))
    mesh.add_grid(upper_rest, 3 * DEPTH_STEP, {"blink": upper_closed, **_smile_keys(field_, upper_rest)}, flat)
    band_rest = grid(np.broadcast_to(cy - h, (2, LID_COLUMNS)))
    band_closed = grid(np.stack([cy + edge - 0.5 * line, cy + edge + 0.5 * line]))
    mesh.add_grid(band_rest, 3.5 * DEPTH_STEP, {"blink": band_closed, **_smile_keys(field_, band_rest)},
                  np.full((1, LID_COLUMNS - 1, 2), stroke))
    # Lower lid: from the bottom of the disc up to the same edge.
    lower_rest = grid(np.broadcast_to(cy + h, (LID_ROWS, LID_COLUMNS)))
    lower_closed = grid(cy + h - t * (h - edge))
    mesh.add_grid(lower_rest, 3 * DEPTH_STEP, {"blink": lower_closed, **_smile_keys(field_, lower_rest)}, flat)


def _add_mouth_opening(mesh: _Mesh, mouth: _MouthShape, atlas: _Atlas, place, field_) -> None:
    """A lens under the mouth line: flat on it at rest, its lower edge dropping as it opens."""
    s = np.linspace(-1.0, 1.0, LID_COLUMNS)
    along = (s[:, None] + 1) / 2
    middle = (mouth.left + mouth.right) / 2
    # The drawn mouth as a parabola through both corners and the centre.
    top = mouth.left + along * (mouth.right - mouth.left) + (1 - s[:, None] ** 2) * (mouth.center - middle)
    depth = max(2.0, OPEN_DEPTH * mouth.half_width) * (1 - s ** 2) ** 0.8
    t = np.linspace(0.0, 1.0, LID_ROWS)[:, None]
    rest = np.broadcast_to(top, (LID_ROWS, LID_COLUMNS, 2)).copy()
    opened = rest.copy()
    opened[..., 1] += t * depth
    inside = np.full((LID_ROWS - 1, LID_COLUMNS - 1, 2), atlas.uv(place["mouth_inside"]))
    mesh.add_grid(rest, 2 * DEPTH_STEP, {"mouth_open": opened, **_smile_keys(field_, rest)}, inside)
    band_rest = np.broadcast_to(top, (2, LID_COLUMNS, 2)).copy()
    band_open = band_rest.copy()
    band_open[0, :, 1] += depth - 0.5 * mouth.line_width * (1 - s ** 2)
    band_open[1, :, 1] += depth + 0.5 * mouth.line_width * (1 - s ** 2)
    mesh.add_grid(band_rest, 2 * DEPTH_STEP, {"mouth_open": band_open, **_smile_keys(field_, band_rest)},
                  np.full((1, LID_COLUMNS - 1, 2), atlas.uv(place["mouth_stroke"])))


def _facing_camera(triangles, corner_uv, shapes):
    """Triangles wound counter-clockwise as the camera sees them, judged in the shape where each
    is largest (lids have no area at rest)."""
    from .mesh import signed_areas

    areas = np.stack([signed_areas(shape, triangles) for shape in shapes])
    largest = areas[np.abs(areas).argmax(0), np.arange(len(triangles))]
    flip = largest < 0
    triangles, corner_uv = triangles.copy(), corner_uv.copy()
    triangles[flip] = triangles[flip][:, [0, 2, 1]]
    corner_uv[flip] = corner_uv[flip][:, [0, 2, 1]]
    return triangles, corner_uv


# -- skinning ----------------------------------------------------------------------------------

class _FaceSkin:
    """Skin weights for face vertices: the drawing's, limited to the bones the face's own
    features are skinned to (the head, or the body a face is drawn on), so nothing of the face
    follows an arm drawn beside it."""

    def __init__(self, centres, vertices, triangles, weights):
        self.mesh = (vertices, triangles, weights)
        at_centres = interpolate_weights(np.asarray(centres, np.float64).reshape(-1, 2), *self.mesh)
        self.bones = at_centres.max(0) > 0.05
        self.fallback = at_centres.mean(0) * self.bones
        self.fallback /= max(float(self.fallback.sum()), 1e-12)

    def on_face(self, points) -> np.ndarray:
        """Which points lie on the face's bones (not on a limb's flap)."""
        return interpolate_weights(points, *self.mesh)[:, self.bones].sum(1) > 0.99

    def __call__(self, points) -> np.ndarray:
        weights = interpolate_weights(points, *self.mesh) * self.bones
        total = weights.sum(1, keepdims=True)
        return np.where(total > 1e-6, weights / np.maximum(total, 1e-12), self.fallback).astype(np.float32)


def interpolate_weights(points: np.ndarray, vertices: np.ndarray, triangles: np.ndarray,
                        weights: np.ndarray, chunk: int = 256) -> np.ndarray:
    """(P, B) skin weights at `points`: the drawing mesh's weights interpolated over the
    triangle each point lies in (the nearest-inside triangle for points off the mesh)."""
    corners = vertices[triangles]                       # (M, 3, 2)
    # Only triangles near the points can hold them (the face is a small part of the drawing).
    reach = 0.1 * np.ptp(points, axis=0).max() + 1.0 if len(points) else 0.0
    near = ((corners.min(1) <= points.max(0) + reach) & (corners.max(1) >= points.min(0) - reach)).all(1)
    if near.any():
        triangles, corners = triangles[near], corners[near]
    a = corners[:, 0]
    e1, e2 = corners[:, 1] - a, corners[:, 2] - a
    det = e1[:, 0] * e2[:, 1] - e1[:, 1] * e2[:, 0]
    usable = np.abs(det) > 1e-12
    inv = np.where(usable, 1.0 / np.where(usable, det, 1.0), 0.0)
    out = np.empty((len(points), weights.shape[1]), np.float32)
    for start in range(0, len(points), chunk):
        p = points[start:start + chunk, None, :] - a[None]  # (P, M, 2)
        l1 = (p[..., 0] * e2[:, 1] - p[..., 1] * e2[:, 0]) * inv
        l2 = (p[..., 1] * e1[:, 0] - p[..., 0] * e1[:, 1]) * inv
        l0 = 1 - l1 - l2                                     # (P, M) barycentric coordinates
        # Element-wise minimum: a min over a stacked axis of 3 took most of a face rig's time.
        worst = np.where(usable, np.minimum(np.minimum(l0, l1), l2), -np.inf)
        best = worst.argmax(1)
        rows = np.arange(len(best))
        chosen = np.clip(np.stack([l0[rows, best], l1[rows, best], l2[rows, best]], -1), 0.0, None)
        chosen /= np.maximum(chosen.sum(-1, keepdims=True), 1e-12)
        out[start:start + chunk] = np.einsum("pk,pkb->pb", chosen, weights[triangles[best]])
    return out


# -- life by default ---------------------------------------------------------------------------

BLINK_GAP_S = (2.0, 6.0)    # seconds between blinks (uniform)
BLINK_CLOSE_S = 0.06        # the lids fall this fast ...
BLINK_OPEN_S = 0.09         # ... and rise this slowly: about 150 ms a blink


def idle_blinks(first: int, last: int, fps: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Keys (frames, values) of natural blinks on `blink` over scene frames first..last: open,
    then every 2-6 s (random, reproducible from `seed`) closed for one key and open again.
    Every blink holds a key at 1 on a whole frame, so each one shows closed in the renders."""
    rng = np.random.default_rng(seed)
    close = max(1, int(round(BLINK_CLOSE_S * fps)))
    reopen = max(1, int(round(BLINK_OPEN_S * fps)))
    frames, values = [float(first)], [0.0]
    start = first + int(round(rng.uniform(0.5, BLINK_GAP_S[0]) * fps))
    while start + close + reopen <= last:
        frames += [start, start + close, start + close + reopen]
        values += [0.0, 1.0, 0.0]
        start += close + reopen + int(round(rng.uniform(*BLINK_GAP_S) * fps))
    if frames[-1] < last:
        frames.append(float(last))
        values.append(0.0)
    keep = np.r_[True, np.diff(frames) > 0]
    return np.asarray(frames, np.float64)[keep], np.asarray(values, np.float64)[keep]
