"""`annotate`: a drawing → AnimatedDrawings-compatible character folder(s) + analysis.json.

One figure: the files go straight into `out_dir`. Several: `out_dir/figure_1`, `figure_2`, …
(most person-like first), with one `analysis.json` for the whole image in `out_dir`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from ..errors import InputError
from ..imaging.image_file import write_png
from .analyze import AnalysisSettings, DrawingAnalysis, analyze_image, figure_to_character
from .joints import AD_NAMES, LOW_CONFIDENCE
from .overlay import draw_joint_overlay


def annotate(image_path: str | os.PathLike, out_dir: str | os.PathLike,
             settings: AnalysisSettings | None = None) -> list[Path]:
    """Analyse the image and write each figure's folder; returns the folders, most person-like figure first."""
    settings = settings or AnalysisSettings()
    analysis = analyze_image(image_path, settings)
    return write_annotations(analysis, out_dir, settings.pad)


def write_annotations(analysis: DrawingAnalysis, out_dir: str | os.PathLike, pad: float = 0.1) -> list[Path]:
    from ..formats.char_cfg import save_bounding_box, save_char_cfg

    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(out_dir, f"cannot create the output folder ({exc.strerror or exc})") from None
    single = len(analysis.figures) == 1
    folders, records = [], []
    for i, figure in enumerate(analysis.figures):
        folder = out_dir if single else out_dir / f"figure_{i + 1}"
        folder.mkdir(exist_ok=True)
        # char_cfg.yaml is what makes a folder a character: written last, so an interrupted run
        # never leaves a folder that looks finished around a half-written texture.
        (folder / "char_cfg.yaml").unlink(missing_ok=True)
        texture, mask, config, bbox = figure_to_character(analysis, i, pad)
        write_png(folder / "texture.png", texture)
        write_png(folder / "mask.png", mask.astype(np.uint8) * 255)
        save_char_cfg(config, folder / "char_cfg.yaml")
        save_bounding_box(bbox, folder / "bounding_box.yaml")
        crop_face = None if figure.face is None else figure.face.moved(-bbox["left"], -bbox["top"])
        overlay = draw_joint_overlay(texture[:, :, :3], mask, config.locs(), figure.joint_conf, face=crop_face)
        write_png(folder / "joint_overlay.png", overlay)
        folders.append(folder)
        records.append(_figure_record(figure, folder, out_dir, config, bbox))
    h, w = analysis.image.shape[:2]
    summary = {
        "image": os.fspath(analysis.image_path),
        "image_size": [int(w), int(h)],
        "has_alpha_mask": analysis.alpha is not None,
        "models": analysis.models,
        "warnings": analysis.warnings,
        "timings_ms": {k: round(float(v), 2) for k, v in analysis.timings_ms.items()},
        "padding": pad,
        "figures": records,
    }
    (out_dir / "analysis.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
    return folders


def _figure_record(figure, folder: Path, out_dir: Path, config, bbox) -> dict:
    return {
        "folder": "." if folder == out_dir else folder.name,
        "box": [round(float(v), 2) for v in figure.box],
        "score": round(float(figure.score), 4),
        "body": figure.body,          # biped | quadruped | extra_limbs | limbless: see models/body_kind.py
        # Chains the 16 joints leave out (a tail, wings), root on the body first, in image pixels;
        # char_cfg.yaml lists them as joints extra_<k>_<j> (crop pixels) for the rig.
        "extra_limbs": [limb.to_json() for limb in figure.extra_limbs],
        "crop": bbox,
        "mask_area_px": int(figure.mask.sum()),
        "joints": [
            {"name": name, "image_xy": [round(float(x), 2), round(float(y), 2)],
             "crop_uv": list(j.loc), "confidence": round(float(c), 4),
             "snapped_onto_mask": bool(s), "low_confidence": bool(c < LOW_CONFIDENCE)}
            for name, (x, y), j, c, s in zip(AD_NAMES, figure.joints, config.joints,
                                             figure.joint_conf, figure.joint_snapped)
        ],
        # Eyes (centre, radius, pupil) and mouth (centre, corners) in image pixels, or null.
        "face": None if figure.face is None else figure.face.to_json(),
    }

