"""Export a training checkpoint to the shipped ONNX files and their sidecars.

    python -m animate_drawing.vision_dev.training.export vision_dev/training/runs/main/last.pt --out models

Writes `figure_detector.onnx/.json` (detection, box_heatmap), `figure_pose.onnx/.json` (pose,
heatmap, plus a second output `mask_logits`) and `figure_segmentation.json` (segmentation,
mask_logits) which points at the same `figure_pose.onnx` through the sidecar's `model` key:
one network serves pose and segmentation. The EMA weights are exported.
"""
from __future__ import annotations

import argparse
import json
import warnings
from pathlib import Path

import torch
from torch import nn

from .nets import CROP_SIZE, DET_STRIDE, HEATMAP_STRIDE, PAGE_SIZE, FigureNet, PageDetector
from .split import MANIFEST
from .targets import MEAN, SCALE, STD

LICENSE = ("GPL-3.0-or-later (trained by the Animate Drawing project on its own synthetic drawings and, "
           "for the pose net, MIT-licensed annotated drawings listed under training.real_drawings)")
VERSION = "3"
DETECTOR, POSE, SEGMENTATION = "figure_detector", "figure_pose", "figure_segmentation"


def _input(size: int) -> dict:
    return {"name": "image", "size": [size, size], "layout": "NCHW", "dtype": "float32", "color": "RGB",
            "mean": list(MEAN), "std": list(STD), "scale": SCALE, "resize": "stretch"}


def provenance(state: dict) -> dict:
    """The training run behind a checkpoint: its recipe, length and the real drawings it learned from."""
    recipe = dict(state.get("recipe") or {})
    licences = {m["folder"]: m["licence"] for g in json.loads(MANIFEST.read_text(encoding="utf-8"))["groups"]
                for m in g["members"]}
    return {"steps_done": state["step"], "minutes_done": round(state["elapsed_s"] / 60, 1), "recipe": recipe,
            "real_drawings": [{"folder": f, "licence": licences.get(f, "unknown")}
                              for f in recipe.get("real_folders", [])]}


def sidecars(training: dict | None = None) -> dict[str, dict]:
    """Sidecar JSON per model name (schema in docs/ARCHITECTURE.md, extra keys for our decoders)."""
    common = {"version": VERSION, "license": LICENSE, **({"training": training} if training else {})}
    # The detector learns from synthetic pages only, whatever real crops the pose net saw.
    detector_common = {**common, **({"training": {**training, "real_drawings": []}} if training else {})}
    return {
        DETECTOR: {"task": "detection", "input": _input(PAGE_SIZE),
                   "output": {"kind": "box_heatmap", "names": ["centre_logits", "box_ltrb"],
                              "stride": DET_STRIDE, "centre_offset": 0.5, "ltrb_unit": "stride",
                              "activation": "sigmoid", "score_threshold": 0.3, "iou_threshold": 0.45,
                              "decoding": "score = sigmoid(centre_logits) at 3x3 local maxima; cell (i, j) "
                                          "centre = ((j + 0.5) * 8, (i + 0.5) * 8) input px; box = centre "
                                          "-/+ box_ltrb[:, i, j] * 8 (left, top, right, bottom); input px "
                                          "→ image px by W/256, H/256"},
                   "model_card": f"MODEL_CARD_{DETECTOR}.md", **detector_common},
        POSE: {"task": "pose", "input": _input(CROP_SIZE),
               "output": {"kind": "heatmap", "names": ["heatmaps", "mask_logits"], "keypoints": "coco17",
                          "stride": HEATMAP_STRIDE, "align": "center", "activation": "none",
                          "mask_activation": "sigmoid", "mask_threshold": 0.5,
                          "decoding": "heatmaps (1, 17, 80, 80): argmax (+ sub-cell refinement); cell "
                                      "(i, j) centre = ((j + 0.5) * 2, (i + 0.5) * 2) input px; confidence "
                                      "= peak value clipped to 0..1. mask_logits (1, 1, 160, 160): "
                                      "sigmoid > 0.5 = figure"},
               "model_card": f"MODEL_CARD_{POSE}.md", **common},
        SEGMENTATION: {"task": "segmentation", "model": f"{POSE}.onnx", "input": _input(CROP_SIZE),
                       "output": {"kind": "mask_logits", "names": ["mask_logits"], "activation": "sigmoid",
                                  "threshold": 0.5,
                                  "decoding": "mask_logits (1, 1, 160, 160) over the stretched padded "
                                              "crop: sigmoid > 0.5 = figure (filled silhouette)"},
                       "model_card": f"MODEL_CARD_{POSE}.md", **common},
    }


class _Named(nn.Module):
    """Wraps a net so the ONNX graph has named outputs in a fixed order."""

    def __init__(self, net: nn.Module):
        super().__init__()
        self.net = net

    def forward(self, image: torch.Tensor):
        return self.net(image)


def _export(net: nn.Module, size: int, output_names: list[str], path: Path) -> None:
    net.eval()
    dummy = torch.zeros(1, 3, size, size)
    with warnings.catch_warnings():   # the TorchScript exporter needs no onnxscript; its deprecation is noise
        warnings.simplefilter("ignore", DeprecationWarning)
        torch.onnx.export(_Named(net), (dummy,), str(path), input_names=["image"], output_names=output_names,
                          opset_version=17, do_constant_folding=True, dynamo=False)


def load_nets(checkpoint: Path, ema: bool = True) -> tuple[FigureNet, PageDetector]:
    state = torch.load(checkpoint, map_location="cpu", weights_only=False)
    figure, detector = FigureNet(), PageDetector()
    suffix = "_ema" if ema else ""
    figure.load_state_dict(state["figure" + suffix])
    detector.load_state_dict(state["detector" + suffix])
    return figure.eval(), detector.eval()


def export_checkpoint(checkpoint: Path, out_dir: Path, ema: bool = True) -> dict[str, Path]:
    """Write the ONNX files and sidecars into `out_dir`; returns sidecar paths by model name."""
    out_dir.mkdir(parents=True, exist_ok=True)
    figure, detector = load_nets(checkpoint, ema)
    training = provenance(torch.load(checkpoint, map_location="cpu", weights_only=False))
    with torch.no_grad():
        _export(detector, PAGE_SIZE, ["centre_logits", "box_ltrb"], out_dir / f"{DETECTOR}.onnx")
        _export(figure, CROP_SIZE, ["heatmaps", "mask_logits"], out_dir / f"{POSE}.onnx")
    paths = {}
    for name, sidecar in sidecars(training).items():
        paths[name] = out_dir / f"{name}.json"
        paths[name].write_text(json.dumps(sidecar, indent=2) + "\n", encoding="utf-8")
    return paths


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("checkpoint", type=Path)
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[2] / "models")
    ap.add_argument("--raw", action="store_true", help="export the raw weights instead of the EMA")
    args = ap.parse_args(argv)
    for name, path in export_checkpoint(args.checkpoint, args.out, not args.raw).items():
        print(name, path)


if __name__ == "__main__":
    main()
