"""How good a character's motion looks, in Blender: measured when a clip is keyed, stored on its
Action (so a saved .blend still knows), read back for summary.json, the panel and
`animate-drawing inspect`.

`measure_motion` measures a RetargetResult with numpy skinning (`motions.quality`);
`inspect_character` measures what Blender itself evaluates, frame by frame, from a saved file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import bpy

from ...motions import quality
from ...rig.underlay import drawn_triangles
from ...rig.weights import hanging_limbs, triangle_labels
from .build_armature import bone_plans

QUALITY_KEY = "animate_drawing_quality"    # JSON on the Action: verdict, quality, warnings, contacts
DOUBTS_KEY = "animate_drawing_analysis_warnings"   # JSON list on the armature: what the analysis doubted


@dataclass
class ObjectsPlan:
    """The parts of a RigPlan that `motions.quality` needs, read back from the Blender objects."""
    bones: list
    vertices_uv: np.ndarray
    triangles: np.ndarray
    weights: np.ndarray
    scale: float
    origin_uv: tuple[float, float]
    vertex_depth: np.ndarray          # (N,) > 0 for the underlay behind the drawing

    @property
    def triangle_bone(self) -> np.ndarray:
        return triangle_labels(self.weights, self.triangles)

    @property
    def vertices_world(self) -> np.ndarray:
        x = (self.vertices_uv[:, 0] - self.origin_uv[0]) * self.scale
        z = (self.origin_uv[1] - self.vertices_uv[:, 1]) * self.scale
        return np.stack([x, np.zeros_like(x), z], axis=1)


def plan_from_objects(armature: bpy.types.Object) -> ObjectsPlan:
    props = armature.animate_drawing
    mesh = props.mesh_object.data
    scale, origin = props.scale, tuple(props.origin_uv)
    co = np.empty(len(mesh.vertices) * 3, np.float32)
    mesh.vertices.foreach_get("co", co)
    co = co.reshape(-1, 3).astype(np.float64)
    corners = np.empty(len(mesh.loops), np.int32)
    mesh.loops.foreach_get("vertex_index", corners)
    bones = bone_plans(armature, scale, origin)
    column = {b.name: i for i, b in enumerate(bones)}
    groups = {g.index: column.get(g.name) for g in props.mesh_object.vertex_groups}
    weights = np.zeros((len(co), len(bones)))
    for vertex in mesh.vertices:
        for element in vertex.groups:
            if groups.get(element.group) is not None:
                weights[vertex.index, groups[element.group]] = element.weight
    weights /= np.maximum(weights.sum(axis=1, keepdims=True), 1e-12)
    uv = np.stack([co[:, 0] / scale + origin[0], origin[1] - co[:, 2] / scale], axis=1)
    return ObjectsPlan(bones, uv, corners.reshape(-1, 3), weights, scale, origin, co[:, 1])


def remember_doubts(armature: bpy.types.Object, doubts: list[str]) -> None:
    """Keep the analysis' doubts on the character, so every clip keyed on it is judged with them."""
    if doubts:
        armature[DOUBTS_KEY] = json.dumps(list(doubts))


def doubts(armature: bpy.types.Object) -> list[str]:
    text = armature.get(DOUBTS_KEY)
    return json.loads(text) if text else []


def measure_motion(armature: bpy.types.Object, result) -> dict:
    """{verdict, quality, warnings, contacts} of a RetargetResult keyed on `armature`: the
    measured motion, judged together with what the drawing's analysis doubted."""
    report, warnings = quality.measure_retarget(plan_from_objects(armature), result)
    doubted = doubts(armature)
    return {"verdict": quality.verdict(report, doubted), "quality": report.as_dict(), "warnings": doubted + warnings,
            "contacts": {bone: flags.astype(int).tolist() for bone, flags in result.contacts.items()}}


def store(action: bpy.types.Action, info: dict) -> None:
    action[QUALITY_KEY] = json.dumps(info)


def stored(action: bpy.types.Action | None) -> dict | None:
    text = action.get(QUALITY_KEY) if action is not None else None
    return json.loads(text) if text else None


def summary_keys(scene: bpy.types.Scene) -> dict:
    """summary.json keys for the characters animated in `scene`: `quality` (the metrics and
    verdict) and `warnings` (plain sentences), from the first character whose Action has them."""
    for ob in scene.objects:
        anim = ob.animation_data if ob.type == "ARMATURE" else None
        info = stored(anim.action) if anim is not None else None
        if info:
            return {"quality": {"verdict": info["verdict"], **info["quality"]}, "warnings": info["warnings"]}
    return {}


def inspect_character(scene: bpy.types.Scene, armature: bpy.types.Object) -> tuple[quality.QualityReport, list[str]]:
    """Measure what Blender evaluates, frame by frame over the scene range: the deformed mesh
    (stretch, folds, ground), the limbs' depth (side flips) and the planted feet stored with the
    Action (slide)."""
    plan = plan_from_objects(armature)
    mesh_obj = armature.animate_drawing.mesh_object
    frames = range(scene.frame_start, scene.frame_end + 1)
    limbs = [b.name for b, hanging in zip(plan.bones, hanging_limbs(plan.bones)) if hanging]
    info = stored(armature.animation_data.action if armature.animation_data else None) or {}
    feet_names = [n for n in info.get("contacts", {}) if n in armature.pose.bones]
    posed, layers, feet = [], [], []
    for frame in frames:
        scene.frame_set(frame)
        depsgraph = bpy.context.evaluated_depsgraph_get()
        evaluated = mesh_obj.evaluated_get(depsgraph)
        co = np.empty(len(evaluated.data.vertices) * 3, np.float32)
        evaluated.data.vertices.foreach_get("co", co)
        posed.append(co.reshape(-1, 3)[:, [0, 2]])
        # Toward the camera is −Y: a limb's head y says which side of the body it is on.
        layers.append([-armature.pose.bones[n].head.y for n in limbs])
        feet.append([np.array(armature.pose.bones[n].head)[[0, 2]] for n in feet_names])
    contacts = np.array([info["contacts"][n] for n in feet_names], bool).T if feet_names else None
    fps = scene.render.fps / scene.render.fps_base
    layer = np.round(np.array(layers) / 1e-4) * 1e-4          # float noise is no side
    drawn = drawn_triangles(plan.triangles, plan.vertex_depth)
    return quality.measure(plan.vertices_world[:, [0, 2]], np.array(posed, float), plan.triangles[drawn], fps,
                           layer, np.array(feet, float) if feet_names else None,
                           contacts[:len(posed)] if contacts is not None else None,
                           [quality.part_of(plan.bones[b].name) for b in plan.triangle_bone[drawn]])
