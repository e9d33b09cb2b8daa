"""Build tiny ONNX models whose outputs are known constants, plus their JSON sidecars.

Every output is `constant + 0 * mean(image)`, so the graph really consumes the image input
(onnxruntime runs the whole path) while the decoders see exactly the values the test chose.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def constant_model(path: Path, outputs: dict[str, np.ndarray], input_shape=(1, 3, 64, 48),
                   input_name: str = "image") -> Path:
    nodes = [
        helper.make_node("ReduceMean", [input_name], ["mean"], keepdims=0),
        helper.make_node("Mul", ["mean", "zero"], ["nothing"]),
    ]
    inits = [numpy_helper.from_array(np.array(0.0, np.float32), "zero")]
    graph_outputs = []
    for name, value in outputs.items():
        value = np.asarray(value, np.float32)
        inits.append(numpy_helper.from_array(value, f"{name}_const"))
        nodes.append(helper.make_node("Add", [f"{name}_const", "nothing"], [name]))
        graph_outputs.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, list(value.shape)))
    graph = helper.make_graph(nodes, "tiny", [helper.make_tensor_value_info(input_name, TensorProto.FLOAT,
                                                                           list(input_shape))],
                              graph_outputs, inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    path.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(model, str(path))
    return path


def write_sidecar(onnx_path: Path, task: str, kind: str, size=(64, 48), input_extra=None,
                  json_path: Path | None = None, **output) -> Path:
    """`<onnx>.json` (or `json_path`, then with a "model" key naming the ONNX file)."""
    sidecar = {
        "task": task,
        "input": {"name": "image", "size": list(size), "layout": "NCHW", "dtype": "float32",
                  "color": "RGB", "mean": [0.5, 0.5, 0.5], "std": [0.25, 0.25, 0.25], "scale": 255.0,
                  "resize": "stretch", **(input_extra or {})},
        "output": {"kind": kind, **output},
        "version": "1", "license": "test",
    }
    if json_path is not None:
        sidecar["model"] = onnx_path.name
    json_path = json_path or onnx_path.with_suffix(".json")
    json_path.write_text(json.dumps(sidecar), encoding="utf-8")
    return json_path


def gaussian_heatmaps(centres_xy, shape_hw, sigma: float = 1.5, peak: float = 1.0) -> np.ndarray:
    """(1, K, h, w) Gaussian blobs centred at sub-cell positions (heatmap cells)."""
    h, w = shape_hw
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    maps = [peak * np.exp(-((xx - x) ** 2 + (yy - y) ** 2) / (2 * sigma ** 2)) for x, y in centres_xy]
    return np.stack(maps)[None].astype(np.float32)
