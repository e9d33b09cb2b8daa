"""Rig build speed on every annotated drawing: mesh, weights and the whole `build_rig_plan`.

Target: the pure part ≤ 80 ms per character (the Blender objects come on top, ≤ 150 ms total).
Also writes overlays (mesh, bones, weight colours, snapped joints) for three drawings to /tmp.
"""

from __future__ import annotations

import os
import statistics
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from animate_drawing.rig.character import load_character_dir  # noqa: E402
from animate_drawing.rig.mesh import mesh_from_mask  # noqa: E402
from animate_drawing.rig.plan import RigPlan, build_rig_plan  # noqa: E402
from animate_drawing.rig.skeleton import plan_bones  # noqa: E402
from animate_drawing.rig.weights import skin_weights  # noqa: E402

ANNOTATED = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "drawings" / "annotated"
OVERLAYS = ("Ajaypawar02_AnimatedDrawings__garlic_out", "mikaelapisani_AnimatedDrawings-JM__output_2",
            "AnimatedDrawings_Server-Backend__garlic")
REPEATS = 5


def _median_ms(function, repeats: int = REPEATS):
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = function()
        times.append((time.perf_counter() - start) * 1000.0)
    return statistics.median(times), result


def save_overlay(plan: RigPlan, path: str | Path, long_side: int = 1000) -> None:
    """Texture under translucent weight colours, mesh edges, bones (non-deforming in red) and
    snapped joints (red circles)."""
    height, width = plan.mask.shape
    zoom = max(1.0, long_side / max(height, width))
    base = cv2.resize(cv2.cvtColor(plan.texture, cv2.COLOR_RGBA2BGR), (int(width * zoom), int(height * zoom)),
                      interpolation=cv2.INTER_NEAREST)
    hues = (np.arange(len(plan.bones)) * 0.618034) % 1.0          # golden-ratio steps: neighbours differ
    palette = cv2.cvtColor(np.uint8([[[h * 179, 200, 255] for h in hues]]), cv2.COLOR_HSV2BGR)[0].astype(float)
    colours = plan.weights @ palette
    corners = ((plan.vertices_uv + 0.5) * zoom)[plan.triangles].astype(np.int32)
    painted = base.copy()
    for tri, colour in zip(corners, colours[plan.triangles].mean(axis=1)):
        cv2.fillConvexPoly(painted, tri, colour.tolist())
    out = cv2.addWeighted(painted, 0.6, base, 0.4, 0)
    cv2.polylines(out, list(corners), True, (50, 50, 50), 1)
    for bone, colour in zip(plan.bones, palette):
        head = tuple(((np.array(bone.head_uv) + 0.5) * zoom).astype(int))
        tail = tuple(((np.array(bone.tail_uv) + 0.5) * zoom).astype(int))
        cv2.arrowedLine(out, head, tail, (0, 0, 0) if bone.deform else (0, 0, 255), 3, tipLength=0.15)
        cv2.arrowedLine(out, head, tail, colour.tolist(), 1, tipLength=0.15)
    for snapped in plan.snapped_joints:
        cv2.circle(out, tuple(((np.array(snapped.uv) + 0.5) * zoom).astype(int)), 7, (0, 0, 255), 2)
    cv2.imwrite(str(path), out)


def main() -> None:
    folders = sorted(p.parent for p in ANNOTATED.glob("*/mask.png")) if ANNOTATED.is_dir() else []
    if not folders:
        print(f"no annotated drawings under {ANNOTATED}")
        return
    print(f"{'drawing':44s} {'size':>9s} {'verts':>6s} {'tris':>6s} {'mesh ms':>8s} {'weights ms':>10s} "
          f"{'total ms':>8s} {'snapped':>7s}")
    totals = []
    for folder in folders:
        texture, mask, config = load_character_dir(folder)
        parents = [config.index(j.parent) if j.parent is not None else -1 for j in config.joints]
        mesh_ms, mesh = _median_ms(lambda: mesh_from_mask(mask, config.locs(), parents))
        bones = plan_bones(config.with_locs(mesh.joint_locs))
        weights_ms, _ = _median_ms(lambda: skin_weights(mesh, bones))
        total_ms, plan = _median_ms(lambda: build_rig_plan(texture, mask, config, folder.name))
        totals.append(total_ms)
        print(f"{folder.name[:44]:44s} {mask.shape[1]:>4d}x{mask.shape[0]:<4d} {len(plan.vertices_uv):>6d} "
              f"{len(plan.triangles):>6d} {mesh_ms:>8.1f} {weights_ms:>10.1f} {total_ms:>8.1f} "
              f"{len(plan.snapped_joints):>7d}")
        if folder.name in OVERLAYS:
            save_overlay(plan, f"/tmp/bench_rig_{folder.name}.png")
    print(f"build_rig_plan: median {statistics.median(totals):.1f} ms, max {max(totals):.1f} ms "
          f"(target ≤ 80 ms pure); overlays in /tmp/bench_rig_*.png")


if __name__ == "__main__":
    main()
