"""Which BVH joint drives which character joint, found without hand-written YAML.

`auto_map(clip)` first tries the shipped presets (FAIR, CMU, Mixamo, Rokoko, Blender Rigify;
JSON files in `presets/`, the same format the user saves from the UI), then falls back to
reading the skeleton's shape: the pelvis is the first joint where three chains branch, the
largest branch is the spine, the two others going down are the legs; the spine ends in a
chest where the head chain (the one going up) and the two arms branch. Left and right come
from joint names when they say so, else from geometry (toes point forward). Scale never
matters: every test is a ratio or a direction.

A mapping is a plain dict: our joint name → BVH joint name. "right" is the figure's own
right in both skeletons.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import InputError
from .bvh import BvhClip

OUR_JOINTS = (
    "root", "hip", "torso", "neck",
    "right_shoulder", "right_elbow", "right_hand", "left_shoulder", "left_elbow", "left_hand",
    "right_hip", "right_knee", "right_foot", "left_hip", "left_knee", "left_foot",
)
PRESET_DIR = Path(__file__).resolve().parent / "presets"
PART_NAMES = ("trunk", "left_arm", "right_arm", "left_leg", "right_leg")

# Side markers: "Left…", "…_L", "L_…", CMU's "LThumb" and lower-case "lhand". One-letter forms
# are case-sensitive so "Ring1" or "lowerback" do not vote.
_SIDE_WORDS = "hand|hip|foot|toe|arm|leg|shoulder|elbow|wrist|knee|ankle|collar|clavicle|finger|thumb|forearm"
_LEFT = re.compile(rf"(?i:left)|^L(?=[A-Z_.\- ])|^l(?={_SIDE_WORDS}|[_.\- ])|[_.\- ][lL]$|[_.\- ][lL][_.\- ]")
_RIGHT = re.compile(rf"(?i:right)|^R(?=[A-Z_.\- ])|^r(?={_SIDE_WORDS}|[_.\- ])|[_.\- ][rR]$|[_.\- ][rR][_.\- ]")
_ELBOW = re.compile(r"forearm|elbow|lowerarm|lower_arm|lowarm", re.IGNORECASE)
_KNEE = re.compile(r"knee|shin|calf|lowerleg|lower_leg|lowleg|^(left|right|l|r)?[_.\- ]?leg([_.\- ]?(l|r))?$",
                   re.IGNORECASE)


@dataclass
class BodyParts:
    """The biped structure found in a BVH skeleton (joint indices into clip.joints)."""
    hips: int
    chest: int
    head: int
    arms: dict[str, tuple[int, int, int]]   # side -> (shoulder, elbow, wrist)
    legs: dict[str, tuple[int, int, int]]   # side -> (hip, knee, ankle)
    part: list[str]                         # per BVH joint: one of PART_NAMES
    up: np.ndarray                          # (3,) world axis, e.g. (0, 0, 1)
    sides_from: str                         # "names" or "geometry": how left/right was decided

    def mapping(self, clip: BvhClip) -> dict[str, str]:
        n = clip.names
        out = {"root": n[self.hips], "hip": n[self.hips], "torso": n[self.chest], "neck": n[self.head]}
        for side in ("right", "left"):
            for ours, j in zip(("shoulder", "elbow", "hand"), self.arms[side]):
                out[f"{side}_{ours}"] = n[j]
            for ours, j in zip(("hip", "knee", "foot"), self.legs[side]):
                out[f"{side}_{ours}"] = n[j]
        return out


# ---------------------------------------------------------------- public API

def auto_map(clip: BvhClip) -> dict[str, str]:
    """Our 16 joint names → BVH joint names, from a matching preset or the skeleton's shape."""
    preset = find_preset(clip)
    if preset is not None:
        return match_preset(clip, preset)
    return analyze_skeleton(clip).mapping(clip)


def find_preset(clip: BvhClip, presets: list[dict] | None = None) -> dict | None:
    """The most specific preset whose joints (and `requires` names) all exist in the clip.
    Specificity = number of distinct names checked, so Rokoko (Spine1..4) beats Mixamo
    (Spine1, Spine2) on a Rokoko clip."""
    names = {_bare(n) for n in clip.names}
    fits = [p for p in (builtin_presets() if presets is None else presets)
            if {_bare(n) for n in [*p["joints"].values(), *p["requires"]]} <= names]
    return max(fits, key=lambda p: len({*p["joints"].values(), *p["requires"]}), default=None)


def match_preset(clip: BvhClip, preset: dict) -> dict[str, str] | None:
    """The preset's joints resolved to this clip's names (namespace prefixes like `mixamorig:`
    ignored), or None when some preset joint is missing."""
    by_bare = {}
    for name in clip.names:
        by_bare.setdefault(_bare(name), name)
    resolved = {ours: by_bare.get(_bare(theirs)) for ours, theirs in preset["joints"].items()}
    return None if None in resolved.values() else resolved


def detect_up_forward(clip: BvhClip, positions: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(up, forward) unit vectors in BVH world axes: up is a signed coordinate axis; forward is
    the actor's mean facing over the clip (horizontal)."""
    parts = analyze_skeleton(clip, positions)
    pos = clip.world_positions() if positions is None else positions
    right = facing_right(pos, parts.legs, parts.arms, parts.up).mean(axis=0)
    return parts.up, _unit(np.cross(parts.up, right))


def facing_right(pos: np.ndarray, legs: dict, arms: dict, up: np.ndarray) -> np.ndarray:
    """(T, 3) the actor's right direction per frame, horizontal and unit length, from the
    left→right hip and shoulder vectors (AnimatedDrawings' "forward perpendicular" vectors)."""
    across = np.zeros((pos.shape[0], 3))
    for chains in (legs, arms):
        across += _unit(pos[:, chains["right"][0]] - pos[:, chains["left"][0]])
    across -= np.outer(across @ up, up)
    return _unit(across)


def builtin_presets() -> list[dict]:
    return [load_preset(p) for p in sorted(PRESET_DIR.glob("*.json"))]


def save_preset(path: str | os.PathLike, name: str, joints: dict[str, str],
                up: str | None = None, requires: list[str] = ()) -> None:
    """Write a mapping preset as JSON (the format of the shipped presets)."""
    data = {"name": name, "joints": dict(joints), "up": up, "requires": list(requires)}
    Path(path).write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def load_preset(path: str | os.PathLike) -> dict:
    """Read a preset: {"name": str, "joints": {our name: BVH name}, "up": axis name or None}."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(path, f"cannot read the preset ({exc.strerror or exc})") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputError(path, f"not a JSON preset ({exc})") from None
    joints = data.get("joints") if isinstance(data, dict) else None
    if not isinstance(joints, dict) or not joints or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in joints.items()):
        raise InputError(path, "a preset needs a non-empty 'joints' object of our joint name → BVH joint name")
    up = data.get("up")
    if up is not None and up not in AXES:
        raise InputError(path, f"'up' must be one of {', '.join(AXES)} or null, got {up!r}")
    requires = data.get("requires", [])
    if not isinstance(requires, list) or not all(isinstance(r, str) for r in requires):
        raise InputError(path, "'requires' must be a list of BVH joint names")
    return {"name": str(data.get("name") or Path(path).stem), "joints": joints, "up": up, "requires": requires}


def check_mapping(clip: BvhClip, mapping: dict[str, str]) -> None:
    """Raise InputError when the mapping names BVH joints the clip does not have."""
    missing = sorted({v for v in mapping.values() if v not in clip.names})
    if missing:
        raise InputError(clip.path, f"the mapping names joints this clip lacks: {', '.join(missing[:8])}")


AXES = {"x": (1, 0, 0), "-x": (-1, 0, 0), "y": (0, 1, 0), "-y": (0, -1, 0), "z": (0, 0, 1), "-z": (0, 0, -1)}


def axis_name(vec: np.ndarray) -> str:
    """Name of the signed coordinate axis nearest to `vec` ("z", "-y", …)."""
    k = int(np.argmax(np.abs(vec)))
    return ("-" if vec[k] < 0 else "") + "xyz"[k]


# ---------------------------------------------------------------- skeleton analysis

def analyze_skeleton(clip: BvhClip, positions: np.ndarray | None = None) -> BodyParts:
    """Find hips, chest, head, both arms and legs; raises InputError when the skeleton is not
    biped-like enough (the user then maps it by hand)."""
    joints = clip.joints
    children = [[] for _ in joints]
    for i, j in enumerate(joints):
        if j.parent >= 0:
            children[j.parent].append(i)
    size = _subtree_sizes(children)
    rest = clip.rest_positions()
    fail = lambda why: InputError(clip.path, f"cannot find a biped skeleton ({why}); map the joints by hand")  # noqa: E731

    hips = next((i for i in _breadth_first(children, joints) if _major(children[i], size, 2) >= 3), None)
    if hips is None:
        raise fail("no joint where the spine and two legs branch")
    branches = sorted(children[hips], key=lambda c: -size[c])
    spine, others = branches[0], branches[1:]
    centroid = lambda i: rest[_descendants(children, i)].mean(axis=0)  # noqa: E731
    up_rest = centroid(spine) - rest[hips]
    leg_roots = [c for c in others if size[c] >= 2 and np.dot(centroid(c) - rest[hips], up_rest) < 0][:2]
    if len(leg_roots) < 2:
        raise fail("fewer than two leg chains below the hips")
    chest = spine        # first joint where the head chain and two arm chains (2+ joints) branch
    while len(children[chest]) < 3 or _major(children[chest], size, 2) < 2:
        if not children[chest]:
            raise fail("no chest where the neck and both arms branch")
        chest = max(children[chest], key=lambda c: size[c])
    tops = sorted(children[chest], key=lambda c: -np.dot(centroid(c) - rest[chest], up_rest))
    head_root, arm_roots = tops[0], sorted(tops[1:], key=lambda c: -size[c])[:2]
    if min(size[a] for a in arm_roots) < 2:
        raise fail("the chest does not branch into two arm chains")

    if positions is None:    # the up axis only needs a few dozen frames
        sample = BvhClip(clip.path, clip.joints, clip.frame_time, clip.motion[::max(1, clip.frame_count // 60)])
        positions = sample.world_positions()
    pos = positions
    legs_mid = (pos[:, leg_roots[0]] + pos[:, leg_roots[1]]) / 2
    up = _snap_axis((pos[:, chest] - legs_mid).mean(axis=0))

    head_chain = _main_chain(children, size, head_root)
    head = next((j for j in head_chain if _bare(joints[j].name).lower() == "head"),
                next((j for j in head_chain if "head" in joints[j].name.lower()), head_chain[-1]))
    arm_triples = [_limb_triple(clip, _main_chain(children, size, r), rest, _ELBOW) for r in arm_roots]
    leg_triples = [_limb_triple(clip, _main_chain(children, size, r), rest, _KNEE) for r in leg_roots]

    arm_sides = _sides_from_names(clip, children, arm_roots)
    leg_sides = _sides_from_names(clip, children, leg_roots)
    sides_from = "names"
    if arm_sides is None or leg_sides is None:
        sides_from = "geometry"
        forward = _forward_from_feet(clip, children, size, leg_roots, [t[2] for t in leg_triples], rest, up)
        right = np.cross(forward, up)
        arm_sides = _sides_from_geometry([centroid(r) - rest[hips] for r in arm_roots], right)
        leg_sides = _sides_from_geometry([centroid(r) - rest[hips] for r in leg_roots], right)

    part = ["trunk"] * len(joints)
    for roots, sides, kind in ((arm_roots, arm_sides, "arm"), (leg_roots, leg_sides, "leg")):
        for r, side in zip(roots, sides):
            for d in _descendants(children, r):
                part[d] = f"{side}_{kind}"
    return BodyParts(hips=hips, chest=chest, head=head,
                     arms=dict(zip(arm_sides, arm_triples)), legs=dict(zip(leg_sides, leg_triples)),
                     part=part, up=up, sides_from=sides_from)


def _limb_triple(clip: BvhClip, chain: list[int], rest: np.ndarray, middle_name: re.Pattern) -> tuple[int, int, int]:
    """(upper, middle, end) joints of an arm or leg chain: shoulder/elbow/wrist or hip/knee/ankle.

    Joints that sit on their parent (zero-length offsets, CMU's `lhand`) are skipped. The middle
    joint comes from its name (ForeArm, Elbow, Knee, Leg…) or else from geometry: the upper and
    lower limb are the two longest adjacent segments, the one farthest down the chain among
    near-ties (a CMU collar is as long as its upper arm)."""
    distinct = [chain[0]] + [j for j in chain[1:] if np.linalg.norm(clip.joints[j].offset) > 1e-9]
    if len(distinct) < 3:
        return (distinct[0], distinct[-1], distinct[-1])
    named = [k for k, j in enumerate(distinct[1:-1], 1) if middle_name.search(_bare(clip.joints[j].name))]
    if named:
        k = named[0]
    else:
        seg = np.linalg.norm(np.diff(rest[distinct], axis=0), axis=1)
        pair = seg[:-1] + seg[1:]
        k = int(np.flatnonzero(pair >= 0.9 * pair.max())[-1]) + 1
    return (distinct[k - 1], distinct[k], distinct[k + 1])


def _sides_from_names(clip: BvhClip, children, roots: list[int]) -> list[str] | None:
    votes = []
    for r in roots:
        names = [_bare(clip.joints[d].name) for d in _descendants(children, r)]
        score = sum(bool(_LEFT.search(n)) - bool(_RIGHT.search(n)) for n in names)
        votes.append("left" if score > 0 else "right" if score < 0 else None)
    return votes if sorted(v or "" for v in votes) == ["left", "right"] else None


def _sides_from_geometry(offsets: list[np.ndarray], right: np.ndarray) -> list[str]:
    first_is_right = np.dot(offsets[0], right) >= np.dot(offsets[1], right)
    return ["right", "left"] if first_is_right else ["left", "right"]


def _forward_from_feet(clip, children, size, leg_roots, ankles, rest, up) -> np.ndarray:
    """Toes point forward: the horizontal part of ankle → farthest point below the ankle.
    Without feet, fall back to the common convention (Y-up faces +Z, Z-up faces -Y)."""
    toward_toes = np.zeros(3)
    for ankle in ankles:
        below = _descendants(children, ankle)[1:]
        tips = [rest[j] for j in below] + [rest[j] + clip.joints[j].end_site
                                            for j in [ankle] + below if clip.joints[j].end_site is not None]
        if tips:
            far = max(tips, key=lambda p: np.linalg.norm(p - rest[ankle]))
            toward_toes += far - rest[ankle]
    toward_toes -= np.dot(toward_toes, up) * up
    if np.linalg.norm(toward_toes) > 1e-9:
        return _unit(toward_toes)
    axis = int(np.argmax(np.abs(up)))
    return np.array({0: (0, 1, 0), 1: (0, 0, 1), 2: (0, -1, 0)}[axis], dtype=float)


# ---------------------------------------------------------------- small helpers

def _bare(name: str) -> str:
    """Joint name without a namespace prefix (`mixamorig:LeftArm` → `LeftArm`)."""
    return name.rsplit(":", 1)[-1].strip()


def _unit(v: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(v, axis=-1, keepdims=True)
    return v / np.where(n > 1e-12, n, 1.0)


def _snap_axis(v: np.ndarray) -> np.ndarray:
    return np.array(AXES[axis_name(v)], dtype=float)


def _subtree_sizes(children) -> list[int]:
    size = [1] * len(children)
    for i in reversed(range(len(children))):      # parents come before children
        size[i] += sum(size[c] for c in children[i])
    return size


def _major(kids: list[int], size: list[int], minimum: int) -> int:
    return sum(size[c] >= minimum for c in kids)


def _descendants(children, root: int) -> list[int]:
    out, todo = [], [root]
    while todo:
        j = todo.pop()
        out.append(j)
        todo.extend(children[j])
    return sorted(out)


def _breadth_first(children, joints):
    queue = [i for i, j in enumerate(joints) if j.parent < 0]
    while queue:
        j = queue.pop(0)
        yield j
        queue.extend(children[j])


def _main_chain(children, size, root: int) -> list[int]:
    """root, then repeatedly the child with the largest subtree, down to a leaf."""
    chain = [root]
    while children[chain[-1]]:
        chain.append(max(children[chain[-1]], key=lambda c: size[c]))
    return chain
