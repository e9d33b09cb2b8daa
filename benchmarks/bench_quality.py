"""Picture quality of every annotated biped drawing × every library and shared BVH clip.

Per pair: stretch p99, folded area mean/max, limb side flips per second, planted-foot slide,
ground penetration, and PASS or the targets MISSed (`motions.quality.TARGETS`). Measured on the
numpy-skinned mesh (as Blender's Armature modifier deforms it), no rendering.

    python -m benchmarks.bench_quality [--sheet PNG] [--json FILE] [--clips a,b] [--drawings x,y]

--sheet writes a contact sheet of each pair's worst frame (rows: drawings, columns: clips),
--json every row, for before/after comparisons.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

from animate_drawing.imaging.raster import TexturedMesh, shade  # noqa: E402
from animate_drawing.imaging.image_file import write_png  # noqa: E402
from animate_drawing.models.overlay import contact_sheet  # noqa: E402
from animate_drawing.models.extra_limbs import find_extra_limbs, limb_joints  # noqa: E402
from animate_drawing.models.joints import AD_NAMES  # noqa: E402
from animate_drawing.motions.bvh import load_bvh  # noqa: E402
from animate_drawing.motions.extra_limbs import follow_extra_limbs  # noqa: E402
from animate_drawing.motions.ground import keep_above_ground  # noqa: E402
from animate_drawing.motions.library import list_clips  # noqa: E402
from animate_drawing.motions.quality import TARGETS, measure_retarget, posed_depth, posed_vertices  # noqa: E402
from animate_drawing.motions.retarget import RetargetOptions, retarget  # noqa: E402
from animate_drawing.rig.character import load_character_dir  # noqa: E402
from animate_drawing.rig.extra_limbs import EXTRA_LIMBS  # noqa: E402
from animate_drawing.rig.features import add_features  # noqa: E402
from animate_drawing.rig.plan import build_rig_plan  # noqa: E402

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
NOT_BIPEDS = {"A2S-LAB_AnimatedTale__test_2"}   # the pig: a quadruped
FPS = 30.0
CELL = 72


def drawings() -> list[Path]:
    folder = SHARED / "drawings" / "annotated"
    return [p.parent for p in sorted(folder.glob("*/mask.png")) if p.parent.name not in NOT_BIPEDS]


def clips() -> list[tuple[str, str, bool]]:
    """(name, path, cyclic): the library's clips loop as the add-on plays them; shared ones do not."""
    shared = sorted((SHARED / "bvh").glob("*/*.bvh"))
    return [(cid, path, True) for cid, _, path in list_clips()] + [(p.stem, str(p), False) for p in shared]


def rigged_plan(folder: Path):
    """The folder's character as the add-on rigs it: extra limbs the analysis finds on its
    annotated joints (a tail) listed as joints, and bones for them (the extra limbs feature)."""
    texture, mask, config = load_character_dir(folder)
    loc = {joint.name: joint.loc for joint in config.joints}
    found = find_extra_limbs(mask, np.array([loc[name] for name in AD_NAMES], float))
    config.joints = list(config.joints) + limb_joints(found)
    return add_features(build_rig_plan(texture, mask, config, folder.name), [EXTRA_LIMBS])


def render_frame(plan, result, frame: int, size: int = CELL * 2) -> np.ndarray:
    """The posed drawing at `frame`, framed on its own extent, through the flat rasteriser."""
    rotation = result.rotation[frame:frame + 1]
    xz = posed_vertices(plan, rotation, result.root_location[frame:frame + 1])[0]
    depth = posed_depth(plan, result.layer_offset[frame:frame + 1])[0]
    low, high = xz.min(axis=0), xz.max(axis=0)
    zoom = (size - 4) / max(high - low)
    pixels = np.stack([(xz[:, 0] - low[0]) * zoom + 2, (high[1] - xz[:, 1]) * zoom + 2, depth], axis=1)
    mesh = TexturedMesh(plan.triangles, plan.uvs[plan.triangles].astype(np.float32), plan.texture)
    rgba = shade([mesh], [pixels], size, size)
    alpha = rgba[..., 3:] / 255.0
    return (rgba[..., :3] * alpha + 246 * (1 - alpha)).astype(np.uint8)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sheet")
    parser.add_argument("--json")
    parser.add_argument("--clips")
    parser.add_argument("--drawings")
    args = parser.parse_args(argv if argv is not None else [])
    folders = [f for f in drawings() if not args.drawings or any(k in f.name for k in args.drawings.split(","))]
    chosen = [c for c in clips() if not args.clips or c[0] in args.clips.split(",")]
    if not folders:
        print(f"no annotated drawings under {SHARED}")
        return
    loaded = [(name, load_bvh(path), cyclic) for name, path, cyclic in chosen]
    print(f"targets: stretch p99 ≤ {TARGETS['stretch_p99']}, folded ≤ {TARGETS['folded_mean']:.1%} mean and "
          f"≤ {TARGETS['folded_max']:.1%} max, ≤ {TARGETS['flips_per_s']} flips/s, "
          f"slide ≤ {TARGETS['foot_slide']:.1%} height/frame")
    print(f"{'drawing':28s} {'clip':14s} {'frames':>6s} {'p99':>6s} {'fold%':>6s} {'max%':>6s} {'flips/s':>7s} "
          f"{'slide%':>6s} {'sink%':>6s}  verdict")
    rows, cells, labels = [], [], []
    started = time.perf_counter()
    for folder in folders:
        plan = rigged_plan(folder)
        for name, clip, cyclic in loaded:
            result = retarget(clip, plan.bones, options=RetargetOptions(fps=FPS, cyclic=cyclic), scale=plan.scale)
            follow_extra_limbs(result, plan.bones, plan.scale)  # as addon.animate.motion.retarget_track does
            keep_above_ground(plan, result)
            report, _ = measure_retarget(plan, result)
            row = {"drawing": folder.name, "clip": name, **report.as_dict()}
            rows.append(row)
            verdict = "PASS" if not report.misses else "MISS " + ",".join(report.misses)
            print(f"{folder.name[-28:]:28s} {name[:14]:14s} {report.frames:>6d} {report.stretch_p99:>6.2f} "
                  f"{100 * report.folded_mean:>6.2f} {100 * report.folded_max:>6.2f} {report.flips_per_s:>7.2f} "
                  f"{100 * report.foot_slide:>6.2f} {100 * report.ground_penetration:>6.2f}  {verdict}", flush=True)
            if args.sheet:
                cells.append(render_frame(plan, result, report.worst_frame))
                labels.append(f"{report.stretch_p99:.1f} {100 * report.folded_max:.1f}%")
    passed = sum(not r["misses"] for r in rows)
    print(f"\n{passed} of {len(rows)} pairs meet every target ({time.perf_counter() - started:.0f} s)")
    for key in TARGETS:
        values = [r[key] for r in rows]
        met = sum(v <= TARGETS[key] for v in values)
        print(f"  {key:12s} met {met:>3d}/{len(rows)}  median {statistics.median(values):.4g}  worst {max(values):.4g}")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))
    if args.sheet:
        write_png(args.sheet, contact_sheet(cells, labels, cell=CELL, columns=len(loaded)))
        print(f"worst frames: {args.sheet} (rows: drawings, columns: {', '.join(n for n, _, _ in loaded)})")


if __name__ == "__main__":
    import sys
    main(sys.argv[1:])
