"""3D motion capture → 2D bone angles on a drawn character ("twisted perspective").

Each body-part group (trunk, arms, legs) is looked at from the front or from the side — chosen
by PCA, as AnimatedDrawings does per clip, but over time: each moment's view comes from the
motion around it, held against brief changes and turned smoothly when it changes
(`_side_view_over_time`); or set by the user. The view follows the actor's
facing frame by frame (from the hip and shoulder left→right vectors, smoothed), so a turning
actor still faces the viewer. Every bone of the drawing whose head and tail joints are both
mapped to BVH joints takes, at every frame, the 2D angle of that BVH joint pair's projection
(pairs may skip joints: the drawing's hip→torso bone follows Hips→Spine3). Other bones keep
their drawn pose relative to their parent.

Frontal view: the viewer looks at the actor's front, so the actor's right is on the viewer's
left — the same convention as the drawing's `right_*` joints. Side view: the actor faces the
viewer's right.

All angles are as seen by the viewer: atan2(dz, dx) with x right and z up; pixel v points
down, so a drawn bone's dz is −dv.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, Sequence

import numpy as np

from ..errors import InputError
from .bvh import BvhClip
from .foot_plant import hips_lowered, hips_raised, leg_chains, pin_planted_feet
from .mapping import AXES, BodyParts, analyze_skeleton, auto_map, check_mapping, facing_right

GROUPS = ("trunk", "arms", "legs")
PROJECTIONS = ("auto", "frontal", "sagittal")
ROOT_MOTIONS = ("scaled", "in_place", "raw")
LAYER_MARGIN = 0.06       # a limb changes side this far (× actor height) past the trunk: about the body's half depth
LAYER_STEP = 0.01          # world units toward the camera per layer (the character is 2 units tall)
CONTACT_HEIGHT = 0.04     # a foot this close to the floor (× actor height) may be planted …
CONTACT_SPEED = 0.3       # … when it also moves slower than this × actor height per second
CONTACT_RELEASE = 1.5     # a planted foot lifts only past this × the height limit (hysteresis: no flicker);
                          # the speed limit stays, or the body would stall over a foot already pushing off
CONTACT_MIN_SECONDS = 0.1  # shorter plants or lifts are noise: a planted foot is held, a brief touch ignored
LEGS_APART = 0.08          # drawn hips this far apart (world units, 4% of the height) stand side by side: a front view
SWING_ROUNDING = np.radians(6)  # a leg stepping outward turns back smoothly where it passes straight down
JOINT_SPAN_OF_HEIGHT = 0.75  # drawn joints span ~75% of the figure's height (median, shared char_cfgs)
PLANE_WINDOW_SECONDS = 2.0   # a group's view (front or side) is chosen on this much of the clip around each moment …
PLANE_STEP_SECONDS = 0.25    # … every this often;
PLANE_HOLD_SECONDS = 1.5     # a view picked for less long is noise: the group keeps the one it had;
PLANE_BLEND_SECONDS = 0.5    # a change of view turns the viewer over this long, never in one frame
MAX_LIMB_BEND = np.radians(160)  # an elbow or knee turned further from its drawn bend folds the drawing over
                                 # itself (a forearm pointing at the camera projects past 180°)


class BoneLike(Protocol):
    name: str
    parent: str | None
    head_uv: tuple[float, float]
    tail_uv: tuple[float, float]


@dataclass
class RetargetOptions:
    fps: float = 30.0                        # output (scene) frame rate
    projection: str | dict[str, str] = "auto"   # one value, or per group {"trunk"|"arms"|"legs": …}
    root_motion: str = "scaled"              # "scaled" (leg-length ratio), "in_place", "raw"
    speed: float = 1.0                       # 2.0 plays twice as fast
    frame_start: int = 0                     # first source frame used (0-based)
    frame_end: int | None = None             # last source frame used (inclusive); None = last
    cyclic: bool = False                     # the clip loops: the frame after the last is the first
    ground_contact: bool = True              # feet touch the ground when the actor's feet do
    pin_feet: bool = True                    # planted feet held still by IK on the legs (motions/foot_plant.py)
    up: str | None = None                    # BVH up axis ("y", "z", "-y", …); None = detect
    forward: str | None = None               # fixed actor facing ("z", "-y", …); None = follow per frame
    facing_smoothing: float = 0.5            # seconds over which the actor's facing is averaged
    legs_step_outward: bool = True          # a front-view drawing's side-view legs swing out to their own
                                             # sides instead of across each other (`_legs_step_outward`)
    trunk_follows_lean: bool = False         # every trunk bone turns by the actor's lean from upright (a
                                             # four-legged clip's spine pitches a body drawn lying level)

    def group_projection(self, group: str) -> str:
        return self.projection.get(group, "auto") if isinstance(self.projection, dict) else self.projection

    def validate(self, clip: BvhClip) -> tuple[int, int]:
        """Check every option; returns the source frame range as (start, stop) slice bounds."""
        bad = lambda what: InputError(None, f"retarget option {what}")  # noqa: E731
        for group in GROUPS:
            if self.group_projection(group) not in PROJECTIONS:
                raise bad(f"projection for {group} must be one of {PROJECTIONS}, got {self.group_projection(group)!r}")
        if isinstance(self.projection, dict) and set(self.projection) - set(GROUPS):
            raise bad(f"projection names unknown groups {sorted(set(self.projection) - set(GROUPS))}")
        if self.root_motion not in ROOT_MOTIONS:
            raise bad(f"root_motion must be one of {ROOT_MOTIONS}, got {self.root_motion!r}")
        if not (np.isfinite(self.fps) and 0 < self.fps <= 1000):
            raise bad(f"fps must be in (0, 1000], got {self.fps}")
        if not (np.isfinite(self.speed) and 0.01 <= self.speed <= 100):
            raise bad(f"speed must be in [0.01, 100], got {self.speed}")
        for name, axis in (("up", self.up), ("forward", self.forward)):
            if axis is not None and axis not in AXES:
                raise bad(f"{name} must be one of {tuple(AXES)} or None, got {axis!r}")
        end = clip.frame_count - 1 if self.frame_end is None else self.frame_end
        if not (0 <= self.frame_start <= end < clip.frame_count):
            raise InputError(clip.path, f"frame range {self.frame_start}..{end} is outside the clip's "
                                        f"0..{clip.frame_count - 1}")
        return self.frame_start, end + 1


@dataclass
class RetargetResult:
    fps: float
    frame_count: int
    bone_names: list[str]
    rotation: np.ndarray          # (T, B) radians about the bone's Z, relative to rest and to the parent
    root_location: np.ndarray     # (T, 2) root bone (x, y) = world (dx, dz), world units
    layer_offset: np.ndarray      # (T, B) toward the camera, relative to the parent bone (step-wise)
    cyclic: bool
    projection: dict[str, str] = field(default_factory=dict)      # group → "frontal" | "sagittal"
    drivers: dict[str, tuple[str, str]] = field(default_factory=dict)  # bone → (BVH start, BVH end)
    view_axes: dict[str, np.ndarray] = field(default_factory=dict)     # group → (T, 2, 3) screen x, up in BVH axes
    root_cycle_offset: np.ndarray = field(default_factory=lambda: np.zeros(2))  # root travel per loop
    leaning_bones: list[str] = field(default_factory=list)   # driven by lean from upright, not absolute angle
    contacts: dict[str, np.ndarray] = field(default_factory=dict)  # foot bone → (T,) bool: planted on the ground

    @property
    def duration(self) -> float:
        return self.frame_count / self.fps if self.cyclic else (self.frame_count - 1) / self.fps


def retarget(clip: BvhClip, bones: Sequence[BoneLike], mapping: dict[str, str] | None = None,
             options: RetargetOptions | None = None, scale: float | None = None) -> RetargetResult:
    """Drive `bones` (pixels, v down; e.g. RigPlan.bones) with `clip`.

    mapping: our joint name → BVH joint name (default `auto_map(clip)`); a bone is driven when
    its head joint and its tail joint (the child bone starting at its tail) are both mapped.
    scale: world units per pixel (`RigPlan.scale`); only root motion needs it. Without it the
    scale is estimated from the joints' height span.
    """
    options = options or RetargetOptions()
    start, stop = options.validate(clip)
    mapping = auto_map(clip) if mapping is None else mapping
    check_mapping(clip, mapping)
    rig = _Rig(bones, scale)
    drivers = rig.drivers(mapping)

    all_pos, all_rot = clip.world_transforms()
    pos = all_pos[start:stop]
    ends = clip.end_site_positions(all_pos, all_rot)
    parts = _body_parts(clip, all_pos)
    up = np.array(AXES[options.up], float) if options.up else (parts.up if parts else _up_from_mapping(clip, pos, mapping))
    if options.forward:
        fixed = np.array(AXES[options.forward], float)
        if abs(fixed @ up) > 0.5:
            raise InputError(None, f"retarget option forward {options.forward!r} is not horizontal for up {up}")
        right = np.broadcast_to(np.cross(fixed, up), pos[:, 0].shape).copy()
    else:
        right = _smooth_facing(pos, parts, up, options.facing_smoothing / clip.frame_time)
    forward = np.cross(up, right)

    index = {name: i for i, name in enumerate(clip.names)}
    bone_part = rig.parts(drivers, parts, index)
    vectors = {b: pos[:, index[e]] - pos[:, index[s]] for b, (s, e) in drivers.items()}
    projection, axes, depth_axis, side_view = {}, {}, {}, {}
    for group in GROUPS:
        members = [vectors[b] for b in drivers if _group(bone_part[b]) == group]
        chosen = options.group_projection(group)
        side_view[group] = (_side_view_over_time(members, right, up, forward, clip.frame_time) if chosen == "auto"
                            else np.full(len(pos), float(chosen == "sagittal")))
        projection[group] = "sagittal" if side_view[group].mean() > 0.5 else "frontal"   # most of the clip
        # The viewer turns from the front (screen x = the actor's left) to the side (screen x = the
        # actor's forward) as the group's side view share goes from 0 to 1; toward the viewer is x × up.
        screen_x = _turned(side_view[group], -right, forward)
        axes[group] = np.stack([screen_x, np.broadcast_to(up, screen_x.shape)], axis=1)
        depth_axis[group] = _turned(side_view[group], forward, right)

    # World angle change of every bone, per source frame (driven: projected angle − drawn angle).
    # A trunk bone drawn pointing down (a garlic whose face sits below its shoulders) would
    # flip over, swinging the shoulders across: it follows the actor's lean from upright instead.
    delta = np.zeros((len(pos), len(rig.names)))
    leaning = [n for b, n in enumerate(rig.names)
               if n in vectors and bone_part[n] == "trunk"
               and (options.trunk_follows_lean or abs(_wrap(rig.rest_angle[b] - np.pi / 2)) > np.pi / 2)]
    seen = {}
    for name, vector in vectors.items():
        x_axis, z_axis = axes[_group(bone_part[name])].transpose(1, 0, 2)
        seen[name] = np.arctan2(np.einsum("td,td->t", vector, z_axis), np.einsum("td,td->t", vector, x_axis))
    if side_view["legs"].any() and options.legs_step_outward:
        front_seen = dict(seen)
        _legs_step_outward(rig, bone_part, seen)
        if not side_view["legs"].all():          # only as much as the legs are seen from the side
            for name, angle in seen.items():
                seen[name] = front_seen[name] + side_view["legs"] * _wrap(angle - front_seen[name])
    for b, name in enumerate(rig.names):
        if name in vectors:
            reference = np.pi / 2 if name in leaning else rig.rest_angle[b]
            delta[:, b] = np.unwrap(_wrap(seen[name] - reference))
        elif rig.parent[b] >= 0:
            delta[:, b] = delta[:, rig.parent[b]]
    parent_delta = np.where(rig.parent >= 0, delta[:, np.maximum(rig.parent, 0)], 0.0)
    rotation = delta - parent_delta
    rotation -= 2 * np.pi * np.round(rotation[:1] / (2 * np.pi))    # start within (−π, π]
    for b, name in enumerate(rig.names):
        if name in vectors and rig.parent[b] >= 0 and _group(bone_part[name]) != "trunk" \
                and bone_part[rig.names[rig.parent[b]]] == bone_part[name]:       # within one limb
            rotation[:, b] = limited_bend(rotation[:, b], MAX_LIMB_BEND)

    actor_height = _bvh_height(clip, up)
    drawn = rig.pose(delta)                # the drawn skeleton's heads and tails, before root motion
    planted = foot_contacts(clip, pos, ends, start, stop, parts, up, actor_height)   # BVH ankle → (T,)
    foot_bones = [n for n in rig.names if index.get(mapping.get(n)) in planted]
    feet = [rig.names.index(n) for n in foot_bones]
    plants = [planted[index[mapping[n]]] for n in foot_bones]
    contact_series = np.stack([p.planted for p in plants], axis=1) if plants else np.zeros((len(pos), 0))
    held_series = np.stack([p.held for p in plants], axis=1) if plants else np.zeros((len(pos) - 1, 0))
    root_xy = _root_motion(clip, pos, ends, start, stop, parts, mapping, index, up, axes["legs"][:, 0],
                           rig, drivers, drawn, options, pinned=(feet, held_series))
    layer = _layer_offsets(LAYER_MARGIN * actor_height, pos, parts, bone_part, rig, depth_axis, drawn)

    out = _resample(clip.frame_time, options, rotation=rotation, root=root_xy, layer=layer,
                    axes=np.concatenate([axes[g] for g in GROUPS], axis=1), contact=contact_series.astype(float))
    result = RetargetResult(
        fps=float(options.fps), frame_count=len(out["rotation"]), bone_names=list(rig.names),
        rotation=out["rotation"], root_location=out["root"], layer_offset=out["layer"], cyclic=options.cyclic,
        projection=projection, drivers=drivers, leaning_bones=leaning,
        view_axes={g: _unit_rows(out["axes"][:, 2 * k:2 * k + 2]) for k, g in enumerate(GROUPS)},
        root_cycle_offset=out["cycle_offset"],
        contacts={n: out["contact"][:, k] > 0.5 for k, n in enumerate(foot_bones)})
    if options.pin_feet and feet and options.root_motion != "in_place":   # in place, the feet must slide
        chains = leg_chains(rig.parent, rig.head, rig.tail, feet)
        planted = {rig.names.index(n): flags for n, flags in result.contacts.items()}
        stance = {f: (rig.head[f, 1], rig.rest_angle[f]) for f in feet}    # the feet of the drawing as it stands
        heads, _ = rig.pose(rig.world_delta(result.rotation), result.root_location)
        result.root_location[:, 1] -= hips_lowered(heads, chains, planted, stance, result.fps, result.cyclic)
        clip_heads = heads
        heads, _ = rig.pose(rig.world_delta(result.rotation), result.root_location)
        result.root_location[:, 1] += hips_raised(heads, clip_heads, chains, planted, stance, result.fps, result.cyclic)
        heads, tails = rig.pose(rig.world_delta(result.rotation), result.root_location)
        held = pin_planted_feet(result.rotation, heads, tails, chains, planted, stance, result.fps, result.cyclic,
                                result.root_cycle_offset)
        result.contacts = {rig.names[f]: flags for f, flags in held.items()}
        if options.ground_contact:
            # A correction fading out as the foot lifts can dip it under the floor it left.
            heads, tails = rig.pose(rig.world_delta(result.rotation), result.root_location)
            body = rig.subtree(rig.motion_root)
            lowest = np.minimum(heads[:, body, 1].min(axis=1), tails[:, body, 1].min(axis=1))
            ground = min(rig.head[body, 1].min(), rig.tail[body, 1].min())
            result.root_location[:, 1] += np.maximum(0.0, ground - lowest)
    return result


def limited_bend(rotation: np.ndarray, most: float) -> np.ndarray:
    """A joint's (T,) parent-relative rotation kept within ±`most` of its drawn bend: past it,
    the joint holds at the limit on the side it came from until the clip's bend is back within
    it, on either side (a forearm swinging on through 180° comes back on the other side).
    Unwrapped, so the keys never spin between frames."""
    bend = _wrap(rotation)
    out = np.empty_like(bend)
    side = 1.0
    for t, value in enumerate(bend):
        if abs(value) <= most:
            out[t] = value
            side = np.sign(value) or side
        else:
            out[t] = side * most
    return np.unwrap(out) + 2 * np.pi * np.round((rotation[0] - out[0]) / (2 * np.pi))


def pin_limb_sides(result: RetargetResult, pins: dict[str, np.ndarray]) -> None:
    """Put limbs in front of (pin > 0) or behind (pin < 0) the body where the artist pinned
    them, in place; 0 follows the clip. `pins`: a limb's first bone (shoulder, hip: the bone its
    layer offset is keyed on) → (T,) pin per result frame."""
    for bone, pin in pins.items():
        if bone not in result.bone_names:
            continue
        column = result.layer_offset[:, result.bone_names.index(bone)]
        held = np.asarray(pin) != 0
        size = np.where(column[held] != 0, np.abs(column[held]), LAYER_STEP)
        column[held] = np.sign(np.asarray(pin)[held]) * size


def pose_2d(bones: Sequence[BoneLike], rotation: np.ndarray, root_location: np.ndarray | None = None,
            scale: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """2D forward kinematics of the drawn skeleton: (heads, tails), each (T, B, 2) world (x, z).

    `rotation` is RetargetResult.rotation (parent-relative); root motion moves the first
    parentless bone and its descendants."""
    rig = _Rig(bones, scale)
    return rig.pose(rig.world_delta(rotation), root_location)


# ---------------------------------------------------------------- the drawn skeleton

class _Rig:
    """The drawing's bones in world units (x right, z up), parents-first order kept as given."""

    def __init__(self, bones: Sequence[BoneLike], scale: float | None):
        if not bones:
            raise InputError(None, "the character has no bones to retarget onto")
        self.names = [b.name for b in bones]
        lookup = {n: i for i, n in enumerate(self.names)}
        self.parent = np.array([lookup.get(b.parent, -1) if b.parent else -1 for b in bones])
        self.order = _parents_first(self.parent)
        head_uv = np.array([b.head_uv for b in bones], float)
        tail_uv = np.array([b.tail_uv for b in bones], float)
        if scale is None:
            span = np.ptp(head_uv[:, 1]) or 1.0
            scale = 2.0 * JOINT_SPAN_OF_HEIGHT / span
        self.scale = float(scale)
        flip = np.array([1.0, -1.0])
        self.head = head_uv * flip * self.scale
        self.tail = tail_uv * flip * self.scale
        vec = self.tail - self.head
        self.rest_angle = np.arctan2(vec[:, 1], vec[:, 0])
        self.length = np.hypot(vec[:, 0], vec[:, 1])
        # The joint at a bone's tail is the child bone that starts there (the primary child).
        self.tail_child = [next((c for c in np.flatnonzero(self.parent == b)
                                 if np.allclose(head_uv[c], tail_uv[b], atol=1e-3)), None)
                           for b in range(len(bones))]
        roots = np.flatnonzero(self.parent < 0)
        self.motion_root = int(roots[0])

    def drivers(self, mapping: dict[str, str]) -> dict[str, tuple[str, str]]:
        out = {}
        for b, name in enumerate(self.names):
            child = self.tail_child[b]
            if child is None or name not in mapping or self.names[child] not in mapping:
                continue
            pair = (mapping[name], mapping[self.names[child]])
            if pair[0] != pair[1]:
                out[name] = pair
        return out

    def parts(self, drivers, parts: BodyParts | None, index) -> dict[str, str]:
        """BVH body part of each bone: that of its driver's end joint; undriven bones inherit."""
        out = {}
        for b in self.order:
            name = self.names[b]
            if name in drivers and parts is not None:
                out[name] = parts.part[index[drivers[name][1]]]
            else:
                out[name] = out[self.names[self.parent[b]]] if self.parent[b] >= 0 else "trunk"
        return out

    def world_delta(self, rotation: np.ndarray) -> np.ndarray:
        delta = np.zeros_like(rotation)
        for b in self.order:
            p = self.parent[b]
            delta[:, b] = rotation[:, b] + (delta[:, p] if p >= 0 else 0.0)
        return delta

    def pose(self, delta: np.ndarray, root_location: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Heads and tails (T, B, 2) for world angle changes `delta` (T, B)."""
        frames = len(delta)
        heads = np.empty((frames, len(self.names), 2))
        for b in self.order:
            p = self.parent[b]
            if p < 0:
                heads[:, b] = self.head[b]
                if b == self.motion_root and root_location is not None:
                    heads[:, b] += root_location
            else:
                heads[:, b] = heads[:, p] + _rotate(self.head[b] - self.head[p], delta[:, p])
        tails = heads + _rotate_many(self.tail - self.head, delta)
        return heads, tails

    def subtree(self, root: int) -> np.ndarray:
        inside = np.zeros(len(self.names), bool)
        inside[root] = True
        for b in self.order:
            if self.parent[b] >= 0 and inside[self.parent[b]]:
                inside[b] = True
        return np.flatnonzero(inside)


def _parents_first(parent: np.ndarray) -> list[int]:
    order, placed = [], np.zeros(len(parent), bool)
    while len(order) < len(parent):
        ready = [b for b in range(len(parent)) if not placed[b] and (parent[b] < 0 or placed[parent[b]])]
        if not ready:
            raise InputError(None, "the character's bones form a cycle")
        order += ready
        placed[ready] = True
    return order


def _rotate(vec: np.ndarray, angle: np.ndarray) -> np.ndarray:
    """Rotate one 2D vector by (T,) angles → (T, 2)."""
    c, s = np.cos(angle), np.sin(angle)
    return np.stack([c * vec[0] - s * vec[1], s * vec[0] + c * vec[1]], axis=-1)


def _rotate_many(vecs: np.ndarray, angles: np.ndarray) -> np.ndarray:
    """Rotate (B, 2) vectors by (T, B) angles → (T, B, 2)."""
    c, s = np.cos(angles), np.sin(angles)
    return np.stack([c * vecs[:, 0] - s * vecs[:, 1], s * vecs[:, 0] + c * vecs[:, 1]], axis=-1)


# ---------------------------------------------------------------- the BVH side

def _body_parts(clip: BvhClip, pos: np.ndarray) -> BodyParts | None:
    """The clip's biped structure, or None for skeletons auto-detection cannot read (their
    mapping then comes from the user; facing and layering fall back to fixed defaults)."""
    try:
        return analyze_skeleton(clip, pos)
    except InputError:
        return None


def _up_from_mapping(clip: BvhClip, pos: np.ndarray, mapping: dict[str, str]) -> np.ndarray:
    index = {n: i for i, n in enumerate(clip.names)}
    if "neck" in mapping and "hip" in mapping:
        v = (pos[:, index[mapping["neck"]]] - pos[:, index[mapping["hip"]]]).mean(axis=0)
        k = int(np.argmax(np.abs(v)))
        return np.eye(3)[k] * np.sign(v[k])
    return np.array([0.0, 1.0, 0.0])


def _smooth_facing(pos: np.ndarray, parts: BodyParts | None, up: np.ndarray, window_frames: float) -> np.ndarray:
    """(T, 3) the actor's right per frame, moving-averaged so jitter does not swing the view."""
    if parts is None:   # no legs/arms known: the BVH convention (Y-up faces +Z, Z-up faces −Y)
        forward = {0: (0, 1, 0), 1: (0, 0, 1), 2: (0, -1, 0)}[int(np.argmax(np.abs(up)))]
        return np.broadcast_to(np.cross(forward, up), pos[:, 0].shape).copy()
    right = facing_right(pos, parts.legs, parts.arms, up)
    width = max(1, int(round(window_frames)) | 1)
    if width > 1 and len(right) > 1:
        padded = np.pad(right, ((width // 2, width // 2), (0, 0)), mode="edge")
        kernel = np.ones(width) / width
        right = np.stack([np.convolve(padded[:, k], kernel, mode="valid") for k in range(3)], axis=1)
    norm = np.linalg.norm(right, axis=1, keepdims=True)
    lost = norm[:, 0] < 1e-6          # hips and shoulders straight up (lying, flipping): keep the mean facing
    if lost.any():
        mean = right[~lost].mean(axis=0) if (~lost).any() else np.cross([0.0, 1.0, 0.0] if abs(up[1]) < 0.9
                                                                        else [0.0, 0.0, 1.0], up)
        right[lost], norm[lost] = mean, np.linalg.norm(mean)
    return right / np.where(norm > 1e-9, norm, 1.0)


def _group(part: str) -> str:
    return "trunk" if part == "trunk" else part.split("_")[1] + "s"


def _legs_step_outward(rig, bone_part: dict[str, str], seen: dict[str, np.ndarray]) -> None:
    """Side-view leg angles (`seen`, screen x = the actor's forward) made to read from the front,
    in place, for a drawing whose legs stand apart: both legs seen from one side swing across
    each other into an X for a third of a walk. Each leg instead swings out to its own side,
    whether it swings forward or back: its whole chain turns so the thigh's swing from straight
    down becomes |swing| (knees keep their bend, so a stepping leg lifts its knee outward and
    tucks its foot under), then is mirrored onto the leg's side. A side-view drawing (drawn
    legs overlapping) keeps the shared side view."""
    legs = {}
    for b in rig.order:
        part = bone_part[rig.names[b]]
        if part.endswith("_leg") and rig.names[b] in seen:
            legs.setdefault(part, []).append(b)          # parents first: the thigh leads
    roots = [b for b in legs.get("right_leg", []) + legs.get("left_leg", []) if rig.parent[b] < 0
             or bone_part[rig.names[rig.parent[b]]] != bone_part[rig.names[b]]] if set(legs) == {"right_leg", "left_leg"} else []
    if len(roots) != 2:          # not two legs (a quadruped's front legs follow the clip's legs too)
        return
    apart = rig.head[legs["left_leg"][0], 0] - rig.head[legs["right_leg"][0], 0]   # right leg on the viewer's left
    if apart < LEGS_APART:
        return
    for part, chain in legs.items():
        swing = _wrap(seen[rig.names[chain[0]]] + np.pi / 2)           # thigh from straight down, forward > 0
        turn = np.sqrt(swing ** 2 + SWING_ROUNDING ** 2) - SWING_ROUNDING - swing   # to a rounded |swing|
        for k, b in enumerate(chain):
            seen[rig.names[b]] = seen[rig.names[b]] + turn
            if k == 1:   # a running knee bends past the vertical: the shin tucks under, never across
                tucked = np.maximum(0.0, -_wrap(seen[rig.names[b]] + np.pi / 2))
                seen[rig.names[b]] += tucked
                turn = turn + tucked
        if part == "right_leg":                                             # outward = the viewer's left
            for b in chain:
                seen[rig.names[b]] = np.pi - seen[rig.names[b]]


def _choose_plane(vectors: list[np.ndarray], right: np.ndarray, up: np.ndarray, forward: np.ndarray) -> str:
    """PCA of the group's bone vectors in the actor's own frame, each bone centred over time so
    only motion counts: the motion plane's normal is the least-varying direction. A normal
    nearest the forward axis means frontal motion, nearest the left-right axis sagittal.
    Readability overrides it when the pose itself would be foreshortened: a group that
    hardly moves, moves in a horizontal plane, or would show under 60% of its length goes
    where it is seen best (a zombie's arms held forward read from the side)."""
    if not vectors:
        return "frontal"
    local = [np.stack([np.einsum("td,td->t", v, right), v @ up, np.einsum("td,td->t", v, forward)], axis=1)
             for v in vectors]
    centred = np.concatenate([v - v.mean(axis=0) for v in local])
    samples = np.concatenate(local)
    length = np.maximum(np.linalg.norm(samples, axis=1), 1e-12)
    visible = {"frontal": np.mean(np.hypot(samples[:, 0], samples[:, 1]) / length),
               "sagittal": np.mean(np.hypot(samples[:, 2], samples[:, 1]) / length)}
    best_view = "sagittal" if visible["sagittal"] > 1.25 * visible["frontal"] else "frontal"
    normal = np.abs(np.linalg.eigh(centred.T @ centred)[1][:, 0])
    still = np.sqrt(np.mean(np.sum(centred ** 2, axis=1))) < 0.1 * np.mean(length)
    if still or normal[1] > max(normal[0], normal[2]):
        return best_view
    by_motion = "frontal" if normal[2] >= normal[0] else "sagittal"
    return best_view if visible[by_motion] < 0.6 and best_view != by_motion else by_motion


def _side_view_over_time(vectors: list[np.ndarray], right: np.ndarray, up: np.ndarray, forward: np.ndarray,
                         frame_time: float) -> np.ndarray:
    """(T,) how much a group is seen from the side (0 front, 1 side) per frame, its plane chosen
    over time ("twisted perspective" per moment, not per clip): `_choose_plane` on a
    `PLANE_WINDOW_SECONDS` window every `PLANE_STEP_SECONDS`. A plane the windows pick for less
    than `PLANE_HOLD_SECONDS` is noise and the group keeps the plane it had (hysteresis, from
    the whole clip's choice at the start); a change lasting longer is dated from its first
    window, and the view turns over `PLANE_BLEND_SECONDS` instead of jumping. A dance that
    walks, then waves: the legs step from the side, then the arms wave from the front."""
    frames = len(right)
    whole = float(_choose_plane(vectors, right, up, forward) == "sagittal")
    half = max(1, round(PLANE_WINDOW_SECONDS / 2 / frame_time))
    step = max(1, round(PLANE_STEP_SECONDS / frame_time))
    if not vectors or frames < 4 * half:            # shorter than two windows: one plane for the clip
        return np.full(frames, whole)
    centres = np.arange(half, frames - half, step)
    picks = [float(_choose_plane([v[c - half:c + half] for v in vectors], right[c - half:c + half], up,
                                 forward[c - half:c + half]) == "sagittal") for c in centres]
    hold = max(1, round(PLANE_HOLD_SECONDS / (step * frame_time)))
    states, state, since = np.empty(len(picks)), whole, None
    for k, pick in enumerate(picks):
        if pick == state:
            since = None
        else:
            since = k if since is None else since
            if k - since + 1 >= hold:
                state, states[since:k] = pick, pick
                since = None
        states[k] = state
    if np.all(states == whole):
        return np.full(frames, whole)
    # Each frame takes its nearest window's plane; the change is eased over PLANE_BLEND_SECONDS.
    nearest = np.clip(np.searchsorted(centres, np.arange(frames) - step / 2), 0, len(centres) - 1)
    width = max(1, round(PLANE_BLEND_SECONDS / frame_time)) | 1
    ramp = np.convolve(np.pad(states[nearest], width // 2, mode="edge"), np.ones(width) / width, mode="valid")
    ramp = np.clip(ramp, 0.0, 1.0)
    return ramp * ramp * (3 - 2 * ramp)


def _turned(share: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """(T, 3) unit rows turned from `start` (share 0) to `end` (share 1), two perpendicular unit
    (T, 3) axes; rows at either end are those axes exactly."""
    blend = (1 - share)[:, None] * start + share[:, None] * end
    between = (share > 0) & (share < 1)
    return np.where(between[:, None], _unit_rows(blend), blend)


def _root_motion(clip, pos, ends, start, stop, parts, mapping, index, up, travel_axis, rig, drivers, drawn,
                 options, pinned=((), None)) -> np.ndarray:
    """(T, 2) root bone (dx, dz) in world units, per source frame; `drawn` = the drawn
    skeleton's (heads, tails) before root motion. `pinned` = (foot bone
    indices, (T-1, F) held fractions, `FootPlant.held`): while a foot is planted, the root
    travels so that foot stays put in the picture (`_travel_on_planted_feet`)."""
    root = parts.hips if parts is not None else index.get(mapping.get("root", ""), 0)
    height_ratio = 2.0 / _bvh_height(clip, up)
    leg_ratio = _leg_ratio(clip, rig, drivers, index, parts) or height_ratio
    ratio = height_ratio if options.root_motion == "raw" else leg_ratio
    hips = pos[:, root]
    x = np.zeros(len(pos))
    if options.root_motion != "in_place" and len(pos) > 1:
        step = np.einsum("td,td->t", np.diff(hips, axis=0), travel_axis[:-1])
        x[1:] = np.cumsum(step) * ratio
        if options.root_motion == "scaled" and len(pinned[0]):
            x = _travel_on_planted_feet(x, drawn[0][:, pinned[0], 0], pinned[1])
    z = (hips - hips[0]) @ up * ratio
    if not options.ground_contact:
        return np.stack([x, z], axis=1)
    # Lowest point of the drawn skeleton per frame, before root motion.
    heads, tails = drawn
    body = rig.subtree(rig.motion_root)
    lowest = np.minimum(heads[:, body, 1].min(axis=1), tails[:, body, 1].min(axis=1))
    ground = min(rig.head[body, 1].min(), rig.tail[body, 1].min())
    if options.root_motion == "raw":
        z = np.maximum(z, ground - lowest)             # only never sink below the ground
    else:
        # The drawing's lowest point rises and falls with the actor's (feet planted, jumps lift).
        points = np.concatenate([pos] + [e[start:stop, None] for e in ends.values()], axis=1) @ up
        bvh_low = points.min(axis=1)
        z = ground + (bvh_low - bvh_low.min()) * ratio - lowest
    return np.stack([x, z], axis=1)


@dataclass
class FootPlant:
    """When one foot is on the ground: `planted` (T,) per frame, and `held` (T-1,) the fraction
    of each step between frames it is planted (1 or 0 inside a plant or a lift; between, the
    instant the foot lands or lifts, found where its height and speed cross their limits)."""
    planted: np.ndarray
    held: np.ndarray


def foot_contacts(clip: BvhClip, pos, ends, start: int, stop: int, parts: BodyParts | None,
                  up: np.ndarray, height: float) -> dict[int, FootPlant]:
    """{BVH ankle joint: FootPlant} the foot is planted: its lowest point (ankle, toes, their End
    Sites) within `CONTACT_HEIGHT` of the clip's floor and moving slower than `CONTACT_SPEED`
    (both × the actor's `height`, speed per second), the usual height + speed test."""
    if parts is None:
        return {}
    children = [[] for _ in clip.joints]
    for i, joint in enumerate(clip.joints):
        if joint.parent >= 0:
            children[joint.parent].append(i)
    lows, speeds = {}, {}
    for _, _, ankle in parts.legs.values():
        foot, stack = [], [ankle]
        while stack:
            j = stack.pop()
            foot.append(pos[:, j])
            if j in ends:
                foot.append(ends[j][start:stop])
            stack += children[j]
        points = np.stack(foot, axis=1)                                   # (T, K, 3)
        lows[ankle] = (points @ up).min(axis=1)
        flat = pos[:, ankle] - np.outer(pos[:, ankle] @ up, up)
        speeds[ankle] = np.linalg.norm(np.gradient(flat, axis=0), axis=1) / clip.frame_time if len(pos) > 1 \
            else np.zeros(len(pos))
    floor = np.percentile(np.concatenate(list(lows.values())), 2)
    shortest = max(1, int(round(CONTACT_MIN_SECONDS / clip.frame_time)))
    out = {}
    for a in lows:
        near, slow = (lows[a] - floor) / (CONTACT_HEIGHT * height), speeds[a] / (CONTACT_SPEED * height)
        landing, staying = np.maximum(near, slow), np.maximum(near / CONTACT_RELEASE, slow)   # < 1: planted
        planted = _without_short_runs(_hysteresis(landing < 1, staying < 1), shortest)
        out[a] = FootPlant(planted, _held_time(planted, landing, staying))
    return out


def _held_time(planted: np.ndarray, landing: np.ndarray, staying: np.ndarray) -> np.ndarray:
    """(T-1,) fraction of each step between frames the foot is planted. A foot lands where
    `landing` falls through 1 and lifts where `staying` rises through 1 (linear between the
    two frames); an edge the filters made (no such crossing) is put half way. Edges found
    between frames make a plant last as long whatever the clip's frame rate: a 30 fps frame
    is 33 ms, and a plant cut at frames would be off by up to that at each end."""
    held = (planted[1:] & planted[:-1]).astype(float)
    for t in np.flatnonzero(planted[1:] != planted[:-1]):
        before, after = (landing[t], landing[t + 1]) if planted[t + 1] else (staying[t], staying[t + 1])
        crossing = (before - 1.0) / (before - after) if (before - 1.0) * (after - 1.0) < 0 else 0.5
        held[t] = 1.0 - crossing if planted[t + 1] else crossing
    return held


def _hysteresis(lands: np.ndarray, stays: np.ndarray) -> np.ndarray:
    """(T,) planted: from a frame where `lands` holds, for as long as `stays` does."""
    planted = lands.copy()
    for t in range(1, len(planted)):
        planted[t] |= planted[t - 1] & stays[t]
    return planted


def _without_short_runs(planted: np.ndarray, shortest: int) -> np.ndarray:
    """Gaps between plants shorter than `shortest` frames are filled (a foot does not lift for a
    frame or two), then plants shorter than that are dropped (a foot brushing the floor). Runs
    cut by the clip's ends may be longer than they look, so they stay."""
    out = planted.copy()
    for value in (False, True):
        edges = np.flatnonzero(np.diff(np.concatenate([[not value], out == value, [not value]]).astype(int)))
        for start, stop in zip(edges[::2], edges[1::2]):
            if stop - start < shortest and start > 0 and stop < len(out):
                out[start:stop] = not value
    return out


def _travel_on_planted_feet(x: np.ndarray, foot_x: np.ndarray, held: np.ndarray) -> np.ndarray:
    """Root x per frame where every step with a planted foot moves the root by what undoes that
    foot's drawn motion relative to the root (the mean over planted feet); steps with no planted
    foot keep the clip's own travel, and a step where a foot lands or lifts mixes the two by the
    time it is held (`held`, (T-1, F)). Feet then stay put on the ground instead of sliding when
    the drawing's legs are shorter or longer than the actor's."""
    step = np.diff(x)
    foot_step = np.diff(foot_x, axis=0)
    share = held.max(axis=1)                                           # the step's held fraction
    some = share > 0
    undo = -(foot_step * held).sum(axis=1)[some] / held.sum(axis=1)[some]
    step[some] = share[some] * undo + (1.0 - share[some]) * step[some]
    return np.concatenate([[x[0]], x[0] + np.cumsum(step)])


def _bvh_height(clip: BvhClip, up: np.ndarray) -> float:
    """The actor's rest-pose height along `up`, End Sites (top of the head, toe tips) included."""
    rest = clip.rest_positions()
    tips = [rest[i] + j.end_site for i, j in enumerate(clip.joints) if j.end_site is not None]
    points = np.concatenate([rest] + ([np.array(tips)] if tips else []))
    return float(np.ptp(points @ up)) or 1.0


def _leg_ratio(clip, rig, drivers, index, parts) -> float | None:
    """Drawn leg length / actor's leg length (world units per BVH unit), over the bones driven
    by the BVH legs — the step length a drawing with short legs should take."""
    if parts is None:
        return None
    rest = clip.rest_positions()
    ours = theirs = 0.0
    for b, name in enumerate(rig.names):
        if name in drivers and parts.part[index[drivers[name][1]]].endswith("_leg"):
            s, e = drivers[name]
            ours += rig.length[b]
            theirs += np.linalg.norm(rest[index[e]] - rest[index[s]])
    return ours / theirs if ours > 0 and theirs > 0 else None


def _layer_offsets(margin, pos, parts, bone_part, rig, depth_axis, drawn) -> np.ndarray:
    """(T, B) parent-relative depth offsets: each limb in front of or behind the trunk by the
    actor's depth (toward the viewer of the limb's own view). A limb changes side only once it
    is `margin` (BVH units) past the trunk, so a hanging arm does not flicker, and only while
    it overlaps the body in the picture (`_over_body`): elsewhere its side is invisible, so it
    keeps the one it had and never hops back and forth for nothing."""
    layer = np.zeros((len(pos), len(rig.names)))
    limbs = sorted({p for p in bone_part.values() if p != "trunk"})
    if parts is None or not limbs:
        return layer
    part_of = np.array(parts.part)
    trunk = pos[:, part_of == "trunk"].mean(axis=1)
    depth = np.stack([np.einsum("td,td->t", pos[:, part_of == limb].mean(axis=1) - trunk,
                                depth_axis[_group(limb)]) for limb in limbs], axis=1)
    side = np.where(depth > margin, 1.0, np.where(depth < -margin, -1.0, np.nan))
    side[~_over_body(rig, bone_part, limbs, drawn)] = np.nan
    side[0] = np.where(depth[0] >= 0, 1.0, -1.0)
    filled = np.where(np.isnan(side), 0, np.arange(len(side))[:, None])
    side = np.take_along_axis(side, np.maximum.accumulate(filled, axis=0), axis=0)   # hold last decided side
    # Within the front (or back) limbs, the farther from the trunk, the farther its layer;
    # limbs within `margin` of each other keep a fixed order (no flicker, no equal layers).
    distance = np.abs(depth)
    gap = distance[:, :, None] - distance[:, None, :]             # [t, g, h] = |D_g| − |D_h|
    fixed_order = np.arange(len(limbs))[:, None] > np.arange(len(limbs))[None, :]
    closer = (side[:, :, None] == side[:, None, :]) & ((gap > margin) | ((np.abs(gap) <= margin) & fixed_order))
    offset = side * LAYER_STEP * (1 + closer.sum(axis=2))
    absolute = np.zeros_like(layer)
    for b in rig.order:
        part = bone_part[rig.names[b]]
        absolute[:, b] = offset[:, limbs.index(part)] if part in limbs else 0.0
    parent_abs = np.where(rig.parent >= 0, absolute[:, np.maximum(rig.parent, 0)], 0.0)
    return absolute - parent_abs


def _over_body(rig, bone_part, limbs, drawn) -> np.ndarray:
    """(T, L) whether some joint of each limb beyond its root (elbow, hand; knee, foot) lies
    inside the body in the picture: the polygon through the trunk's joints and the limbs' roots,
    taken in the order they have around their centre at rest."""
    heads, tails = drawn
    part = [bone_part[n] for n in rig.names]
    roots = [b for b in range(len(part)) if part[b] != "trunk" and (rig.parent[b] < 0 or part[rig.parent[b]] == "trunk")]
    body = np.array([b for b in range(len(part)) if part[b] == "trunk"] + roots)
    rest = rig.head[body]
    body = body[np.argsort(np.arctan2(*(rest - rest.mean(axis=0)).T[::-1]))]
    polygon = heads[:, body]                                             # (T, K, 2)
    over = np.zeros((len(heads), len(limbs)), bool)
    for k, limb in enumerate(limbs):
        points = tails[:, [b for b in range(len(part)) if part[b] == limb]]  # (T, P, 2)
        over[:, k] = _inside_polygon(points, polygon).any(axis=1)
    return over


def _inside_polygon(points: np.ndarray, polygon: np.ndarray) -> np.ndarray:
    """(T, P) even-odd test of points (T, P, 2) against one polygon (T, K, 2) per frame."""
    a, b = polygon[:, None], np.roll(polygon, -1, axis=1)[:, None]           # (T, 1, K, 2)
    px, py = points[..., None, 0], points[..., None, 1]                      # (T, P, 1)
    spans = (a[..., 1] > py) != (b[..., 1] > py)
    height = np.where(spans, b[..., 1] - a[..., 1], 1.0)
    crossing_x = a[..., 0] + (py - a[..., 1]) * (b[..., 0] - a[..., 0]) / height
    return (np.count_nonzero(spans & (px < crossing_x), axis=-1) % 2).astype(bool)


# ---------------------------------------------------------------- time

def _resample(frame_time: float, options: RetargetOptions, **series: np.ndarray) -> dict[str, np.ndarray]:
    """Sample per-source-frame series at the output frame rate. Angles and positions are
    interpolated linearly; layers are held (step-wise). Cyclic clips wrap to their first frame."""
    count = len(series["rotation"])
    step = options.speed / options.fps / frame_time          # source frames per output frame
    cycle = np.zeros(2)
    if options.cyclic:
        frames = max(1, int(round(count / step)))
        if count > 1:
            cycle[0] = series["root"][-1, 0] + (series["root"][-1, 0] - series["root"][-2, 0]) - series["root"][0, 0]
        rotation = series["rotation"]
        wrap_turns = 2 * np.pi * np.round((rotation[-1] - rotation[0]) / (2 * np.pi))
        series = {k: np.concatenate([v, v[:1]]) for k, v in series.items()}
        series["rotation"][-1] += wrap_turns                 # keep a spinning bone continuous
        series["root"][-1] += cycle
    else:
        frames = int(np.floor((count - 1) / step + 1e-3)) + 1   # tolerate rounded frame times
    src = np.minimum(np.arange(frames) * step, len(series["rotation"]) - 1)
    i0 = np.minimum(np.floor(src).astype(int), len(series["rotation"]) - 2) if len(series["rotation"]) > 1 \
        else np.zeros(frames, int)
    frac = (src - i0)[:, None] if len(series["rotation"]) > 1 else np.zeros((frames, 1))
    i1 = np.minimum(i0 + 1, len(series["rotation"]) - 1)
    out = {}
    for key, value in series.items():
        flat = value.reshape(len(value), -1)
        if key in ("layer", "contact"):
            sampled = flat[np.where(frac[:, 0] < 0.5, i0, i1)]
        else:
            sampled = flat[i0] * (1 - frac) + flat[i1] * frac
        out[key] = sampled.reshape((frames,) + value.shape[1:])
    out["cycle_offset"] = cycle
    return out


def _unit_rows(vectors: np.ndarray) -> np.ndarray:
    """Renormalise interpolated unit vectors (..., 3)."""
    return vectors / np.linalg.norm(vectors, axis=-1, keepdims=True)


def _wrap(angle: np.ndarray) -> np.ndarray:
    return (angle + np.pi) % (2 * np.pi) - np.pi
