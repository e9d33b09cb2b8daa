"""Make the workflow pictures (docs/images/*.png) and the clip-picker thumbnails
(motions/previews/<clip>.png) from the bundled example drawing, with the project's own CLI.

    .venv/bin/python docs/images/make_images.py [--work DIR]

Every library clip is animated on examples/drawing.png (`animate-drawing animate … --format
png`); the most telling frame of each clip (the one farthest from the clip's average pose)
becomes its thumbnail and a cell of the library sheet. The review picture is the add-on's
own overlay drawing code run off screen, so it needs OpenGL (Workbench must run).
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import cv2
import numpy as np

from animate_drawing import cli
from animate_drawing.addon.ui.clip_previews import PREVIEW_DIR
from animate_drawing.models.overlay import contact_sheet
from animate_drawing.motions.library import list_clips

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "drawing.png"
IMAGES = Path(__file__).resolve().parent
RENDER_SIZE = 384
# The renderer frames a clip's whole travel: a walk's first two seconds keep the figure large.
RENDER_FRAMES = 60
THUMBNAIL_SIZE = 128
PAPER = np.array([246, 243, 236], np.float32)  # light paper colour behind transparent frames
STRIP_CLIP, STRIP_FRAMES = "jumping_jacks", 6


def read_rgba(path: Path) -> np.ndarray:
    return cv2.cvtColor(cv2.imread(str(path), cv2.IMREAD_UNCHANGED), cv2.COLOR_BGRA2RGBA)


def on_paper(rgba: np.ndarray) -> np.ndarray:
    alpha = rgba[..., 3:4].astype(np.float32) / 255.0
    return (rgba[..., :3] * alpha + PAPER * (1.0 - alpha)).round().astype(np.uint8)


def telling_frame(frames: list[np.ndarray]) -> np.ndarray:
    """The frame whose silhouette differs most from the clip's average silhouette."""
    alphas = np.stack([f[..., 3] for f in frames]).astype(np.float32) / 255.0
    distance = np.abs(alphas - alphas.mean(axis=0)).sum(axis=(1, 2))
    return frames[int(distance.argmax())]


def crop_to_figure(rgba: np.ndarray, margin: float = 0.08) -> np.ndarray:
    """A square crop around the visible figure (clips with root motion travel across the
    frame, which the renderer frames whole), transparent where it runs off the frame."""
    ys, xs = np.nonzero(rgba[..., 3])
    cx, cy = (xs.min() + xs.max()) / 2, (ys.min() + ys.max()) / 2
    half = int(np.ceil(max(xs.max() - xs.min(), ys.max() - ys.min()) * (0.5 + margin))) + 1
    padded = cv2.copyMakeBorder(rgba, half, half, half, half, cv2.BORDER_CONSTANT, value=(0, 0, 0, 0))
    x0, y0 = int(round(cx)), int(round(cy))  # centre + half in padded coordinates = top-left + 2*half
    return padded[y0:y0 + 2 * half, x0:x0 + 2 * half]


def start_overlay_drawing():
    """A fresh Blender with its GPU module started and the add-on registered: the review
    overlay can then be drawn off screen in background mode. Returns bpy."""
    import bpy

    import animate_drawing

    bpy.ops.wm.read_factory_settings(use_empty=True)
    scene = bpy.context.scene
    scene.render.engine = "BLENDER_WORKBENCH"  # a first GL render starts the GPU module
    scene.render.resolution_x = scene.render.resolution_y = 8
    scene.camera = bpy.data.objects.new("camera", bpy.data.cameras.new("camera"))
    scene.collection.objects.link(scene.camera)
    scene.render.filepath = tempfile.mktemp(suffix=".png")
    bpy.ops.render.render(write_still=True)
    animate_drawing.register()
    return bpy


def review_picture(drawing: Path, width: int) -> np.ndarray:
    """The review step exactly as Blender draws it (the add-on's GPU overlay, off screen)."""
    from animate_drawing.addon.ui import review_overlay

    bpy = start_overlay_drawing()
    bpy.ops.animate_drawing.ui_review_drawing(filepath=str(drawing))
    analysis = bpy.context.scene.animate_drawing_analysis
    return review_overlay.review_picture(review_overlay.load_review_image(analysis), analysis.figures, 0, width)


def render_library(work: Path) -> dict[str, list[np.ndarray]]:
    """clip id → its frames (RGBA), rendered by the command line."""
    clip_ids = [clip_id for clip_id, _label, _path in list_clips()]
    status = cli.main(["animate", str(EXAMPLE), "--motion", ",".join(clip_ids), "--out", str(work),
                       "--format", "png", "--size", str(RENDER_SIZE), "--frames", str(RENDER_FRAMES), "--json"])
    if status != 0:
        raise SystemExit(f"rendering the library failed (see {work / 'summary.json'})")
    return {clip_id: [read_rgba(p) for p in sorted((work / f"{EXAMPLE.stem}_{clip_id}_frames").glob("*.png"))]
            for clip_id in clip_ids}


def save_png(path: Path, rgb: np.ndarray) -> None:
    cv2.imwrite(str(path), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_PNG_COMPRESSION, 9])
    print(f"{path.relative_to(REPO)}: {rgb.shape[1]}x{rgb.shape[0]}, {path.stat().st_size // 1024} KB")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=None, help="keep the rendered frames here")
    args = parser.parse_args(argv)
    work = args.work or Path(tempfile.mkdtemp(prefix="animate_drawing_images_"))

    frames = render_library(work)
    labels = {clip_id: label for clip_id, label, _path in list_clips()}

    PREVIEW_DIR.mkdir(exist_ok=True)
    poses = {}
    for clip_id, clip_frames in frames.items():
        poses[clip_id] = on_paper(crop_to_figure(telling_frame(clip_frames)))
        thumbnail = cv2.resize(poses[clip_id], (THUMBNAIL_SIZE, THUMBNAIL_SIZE), interpolation=cv2.INTER_AREA)
        save_png(PREVIEW_DIR / f"{clip_id}.png", thumbnail)

    sheet = contact_sheet(list(poses.values()), [labels[c] for c in poses], cell=180, columns=5)
    save_png(IMAGES / "motion_library.png", sheet)

    strip_frames = frames[STRIP_CLIP]
    picks = np.linspace(0, len(strip_frames) - 1, STRIP_FRAMES).round().astype(int)
    strip = np.concatenate([on_paper(cv2.resize(strip_frames[i], (200, 200), interpolation=cv2.INTER_AREA))
                            for i in picks], axis=1)
    save_png(IMAGES / "rendered_frames.png", strip)

    save_png(IMAGES / "review_overlay.png", on_paper(review_picture(EXAMPLE, width=340)))


if __name__ == "__main__":
    main()
