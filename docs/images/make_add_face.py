"""Make docs/images/add_face.png: the review's Add Face on shared drawings, as the overlay draws
it (the add-on's GPU drawing, off screen): the eyes and mouth it places on the head, from the
pose net's joints and the figure's mask. The first drawing has no face drawn (none is found);
on the others the found face is removed first, so the markers can be compared with the drawn
eyes and mouth they would be dragged onto.

    .venv/bin/python docs/images/make_add_face.py [--data ../shared/data/drawings]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from make_images import IMAGES, REPO, on_paper, save_png, start_overlay_drawing

DRAWINGS = ("annotated/mikaelapisani_AnimatedDrawings-JM__output/texture.png", "raw/input_0016.png",
            "annotated/limefresh5455_animation_drawing__boyHERE/texture.png")
WIDTH, HEIGHT = 240, 200   # each panel: the top of the drawing (the head) at this width


def add_face_picture(bpy, drawing: Path) -> np.ndarray:
    from animate_drawing.addon.ui import review_overlay

    bpy.ops.animate_drawing.ui_review_drawing(filepath=str(drawing))
    stored = bpy.context.scene.animate_drawing_analysis
    if stored.figures[0]["face"] is not None:
        bpy.ops.animate_drawing.ui_remove_face(figure=0)
    bpy.ops.animate_drawing.ui_add_face(figure=0)
    rgba = review_overlay.review_picture(review_overlay.load_review_image(stored), stored.figures, 0, WIDTH)
    top = np.zeros((HEIGHT, WIDTH, 4), np.uint8)
    top[:min(HEIGHT, len(rgba))] = rgba[:HEIGHT]
    return on_paper(top)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data" / "drawings")
    args = parser.parse_args(argv)
    bpy = start_overlay_drawing()
    panels = [add_face_picture(bpy, args.data / name) for name in DRAWINGS]
    gap = np.full((HEIGHT, 6, 3), 255, np.uint8)
    save_png(IMAGES / "add_face.png", np.concatenate([p for panel in panels for p in (panel, gap)][:-1], axis=1))


if __name__ == "__main__":
    main()
