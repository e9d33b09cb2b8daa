"""What the viewer sees, as numbers: how well an animated drawing keeps its shapes.

The deformed mesh is computed here in numpy, the way Blender's Armature modifier does it
(dual quaternion skinning, Preserve Volume, of each bone's rigid 2D motion in the camera plane), so a whole clip
is measured in milliseconds without rendering. Per frame and triangle, the 2D affine map from
the rest mesh to the posed mesh has singular values s1 ≥ s2:

* **stretch** = s1 / s2 (1: the triangle keeps its shape), summarised as the area-weighted
  99th percentile over every frame and triangle;
* **folded**: det < 0, the texture mirrored over itself; the folded share of the drawing's
  area per frame (mean and worst frame);
* **side flips**: a limb moving from in front of the body to behind it or back, per second;
* **foot slide**: how far a planted foot slides along the ground per frame, as a fraction of
  the character's height (mean over planted frame pairs);
* **ground penetration**: how far the lowest point sinks below the ground line (z = 0), as a
  fraction of the height.

`TARGETS` holds the project's limits; `verdict` and `warnings` turn a report into words.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

from ..rig.underlay import drawn_triangles
from .retarget import pose_2d

HEIGHT = 2.0                 # world units: every character is this tall (rig.plan.CHARACTER_HEIGHT)
STRETCH_CAP = 1000.0         # a collapsed triangle reads as this stretch instead of inf
TARGETS = {"stretch_p99": 2.0, "folded_mean": 0.001, "folded_max": 0.005, "flips_per_s": 0.5,
           "foot_slide": 0.005}
LOW_JOINT_CONFIDENCE = 0.3   # models.joints.LOW_CONFIDENCE: the review panel flags the same joints
LOW_PERSON_SCORE = 0.25      # detector score × mean joint confidence under this: maybe no person
POOR_DOUBTS = 2              # this many analysis doubts (or more) make the verdict "poor"
# Body parts named for people in warnings: a bone's part is the first key its name starts with.
PART_NAMES = {"left_shoulder": "left arm", "left_elbow": "left arm", "left_hand": "left arm",
              "right_shoulder": "right arm", "right_elbow": "right arm", "right_hand": "right arm",
              "left_hip": "left leg", "left_knee": "left leg", "left_foot": "left leg",
              "right_hip": "right leg", "right_knee": "right leg", "right_foot": "right leg",
              "neck": "head", "torso": "body", "hip": "body", "root": "body"}


@dataclass
class QualityReport:
    frames: int
    stretch_p99: float            # area-weighted 99th percentile over all frames and triangles
    folded_mean: float            # folded share of the area, mean over frames
    folded_max: float             # … in the worst frame
    flips_per_s: float            # limb front/behind changes per second, all limbs together
    foot_slide: float             # planted-foot travel per frame / character height (mean)
    ground_penetration: float     # deepest point below the ground line / character height
    worst_frame: int              # 0-based frame with the most stretch + fold
    misses: list[str] = field(default_factory=list)   # target names missed

    def as_dict(self) -> dict:
        return {k: (round(v, 5) if isinstance(v, float) else v) for k, v in asdict(self).items()}


# ---------------------------------------------------------------- deformation (numpy skinning)

def posed_vertices(plan, rotation: np.ndarray, root_location: np.ndarray | None = None) -> np.ndarray:
    """(T, N, 2) world (x, z) of the plan's vertices posed by parent-relative bone `rotation`
    (T, B) and root motion (T, 2), as Blender's Armature modifier blends the bones' rigid
    motions with Preserve Volume on (dual quaternion skinning, `blend_dual_quaternions`)."""
    heads, _ = pose_2d(plan.bones, rotation, root_location, scale=plan.scale)
    rest_heads, _ = pose_2d(plan.bones, np.zeros((1, len(plan.bones))), scale=plan.scale)
    angle = _world_delta(plan.bones, rotation)                          # (T, B)
    c, s = np.cos(angle), np.sin(angle)
    # Bone b moves p to R(angle) p + shift: its head goes from rest to posed.
    shift = heads - np.stack([c * rest_heads[0, :, 0] - s * rest_heads[0, :, 1],
                              s * rest_heads[0, :, 0] + c * rest_heads[0, :, 1]], axis=-1)
    rest = np.asarray(plan.vertices_uv, float) * [plan.scale, -plan.scale]   # pose_2d's frame
    out = blend_dual_quaternions(rest, np.asarray(plan.weights, float), angle, shift)
    # pose_2d's frame → world: x from the root's column, z from the ground row.
    return out - [plan.origin_uv[0] * plan.scale, -plan.origin_uv[1] * plan.scale]


def lowest_posed(plan, rotation: np.ndarray, root_location: np.ndarray | None = None) -> np.ndarray:
    """(T,) lowest world z of the posed vertices in each frame, posed `POSE_BLOCK` frames at a
    time: a long clip's (T, N, 2) vertices at once took hundreds of MB."""
    return np.concatenate([posed[..., 1].min(axis=1) for _, posed in posed_blocks(plan, rotation, root_location)])


def posed_blocks(plan, rotation: np.ndarray, root_location: np.ndarray | None = None):
    """(frame slice, posed_vertices of those frames), `POSE_BLOCK` frames at a time (each
    frame is posed on its own: the blocks are slices of the whole clip's result)."""
    for start in range(0, len(rotation), POSE_BLOCK):
        block = slice(start, start + POSE_BLOCK)
        yield block, posed_vertices(plan, rotation[block], None if root_location is None else root_location[block])


POSE_BLOCK = 64  # frames


def blend_dual_quaternions(rest: np.ndarray, weights: np.ndarray, angle: np.ndarray, shift: np.ndarray) -> np.ndarray:
    """(T, N, 2) points `rest` (N, 2) moved by the weighted blend (N, B) of the bones' planar
    rigid motions p → R(angle) p + shift (angle (T, B), shift (T, B, 2)), blended as unit dual
    quaternions the way Blender does (`add_weighted_dq_dq`, `mul_v3m3_dq`): a bone whose
    rotation points away from the sum so far adds with its sign flipped (the shorter way round).

    Linear blending averages the bones' matrices: at an elbow bent 150° the average of the two
    rotations nearly vanishes and the inside of the bend folds over. Blending the rotations
    themselves turns the band about the joint instead, keeping its area."""
    # A planar motion's dual quaternion: real part (cos a/2, sin a/2) about the view axis,
    # dual part ½ t q (its two in-plane components; the other two stay 0).
    w, z = np.cos(angle / 2), np.sin(angle / 2)
    dual_x = 0.5 * (w * shift[..., 0] + z * shift[..., 1])
    dual_y = 0.5 * (w * shift[..., 1] - z * shift[..., 0])
    total = np.zeros((4, len(angle), len(rest)))                       # W, Z, DX, DY per frame and point
    for b in np.flatnonzero(weights.max(axis=0) > 0):
        rows = np.flatnonzero(weights[:, b] > 0)
        facing = total[0][:, rows] * w[:, b:b + 1] + total[1][:, rows] * z[:, b:b + 1]
        weight = weights[rows, b] * np.where(facing < 0, -1.0, 1.0)
        for k, part in enumerate((w, z, dual_x, dual_y)):
            total[k][:, rows] += weight * part[:, b:b + 1]
    big_w, big_z, big_x, big_y = total
    norm = np.maximum(big_w ** 2 + big_z ** 2, 1e-300)      # the blend's length², divided out
    cos2, sin2 = big_w ** 2 - big_z ** 2, 2 * big_w * big_z
    x, y = rest[:, 0], rest[:, 1]
    return np.stack([(cos2 * x - sin2 * y + 2 * (big_w * big_x - big_z * big_y)) / norm,
                     (sin2 * x + cos2 * y + 2 * (big_z * big_x + big_w * big_y)) / norm], axis=-1)


def posed_depth(plan, layer_offset: np.ndarray) -> np.ndarray:
    """(T, N) depth along the view (smaller = nearer the camera): the vertices' own (the underlay
    lies behind) plus the bones' parent-relative layer offsets toward the camera, blended by the
    skin weights as Blender moves the vertices."""
    return plan.vertex_depth - _world_delta(plan.bones, layer_offset) @ np.asarray(plan.weights, float).T


def _world_delta(bones, rotation: np.ndarray) -> np.ndarray:
    index = {b.name: i for i, b in enumerate(bones)}
    delta = np.zeros_like(rotation, dtype=float)
    done = np.zeros(len(bones), bool)
    while not done.all():
        for i, bone in enumerate(bones):
            p = index.get(bone.parent, -1) if bone.parent else -1
            if not done[i] and (p < 0 or done[p]):
                delta[:, i] = rotation[:, i] + (delta[:, p] if p >= 0 else 0.0)
                done[i] = True
    return delta


# ---------------------------------------------------------------- per-triangle maps

def triangle_maps(rest: np.ndarray, posed: np.ndarray, triangles: np.ndarray):
    """(stretch (T, M), folds (T, M) bool, rest areas (M,)) of each triangle's rest → posed 2D
    map A = Q E⁻¹ (E, Q: the triangle's two edge vectors as columns, at rest and posed); a fold
    is det A < 0, the texture mirrored."""
    return triangle_maps_of_blocks(rest, [(slice(0, len(posed)), posed)], len(posed), triangles)


def triangle_maps_of_blocks(rest: np.ndarray, blocks, frames: int, triangles: np.ndarray):
    """triangle_maps of a clip given as (frame slice, posed (t, N, 2)) blocks covering its
    `frames` frames (see posed_blocks). Only det's sign is kept: a clip's float determinants
    were as large as its stretches."""
    triangles = np.asarray(triangles)
    r0, r1, r2 = (rest[triangles[:, k]] for k in range(3))
    e1, e2 = r1 - r0, r2 - r0
    rest_det = e1[:, 0] * e2[:, 1] - e2[:, 0] * e1[:, 1]
    safe = np.where(np.abs(rest_det) > 1e-12, rest_det, 1e-12)
    inverse = e2[:, 1] / safe, -e2[:, 0] / safe, -e1[:, 1] / safe, e1[:, 0] / safe
    stretch = np.empty((frames, len(triangles)))
    folds = np.empty(stretch.shape, bool)
    for frames_in, posed in blocks:
        # MAP_BLOCK frames at a time: the temporaries stay in cache (4x faster than whole clips).
        for start in range(0, len(posed), MAP_BLOCK):
            inner = slice(start, start + MAP_BLOCK)
            at = slice(frames_in.start + start, frames_in.start + min(start + MAP_BLOCK, len(posed)))
            stretch[at], det = _stretch_and_det(posed[inner], triangles, *inverse)
            folds[at] = det * np.sign(safe) < 0
    return stretch, folds, np.abs(rest_det) / 2.0


MAP_BLOCK = 32  # frames


def _stretch_and_det(posed: np.ndarray, triangles: np.ndarray, i00, i01, i10, i11):
    p0 = posed[:, triangles[:, 0]]
    q1, q2 = posed[:, triangles[:, 1]] - p0, posed[:, triangles[:, 2]] - p0       # (T, M, 2)
    a00, a01 = q1[..., 0] * i00 + q2[..., 0] * i10, q1[..., 0] * i01 + q2[..., 0] * i11
    a10, a11 = q1[..., 1] * i00 + q2[..., 1] * i10, q1[..., 1] * i01 + q2[..., 1] * i11
    det = a00 * a11 - a01 * a10
    frob = a00 ** 2 + a01 ** 2 + a10 ** 2 + a11 ** 2
    s1 = np.sqrt(0.5 * (frob + np.sqrt(np.maximum(frob ** 2 - 4 * det ** 2, 0.0))))
    s2 = np.abs(det) / np.maximum(s1, 1e-12)
    return np.minimum(s1 / np.maximum(s2, s1 / STRETCH_CAP), STRETCH_CAP), det


def weighted_percentile(values: np.ndarray, weights: np.ndarray, q: float) -> np.ndarray:
    """The q-quantile (0..1) of each row of `values` (..., M), each value counting with its
    weight (M,): one number per row (a float for a 1D row). Rows are done `PERCENTILE_ROWS`
    at a time (each row on its own): a whole clip's sort orders at once took hundreds of MB."""
    values = np.asarray(values, float)
    if values.ndim < 2:
        return _weighted_percentile_rows(values, weights, q)
    rows = values.reshape(-1, values.shape[-1])
    result = np.concatenate([_weighted_percentile_rows(rows[k:k + PERCENTILE_ROWS], weights, q)
                             for k in range(0, len(rows), PERCENTILE_ROWS)])
    return result.reshape(values.shape[:-1])


PERCENTILE_ROWS = 64


def _weighted_percentile_rows(values: np.ndarray, weights: np.ndarray, q: float) -> np.ndarray:
    weights = np.broadcast_to(np.asarray(weights, float), values.shape[-1:])
    order = np.argsort(values, axis=-1)
    return _pick(values, order, weights[order], q)


def weighted_percentile_all(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    """The q-quantile of all of `values` (T, M), value [t, m] counting with weight[m] (as
    weighted_percentile of the flattened values with the weights tiled T times), without a
    clip-wide sort (its order took as much memory as the values): the values are weighed into
    bins cut at a sample of them, and only the bin where the cumulative weight passes q is sorted."""
    values = np.asarray(values, float)
    values = values.reshape(-1, values.shape[-1])
    weights = np.asarray(weights, float)
    flat = values.reshape(-1)
    edges = np.unique(flat[np.random.default_rng(0).integers(0, len(flat), QUANTILE_BINS)])
    bin_weight = np.zeros(len(edges) + 1)          # bin k: edges[k - 1] <= value < edges[k]
    for rows, bins in _binned_rows(values, edges):
        bin_weight += np.bincount(bins.ravel(), np.broadcast_to(weights, rows.shape).ravel(), len(bin_weight))
    cumulative = np.cumsum(bin_weight)
    threshold = q * cumulative[-1]
    k = min(int(np.searchsorted(cumulative, threshold)), len(edges))
    lowest = edges[k - 1] if k else -np.inf
    # A value repeated across the clip is one of the edges: its copies are weighed, not gathered.
    below = cumulative[k - 1] if k else 0.0
    inside, inside_weights = [], []
    for rows, bins in _binned_rows(values, edges):
        tiled = np.broadcast_to(weights, rows.shape)
        in_bin = bins == k
        repeats = in_bin & (rows == lowest)
        below += float(tiled[repeats].sum())
        in_bin &= ~repeats
        inside.append(rows[in_bin])
        inside_weights.append(tiled[in_bin])
    inside = np.concatenate(inside)
    if below >= threshold or not len(inside):
        return float(lowest)
    order = np.argsort(inside)
    cumulative = below + np.cumsum(np.concatenate(inside_weights)[order])
    at = min(int(np.count_nonzero(cumulative < threshold)), len(inside) - 1)
    return float(inside[order[at]])


QUANTILE_BINS = 4096   # values sampled as bin edges: a bin holds about 1 / 4096 of a clip


def _binned_rows(values: np.ndarray, edges: np.ndarray):
    """(rows, bin of each value) over `values` (T, M), PERCENTILE_ROWS rows at a time."""
    for start in range(0, len(values), PERCENTILE_ROWS):
        rows = values[start:start + PERCENTILE_ROWS]
        yield rows, np.searchsorted(edges, rows, side="right")


def _pick(values: np.ndarray, order: np.ndarray, sorted_weights: np.ndarray, q: float):
    """The value at weighted quantile q, given the sort order of `values` along the last axis
    and the weights in that order (a scratch array: summed in place)."""
    cumulative = np.cumsum(sorted_weights, axis=-1, out=sorted_weights)
    at = np.minimum(np.sum(cumulative < q * cumulative[..., -1:], axis=-1), values.shape[-1] - 1)
    picked = np.take_along_axis(order, at[..., None], axis=-1)  # only the chosen value is gathered
    result = np.take_along_axis(values, picked, axis=-1)[..., 0]
    return float(result) if result.ndim == 0 else result


# ---------------------------------------------------------------- limbs and feet

def side_flips(layer_absolute: np.ndarray) -> int:
    """Front/behind changes over (T, L) absolute limb layers (sign = side; 0 = undecided)."""
    flips = 0
    for column in np.asarray(layer_absolute).T:
        signs = np.sign(column[column != 0])
        flips += int(np.count_nonzero(signs[1:] != signs[:-1]))
    return flips


def planted_slide(feet: np.ndarray, contacts: np.ndarray) -> float:
    """Mean slide per frame of planted feet along the ground / HEIGHT: feet (T, F, 2) world
    (x, z), contacts (T, F). A planted ankle rising as the heel rolls off is not a slide."""
    if len(feet) < 2:
        return 0.0
    step = np.abs(np.diff(feet[..., 0], axis=0))                      # (T-1, F)
    both = contacts[1:] & contacts[:-1]
    return float(step[both].mean() / HEIGHT) if both.any() else 0.0


# ---------------------------------------------------------------- the report

def measure(rest: np.ndarray, posed: np.ndarray, triangles: np.ndarray, fps: float,
            layer_absolute: np.ndarray | None = None, feet: np.ndarray | None = None,
            contacts: np.ndarray | None = None, triangle_part: list[str] | None = None
            ) -> tuple[QualityReport, list[str]]:
    """(report, warnings) from rest (N, 2) and posed (T, N, 2) world (x, z) vertices; optional
    limb layers (T, L), foot positions (T, F, 2) with planted flags (T, F), and the body part
    of each triangle (for warnings naming it)."""
    return measure_maps(*triangle_maps(rest, posed, triangles), float(posed[..., 1].min()), fps, layer_absolute,
                        feet, contacts, triangle_part)


def measure_maps(stretch: np.ndarray, folds: np.ndarray, area: np.ndarray, lowest: float, fps: float,
                 layer_absolute: np.ndarray | None = None, feet: np.ndarray | None = None,
                 contacts: np.ndarray | None = None, triangle_part: list[str] | None = None
                 ) -> tuple[QualityReport, list[str]]:
    """`measure` from the triangle maps (triangle_maps) and the lowest posed z over the clip."""
    frames = len(stretch)
    folded = folded_share(folds, area)
    warnings = part_warnings(stretch, folds, area, triangle_part) if triangle_part is not None else []
    per_frame = weighted_percentile(stretch, area, 0.99)
    duration = frames / fps if fps > 0 else 1.0
    flips = side_flips(layer_absolute) if layer_absolute is not None and layer_absolute.size else 0
    slide = planted_slide(feet, contacts) if feet is not None and contacts is not None and feet.size else 0.0
    report = QualityReport(
        frames=frames,
        stretch_p99=weighted_percentile_all(stretch, area, 0.99),
        folded_mean=float(folded.mean()), folded_max=float(folded.max()),
        flips_per_s=flips / duration, foot_slide=slide,
        ground_penetration=float(max(0.0, -lowest) / HEIGHT),
        worst_frame=int(np.argmax(per_frame / TARGETS["stretch_p99"] + folded / TARGETS["folded_max"])))
    report.misses = [name for name, limit in TARGETS.items() if getattr(report, name) > limit]
    if "flips_per_s" in report.misses:
        warnings.append(f"limbs jump between in front of and behind the body {report.flips_per_s:.1f} times a second")
    if "foot_slide" in report.misses:
        warnings.append(f"planted feet slide {report.foot_slide:.1%} of the height per frame")
    if report.ground_penetration > 0.01:
        warnings.append(f"the figure sinks {report.ground_penetration:.0%} of its height below the ground")
    return report, warnings


def measure_retarget(plan, result) -> tuple[QualityReport, list[str]]:
    """Measure a RetargetResult on the RigPlan it was retargeted onto (bones in plan order)."""
    rest = plan.vertices_world[:, [0, 2]]
    limbs = np.any(result.layer_offset != 0, axis=0)
    layer_absolute = _world_delta(plan.bones, result.layer_offset)[:, limbs]
    names = [b.name for b in plan.bones]
    foot_names = [n for n in result.contacts if n in names]
    feet = contacts = None
    if foot_names:
        heads, _ = pose_2d(plan.bones, result.rotation, result.root_location, scale=plan.scale)
        feet = heads[:, [names.index(n) for n in foot_names]]
        contacts = np.stack([result.contacts[n] for n in foot_names], axis=1)
    drawn = drawn_triangles(plan.triangles, plan.vertex_depth)     # the hidden underlay is not the drawing
    triangle_part = [part_of(names[b]) for b in np.asarray(plan.triangle_bone)[drawn]]
    lowest = [np.inf]

    def blocks():  # the clip posed a block of frames at a time, its lowest point noted on the way
        for frames_in, posed in posed_blocks(plan, result.rotation, result.root_location):
            lowest[0] = min(lowest[0], float(posed[..., 1].min()))
            yield frames_in, posed

    return measure_maps(*triangle_maps_of_blocks(rest, blocks(), len(result.rotation), plan.triangles[drawn]),
                        lowest[0], result.fps, layer_absolute, feet, contacts, triangle_part)


def verdict(report: QualityReport, analysis_doubts: list[str] = ()) -> str:
    """"good" (every target met), "fair" (missed by less than 2x) or "poor". A rig built from
    joints the vision models doubted (`analysis_warnings`) is never "good": the motion may be
    measured right on a skeleton that is wrong; with `POOR_DOUBTS` doubts or more it is "poor"."""
    if not report.misses:
        measured = "good"
    else:
        worst = max(getattr(report, name) / TARGETS[name] for name in report.misses)
        measured = "fair" if worst < 2.0 else "poor"
    if len(analysis_doubts) >= POOR_DOUBTS:
        return "poor"
    return "fair" if analysis_doubts and measured == "good" else measured


def analysis_warnings(joint_names: list[str], joint_conf, person_score: float | None = None) -> list[str]:
    """Plain sentences for what the drawing's analysis doubted: joints found with confidence
    under `LOW_JOINT_CONFIDENCE`, and a figure that scores under `LOW_PERSON_SCORE` as a person
    (detector score × mean joint confidence, `models.analyze.person_likeness`)."""
    out = []
    conf = np.asarray(joint_conf, float).reshape(-1)
    low = [(c, name) for name, c in zip(joint_names, conf) if c < LOW_JOINT_CONFIDENCE]
    if low:
        listed = ", ".join(f"{name.replace('_', ' ')} ({c:.2f})" for c, name in sorted(low))
        out.append(f"joints found with low confidence, check them: {listed}")
    if person_score is not None and person_score < LOW_PERSON_SCORE:
        out.append(f"figure may not be a person (person score {person_score:.2f})")
    return out


def part_warnings(stretch: np.ndarray, folds: np.ndarray, area: np.ndarray, triangle_part: list[str]) -> list[str]:
    """Plain sentences for body parts that stretch past the target or fold, with the frames."""
    labels = np.asarray(triangle_part)
    parts = list(dict.fromkeys(triangle_part))
    columns = [np.flatnonzero(labels == part) for part in parts]
    stretched = np.empty((len(parts), len(stretch)))
    folded = np.empty_like(stretched)
    for start in range(0, len(stretch), PERCENTILE_ROWS):   # a part's columns of the whole clip were a copy
        rows = slice(start, start + PERCENTILE_ROWS)
        for k, inside in enumerate(columns):
            stretched[k, rows] = weighted_percentile(stretch[rows, inside], area[inside], 0.95)
            folded[k, rows] = folded_share(folds[rows, inside], area[inside])
    out = []
    for part, per_frame, share in zip(parts, stretched, folded):
        bad = np.flatnonzero(per_frame > TARGETS["stretch_p99"])
        if len(bad):
            out.append(f"{part} stretched {per_frame.max():.1f}x in frames {_frame_span(bad)}")
        bad = np.flatnonzero(share > 0.05)
        if len(bad):
            out.append(f"{part} folds over itself ({share.max():.0%} of it) in frames {_frame_span(bad)}")
    return out


def folded_share(folds: np.ndarray, area: np.ndarray) -> np.ndarray:
    """(T,) folded share of the area in each frame of folds (T, M), PERCENTILE_ROWS frames at a time."""
    return np.concatenate([(folds[k:k + PERCENTILE_ROWS] * area).sum(axis=1)
                           for k in range(0, len(folds), PERCENTILE_ROWS)]) / area.sum()


def _frame_span(frames: np.ndarray) -> str:
    """Scene frames (1-based) of the longest run, and how many other frames there are."""
    runs = np.split(frames, np.flatnonzero(np.diff(frames) > 1) + 1)
    longest = max(runs, key=len)
    text = f"{longest[0] + 1}–{longest[-1] + 1}" if len(longest) > 1 else f"{longest[0] + 1}"
    rest = len(frames) - len(longest)
    return text + (f" (and {rest} more)" if rest else "")


def part_of(bone_name: str) -> str:
    for prefix, part in PART_NAMES.items():
        if bone_name.startswith(prefix):
            return part
    return bone_name.replace("_", " ")
