"""Motion from a video of a person: per-frame BlazePose landmarks → a clean 3D BVH clip.

The clip is a real mocap skeleton (Y up, facing +Z, the actor's left along +X, metres), so
everything that reads BVH (the retarget, `--motion`, Blender's importer) reads it too:

1. gaps: frames where nobody was tracked, and landmarks the net calls invisible, are filled
   by linear interpolation between confident samples (held at the ends);
2. smoothing: a One-Euro filter (little lag on fast moves, strong smoothing when still),
   each sample's step weighted by its visibility so a doubtful frame moves the pose less;
3. resampling to the requested frame rate;
4. the skeleton: bone lengths are the clip's medians; each joint's rotation turns its rest
   bone onto the observed direction (hips and chest take their full frame from the hip and
   shoulder lines), so the BVH's forward kinematics reproduce the filtered pose;
5. root motion: the hip centre's image track, turned into metres by the body's own size;
   while a foot is in contact with the floor the root moves so that foot stays put (no
   sliding), and the lowest foot rests on the floor.
Upper-body videos (legs not seen) keep the legs at rest and say so in `warnings`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import InputError
from .bvh import BvhClip, BvhJoint
from .face_track import FaceTrack

VIDEO_EXTENSIONS = (".mp4", ".mov", ".webm", ".avi", ".mkv", ".m4v", ".mpg", ".mpeg", ".ogv")


def is_video_path(path: str | os.PathLike) -> bool:
    """Whether a --motion value names a video (by its extension): known before Blender starts."""
    return Path(os.fspath(path)).suffix.lower() in VIDEO_EXTENSIONS


CHANNELS = ["Zrotation", "Xrotation", "Yrotation"]
ROOT_CHANNELS = ["Xposition", "Yposition", "Zposition"] + CHANNELS

# BlazePose landmark indices used here (see models.human_pose.LANDMARK_NAMES).
NOSE, L_EAR, R_EAR = 0, 7, 8
L_SH, R_SH, L_EL, R_EL, L_WR, R_WR = 11, 12, 13, 14, 15, 16
L_PINKY, R_PINKY, L_INDEX, R_INDEX = 17, 18, 19, 20
L_HIP, R_HIP, L_KNEE, R_KNEE, L_ANK, R_ANK = 23, 24, 25, 26, 27, 28
L_HEEL, R_HEEL, L_TOE, R_TOE = 29, 30, 31, 32
LEG_LANDMARKS = (L_KNEE, R_KNEE, L_ANK, R_ANK)
# Left/right pairs swapped by --mirror (a selfie video shows the actor mirrored).
MIRROR_ORDER = np.array([0, 4, 5, 6, 1, 2, 3, 8, 7, 10, 9, 12, 11, 14, 13, 16, 15, 18, 17, 20, 19,
                         22, 21, 24, 23, 26, 25, 28, 27, 30, 29, 32, 31])

VISIBLE = 0.5            # visibility at or above which a landmark counts as seen
CONTACT_HEIGHT = 0.3     # metres above the floor a foot may be and still be planted: the floor
                         # comes from the image's vertical travel, which a moving camera or a
                         # walk toward it blurs, so it only rules out clear jumps
CONTACT_LEVEL = 0.03     # metres a planted foot may be above the other foot (the body's own
                         # measure, steadier than the image: the lower foot carries the weight)
CONTACT_SPEED = 0.5      # metres per second a planted foot may appear to move


@dataclass
class PoseTrack:
    """Per-frame landmarks of one performer (from models.human_pose.PoseTracker)."""
    source: str                     # the video's path (for messages)
    times: np.ndarray               # (T,) seconds
    world: np.ndarray               # (T, 33, 3) metres, image axes (x right, y down, z away); NaN = not found
    image_xy: np.ndarray            # (T, 33, 2) pixels; NaN = not found
    visibility: np.ndarray          # (T, 33) 0..1 (0 where not found)
    image_size: tuple[int, int]     # (width, height) of the frames the pixels refer to

    @property
    def found(self) -> np.ndarray:
        return ~np.isnan(self.world[:, 0, 0])


@dataclass
class VideoClipOptions:
    fps: float = 30.0
    mirror: bool = False
    min_cutoff: float = 1.5     # One-Euro: Hz of smoothing when still
    beta: float = 0.3           # One-Euro: how fast the cutoff opens with speed (per m/s)


@dataclass
class VideoClip:
    clip: BvhClip
    warnings: list[str] = field(default_factory=list)
    found_fraction: float = 0.0
    contacts: np.ndarray | None = None   # (T, 2) bool: left, right foot planted
    face: FaceTrack | None = None        # the performer's face controls (tracked on request)


# ------------------------------------------------------------------ the pipeline

def clip_from_track(track: PoseTrack, options: VideoClipOptions | None = None) -> VideoClip:
    """The BVH clip of a tracked performer; InputError when nobody was found."""
    options = options or VideoClipOptions()
    found = track.found
    if found.sum() < 2:
        raise InputError(track.source, "no person found in the video" if not found.any()
                         else "a person was found in only one frame; nothing to animate")
    world = _to_y_up(track.world)
    image = track.image_xy.astype(np.float64)
    vis = np.where(found[:, None], track.visibility, 0.0)
    if options.mirror:
        world = world[:, MIRROR_ORDER] * np.array([-1.0, 1.0, 1.0])
        image = image[:, MIRROR_ORDER] * np.array([-1.0, 1.0]) + np.array([track.image_size[0], 0.0])
        vis = vis[:, MIRROR_ORDER]
    warnings = []
    legs_seen = float(np.median(vis[found][:, LEG_LANDMARKS])) >= VISIBLE
    if not legs_seen:
        warnings.append(f"{track.source}: the legs are not visible; they keep their rest pose")
    if found.mean() < 0.5:
        warnings.append(f"{track.source}: the person was tracked in only {found.mean():.0%} of the frames; "
                        "the rest is interpolated")

    weight = np.clip(vis, 0.05, 1.0)
    world = fill_gaps(world, vis >= VISIBLE * 0.6, track.times)
    image = fill_gaps(image, vis >= VISIBLE * 0.6, track.times)
    world = one_euro(world, track.times, weight, options.min_cutoff, options.beta)
    image = one_euro(image, track.times, weight, options.min_cutoff, options.beta * 100.0)

    frame_time = 1.0 / options.fps
    times = np.arange(track.times[0], track.times[-1] + 1e-9, frame_time)
    world = resample(world, track.times, times)
    image = resample(image, track.times, times)

    lengths = bone_lengths(world)
    joints = build_skeleton(lengths)
    clip = BvhClip(track.source, joints, frame_time, solve_rotations(world, joints, legs_seen))
    root, contacts = root_motion(skeleton_feet(clip), image, times, lengths, legs_seen)
    clip.motion[:, :3] = root
    return VideoClip(clip, warnings, float(found.mean()), contacts)


def _to_y_up(world: np.ndarray) -> np.ndarray:
    """Image axes (x right, y down, z away) → BVH axes (x = actor's left when facing us, y up,
    z toward the camera): a half turn about x, so the handedness is kept."""
    return world.astype(np.float64) * np.array([1.0, -1.0, -1.0])


def fill_gaps(values: np.ndarray, good: np.ndarray, times: np.ndarray) -> np.ndarray:
    """(T, L, D) values with samples where `good` (T, L) is False replaced by linear
    interpolation in time between good ones (held constant before the first / after the last).
    A landmark never good falls back to every sample that is a number."""
    out = values.copy()
    for j in range(values.shape[1]):
        ok = good[:, j] & ~np.isnan(values[:, j, 0])
        if ok.sum() == 0:
            ok = ~np.isnan(values[:, j, 0])
        if ok.sum() == 0:
            out[:, j] = 0.0
            continue
        for d in range(values.shape[2]):
            out[:, j, d] = np.interp(times, times[ok], values[ok, j, d])
    return out


def one_euro(values: np.ndarray, times: np.ndarray, weight: np.ndarray, min_cutoff: float,
             beta: float, d_cutoff: float = 1.0) -> np.ndarray:
    """One-Euro filter along axis 0 of (T, L, D) `values`; `weight` (T, L) in 0..1 scales each
    step (a doubtful sample pulls the estimate less)."""
    out = np.empty_like(values)
    out[0] = values[0]
    deriv = np.zeros(values.shape[1:])
    for t in range(1, len(values)):
        dt = max(float(times[t] - times[t - 1]), 1e-6)
        raw_d = (values[t] - out[t - 1]) / dt
        deriv += _alpha(d_cutoff, dt) * (raw_d - deriv)
        speed = np.linalg.norm(deriv, axis=-1)
        alpha = _alpha(min_cutoff + beta * speed, dt) * weight[t]
        out[t] = out[t - 1] + alpha[:, None] * (values[t] - out[t - 1])
    return out


def _alpha(cutoff, dt: float):
    tau = 1.0 / (2.0 * np.pi * cutoff)
    return 1.0 / (1.0 + tau / dt)


def resample(values: np.ndarray, times: np.ndarray, new_times: np.ndarray) -> np.ndarray:
    flat = values.reshape(len(times), -1)
    out = np.empty((len(new_times), flat.shape[1]))
    for k in range(flat.shape[1]):
        out[:, k] = np.interp(new_times, times, flat[:, k])
    return out.reshape((len(new_times),) + values.shape[1:])


# ------------------------------------------------------------------ skeleton

def _mid(p: np.ndarray, a: int, b: int) -> np.ndarray:
    return 0.5 * (p[..., a, :] + p[..., b, :])


def joint_points(world: np.ndarray) -> dict[str, np.ndarray]:
    """(T, 3) position of each skeleton joint (and end site) from the 33 landmarks."""
    p = world
    pts = {"Hips": _mid(p, L_HIP, R_HIP), "Chest": _mid(p, L_SH, R_SH), "Head": _mid(p, L_EAR, R_EAR)}
    for side, (sh, el, wr, pinky, index, hip, knee, ank, toe) in (
            ("Left", (L_SH, L_EL, L_WR, L_PINKY, L_INDEX, L_HIP, L_KNEE, L_ANK, L_TOE)),
            ("Right", (R_SH, R_EL, R_WR, R_PINKY, R_INDEX, R_HIP, R_KNEE, R_ANK, R_TOE))):
        pts[f"{side}Arm"], pts[f"{side}ForeArm"], pts[f"{side}Hand"] = p[:, sh], p[:, el], p[:, wr]
        pts[f"{side}Hand_end"] = _mid(p, pinky, index)
        pts[f"{side}UpLeg"], pts[f"{side}Leg"], pts[f"{side}Foot"] = p[:, hip], p[:, knee], p[:, ank]
        pts[f"{side}Foot_end"] = p[:, toe]
    return pts


# name, parent, rest direction of the offset from the parent (unit, Y up, facing +Z).
SKELETON = [
    ("Hips", None, (0, 0, 0)),
    ("Chest", "Hips", (0, 1, 0)),
    ("Head", "Chest", (0, 1, 0)),
    ("LeftArm", "Chest", (1, 0, 0)),
    ("LeftForeArm", "LeftArm", (0, -1, 0)),
    ("LeftHand", "LeftForeArm", (0, -1, 0)),
    ("RightArm", "Chest", (-1, 0, 0)),
    ("RightForeArm", "RightArm", (0, -1, 0)),
    ("RightHand", "RightForeArm", (0, -1, 0)),
    ("LeftUpLeg", "Hips", (1, 0, 0)),
    ("LeftLeg", "LeftUpLeg", (0, -1, 0)),
    ("LeftFoot", "LeftLeg", (0, -1, 0)),
    ("RightUpLeg", "Hips", (-1, 0, 0)),
    ("RightLeg", "RightUpLeg", (0, -1, 0)),
    ("RightFoot", "RightLeg", (0, -1, 0)),
]
END_SITES = {"Head": (0, 1, 0), "LeftHand": (0, -1, 0), "RightHand": (0, -1, 0),
             "LeftFoot": (0, -0.3, 1), "RightFoot": (0, -0.3, 1)}
HEAD_TOP = 0.2  # metres from the ears' midpoint to the end of the head bone


def bone_lengths(world: np.ndarray) -> dict[str, float]:
    """Median length of every offset (joint name → metres), left and right averaged."""
    pts = joint_points(world)
    out = {}
    for name, parent, _ in SKELETON[1:]:
        out[name] = float(np.median(np.linalg.norm(pts[name] - pts[parent], axis=1)))
    for name in ("LeftHand", "RightHand", "LeftFoot", "RightFoot"):
        out[name + "_end"] = float(np.median(np.linalg.norm(pts[name + "_end"] - pts[name], axis=1)))
    for left in [k for k in out if k.startswith("Left")]:
        right = "Right" + left[4:]
        out[left] = out[right] = 0.5 * (out[left] + out[right])
    out["Head_end"] = HEAD_TOP
    return out


def build_skeleton(lengths: dict[str, float]) -> list[BvhJoint]:
    names = [s[0] for s in SKELETON]
    joints = []
    for name, parent, direction in SKELETON:
        d = np.array(direction, float)
        offset = d * lengths.get(name, 0.0)
        end = END_SITES.get(name)
        end_site = None if end is None else np.array(end, float) / np.linalg.norm(end) * lengths[name + "_end"]
        joints.append(BvhJoint(name, names.index(parent) if parent else -1, offset,
                               list(CHANNELS if parent else ROOT_CHANNELS), end_site))
    return joints


def solve_rotations(world: np.ndarray, joints: list[BvhJoint], legs_seen: bool) -> np.ndarray:
    """(T, channels) motion: local Euler angles (degrees, Z X Y order) per joint; the root's
    three position channels are left at zero for the caller."""
    pts = joint_points(world)
    frames = len(world)
    names = [j.name for j in joints]
    world_rot: dict[str, np.ndarray] = {}
    up = _unit(pts["Chest"] - pts["Hips"])
    world_rot["Hips"] = _frame(pts["LeftUpLeg"] - pts["RightUpLeg"], up)
    world_rot["Chest"] = _frame(pts["LeftArm"] - pts["RightArm"], pts["Head"] - pts["Chest"])
    world_rot["Head"] = world_rot["Chest"]
    legs = {"LeftUpLeg", "LeftLeg", "LeftFoot", "RightUpLeg", "RightLeg", "RightFoot"}
    for joint in joints:
        name = joint.name
        if name in world_rot:
            continue
        parent_rot = world_rot[joints[joint.parent].name]
        if name in legs and not legs_seen:
            world_rot[name] = parent_rot
            continue
        child = _first_child(joints, name)
        rest = joints[names.index(child)].offset if child else joint.end_site
        target = (pts[child] if child else pts[name + "_end"]) - pts[name]
        world_rot[name] = _swing(parent_rot @ _unit_vec(rest), _unit(target)) @ parent_rot
    channels = sum(len(j.channels) for j in joints)
    motion = np.zeros((frames, channels))
    col = 0
    for joint in joints:
        rot = world_rot[joint.name]
        if joint.parent >= 0:
            rot = np.swapaxes(world_rot[joints[joint.parent].name], 1, 2) @ rot
        first = col + (3 if len(joint.channels) == 6 else 0)
        motion[:, first:first + 3] = np.degrees(euler_zxy(rot))
        col += len(joint.channels)
    return motion


def _first_child(joints: list[BvhJoint], name: str) -> str | None:
    index = [j.name for j in joints].index(name)
    return next((j.name for j in joints if j.parent == index), None)


def _unit(v: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(v, axis=-1, keepdims=True)
    return v / np.maximum(n, 1e-9)


def _unit_vec(v: np.ndarray) -> np.ndarray:
    return np.asarray(v, float) / max(float(np.linalg.norm(v)), 1e-9)


def _frame(x_axis: np.ndarray, y_hint: np.ndarray) -> np.ndarray:
    """(T, 3, 3) rotations whose columns are x = the given axis, y = the hint made orthogonal."""
    x = _unit(x_axis)
    y = _unit(y_hint - np.sum(y_hint * x, axis=-1, keepdims=True) * x)
    z = np.cross(x, y)
    return np.stack([x, y, z], axis=-1)


def _swing(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(T, 3, 3) shortest rotations taking unit vectors a onto b (Rodrigues)."""
    axis = np.cross(a, b)
    s = np.linalg.norm(axis, axis=-1)
    c = np.clip(np.sum(a * b, axis=-1), -1.0, 1.0)
    k = axis / np.maximum(s, 1e-12)[:, None]
    # Opposite vectors: any perpendicular axis will do.
    opposite = (s < 1e-9) & (c < 0)
    if opposite.any():
        perp = np.cross(a[opposite], np.array([1.0, 0.0, 0.0]))
        bad = np.linalg.norm(perp, axis=-1) < 1e-6
        perp[bad] = np.cross(a[opposite][bad], np.array([0.0, 1.0, 0.0]))
        k[opposite] = _unit(perp)
    kx = np.zeros(a.shape[:-1] + (3, 3))
    kx[:, 0, 1], kx[:, 0, 2], kx[:, 1, 0] = -k[:, 2], k[:, 1], k[:, 2]
    kx[:, 1, 2], kx[:, 2, 0], kx[:, 2, 1] = -k[:, 0], -k[:, 1], k[:, 0]
    angle = np.arctan2(s, c)
    eye = np.broadcast_to(np.eye(3), kx.shape)
    return eye + np.sin(angle)[:, None, None] * kx + (1 - np.cos(angle))[:, None, None] * (kx @ kx)


def euler_zxy(rot: np.ndarray) -> np.ndarray:
    """(T, 3) angles (z, x, y) in radians with rot = Rz(z) · Rx(x) · Ry(y)."""
    x = np.arcsin(np.clip(rot[:, 2, 1], -1.0, 1.0))
    y = np.arctan2(-rot[:, 2, 0], rot[:, 2, 2])
    z = np.arctan2(-rot[:, 0, 1], rot[:, 1, 1])
    return np.stack([z, x, y], axis=1)


# ------------------------------------------------------------------ root motion

def skeleton_feet(clip: BvhClip) -> np.ndarray:
    """(T, 2, 2, 3): left/right × (ankle, toe tip) relative to the hips, as the clip's own
    forward kinematics place them (its root still at the origin): pinning these pins what
    the retarget sees, bone lengths and all."""
    pos, rot = clip.world_transforms()
    ends = clip.end_site_positions(pos, rot)
    feet = []
    for name in ("LeftFoot", "RightFoot"):
        index = clip.joint_index(name)
        feet.append(np.stack([pos[:, index], ends[index]], axis=1))
    return np.stack(feet, axis=1) - pos[:, clip.joint_index("Hips")][:, None, None, :]


def root_motion(feet: np.ndarray, image: np.ndarray, times: np.ndarray, lengths: dict[str, float],
                legs_seen: bool) -> tuple[np.ndarray, np.ndarray]:
    """(T, 3) hip-centre position in metres (y up, floor at 0) and (T, 2) foot contacts, from
    the feet relative to the hips (`skeleton_feet`) and the image track of the hips."""
    hips_px = 0.5 * (image[:, L_HIP] + image[:, R_HIP])
    shoulders_px = 0.5 * (image[:, L_SH] + image[:, R_SH])
    # Metres per pixel: the trunk's true length over its length in the image (median: a lean
    # toward the camera shortens the image trunk for a moment only).
    trunk_px = np.linalg.norm(shoulders_px - hips_px, axis=1)
    metres_per_px = lengths["Chest"] / max(float(np.median(trunk_px)), 1e-6)
    travel = np.zeros((len(times), 3))
    travel[:, 0] = (hips_px[:, 0] - hips_px[0, 0]) * metres_per_px
    travel[:, 1] = -(hips_px[:, 1] - hips_px[0, 1]) * metres_per_px
    frames = len(times)
    if not legs_seen:  # standing height of the rest skeleton, travel sideways only
        rest_height = -float(np.min(feet[0, :, :, 1]))
        return (np.column_stack([travel[:, 0], np.full(frames, rest_height), np.zeros(frames)]),
                np.zeros((frames, 2), bool))
    feet_low = feet[:, :, :, 1].min(axis=2)          # (T, 2) lowest point of each foot
    # Height: the image's vertical travel, with the floor at the lowest foot of the clip's
    # lower decile (robust to a few frames with a foot misplaced below the floor).
    floor = float(np.percentile((travel[:, 1:2] + feet_low).min(axis=1), 10))
    root_y = travel[:, 1] - floor
    foot_height = feet_low + root_y[:, None]
    ankles = feet[:, :, 0, :]                        # (T, 2, 3)
    if frames > 1:
        drift = np.gradient(ankles[:, :, 0] + travel[:, :1], axis=0) / np.gradient(times)[:, None]
    else:
        drift = np.zeros((frames, 2))
    lowest = feet_low - feet_low.min(axis=1, keepdims=True)
    contacts = (foot_height < CONTACT_HEIGHT) & (lowest < CONTACT_LEVEL) & (np.abs(drift) < CONTACT_SPEED)
    root = np.zeros((frames, 3))
    root[:, 1] = root_y
    root[0, 0] = travel[0, 0]
    for t in range(1, frames):
        planted = contacts[t] & contacts[t - 1]
        if planted.all():
            # Both down: pin the stiller one. Averaging them made each slide by half of
            # what the pose net's noise moves them apart (measured 8 mm a frame).
            planted = np.arange(2) == np.argmin(np.abs(drift[t]))
        if planted.any():  # move the body so the planted foot stays put
            step = ankles[t, planted][0] - ankles[t - 1, planted][0]
            root[t, 0] = root[t - 1, 0] - step[0]
            root[t, 2] = root[t - 1, 2] - step[2]
        else:
            root[t, 0] = root[t - 1, 0] + travel[t, 0] - travel[t - 1, 0]
            root[t, 2] = root[t - 1, 2]
    return root, contacts
