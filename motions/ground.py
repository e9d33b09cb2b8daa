"""Nothing sinks below the ground line: bend a swinging leg, lift the body only when nothing stands.

Retargeting grounds the drawn skeleton's joints, but the drawing reaches below them (shoes
drawn under the ankle joint, a foot turned on its toes): measured on the skinned mesh, figures
sank up to 30% of their height in a crouch. Lifting the whole body for it also lifted the
planted foot off the floor (a frontally drawn foot swinging on a sagittal walk dips, and the
figure floated 2-7% of its height, eased over neighbouring frames). So:

* while no foot is planted, the body rises until the leg that sank least touches the ground
  (eased over `EASE_SECONDS` from below, so a frame next to a planted one is never lifted
  more than it needs);
* a sunk foot turns back toward the angle it is drawn at (a shoe drawn for an upright
  leg, turned with a tilted shin, pokes into the floor; `foot_plant.level_feet`);
* a leg that is not planted (the swinging one) then bends at the knee (two-bone IK,
  `foot_plant.raise_ankles`): its foot rises by what it still sinks, the body stays;
* whatever still dips after that (a trunk, an arm, a leg out of reach) lifts the body, eased.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from .foot_plant import eased_envelope, leg_chains, level_feet, raise_ankles
from .quality import lowest_posed, posed_vertices
from .retarget import pose_2d

EASE_SECONDS = 0.25
BEND_ROUNDS = 3      # the lowest point of a bent leg may be on its shin, not under its ankle: a few rounds settle it
LEVEL_DEPTH = 0.02   # a foot sunk this deep (world units, 1% of the height) is turned all the way back as drawn


def keep_above_ground(plan, result) -> np.ndarray:
    """Keep every vertex of `plan` at z ≥ 0 by bending unplanted legs and raising
    `result.root_location` (both in place); returns the body's lift per frame (world units)."""
    half = int(round(EASE_SECONDS * result.fps / 2))
    legs = _legs(plan, result)
    lift = np.zeros(result.frame_count)
    if legs:
        sunk = _leg_depths(plan, result, legs)                                    # (T, L)
        planted = np.stack([result.contacts[plan.bones[f].name] for f in legs], axis=1)
        standing = planted.any(axis=1)
        wanted = np.where(standing, 0.0, sunk.min(axis=1))
        lift = -eased_envelope(-wanted, half, result.cyclic)    # a smooth curve never above `wanted`
        result.root_location[:, 1] += lift
        heads, tails = pose_2d(plan.bones, result.rotation, result.root_location, plan.scale)
        rest_heads, rest_tails = pose_2d(plan.bones, np.zeros((1, len(plan.bones))), scale=plan.scale)
        drawn = rest_tails[0] - rest_heads[0]
        sunk = _leg_depths(plan, result, legs)
        level_feet(result.rotation, heads, tails, {f: np.arctan2(drawn[f, 1], drawn[f, 0]) for f in legs},
                   {f: np.clip(sunk[:, k] / LEVEL_DEPTH, 0.0, 1.0) for k, f in enumerate(legs)})
        for _ in range(BEND_ROUNDS):
            sunk = _leg_depths(plan, result, legs)
            swinging = np.where(planted, 0.0, sunk)     # a planted ankle stays where foot_plant holds it
            if swinging.max() <= 1e-6:
                break
            heads, tails = pose_2d(plan.bones, result.rotation, result.root_location, plan.scale)
            raise_ankles(result.rotation, heads, tails, {f: legs[f][0] for f in legs},
                         {f: swinging[:, k] for k, f in enumerate(legs)})
    lowest = lowest_posed(plan, result.rotation, result.root_location)
    rest = eased_envelope(np.maximum(0.0, -lowest), half, result.cyclic)
    result.root_location[:, 1] += rest
    return lift + rest


def _legs(plan, result) -> dict[int, tuple[tuple[int, int], np.ndarray]]:
    """{foot bone: ((thigh, shin), the lower leg's vertices)} for every foot the retarget found
    contacts for, on a thigh–shin–foot chain; a vertex belongs to the bone that weighs on it most."""
    names = [b.name for b in plan.bones]
    parent = np.array([names.index(b.parent) if b.parent in names else -1 for b in plan.bones])
    head = np.array([b.head_uv for b in plan.bones], float)
    tail = np.array([b.tail_uv for b in plan.bones], float)
    feet = [names.index(n) for n in result.contacts if n in names]
    chains = leg_chains(parent, head, tail, feet)
    owner = np.argmax(plan.weights, axis=1)
    out = {}
    for foot, (thigh, shin) in chains.items():
        # The shin and what hangs from it: raising the ankle lifts those; a thigh's vertices
        # (a tail or a coat drawn beside the hip may weigh on it) would not follow.
        below, grown = {shin}, True
        while grown:
            grown = bool({b for b in range(len(names)) if parent[b] in below} - below)
            below |= {b for b in range(len(names)) if parent[b] in below}
        vertices = np.flatnonzero(np.isin(owner, sorted(below)))
        if len(vertices):
            out[foot] = ((thigh, shin), vertices)
    return out


def _leg_depths(plan, result, legs) -> np.ndarray:
    """(T, L) how far each leg's lowest vertex lies below z = 0 (0 when above); only the legs'
    vertices are skinned (a fifth of the mesh or so: this runs a few times per clip)."""
    every = np.concatenate([vertices for _, vertices in legs.values()])
    lower_legs = SimpleNamespace(bones=plan.bones, scale=plan.scale, origin_uv=plan.origin_uv,
                                 vertices_uv=np.asarray(plan.vertices_uv)[every],
                                 weights=np.asarray(plan.weights)[every])
    posed = posed_vertices(lower_legs, result.rotation, result.root_location)[..., 1]
    ends = np.cumsum([len(vertices) for _, vertices in legs.values()])
    return np.stack([np.maximum(0.0, -part.min(axis=1)) for part in np.split(posed, ends[:-1], axis=1)], axis=1)
