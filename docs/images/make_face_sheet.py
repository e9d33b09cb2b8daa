"""Make docs/images/face_rig.png: the face rig on shared drawings, one row per drawing, one
column per control setting (open, half blink, closed, smile, frown, mouth open, looking left,
looking right), rendered by the flat renderer from the character the add-on builds (the
face found by the pipeline on the drawing, not the hand labels).

    .venv/bin/python docs/images/make_face_sheet.py [--data ../shared/data/drawings/annotated]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np

IMAGES = Path(__file__).resolve().parent
REPO = IMAGES.parents[1]
DRAWINGS = ("AnimatedDrawings_Server-Backend__example1", "Ajaypawar02_AnimatedDrawings__garlic_out",
            "ihayvuk_AnimatedDrawings__professor_cat", "A2S-LAB_AnimatedTale__garlic_out")
STATES = (("open", {}), ("half", {"blink": 0.5}), ("closed", {"blink": 1.0}), ("smile", {"smile": 1.0}),
          ("frown", {"smile": -1.0}), ("mouth", {"mouth_open": 1.0, "smile": 0.5}),
          ("look left", {"gaze_x": -1.0}), ("look right", {"gaze_x": 1.0}))
CELL = 110
PAPER = np.array([246, 243, 236], np.float32)


def face_row(folder: Path) -> np.ndarray:
    import bpy

    import animate_drawing
    from animate_drawing.addon.output import render, scene_setup
    from animate_drawing.addon.build.character import build_character, plan_from_character_dir

    bpy.ops.wm.read_factory_settings(use_empty=True)
    animate_drawing.register()
    armature = build_character(bpy.context, plan_from_character_dir(folder))
    face = armature.animate_drawing.face_object
    if face is None:
        raise SystemExit(f"{folder.name}: no face rig ({armature.animate_drawing.face_notes})")
    for frame, (_, values) in enumerate(STATES, 1):
        for control in ("blink", "smile", "mouth_open", "gaze_x", "gaze_y"):
            if control in armature.keys():
                armature[control] = values.get(control, 0.0)
                armature.keyframe_insert(f'["{control}"]', frame=frame)
    scene = bpy.context.scene
    scene_setup.configure_render(scene, "flat", CELL * 3, CELL * 3, 30)
    co = np.array([v.co for v in face.data.vertices])
    (x0, _, z0), (x1, _, z1) = co.min(0), co.max(0)
    pad = 0.15 * max(x1 - x0, z1 - z0)
    scene_setup.frame_camera(scene, (x0 - pad, x1 + pad, z0 - pad, z1 + pad), margin=0.0)
    cells = []
    for _, rgba in render.render_frames(scene, "flat", range(1, len(STATES) + 1)):
        alpha = rgba[..., 3:] / 255.0
        rgb = rgba[..., :3] * alpha + PAPER * (1 - alpha)
        cells.append(cv2.resize(rgb.astype(np.uint8), (CELL, CELL), interpolation=cv2.INTER_AREA))
    return np.concatenate([np.pad(c, ((2, 2), (2, 2), (0, 0)), constant_values=160) for c in cells], 1)


def header(width: int) -> np.ndarray:
    strip = np.full((22, width, 3), 255, np.uint8)
    for i, (name, _) in enumerate(STATES):
        cv2.putText(strip, name, (i * (CELL + 4) + 6, 16), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (40, 40, 40), 1,
                    cv2.LINE_AA)
    return strip


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data" / "drawings" / "annotated")
    args = parser.parse_args(argv)
    rows = [face_row(args.data / name) for name in DRAWINGS]
    sheet = np.concatenate([header(rows[0].shape[1]), *rows], 0)
    cv2.imwrite(str(IMAGES / "face_rig.png"), sheet[..., ::-1], [cv2.IMWRITE_PNG_COMPRESSION, 9])
    print(IMAGES / "face_rig.png", sheet.shape)


if __name__ == "__main__":
    main()
