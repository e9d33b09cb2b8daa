"""Extra arms and legs follow the nearest mapped limb, a little later; a tail follows through (pure).

A drawn figure with six arms has joints beyond the 16 a clip maps (a char_cfg may list any
joints; the rig gives each a bone). Such a chain, hanging off the body, would keep its drawn
pose while the two mapped arms move. Instead each extra chain copies the bone-by-bone
rotations (parent-relative, from the drawn pose) of the mapped limb whose root is nearest on
the drawing, shifted in time by a fraction of the loop so the limbs ripple rather than move as
one: the first extra limb next to an arm a quarter loop later, a second one half a loop.

A tail is no leg: copying a leg's stride made it kick. A chain hanging from the hips that ends
above the knees (`is_tail`) instead follows through on the hips' own motion
(`motions.follow_through`): it lags their turns, swings as the body bobs and settles when it
stops, the swing running down the tail to its tip.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from ..rig.skeleton import LIMB_CHAINS, STANDARD, TRUNK
from .follow_through import follow_through
from .retarget import BoneLike, RetargetResult, pose_2d

PHASE_STEP = 0.25           # each further limb beside the same mapped limb is this much of a loop later
# A part on the head (long ears, a pigtail) sways with this share of its limb's turns: at a full
# arm's swing it sweeps across the face.
HEAD_SWAY = 0.3
TAIL_ROOTS = ("root", "hip")    # a tail hangs from the hips
TAIL_CURL = 0.6                 # each further bone of a tail turns this share of the bone before it …
TAIL_WHIP_SECONDS = 0.07        # … this much later: the swing runs down to the tip


def extra_limb_chains(bones: Sequence[BoneLike]) -> dict[tuple[str, ...], tuple[str, ...]]:
    """{extra chain (bone names, root first): the mapped limb chain it follows}. An extra chain
    starts at a bone outside the 16-joint skeleton whose parent is a trunk bone, and runs down
    single children; it follows the standard limb lying nearest (mean of the chains' joints: an
    arm drawn just above the hips reaches out like an arm, not down like a leg)."""
    by_name = {bone.name: bone for bone in bones}
    children: dict[str, list[str]] = {}
    for bone in bones:
        children.setdefault(bone.parent, []).append(bone.name)
    middle = lambda chain: np.mean([p for n in chain for p in (by_name[n].head_uv, by_name[n].tail_uv)], axis=0)  # noqa: E731
    limbs = {chain: middle(chain) for chain in LIMB_CHAINS.values() if all(name in by_name for name in chain)}
    extra = {}
    for bone in bones:
        if bone.name in STANDARD or bone.parent not in TRUNK or not limbs:
            continue
        chain = [bone.name]
        while len(children.get(chain[-1], [])) == 1:
            chain.append(children[chain[-1]][0])
        centre = middle(chain)
        extra[tuple(chain)] = min(limbs, key=lambda limb: float(np.hypot(*(limbs[limb] - centre))))
    return extra


def is_tail(chain: Sequence[str], bones: Sequence[BoneLike]) -> bool:
    """Whether an extra chain is a tail: it hangs from the hips and its tip ends above the knees
    (a third leg reaches below them)."""
    by_name = {bone.name: bone for bone in bones}
    knees = [by_name[name].head_uv[1] for name in ("left_knee", "right_knee") if name in by_name]
    return by_name[chain[0]].parent in TAIL_ROOTS and bool(knees) and by_name[chain[-1]].tail_uv[1] < np.mean(knees)


def follow_extra_limbs(result: RetargetResult, bones: Sequence[BoneLike], scale: float | None = None) -> list[str]:
    """Give every extra chain its limb's rotations (`HEAD_SWAY` of them for a chain on the head)
    and layer, shifted in time, and every tail its follow-through (in place); returns the extra
    bones moved. A one-shot clip's shift holds the first pose meanwhile. `scale`: world units
    per pixel (`RigPlan.scale`), as the root motion has them."""
    moved, beside = [], {}
    column = {name: k for k, name in enumerate(result.bone_names)}
    parent = {bone.name: bone.parent for bone in bones}
    chains = extra_limb_chains(bones)
    tails = [chain for chain in chains if is_tail(chain, bones)]
    if tails:          # the hips' path, with every tail still as drawn on them
        heads, ends = pose_2d(bones, result.rotation, result.root_location, scale)
    for chain in tails:
        _follow_through(result, chain, [bone.name for bone in bones], heads, ends, column)
        moved.extend(chain)
    for chain, limb in chains.items():
        if chain in tails:
            continue
        beside[limb] = beside.get(limb, 0) + 1
        shift = int(round(beside[limb] * PHASE_STEP * result.frame_count)) % max(result.frame_count, 1)
        gain = HEAD_SWAY if parent[chain[0]] == "neck" else 1.0
        for extra_bone, limb_bone in zip(chain, limb):
            for series, scale_by in ((result.rotation, gain), (result.layer_offset, 1.0)):
                series[:, column[extra_bone]] = scale_by * _delayed(series[:, column[limb_bone]], shift, result.cyclic)
            moved.append(extra_bone)
    return moved


def _follow_through(result: RetargetResult, chain: Sequence[str], names: list[str], heads: np.ndarray,
                    ends: np.ndarray, column: dict[str, int]) -> None:
    """The tail's swing on its first bone, a delayed share of it on each further bone."""
    rows = [names.index(name) for name in chain]
    along = ends[:, rows[0]] - heads[:, rows[0]]
    length = float(np.linalg.norm(ends[0, rows] - heads[0, rows], axis=1).sum())
    sway = follow_through(np.arctan2(along[:, 1], along[:, 0]), heads[:, rows[0]], length, result.fps,
                          result.cyclic, result.root_cycle_offset)
    lag = int(round(TAIL_WHIP_SECONDS * result.fps))
    for k, name in enumerate(chain):
        result.rotation[:, column[name]] = TAIL_CURL ** k * _delayed(sway, k * lag, result.cyclic)


def _delayed(values: np.ndarray, frames: int, cyclic: bool) -> np.ndarray:
    frames = min(frames, len(values))
    if cyclic:
        return np.roll(values, frames)
    return np.concatenate([np.repeat(values[:1], frames), values[:len(values) - frames]])
