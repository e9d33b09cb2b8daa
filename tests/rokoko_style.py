"""Rokoko-style clips made from the shared captures: the same performance, written the way
Rokoko Studio (and Mixamo) write theirs — Y up, centimetres, 100 fps, their joint names.

No such clip is in ../shared/data/bvh, so tests make them here and check that the drawing
moves the same whatever the file's axes, units, frame rate and names. The conversion is exact
up to resampling: every joint's local rotation R becomes B·R·Bᵀ in the new axes (B takes old
axes to new ones), offsets and root positions become s·B·p, and frames are interpolated at the
new rate (quaternion nlerp between the two nearest source frames).
"""

from __future__ import annotations

import numpy as np

from animate_drawing.motions.bvh import BvhClip, BvhJoint

# FAIR (AnimatedDrawings) names → Rokoko Studio's; its Spine..Spine3 become Spine1..Spine4 as
# Rokoko's five-piece spine would read with the lowest piece merged into the hips.
FAIR_TO_ROKOKO = {
    "Spine": "Spine1", "Spine1": "Spine2", "Spine2": "Spine3", "Spine3": "Spine4",
    "LeftToeBase": "LeftToe", "RightToeBase": "RightToe",
    "LeftHandEnd": "LeftFinger3Tip", "RightHandEnd": "RightFinger3Tip",
    "LeftHandThumb1": "LeftFinger1Metacarpal", "RightHandThumb1": "RightFinger1Metacarpal",
}
Z_UP_TO_Y_UP = np.array([[1.0, 0, 0], [0, 0, 1], [0, -1, 0]])   # (x, y, z) → (x, z, −y)
ROTATION_ORDER = ("Zrotation", "Xrotation", "Yrotation")        # Rokoko's channel order


def convert(clip: BvhClip, axes: np.ndarray = Z_UP_TO_Y_UP, scale: float = 1.0, fps: float = 100.0,
            names: dict[str, str] | None = None, prefix: str = "") -> BvhClip:
    """`clip` re-expressed: new = axes · old (a rotation matrix), lengths × `scale`, sampled at
    `fps`, joints renamed by `names` (others kept) with `prefix` ("mixamorig:") in front."""
    axes = np.asarray(axes, float)
    _, world = clip.world_transforms()                                # (T, J, 3, 3)
    parents = [j.parent for j in clip.joints]
    local = np.stack([world[:, j] if p < 0 else np.swapaxes(world[:, p], -1, -2) @ world[:, j]
                      for j, p in enumerate(parents)], axis=1)
    local = axes @ local @ axes.T
    times = np.arange(0.0, clip.duration + 1e-9, 1.0 / fps) / clip.frame_time
    low = np.minimum(np.floor(times).astype(int), clip.frame_count - 2)
    frac = (times - low)[:, None]
    quats = _quaternions(local)                                       # (T, J, 4)
    q0, q1 = quats[low], quats[low + 1]
    q1 = np.where(np.sum(q0 * q1, axis=-1, keepdims=True) < 0, -q1, q1)
    blended = q0 * (1 - frac[..., None]) + q1 * frac[..., None]
    euler = np.degrees(_zxy_angles(_matrices(blended / np.linalg.norm(blended, axis=-1, keepdims=True))))

    joints, columns = [], []
    for j, joint in enumerate(clip.joints):
        positions = [c for c in joint.channels if c.endswith("position")]
        channels = (["Xposition", "Yposition", "Zposition"] if positions else []) + list(ROTATION_ORDER)
        if positions:
            root = _channel_positions(clip, j)
            moved = root[low] * (1 - frac) + root[low + 1] * frac
            columns.append(scale * moved @ axes.T)
        columns.append(euler[:, j])
        end = None if joint.end_site is None else scale * axes @ joint.end_site
        joints.append(BvhJoint(prefix + (names or {}).get(joint.name, joint.name), joint.parent,
                               scale * axes @ joint.offset, channels, end))
    return BvhClip(f"{clip.path} (Y up, x{scale:g}, {fps:g} fps)", joints, 1.0 / fps, np.concatenate(columns, axis=1))


def _channel_positions(clip: BvhClip, j: int) -> np.ndarray:
    """(T, 3) a joint's translation per frame: position channels over its offset."""
    values = clip.channel_values(j)
    out = np.repeat(clip.joints[j].offset[None], clip.frame_count, axis=0)
    for c, name in enumerate(clip.joints[j].channels):
        if name.endswith("position"):
            out[:, "XYZ".index(name[0])] = values[:, c]
    return out


def _quaternions(m: np.ndarray) -> np.ndarray:
    """(..., 4) w, x, y, z of rotation matrices (..., 3, 3), from the largest diagonal term."""
    trace = np.trace(m, axis1=-2, axis2=-1)
    candidates = np.stack([trace, m[..., 0, 0], m[..., 1, 1], m[..., 2, 2]], axis=-1)
    pick = np.argmax(candidates, axis=-1)
    q = np.empty(m.shape[:-2] + (4,))
    w = np.sqrt(np.maximum(1 + trace, 0)) / 2
    # Each branch divides by its own large term, so nothing is lost near 180° turns.
    for k in range(4):
        on = pick == k
        sub = m[on]
        if k == 0:
            s = 4 * w[on]
            q[on] = np.stack([w[on], (sub[:, 2, 1] - sub[:, 1, 2]) / s, (sub[:, 0, 2] - sub[:, 2, 0]) / s,
                              (sub[:, 1, 0] - sub[:, 0, 1]) / s], axis=-1)
            continue
        i, a, b = k - 1, k % 3, (k + 1) % 3
        big = np.sqrt(np.maximum(1 + 2 * sub[:, i, i] - np.trace(sub, axis1=-2, axis2=-1), 0)) / 2
        s = 4 * big
        row = np.empty((len(sub), 4))
        row[:, 0] = (sub[:, b, a] - sub[:, a, b]) / s
        row[:, 1 + i] = big
        row[:, 1 + a] = (sub[:, a, i] + sub[:, i, a]) / s
        row[:, 1 + b] = (sub[:, b, i] + sub[:, i, b]) / s
        q[on] = row
    return q


def _matrices(q: np.ndarray) -> np.ndarray:
    w, x, y, z = np.moveaxis(q, -1, 0)
    return np.stack([
        np.stack([1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)], axis=-1),
        np.stack([2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)], axis=-1),
        np.stack([2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)], axis=-1)], axis=-2)


def _zxy_angles(m: np.ndarray) -> np.ndarray:
    """(..., 3) intrinsic Z, X, Y angles (radians) with m = Rz·Rx·Ry, unwrapped over time (axis 0)."""
    x = np.arcsin(np.clip(m[..., 2, 1], -1, 1))
    y = np.arctan2(-m[..., 2, 0], m[..., 2, 2])
    z = np.arctan2(-m[..., 0, 1], m[..., 1, 1])
    return np.unwrap(np.stack([z, x, y], axis=-1), axis=0)
