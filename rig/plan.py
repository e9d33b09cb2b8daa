"""`RigPlan`: everything Blender needs to build a rigged character, as plain data.

texture + mask + CharacterConfig → mesh (pixels, UVs), bones, skin weights, part labels and
the pixel → world mapping (docs/ARCHITECTURE.md, "Coordinates").
"""

from __future__ import annotations

import dataclasses

import os
import re
import unicodedata
from dataclasses import dataclass, field

import numpy as np

from ..formats.char_cfg import CharacterConfig
from .character import mask_alpha, rgba_from_rgb
from .mesh import mesh_from_mask, uvs_for
from .skeleton import BonePlan, body_config, plan_bones
from .flaps import split_flaps
from .underlay import UNDERLAY_DEPTH, Underlay, limb_underlay
from .weights import skin_weights, triangle_labels

CHARACTER_HEIGHT = 2.0    # world units: every character is this tall
SMOOTHING_ROUNDS = 40     # neighbour averagings of the weights within each flap (rig.weights.smooth_weights)
MAX_NAME_LENGTH = 48      # leaves room for suffixes within Blender's 63-byte names


@dataclass
class SnappedJoint:
    name: str
    original_uv: tuple[float, float]
    uv: tuple[float, float]

    @property
    def distance_px(self) -> float:
        return float(np.hypot(self.uv[0] - self.original_uv[0], self.uv[1] - self.original_uv[1]))


@dataclass
class RigPlan:
    name: str
    texture: np.ndarray                 # (H, W, 4) uint8 RGBA, alpha = mask * 255
    mask: np.ndarray                    # (H, W) bool
    config: CharacterConfig             # joints as rigged (snapped into the mesh)
    scale: float                        # world units per pixel
    origin_uv: tuple[float, float]      # pixel that maps to world (0, 0, 0)
    vertices_uv: np.ndarray             # (N, 2) float64 pixels
    triangles: np.ndarray               # (M, 3) int32, counter-clockwise as seen from the camera
    uvs: np.ndarray                     # (N, 2) float32 texture coordinates
    bones: list[BonePlan]
    weights: np.ndarray                 # (N, B) float32, rows sum to 1, columns in `bones` order
    triangle_bone: np.ndarray           # (M,) int32 index into `bones`
    snapped_joints: list[SnappedJoint] = field(default_factory=list)  # joints moved into the mesh
    joint_vertex: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # (J,) vertex per joint
    depth: np.ndarray | None = None     # (N,) world units behind the drawing: > 0 for the underlay (rig.underlay)
    analysis_warnings: list[str] = field(default_factory=list)  # what the vision models doubted (motions.quality)
    features: list = field(default_factory=list)  # rig.features.FeaturePlan per feature beyond the body, in order
    edited_face: object | None = None   # models.face.Face in texture pixels placed by the artist: rigged as it
                                        # is instead of looking for the face on the texture
    spacing: float = 0.0                # the mesh's interior grid spacing, pixels (rig.mesh)

    def to_world(self, uv) -> np.ndarray:
        """(..., 2) pixels → (..., 3) world xyz on the y = 0 plane."""
        uv = np.asarray(uv, dtype=np.float64)
        x = (uv[..., 0] - self.origin_uv[0]) * self.scale
        z = (self.origin_uv[1] - uv[..., 1]) * self.scale
        return np.stack([x, np.zeros_like(x), z], axis=-1)

    @property
    def vertices_world(self) -> np.ndarray:
        return self.to_world(self.vertices_uv)

    @property
    def vertex_depth(self) -> np.ndarray:
        return self.depth if self.depth is not None else np.zeros(len(self.vertices_uv))


def build_rig_plan(texture: np.ndarray, mask: np.ndarray, config: CharacterConfig, name: str,
                   density: float = 1.0) -> RigPlan:
    """Mesh the mask, snap joints into it, derive bones and weights. `name` may be a file path."""
    mask = np.asarray(mask, dtype=bool)
    if texture.shape[:2] != mask.shape:
        raise ValueError(f"texture {texture.shape[:2]} and mask {mask.shape} differ in size")
    parents = [config.index(j.parent) if j.parent is not None else -1 for j in config.joints]
    mesh = mesh_from_mask(mask, config.locs(), parents, density=density)
    rigged = config.with_locs(mesh.joint_locs)
    snapped = [SnappedJoint(config.joints[j].name, old, new) for j, (old, new) in sorted(mesh.snapped.items())]

    # The mesh's extent (the outline through the mask's extreme pixel rows): feet exactly on z = 0.
    top, bottom = float(mesh.vertices[:, 1].min()), float(mesh.vertices[:, 1].max())
    scale = CHARACTER_HEIGHT / max(bottom - top, 1.0)
    origin = (float(rigged.root.loc[0]), bottom)   # feet on z = 0, root above the world origin

    # Extra limbs are a feature (rig.extra_limbs): the body is skinned to its own joints' bones.
    body = body_config(rigged)
    bones = plan_bones(body, character_height_px=bottom - top)
    body_mesh = dataclasses.replace(mesh, joint_vertex=mesh.joint_vertex[[rigged.index(n) for n in body.names]])
    weights, _ = skin_weights(body_mesh, bones)
    vertices, triangles, weights, source = split_flaps(mesh.vertices, mesh.triangles, weights, bones, SMOOTHING_ROUNDS)
    rgba = rgba_from_rgb(texture)
    rgba[..., 3] = mask_alpha(mask)
    height, width = mask.shape
    plan = RigPlan(
        name=sanitize_name(name), texture=rgba, mask=mask, config=rigged, scale=scale, origin_uv=origin,
        vertices_uv=vertices, triangles=triangles.astype(np.int32), uvs=uvs_for(vertices, width, height),
        bones=bones, weights=weights, triangle_bone=triangle_labels(weights, triangles), snapped_joints=snapped,
        joint_vertex=mesh.joint_vertex, depth=np.zeros(len(vertices)), spacing=mesh.spacing,
    )
    # The body under each limb's root, behind the drawing, sampling the body's own texture.
    return with_underlay(plan, limb_underlay(vertices, triangles, weights, source, bones, mask, mesh.spacing))


def with_underlay(plan: RigPlan, under: Underlay) -> RigPlan:
    """A copy of `plan` with an underlay's vertices and triangles appended behind the drawing."""
    height, width = plan.mask.shape
    weights = np.concatenate([plan.weights, under.weights])
    triangles = np.concatenate([plan.triangles, under.triangles + len(plan.vertices_uv)]).astype(np.int32)
    return dataclasses.replace(
        plan, vertices_uv=np.concatenate([plan.vertices_uv, under.vertices]), triangles=triangles,
        uvs=np.concatenate([plan.uvs, uvs_for(under.texture_points, width, height)]), weights=weights,
        depth=np.concatenate([plan.vertex_depth, np.full(len(under.vertices), UNDERLAY_DEPTH)]),
        triangle_bone=triangle_labels(weights, triangles))


def drawing_only(plan: RigPlan) -> RigPlan:
    """A copy of `plan` without its underlay (`with_underlay` appends it after the drawing)."""
    drawn = int(np.count_nonzero(plan.vertex_depth == 0))
    triangles = plan.triangles[(plan.triangles < drawn).all(axis=1)]
    return dataclasses.replace(
        plan, vertices_uv=plan.vertices_uv[:drawn], triangles=triangles, uvs=plan.uvs[:drawn],
        weights=plan.weights[:drawn], depth=plan.vertex_depth[:drawn],
        triangle_bone=triangle_labels(plan.weights, triangles))


def sanitize_name(name: str | os.PathLike) -> str:
    """A drawing's file name (or path) → a short ASCII identifier safe for Blender data and files."""
    stem = os.path.splitext(os.path.basename(os.fspath(name).rstrip("/\\")))[0]
    stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()  # é → e
    clean = re.sub(r"[^A-Za-z0-9_-]+", "_", stem).strip("_-")
    return clean[:MAX_NAME_LENGTH].rstrip("_-") or "drawing"
