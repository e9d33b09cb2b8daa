"""Evaluate exported ONNX models on a fixed synthetic validation set (true masks and joints).

    python -m animate_drawing.vision_dev.training.evaluate_synthetic [--models models] [--pages 150]

Runs the shipped runtime classes (sidecar → session → decoder) exactly as `analyze_image`
does: detector on the whole photo; pose and segmentation on the true box padded by 10 %.
Prints box IoU / recall, mask IoU, PCK@0.1 and PCK@0.05 (distance / box diagonal, as
vision_dev/evaluate.py measures the real drawings) and milliseconds per model run.
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from ...models.analyze import padded_box
from ...models.detector import FigureDetector
from ..evaluate import box_iou
from ...models.pose import PoseEstimator
from ...models.runtime import OnnxModel, load_model_spec
from ...models.segmenter import FigureSegmenter
from .export import DETECTOR, POSE, SEGMENTATION
from .synth_ink import TextureBank
from .synth_page import load_paper_patches, make_page
from .batches import RAW_DIR

VALIDATION_SEED = 20261121   # never used for training (training seeds are small integers)


def evaluate(models_dir: Path, pages: int = 150, seed: int = VALIDATION_SEED, threads: int = 1) -> dict[str, float]:
    rng = np.random.default_rng(seed)
    textures = TextureBank(rng)
    patches = load_paper_patches(RAW_DIR) if RAW_DIR.is_dir() else []
    detector = FigureDetector(OnnxModel(load_model_spec(models_dir / f"{DETECTOR}.json"), threads=threads))
    pose = PoseEstimator(OnnxModel(load_model_spec(models_dir / f"{POSE}.json"), threads=threads))
    segmenter = FigureSegmenter(OnnxModel(load_model_spec(models_dir / f"{SEGMENTATION}.json"), threads=threads))
    ious, best_box, false_pos, pck10, pck05, ms = [], [], 0, [], [], {"detect": [], "pose": [], "segment": []}
    for _ in range(pages):
        page = make_page(rng, textures, patches)
        t = time.perf_counter()
        dets = detector.detect(page.image)
        ms["detect"].append((time.perf_counter() - t) * 1000)
        for pb in dets.boxes:
            false_pos += max((box_iou(pb, gb) for gb in page.boxes), default=0.0) < 0.5
        h, w = page.image.shape[:2]
        for box, mask, kps in zip(page.boxes, page.masks, page.keypoints):
            best_box.append(max((box_iou(pb, box) for pb in dets.boxes), default=0.0))
            x0, y0, x1, y1 = padded_box(box, 0.1, w, h)
            crop = page.image[y0:y1, x0:x1]
            t = time.perf_counter()
            pred_mask = segmenter.segment(crop)
            ms["segment"].append((time.perf_counter() - t) * 1000)
            truth = mask[y0:y1, x0:x1]
            union = (pred_mask | truth).sum()
            ious.append((pred_mask & truth).sum() / union if union else 1.0)
            t = time.perf_counter()
            result = pose.estimate(crop)
            ms["pose"].append((time.perf_counter() - t) * 1000)
            diag = float(np.hypot(box[2] - box[0], box[3] - box[1]))
            dist = np.linalg.norm(result.keypoints + [x0, y0] - kps, axis=1)
            pck10.append((dist <= 0.1 * diag).mean())
            pck05.append((dist <= 0.05 * diag).mean())
    best = np.asarray(best_box)
    return {"figures": float(len(best)), "box_iou": float(best.mean()), "recall@0.5": float((best >= 0.5).mean()),
            "false_pos_per_page": false_pos / pages, "mask_iou": float(np.mean(ious)),
            "pck10": float(np.mean(pck10)), "pck05": float(np.mean(pck05)),
            **{f"ms_{k}": float(np.median(v)) for k, v in ms.items()}}


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", type=Path, default=Path(__file__).resolve().parents[2] / "models")
    ap.add_argument("--pages", type=int, default=150)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args(argv)
    for key, value in evaluate(args.models, args.pages, threads=args.threads).items():
        print(f"{key:20s} {value:8.3f}")


if __name__ == "__main__":
    main()
