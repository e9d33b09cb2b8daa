"""Planted feet stay put in the picture: 2D two-bone IK on each leg, baked into the rotations.

Root travel (`retarget._travel_on_planted_feet`) can hold one planted foot still, but not two
at once, and not the foot's height: the projected leg shortens and lengthens as the actor
bends the knee, so a planted ankle bobbed and slid by up to 7% of the height in a frame
(measured on `jumping` and `jump`). Here, while a foot is planted, the thigh and shin are turned
so the ankle stays where it was when the foot came down (hip–knee–ankle solved in the
picture plane, bone lengths unchanged, the knee bending the way the clip bends it), and the
foot stands as drawn, so the toes do not sweep along the ground either. A foot found
planted while still settling eases down onto the floor, and when it lifts the correction
fades out over `RELEASE_SECONDS` instead of snapping.

Pure numpy on world (x, z) positions; `retarget.retarget` calls `pin_planted_feet` on its
result, so every caller (operators, batch, benchmarks) gets pinned feet.
"""

from __future__ import annotations

import numpy as np

RELEASE_SECONDS = 0.15     # a landing foot settles, a lifted foot's correction fades out, over this long
REACH = 0.999              # the leg stretches at most to this share of its full length (no locked knee pop)
MAX_TURN = np.radians(45)  # a planted leg turned further than this from the clip's pose lets go of the floor
MAX_KNEE_BEND = np.radians(100)  # a planted knee bends at most this far in the picture (deeper, the mesh folds)
STRAIGHT = 0.1            # a knee bent less than ~6° in the clip keeps the way it bent before (no backward snap)


def leg_chains(parent: np.ndarray, head: np.ndarray, tail: np.ndarray, feet: list[int]) -> dict[int, tuple[int, int]]:
    """{foot bone: (thigh bone, shin bone)} for every foot whose parent (shin) and grandparent
    (thigh) are a chain: the shin starts at the thigh's tail and the foot at the shin's tail.
    head/tail: (B, 2) rest positions; parent: (B,) index, −1 for none."""
    out = {}
    for foot in feet:
        shin = parent[foot]
        thigh = parent[shin] if shin >= 0 else -1
        if thigh < 0:
            continue
        span = np.linalg.norm(tail[thigh] - head[thigh]) + np.linalg.norm(tail[shin] - head[shin])
        joined = (np.linalg.norm(head[shin] - tail[thigh]) < 1e-3 * span
                  and np.linalg.norm(head[foot] - tail[shin]) < 1e-3 * span)
        if joined and span > 0:
            out[foot] = (int(thigh), int(shin))
    return out


def pin_planted_feet(rotation: np.ndarray, heads: np.ndarray, tails: np.ndarray, chains: dict[int, tuple[int, int]],
                     planted: dict[int, np.ndarray], stance: dict[int, tuple[float, float]], fps: float,
                     cyclic: bool = False, cycle_offset: np.ndarray | None = None) -> dict[int, np.ndarray]:
    """Bake the IK into `rotation` (T, B) parent-relative angles, in place; returns {foot bone:
    (T,) frames it was held}, `planted` less where the leg would have had to turn too far.

    heads, tails: (T, B, 2) world (x, z) bones of the pose as `rotation` and root motion give it;
    planted: {foot bone: (T,) bool}; stance: {foot bone: (ankle height, foot angle) of the
    foot standing on the floor as drawn}; a looping clip (`cyclic`) whose root moves `cycle_offset`
    (x, z) per loop is solved over two loops, so a foot planted across the loop's end is held
    across it too and the last frame leads into the first."""
    release = max(1, int(round(RELEASE_SECONDS * fps)))
    frames = len(rotation)
    held = {foot: np.asarray(flags, bool) for foot, flags in planted.items()}
    for foot, (thigh, shin) in chains.items():
        if foot not in planted or not planted[foot].any():
            continue
        joints = heads[:, thigh], heads[:, shin], heads[:, foot], tails[:, foot]
        flags = planted[foot]
        if cyclic:
            shift = np.zeros(2) if cycle_offset is None else np.asarray(cycle_offset, float)
            joints = [np.concatenate([p, p + shift]) for p in joints]
            flags = np.concatenate([flags, flags])
        turns, kept = _leg_corrections(*joints, flags, stance[foot], release)
        turns, held[foot] = turns[-frames:], kept[-frames:]          # (T, 3) thigh, shin, foot
        rotation[:, thigh] += turns[:, 0]
        rotation[:, shin] += turns[:, 1] - turns[:, 0]
        rotation[:, foot] += turns[:, 2] - turns[:, 1]
    return held


def raise_ankles(rotation: np.ndarray, heads: np.ndarray, tails: np.ndarray, chains: dict[int, tuple[int, int]],
                 lifts: dict[int, np.ndarray]) -> None:
    """Bend legs so each ankle rises by `lifts[foot]` (T,) world units, in place on `rotation`
    (T, B): the thigh and shin turn (two-bone IK, bone lengths kept, the knee bending the way
    it already bends), the foot keeps its angle in the picture, so everything drawn below
    the ankle rises by exactly the lift. heads, tails: (T, B, 2) the pose `rotation` gives."""
    for foot, lift in lifts.items():
        thigh, shin = chains[foot]
        frames = np.flatnonzero(lift > 0)
        if not len(frames):
            continue
        hip, knee, ankle = heads[frames, thigh], heads[frames, shin], heads[frames, foot]
        upper, lower = knee - hip, ankle - knee
        lengths = np.linalg.norm(upper[0]), np.linalg.norm(lower[0])
        target = ankle + np.outer(lift[frames], [0.0, 1.0])
        solved = _two_bone(hip, target, lengths, _bend_sign(upper, lower))
        turns = _wrap(solved - np.stack([np.arctan2(v[:, 1], v[:, 0]) for v in (upper, lower)], axis=1))
        rotation[frames, thigh] += turns[:, 0]
        rotation[frames, shin] += turns[:, 1] - turns[:, 0]
        rotation[frames, foot] -= turns[:, 1]


def level_feet(rotation: np.ndarray, heads: np.ndarray, tails: np.ndarray, rest_angle: dict[int, float],
               share: dict[int, np.ndarray]) -> None:
    """Turn each foot bone, in place on `rotation` (T, B), `share[foot]` (T,) 0..1 of the way
    from its angle in the picture to `rest_angle[foot]` (the angle it is drawn at, standing):
    a shoe drawn for an upright leg, turned with a tilted shin, pokes its toe or heel into
    the floor; a foot turned back as drawn stands on its sole."""
    for foot, amount in share.items():
        vec = tails[:, foot] - heads[:, foot]
        rotation[:, foot] += amount * _wrap(rest_angle[foot] - np.arctan2(vec[:, 1], vec[:, 0]))


def hips_lowered(heads: np.ndarray, chains: dict[int, tuple[int, int]], planted: dict[int, np.ndarray],
                 stance: dict[int, tuple[float, float]], fps: float, cyclic: bool = False) -> np.ndarray:
    """(T,) how far to lower the root so every planted foot can reach the floor under where it
    came down: the clip's hips ride higher over a planted foot than the drawing's legs reach
    when the drawing's leg is short for its body (the root's height follows the actor's lowest
    point, often the swinging foot's toes), which left the planted foot hovering. Eased like a
    lift (`eased_envelope`), so the body settles instead of dropping in one frame."""
    drop = np.zeros(len(heads))
    for foot, (thigh, shin) in chains.items():
        flags = planted.get(foot)
        if flags is None or not flags.any():
            continue
        leg = REACH * (np.linalg.norm(heads[0, shin] - heads[0, thigh]) + np.linalg.norm(heads[0, foot] - heads[0, shin]))
        starts = np.flatnonzero(flags & ~np.concatenate([[False], flags[:-1]]))
        landed_x = heads[starts, foot, 0][np.cumsum(np.isin(np.arange(len(flags)), starts)) - 1]
        across = np.minimum(np.abs(landed_x - heads[:, thigh, 0]), leg)
        needed = heads[:, thigh, 1] - stance[foot][0] - np.sqrt(leg ** 2 - across ** 2)
        drop = np.maximum(drop, np.where(flags, needed, 0.0))
    return eased_envelope(np.maximum(drop, 0.0), max(1, int(round(RELEASE_SECONDS * fps / 2))), cyclic)


def hips_raised(heads: np.ndarray, clip_heads: np.ndarray, chains: dict[int, tuple[int, int]],
                planted: dict[int, np.ndarray], stance: dict[int, tuple[float, float]], fps: float,
                cyclic: bool = False) -> np.ndarray:
    """(T,) how far to raise the root so no planted leg bends its knee further than the clip
    bends it: holding the ankle at its drawn height under hips that follow the actor's crouch
    bent the drawn knees 10-17° past the clip's (postava × `jump`), folding the mesh over at
    the knee. With both feet held by the IK the root's height is free, so the hips go where
    the legs are as long, hip to ankle, as the clip's pose makes them (`clip_heads`: the
    drawn skeleton in the clip's angles), the straighter leg's length when the two disagree,
    and never so short that a knee bends past `MAX_KNEE_BEND` (a deep crouch folded the drawn
    trousers over at the knee: postava × `jump` 0.57% of the area), never out of reach of
    either planted foot. Eased from below (a smooth curve never above the raise wanted), so a
    leg is never asked to reach further than it can."""
    wanted = np.full(len(heads), -np.inf)
    ceiling = np.full(len(heads), np.inf)
    any_planted = np.zeros(len(heads), bool)
    for foot, (thigh, shin) in chains.items():
        flags = planted.get(foot)
        if flags is None or not flags.any():
            continue
        upper, lower = np.linalg.norm(heads[0, shin] - heads[0, thigh]), np.linalg.norm(heads[0, foot] - heads[0, shin])
        leg = REACH * (upper + lower)
        shortest = np.sqrt(upper ** 2 + lower ** 2 + 2 * upper * lower * np.cos(MAX_KNEE_BEND))   # hip to ankle
        bent = np.clip(np.linalg.norm(clip_heads[:, foot] - clip_heads[:, thigh], axis=1), shortest, leg)
        starts = np.flatnonzero(flags & ~np.concatenate([[False], flags[:-1]]))
        landed_x = heads[starts, foot, 0][np.cumsum(np.isin(np.arange(len(flags)), starts)) - 1]
        across = np.abs(landed_x - heads[:, thigh, 0])
        floor = stance[foot][0]
        hip_at = floor + np.sqrt(np.maximum(bent ** 2 - across ** 2, 0.0)) - heads[:, thigh, 1]
        reach = floor + np.sqrt(np.maximum(leg ** 2 - np.minimum(across, leg) ** 2, 0.0)) - heads[:, thigh, 1]
        wanted = np.where(flags, np.maximum(wanted, hip_at), wanted)
        ceiling = np.where(flags, np.minimum(ceiling, reach), ceiling)
        any_planted |= flags
    raise_by = np.where(any_planted, np.clip(np.minimum(wanted, ceiling), 0.0, None), 0.0)
    return -eased_envelope(-raise_by, max(1, int(round(RELEASE_SECONDS * fps / 2))), cyclic)


def eased_envelope(values: np.ndarray, half: int, cyclic: bool) -> np.ndarray:
    """A smooth curve never below `values` (T,) ≥ 0: the moving average of the moving maximum,
    both 2·half + 1 frames wide (a looping clip wraps around)."""
    if not half or not values.any():
        return values
    window = 2 * half + 1
    padded = np.pad(values, 2 * half, mode="wrap" if cyclic else "edge")
    peaks = np.lib.stride_tricks.sliding_window_view(padded, window).max(axis=1)
    return np.convolve(peaks, np.ones(window) / window, mode="valid")


def _leg_corrections(hip, knee, ankle, toe, planted, stance: tuple[float, float], release: int) -> np.ndarray:
    """(T, 3) world turns of the thigh, the shin and the foot that hold each planted foot still.

    A foot is found planted while it may still be settling (within a few percent of the floor,
    moving slowly), so over the run's first `release` frames it eases from where it was shown
    to its hold: the x it landed at, standing as drawn (`stance`: the ankle's height and the
    foot's angle; the drawn legs and feet are not the actor's, so the clip's own foot height
    left it hovering, and the clip's shin angle turned a drawn shoe into the floor). After the
    run the correction fades out over `release` frames."""
    upper, lower, sole = knee - hip, ankle - knee, toe - ankle
    lengths = np.linalg.norm(upper[0]), np.linalg.norm(lower[0])
    angles = np.stack([np.arctan2(v[:, 1], v[:, 0]) for v in (upper, lower, sole)], axis=1)
    bend = _bend_sign(upper, lower)
    turn = np.zeros((len(hip), 3))
    held = np.zeros(len(hip), bool)
    starts = np.flatnonzero(planted & ~np.concatenate([[False], planted[:-1]]))
    for start in starts:
        stop = start + int(np.argmin(planted[start:])) if not planted[start:].all() else len(planted)
        span = slice(start, stop)
        shown = angles[start] + turn[start]
        landed = _ankle(hip[start], shown[0], shown[1], lengths)
        hold = np.array([landed[0], stance[0]])
        ease = np.minimum(np.arange(stop - start) / release, 1.0)[:, None]
        target = landed + ease * (hold - landed)
        sole_angle = shown[2] + ease[:, 0] * _wrap(stance[1] - shown[2])
        solved = np.column_stack([_two_bone(hip[span], target, lengths, bend[span]), sole_angle])
        wanted = _wrap(solved - angles[span])
        # A hold that needs the leg turned far from the clip's pose (a body leaping off the
        # foot) would fold the drawing: the foot lets go there instead.
        torn = np.flatnonzero(np.abs(wanted[:, :2]).max(axis=1) > MAX_TURN)
        stop = start + (torn[0] if len(torn) else stop - start)
        turn[start:stop] = wanted[:stop - start]
        held[start:stop] = True
        if stop == start:
            continue
        fade = slice(stop, min(stop + release, len(hip)))
        steps = np.arange(1, fade.stop - fade.start + 1)[:, None]
        turn[fade] = turn[stop - 1] * (1 - steps / (release + 1))
    return turn, held


def _two_bone(hip: np.ndarray, target: np.ndarray, lengths: tuple[float, float], bend: np.ndarray) -> np.ndarray:
    """(T, 2) world angles of thigh and shin that put the ankle on `target` (T, 2) from `hip` (T, 2);
    `bend` (T,) +1 where the shin turns counter-clockwise from the thigh, −1 clockwise. Out of
    reach, the ankle keeps the target's x and rises toward the hip (the heel lifts as the
    body rises over the foot) rather than sliding along the ground."""
    upper, lower = lengths
    longest = REACH * (upper + lower)
    reach = target - hip
    beyond = np.linalg.norm(reach, axis=1) > longest
    level = beyond & (np.abs(reach[:, 0]) < longest)
    reach = reach.copy()
    reach[level, 1] = np.copysign(np.sqrt(longest ** 2 - reach[level, 0] ** 2), reach[level, 1])
    distance = np.clip(np.linalg.norm(reach, axis=1), abs(upper - lower) + 1e-9, longest)
    toward = np.arctan2(reach[:, 1], reach[:, 0])
    opening = np.arccos(np.clip((upper ** 2 + distance ** 2 - lower ** 2) / (2 * upper * distance), -1.0, 1.0))
    thigh = toward - bend * opening
    ankle = hip + distance[:, None] * np.stack([np.cos(toward), np.sin(toward)], axis=1)
    knee = hip + upper * np.stack([np.cos(thigh), np.sin(thigh)], axis=1)
    shin = np.arctan2(ankle[:, 1] - knee[:, 1], ankle[:, 0] - knee[:, 0])
    return np.stack([thigh, shin], axis=1)


def _bend_sign(upper: np.ndarray, lower: np.ndarray) -> np.ndarray:
    """(T,) which way the knee bends in the clip's pose; a straight leg keeps the last bend seen
    (a knee does not flip through straight), the first seen before any."""
    cross = upper[:, 0] * lower[:, 1] - upper[:, 1] * lower[:, 0]
    straight = np.abs(cross) < STRAIGHT * np.linalg.norm(upper, axis=1) * np.linalg.norm(lower, axis=1)
    sign = np.where(straight, 0.0, np.sign(cross))
    if not sign.any():
        return np.ones(len(sign))
    seen = np.where(sign != 0, np.arange(len(sign)), 0)
    held = sign[np.maximum.accumulate(seen)]
    held[held == 0] = sign[sign != 0][0]
    return held


def _ankle(hip: np.ndarray, thigh: float, shin: float, lengths: tuple[float, float]) -> np.ndarray:
    return hip + lengths[0] * np.array([np.cos(thigh), np.sin(thigh)]) + lengths[1] * np.array([np.cos(shin), np.sin(shin)])


def _wrap(angle: np.ndarray) -> np.ndarray:
    return (angle + np.pi) % (2 * np.pi) - np.pi
