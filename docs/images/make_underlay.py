"""docs/images/underlay_before_after.png: limb flaps without and with the body underlay.

For a few shared drawings on a third-party BVH clip and a library clip, the frame where an arm
or leg turns farthest at the shoulder or hip, rendered by the flat rasteriser twice: the
drawing's own triangles only (the rig before `rig/underlay.py`: paper shows in the cut), then
the whole rig (the underlay behind).

    PYTHONPATH=.. python -m animate_drawing.docs.images.make_underlay
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from animate_drawing.benchmarks.bench_quality import FPS, clips, drawings, render_frame
from animate_drawing.imaging.image_file import write_png
from animate_drawing.models.overlay import contact_sheet
from animate_drawing.motions.bvh import load_bvh
from animate_drawing.motions.ground import keep_above_ground
from animate_drawing.motions.retarget import RetargetOptions, retarget
from animate_drawing.rig.character import load_character_dir
from animate_drawing.rig.plan import build_rig_plan
from animate_drawing.rig.underlay import drawn_triangles
from animate_drawing.rig.weights import hanging_limbs

DRAWINGS = ("boyHERE", "char8", "Backend__garlic", "professor_cat")
CLIPS = (("jumping_jacks", False), ("jump", True))     # (name, cyclic): cmu1's BVH, the library's
CELL = 220
OUT = Path(__file__).with_name("underlay_before_after.png")


def widest_turn(plan, result) -> int:
    """The frame where some limb turns farthest from its drawn pose at its root joint."""
    limbs = np.flatnonzero(hanging_limbs(plan.bones))
    return int(np.argmax(np.abs(result.rotation[:, limbs]).max(axis=1)))


def main() -> None:
    cells, labels = [], []
    chosen = {name: next(c for c in clips() if c[0] == name and c[2] == cyclic) for name, cyclic in CLIPS}
    for key in DRAWINGS:
        folder = next(f for f in drawings() if key in f.name)
        texture, mask, config = load_character_dir(folder)
        plan = build_rig_plan(texture, mask, config, folder.name)
        bare = build_rig_plan(texture, mask, config, folder.name)
        bare.triangles = plan.triangles[drawn_triangles(plan.triangles, plan.vertex_depth)]
        for name, path, cyclic in chosen.values():
            result = retarget(load_bvh(path), plan.bones, options=RetargetOptions(fps=FPS, cyclic=cyclic),
                              scale=plan.scale)
            keep_above_ground(plan, result)
            frame = widest_turn(plan, result)
            for rig, what in ((bare, "before"), (plan, "after")):
                cells.append(render_frame(rig, result, frame, size=CELL))
                labels.append(f"{what} {key[:10]} {name[:8]} {frame + 1}")
    write_png(OUT, contact_sheet(cells, labels, cell=CELL, columns=4))
    print(OUT)


if __name__ == "__main__":
    main()
