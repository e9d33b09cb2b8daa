"""Parts of a figure its skeleton does not explain (a tail, a third arm, wings, long ears), found
from the mask and the placed joints and traced into short joint chains (pure numpy).

Each bone of the 16-joint skeleton explains the mask pixels around it as far as the drawing is
thick where they meet the bone (× `CAPSULE_GROWTH`, plus a margin; hands, feet and the head
reach a little past their joint). What is left over is a candidate: it must stick out far
(`MIN_LENGTH` of the figure's height), be a limb rather than a bulge (longer than
`MIN_SLENDERNESS` × the neck it is attached by), be drawn with some width (pen lines such as
whiskers are not limbs), and hang from the trunk or an upper arm or thigh while touching no
forearm, hand, shin or foot (an object held in a hand, the paper between an arm and the body).
Each kept part becomes a chain from its root on the body to its tip, 2-4 joints along the
part's middle, parented to the trunk joint it hangs from.

The search runs on the figure's box scaled to `WORK_HEIGHT` rows (20-100 ms a figure).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..formats.char_cfg import Joint
from ..imaging.morphology import distance_to_background, label_components
from .joints import AD_NAMES, AD_SKELETON

WORK_HEIGHT = 160          # rows of the scaled figure the search runs on
CAPSULE_GROWTH = 1.15      # a bone explains the mask within this × the drawing's half-thickness at it…
CAPSULE_MARGIN = 0.03      # … plus this × the figure's height
LEAF_REACH = 0.35          # hands, feet and the head reach this × their bone's length past the joint
MIN_LENGTH = 0.12          # a part sticks out at least this × the figure's height past its neck…
MIN_SLENDERNESS = 1.6      # … and at least this × its neck's width
MIN_WIDTH = 0.035          # its mean width is at least this × the figure's height (not a pen line)
MAX_JOINTS = 4
LIMB_ROOT_REACH = 0.65     # a part may hang from an upper arm or thigh up to this far along it
JOINT_SPACING = 0.12 * WORK_HEIGHT   # work pixels between a chain's joints, about
# Bones an extra limb may hang from, and the trunk joint it is then parented to: the trunk's own
# bones, and an upper arm or thigh short of the elbow or knee (a wing at the shoulder, a tail at the hip).
TRUNK_OF = {"root": "hip", "hip": "hip", "torso": "torso", "neck": "neck",
            "right_shoulder": "torso", "left_shoulder": "torso", "right_hip": "hip", "left_hip": "hip"}


@dataclass
class ExtraLimb:
    parent: str                # the trunk joint it hangs from (hip, torso or neck)
    joints: np.ndarray         # (n, 2) image pixels, root on the body first, tip last (2 ≤ n ≤ 4)

    def to_json(self) -> dict:
        return {"parent": self.parent, "joints": [[round(float(x), 2), round(float(y), 2)] for x, y in self.joints]}


def limb_joints(limbs: list[ExtraLimb], offset=(0, 0)) -> list[Joint]:
    """The limbs as character joints (`extra_<k>_<j>`, root first, the root parented to its trunk
    joint) in whole pixels of a crop whose corner is at `offset` in the image: what a character
    folder lists for its extra limbs (`rig.skeleton.extra_limb_joints`)."""
    joints = []
    for k, limb in enumerate(limbs, 1):
        parent = limb.parent
        for j, (x, y) in enumerate(np.rint(limb.joints - offset).astype(int), 1):
            joints.append(Joint(f"extra_{k}_{j}", parent, (int(x), int(y))))
            parent = joints[-1].name
    return joints


def find_extra_limbs(mask: np.ndarray, joints: np.ndarray) -> list[ExtraLimb]:
    """Extra limbs of a figure: `mask` (H, W) bool, `joints` (16, 2) image pixels in
    AnimatedDrawings order. Longest first."""
    ys, xs = np.nonzero(mask)
    if len(ys) == 0:
        return []
    y0, x0 = ys.min(), xs.min()
    zoom = min(1.0, WORK_HEIGHT / (ys.max() + 1 - y0))
    rows = (np.arange(int((ys.max() + 1 - y0) * zoom)) / zoom + y0).astype(int)
    cols = (np.arange(int((xs.max() + 1 - x0) * zoom)) / zoom + x0).astype(int)
    small = np.pad(mask[np.ix_(rows, cols)], 1)
    points = (np.asarray(joints, float) - (x0, y0)) * zoom + 1
    height = float(len(rows))
    bones = _bone_segments(points)
    explained = _explained(small, bones, height)
    count, labels = label_components(small & ~explained, connectivity=4)
    limbs = []
    for label in range(1, count):
        part = labels == label
        root = _root_contact(part, explained, bones)
        path = None if root is None else _limb_path(part, root[0], height)
        if path is None:
            continue
        _, parent, (_, head, tail) = root
        # The capsule covers the part's base: it starts halfway between its neck and the bone.
        base = (path[0] + _nearest_on_segment(path[:1], head, tail)[0]) / 2
        limbs.append((parent, _chain(np.vstack([base, path]))))
    limbs.sort(key=lambda limb: -_length(limb[1]))
    return [ExtraLimb(parent, (chain - 1) / zoom + (x0, y0)) for parent, chain in limbs]


def _bone_segments(points: np.ndarray) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """(name, head, tail) per bone: parent joint → joint, named after the parent joint as the
    rig names bones; leaf joints (hands, feet, head) reach on past the joint."""
    index = {name: i for i, name in enumerate(AD_NAMES)}
    segments = []
    for name, parent in AD_SKELETON:
        if parent is None or name == "hip":          # root and hip share the mid-hip point
            continue
        head, tail = points[index[parent]], points[index[name]]
        segments.append((parent, head, tail))
        if not any(p == name for _, p in AD_SKELETON):
            segments.append((name, tail, tail + LEAF_REACH * (tail - head)))
    return segments


def _nearest_on_segment(pixels: np.ndarray, head: np.ndarray, tail: np.ndarray) -> np.ndarray:
    along = tail - head
    t = np.clip(((pixels - head) @ along) / max(float(along @ along), 1e-9), 0.0, 1.0)
    return head + t[:, None] * along


def _explained(small: np.ndarray, bones, height: float) -> np.ndarray:
    """The mask pixels within some bone's capsule: as far from the bone as the drawing is thick
    where they meet it (× `CAPSULE_GROWTH`, + the margin)."""
    inside = distance_to_background(small)
    yy, xx = np.nonzero(small)
    pixels = np.stack([xx, yy], axis=1).astype(float)
    explained = np.zeros(len(pixels), bool)
    for _, head, tail in bones:
        foot = _nearest_on_segment(pixels, head, tail)
        r = np.clip(np.rint(foot[:, 1]).astype(int), 0, small.shape[0] - 1)
        c = np.clip(np.rint(foot[:, 0]).astype(int), 0, small.shape[1] - 1)
        reach = CAPSULE_GROWTH * inside[r, c] + CAPSULE_MARGIN * height
        explained |= np.linalg.norm(pixels - foot, axis=1) <= reach
    out = np.zeros_like(small)
    out[yy, xx] = explained
    return out


def _root_contact(part: np.ndarray, explained: np.ndarray, bones):
    """(neck pixels, trunk joint, bone) where the part meets the body's capsules beside the trunk,
    or None: a part touching a forearm, a hand, a shin or a foot is held or worn, or the paper
    between an arm and the body."""
    contacts = part & _grown(explained)
    count, labels = label_components(contacts, connectivity=8)
    found = []
    for label in range(1, count):
        neck = labels == label
        centre = np.argwhere(neck).mean(axis=0)[::-1]
        bone = min(bones, key=lambda bone: _distance(centre, bone))
        parent = _trunk_parent(centre, *bone)
        if parent is None:
            return None
        found.append((int(neck.sum()), neck, parent, bone))
    if not found:
        return None
    _, neck, parent, bone = max(found, key=lambda contact: contact[0])
    return neck, parent, bone


def _limb_path(part: np.ndarray, neck: np.ndarray, height: float) -> np.ndarray | None:
    """The part's middle path (k, 2) in work pixels from its `neck` to its tip, or None when it
    is no limb (short, a bulge or a pen line)."""
    neck_width = int(neck.sum())
    steps, parent = _grid_paths(part, neck)
    reached = np.isfinite(steps)
    length = float(steps[reached].max())
    width = float(part.sum()) / max(length, 1.0)
    if length < MIN_LENGTH * height or length < MIN_SLENDERNESS * neck_width or width < MIN_WIDTH * height:
        return None
    path = [np.unravel_index(np.argmax(np.where(reached, steps, -1)), part.shape)]
    while parent[path[-1]] >= 0:
        path.append(np.unravel_index(parent[path[-1]], part.shape))
    return np.array(path[::-1], float)[:, ::-1]          # (x, y), neck first


def _length(path: np.ndarray) -> float:
    return float(np.linalg.norm(np.diff(path, axis=0), axis=1).sum())


def _chain(path: np.ndarray) -> np.ndarray:
    """2-4 joints evenly along `path`: one more per bend a limb this long and wide would have."""
    arc = np.concatenate([[0], np.cumsum(np.linalg.norm(np.diff(path, axis=0), axis=1))])
    joints = int(np.clip(round(arc[-1] / JOINT_SPACING) + 1, 2, MAX_JOINTS))
    at = np.linspace(0, arc[-1], joints)
    return np.stack([np.interp(at, arc, path[:, 0]), np.interp(at, arc, path[:, 1])], axis=1)


def _grown(mask: np.ndarray) -> np.ndarray:
    grown = mask.copy()
    grown[1:] |= mask[:-1]
    grown[:-1] |= mask[1:]
    grown[:, 1:] |= mask[:, :-1]
    grown[:, :-1] |= mask[:, 1:]
    return grown


def _grid_paths(part: np.ndarray, start: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Breadth-first steps (8-neighbour, diagonal √2 approximated by rounds) from `start` over
    `part`, and each pixel's predecessor (flat index, -1 at the start)."""
    h, w = part.shape
    steps = np.full(part.shape, np.inf)
    parent = np.full(part.shape, -1)
    steps[start] = 0
    front = np.flatnonzero(start)
    step = 0
    while len(front):
        step += 1
        r, c = np.divmod(front, w)
        found = []
        for dr, dc in ((-1, 0), (1, 0), (0, -1), (0, 1), (-1, -1), (-1, 1), (1, -1), (1, 1)):
            rr, cc = r + dr, c + dc
            ok = (rr >= 0) & (rr < h) & (cc >= 0) & (cc < w)
            rr, cc, source = rr[ok], cc[ok], front[ok]
            new = part[rr, cc] & ~np.isfinite(steps[rr, cc])
            rr, cc, source = rr[new], cc[new], source[new]
            flat, first = np.unique(rr * w + cc, return_index=True)
            steps.flat[flat] = step
            parent.flat[flat] = source[first]
            found.append(flat)
        front = np.unique(np.concatenate(found)) if found else np.array([], int)
    return steps, parent


def _distance(point: np.ndarray, bone) -> float:
    _, head, tail = bone
    return float(np.linalg.norm(point - _nearest_on_segment(point[None], head, tail)[0]))


def _trunk_parent(point: np.ndarray, name: str, head: np.ndarray, tail: np.ndarray) -> str | None:
    """The trunk joint a part rooted at `point` beside bone `name` hangs from, or None (a part at
    a forearm, a hand, a shin or a foot: something held or worn, not a limb)."""
    if name not in TRUNK_OF:
        return None
    if name != TRUNK_OF[name]:                 # an upper arm or thigh: not at its far end
        along = tail - head
        if ((point - head) @ along) / max(float(along @ along), 1e-9) > LIMB_ROOT_REACH:
            return None
    return TRUNK_OF[name]
