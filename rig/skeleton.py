"""Bones derived from a `CharacterConfig` (rules in docs/ARCHITECTURE.md, "Skeleton and bones").

* A joint with children → a bone named after it, head at the joint, tail at its primary child
  (`PRIMARY_CHILD` when that child exists, else the child farthest away).
* A leaf joint → a short bone continuing the direction from its parent joint
  (`LEAF_LENGTH_RATIO` × the parent bone's length), so hands, feet and heads carry weights.
* A bone whose head and tail coincide (root and hip share the mid-hip point; "coincide" means
  closer than `COINCIDE_RATIO` × character height) → a vertical tail
  of `ZERO_LENGTH_RATIO` × character height; it does not deform the mesh (`deform=False`),
  because its direction says nothing about the drawing. Likewise a bone lying along a deforming
  ancestor bone (a neck annotated below the torso) moves but skins nothing.
* Bone parent = the bone of the joint's parent joint; several roots are fine.
* Joints beyond the 16-joint skeleton chained off the trunk (a tail, a third arm) are extra
  limbs: the body's skeleton leaves them out (`body_config`), the extra limbs feature
  (`rig.extra_limbs`) adds their bones.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from ..formats.char_cfg import CharacterConfig

PRIMARY_CHILD = {"root": "hip", "hip": "torso", "torso": "neck"}
LEAF_LENGTH_RATIO = 0.35
ZERO_LENGTH_RATIO = 0.1
COINCIDE_RATIO = 0.01      # head and tail closer than this × character height "coincide"
FOLD_TOLERANCE_RATIO = 0.02  # a bone within this × height of an ancestor bone lies along it
_MIN_LENGTH_PX = 1e-6
# The 16-joint (AnimatedDrawings) skeleton: its trunk and its four limbs.
LIMB_CHAINS = {side + part: tuple(side + joint for joint in joints)
               for side in ("left_", "right_")
               for part, joints in (("arm", ("shoulder", "elbow", "hand")), ("leg", ("hip", "knee", "foot")))}
TRUNK = ("root", "hip", "torso", "neck")
STANDARD = set(TRUNK).union(*LIMB_CHAINS.values())


@dataclass(frozen=True)
class BonePlan:
    name: str
    parent: str | None
    head_uv: tuple[float, float]   # pixels (u right, v down)
    tail_uv: tuple[float, float]
    deform: bool = True            # False: carries motion only, never skin weights

    @property
    def length(self) -> float:
        return float(np.hypot(self.tail_uv[0] - self.head_uv[0], self.tail_uv[1] - self.head_uv[1]))


def extra_limb_joints(config: CharacterConfig) -> list[str]:
    """The joints of chains outside the 16-joint skeleton that hang off a trunk joint (and
    everything below them), in `config` order."""
    extra: set[str] = set()
    grew = True
    while grew:
        found = {j.name for j in config.joints if j.name not in STANDARD | extra
                 and j.parent is not None and (j.parent in TRUNK or j.parent in extra)}
        grew = bool(found)
        extra |= found
    return [j.name for j in config.joints if j.name in extra]


def body_config(config: CharacterConfig) -> CharacterConfig:
    """`config` without its extra limbs: the skeleton the body is skinned with."""
    extra = set(extra_limb_joints(config))
    return dataclasses.replace(config, joints=[j for j in config.joints if j.name not in extra])


def plan_bones(config: CharacterConfig, character_height_px: float | None = None) -> list[BonePlan]:
    """One bone per joint, in `config.joints` order (bone i belongs to joint i)."""
    height = float(character_height_px or config.height)
    locs = {j.name: np.asarray(j.loc, dtype=np.float64) for j in config.joints}
    bones: dict[str, BonePlan] = {}
    # Parents before children, so a leaf can look up its parent's bone.
    for joint in _parents_first(config):
        head = locs[joint.name]
        children = config.children(joint.name)
        deform = True
        if children:
            tail = locs[_primary_child(joint.name, children, locs)]
        else:
            tail = _leaf_tail(joint.name, joint.parent, locs, bones)
        # Annotators place root and hip a pixel or two apart as often as exactly together.
        if np.hypot(*(tail - head)) <= max(COINCIDE_RATIO * height, _MIN_LENGTH_PX):
            tail = head + np.array([0.0, -ZERO_LENGTH_RATIO * height])  # up in the drawing is −v
            deform = False
        elif _folds_onto_ancestor(head, tail, joint.parent, bones, height):
            deform = False
        bones[joint.name] = BonePlan(joint.name, joint.parent, _pair(head), _pair(tail), deform)
    return [bones[name] for name in config.names]


def _folds_onto_ancestor(head, tail, parent: str | None, bones: dict[str, BonePlan], height: float) -> bool:
    """Whether the bone lies along a deforming ancestor bone (e.g. a "neck" annotated below the
    "torso" on a figure without a neck): skinning it would slice its ancestor's region in strips."""
    samples = head + (tail - head) * np.linspace(0.0, 1.0, 9)[:, None]
    tolerance = FOLD_TOLERANCE_RATIO * height
    while parent is not None:
        ancestor = bones[parent]
        if ancestor.deform:
            a, b = np.asarray(ancestor.head_uv), np.asarray(ancestor.tail_uv)
            t = (samples - a) @ (b - a) / max(float((b - a) @ (b - a)), 1e-12)
            beside = np.linalg.norm(samples - (a + t[:, None] * (b - a)), axis=1) <= tolerance
            # Within the ancestor's span, not beyond its ends: a hand continuing its forearm is fine.
            if np.all(beside & (t >= 0.0) & (t <= 1.0)):
                return True
        parent = ancestor.parent
    return False


def bone_moving_joint(config: CharacterConfig, joint_name: str) -> str:
    """The bone whose motion carries a joint's position: the elbow rides on the upper-arm bone
    (named after the shoulder); a root joint rides on its own bone."""
    parent = config.joint(joint_name).parent
    return parent if parent is not None else joint_name


def bone_index(bones: list[BonePlan]) -> dict[str, int]:
    """Bone name (= joint name) → column in the weight matrix."""
    return {bone.name: i for i, bone in enumerate(bones)}


def _parents_first(config: CharacterConfig):
    done: set[str] = set()
    order = []
    pending = list(config.joints)
    while pending:
        ready = [j for j in pending if j.parent is None or j.parent in done]
        order += ready
        done.update(j.name for j in ready)
        pending = [j for j in pending if j.name not in done]
    return order


def _primary_child(name: str, children, locs) -> str:
    preferred = PRIMARY_CHILD.get(name)
    names = [c.name for c in children]
    if preferred in names:
        return preferred
    distances = [np.hypot(*(locs[c] - locs[name])) for c in names]
    return names[int(np.argmax(distances))]


def _leaf_tail(name: str, parent: str | None, locs, bones: dict[str, BonePlan]) -> np.ndarray:
    head = locs[name]
    if parent is None:
        return head  # isolated joint: becomes a vertical non-deforming bone
    direction = head - locs[parent]
    parent_bone = bones[parent]
    if np.hypot(*direction) <= _MIN_LENGTH_PX:
        direction = np.subtract(parent_bone.tail_uv, parent_bone.head_uv)
    norm = np.hypot(*direction)
    if norm <= _MIN_LENGTH_PX:
        return head
    return head + direction / norm * (LEAF_LENGTH_RATIO * parent_bone.length)


def _pair(point: np.ndarray) -> tuple[float, float]:
    return float(point[0]), float(point[1])
