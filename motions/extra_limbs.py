"""Extra arms and legs follow the nearest mapped limb, a little later (pure).

A drawn figure with six arms has joints beyond the 16 a clip maps (a char_cfg may list any
joints; the rig gives each a bone). Such a chain, hanging off the body, would keep its drawn
pose while the two mapped arms move. Instead each extra chain copies the bone-by-bone
rotations (parent-relative, from the drawn pose) of the mapped limb whose root is nearest on
the drawing, shifted in time by a fraction of the loop so the limbs ripple rather than move as
one: the first extra limb next to an arm a quarter loop later, a second one half a loop.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from ..rig.skeleton import LIMB_CHAINS, STANDARD, TRUNK
from .retarget import BoneLike, RetargetResult

PHASE_STEP = 0.25           # each further limb beside the same mapped limb is this much of a loop later
# A part on the head (long ears, a pigtail) sways with this share of its limb's turns: at a full
# arm's swing it sweeps across the face.
HEAD_SWAY = 0.3


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


def follow_extra_limbs(result: RetargetResult, bones: Sequence[BoneLike]) -> list[str]:
    """Give every extra chain its limb's rotations (`HEAD_SWAY` of them for a chain on the head)
    and layer, shifted in time (in place);
    returns the extra bones moved. A one-shot clip's shift holds the first pose meanwhile."""
    moved, beside = [], {}
    column = {name: k for k, name in enumerate(result.bone_names)}
    parent = {bone.name: bone.parent for bone in bones}
    for chain, limb in extra_limb_chains(bones).items():
        beside[limb] = beside.get(limb, 0) + 1
        shift = int(round(beside[limb] * PHASE_STEP * result.frame_count)) % max(result.frame_count, 1)
        gain = HEAD_SWAY if parent[chain[0]] == "neck" else 1.0
        for extra_bone, limb_bone in zip(chain, limb):
            for series, scale in ((result.rotation, gain), (result.layer_offset, 1.0)):
                series[:, column[extra_bone]] = scale * _delayed(series[:, column[limb_bone]], shift, result.cyclic)
            moved.append(extra_bone)
    return moved


def _delayed(values: np.ndarray, frames: int, cyclic: bool) -> np.ndarray:
    if cyclic:
        return np.roll(values, frames)
    return np.concatenate([np.repeat(values[:1], frames), values[:len(values) - frames]])
