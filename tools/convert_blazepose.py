"""Reproduce models/human/*.onnx from MediaPipe's TFLite files (development only).

Sources (Apache-2.0, Google):
  pose_detection.tflite      in the `mediapipe` wheel 0.10.14-0.10.18 (mediapipe/modules/pose_detection/)
  pose_landmark_lite.tflite  in the npm package `@mediapipe/pose` (0.5.1675469404)
  face_landmark.tflite       in the `mediapipe` wheel 0.10.18 (mediapipe/modules/face_landmark/)

    pip download mediapipe==0.10.18 --no-deps --only-binary=:all: --python-version 3.11 \
        --platform manylinux_2_17_x86_64 -d SCRATCH && unzip -j SCRATCH/mediapipe-*.whl \
        '*pose_detection.tflite' '*face_landmark/face_landmark.tflite' -d SCRATCH
    (cd SCRATCH && npm pack @mediapipe/pose && tar xzf mediapipe-pose-*.tgz package/pose_landmark_lite.tflite)
    VENV/bin/python tools/convert_blazepose.py SCRATCH [TFLITE_NAME ...]   # VENV: tensorflow-cpu, tf2onnx, onnx, onnxruntime

What it does, and why:
* The detector stores 38 weights as sparse tensors behind DENSIFY ops, which tf2onnx cannot
  read. The TFLite interpreter (XNNPACK delegate off: with it the dense values are garbage)
  densifies them; the script hands tf2onnx those dense values and maps DENSIFY to Identity.
* Outputs the project does not use (the landmark net's segmentation mask and heatmaps) are cut
  off, so onnxruntime never computes them.
* Weights are stored as float16 with a Cast to float32 (the TFLite files are float16 too):
  half the size, and onnxruntime folds the casts at load time, so inference stays float32.
  The face landmark net stores them as int8 with a scale per output channel and a
  DequantizeLinear instead (a quarter of float32; also folded at load time), to fit the zip.
* Finally ONNX is compared with TFLite on real-looking inputs and the error is printed.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

OUT_DIR = Path(__file__).resolve().parent.parent / "models" / "human"
# (tflite name, onnx name, outputs kept: (tflite output index, onnx name), weight storage)
MODELS = [
    ("pose_detection.tflite", "person_detector.onnx", [(0, "boxes"), (1, "scores")], "float16"),
    ("pose_landmark_lite.tflite", "pose_landmarks.onnx",
     [(0, "landmarks"), (1, "presence"), (4, "world_landmarks")], "float16"),
    # int8: the zip budget (40 MB per platform) had 1 MB left; float16 would take 1.2 MB.
    ("face_landmark.tflite", "face_landmarks.onnx", [(0, "landmarks"), (1, "face_flag")], "int8"),
]
# Input shape and value range per model, for the comparison with TFLite.
INPUTS = {"pose_detection.tflite": ((1, 224, 224, 3), -1.0, 1.0),
          "pose_landmark_lite.tflite": ((1, 256, 256, 3), 0.0, 1.0),
          "face_landmark.tflite": ((1, 192, 192, 3), 0.0, 1.0)}


def dense_constants(tflite_path: Path) -> dict[bytes, np.ndarray]:
    """Sparse constant buffer bytes -> the dense array the interpreter's DENSIFY produces."""
    import tensorflow as tf
    from tf2onnx.tflite import Model

    interp = tf.lite.Interpreter(
        model_path=str(tflite_path), experimental_preserve_all_tensors=True,
        experimental_op_resolver_type=tf.lite.experimental.OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES)
    interp.allocate_tensors()
    for d in interp.get_input_details():
        interp.set_tensor(d["index"], np.zeros(d["shape"], d["dtype"]))
    interp.invoke()
    model = Model.Model.GetRootAsModel(tflite_path.read_bytes(), 0)
    graph = model.Subgraphs(0)
    found = {}
    for op in interp._get_ops_details():  # the only public listing of ops with their tensors
        if op["op_name"] != "DENSIFY":
            continue
        sparse = graph.Tensors(int(op["inputs"][0]))
        key = model.Buffers(sparse.Buffer()).DataAsNumpy().tobytes()
        found[key] = interp.get_tensor(int(op["outputs"][0])).copy()
    return found


def convert(tflite_path: Path, onnx_path: Path, keep: list[tuple[int, str]], storage: str) -> None:
    import onnx
    import tf2onnx
    from tf2onnx import tflite_utils
    from tf2onnx.handler import tfl_op

    dense = dense_constants(tflite_path)
    print(f"{tflite_path.name}: {len(dense)} sparse (DENSIFY) tensors")
    make_ndarray = tflite_utils.tensor_util.MakeNdarray

    class DenseTensorUtil:
        @staticmethod
        def MakeNdarray(t):  # noqa: N802 (tf2onnx's name)
            value = dense.get(t.tensor_content)
            return value if value is not None else make_ndarray(t)

    tflite_utils.tensor_util = DenseTensorUtil
    tfl_op(["TFL_DENSIFY"], tf_op="Identity")(type("TflDensify", (), {"to_tf": classmethod(lambda *a, **k: None)}))

    model_proto, _ = tf2onnx.convert.from_tflite(str(tflite_path), opset=17)
    tflite_utils.tensor_util.MakeNdarray = make_ndarray
    outputs = list(model_proto.graph.output)
    kept = [outputs[i] for i, _ in keep]
    del model_proto.graph.output[:]
    model_proto.graph.output.extend(kept)
    for (_, new_name), out in zip(keep, kept):
        _rename_value(model_proto.graph, out.name, new_name)
    model_proto.graph.input[0].name, old_in = "image", model_proto.graph.input[0].name
    for node in model_proto.graph.node:
        node.input[:] = ["image" if n == old_in else n for n in node.input]
    model_proto = _prune(model_proto)
    STORE[storage](model_proto)
    onnx.checker.check_model(model_proto)
    onnx.save(model_proto, str(onnx_path))
    print(f"  wrote {onnx_path} ({onnx_path.stat().st_size / 1e6:.2f} MB)")


def _rename_value(graph, old: str, new: str) -> None:
    for node in graph.node:
        node.output[:] = [new if n == old else n for n in node.output]
        node.input[:] = [new if n == old else n for n in node.input]
    for out in graph.output:
        if out.name == old:
            out.name = new


def _prune(model_proto):
    import onnx.utils
    extractor = onnx.utils.Extractor(model_proto)
    return extractor.extract_model([i.name for i in model_proto.graph.input],
                                   [o.name for o in model_proto.graph.output])


def _store_half(model_proto) -> None:
    """Float32 initializers (of more than 16 values) -> float16 initializer + Cast node."""
    from onnx import helper, numpy_helper, TensorProto
    graph = model_proto.graph
    casts = []
    for init in graph.initializer:
        if init.data_type != TensorProto.FLOAT:
            continue
        value = numpy_helper.to_array(init)
        if value.size <= 16:
            continue
        name = init.name
        init.CopyFrom(numpy_helper.from_array(value.astype(np.float16), name + "_f16"))
        casts.append(helper.make_node("Cast", [name + "_f16"], [name], to=TensorProto.FLOAT, name=name + "_cast"))
    _prepend(graph, casts)


def _store_int8(model_proto) -> None:
    """Float32 initializers (of more than 16 values) -> int8 + one scale per slice along axis 0
    (a convolution's output channels) + DequantizeLinear: a quarter of the size."""
    from onnx import helper, numpy_helper, TensorProto
    graph = model_proto.graph
    dequantize, scales = [], []
    for init in graph.initializer:
        if init.data_type != TensorProto.FLOAT:
            continue
        value = numpy_helper.to_array(init)
        if value.size <= 16:
            continue
        name = init.name
        rows = value.reshape(value.shape[0] if value.ndim > 1 else 1, -1)
        peak = np.abs(rows).max(axis=1)
        scale = np.where(peak > 0, peak / 127.0, 1.0).astype(np.float32)
        quantized = np.clip(np.round(rows / scale[:, None]), -127, 127).astype(np.int8).reshape(value.shape)
        if value.ndim <= 1:
            scale = scale[0]          # one scale for the whole vector
        init.CopyFrom(numpy_helper.from_array(quantized, name + "_i8"))
        scales += [numpy_helper.from_array(np.asarray(scale), name + "_scale"),
                   numpy_helper.from_array(np.zeros_like(scale, np.int8), name + "_zero")]
        dequantize.append(helper.make_node("DequantizeLinear", [name + "_i8", name + "_scale", name + "_zero"], [name],
                                           axis=0, name=name + "_dequantize"))
    graph.initializer.extend(scales)
    _prepend(graph, dequantize)


def _prepend(graph, nodes) -> None:
    ordered = list(nodes) + list(graph.node)
    del graph.node[:]
    graph.node.extend(ordered)


STORE = {"float16": _store_half, "int8": _store_int8}


def compare(tflite_path: Path, onnx_path: Path, keep: list[tuple[int, str]], inputs: list[np.ndarray]) -> None:
    import onnxruntime as ort
    import tensorflow as tf

    interp = tf.lite.Interpreter(
        model_path=str(tflite_path),
        experimental_op_resolver_type=tf.lite.experimental.OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES)
    interp.allocate_tensors()
    session = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    out_details = interp.get_output_details()
    worst = {name: 0.0 for _, name in keep}
    for x in inputs:
        interp.set_tensor(interp.get_input_details()[0]["index"], x)
        interp.invoke()
        got = dict(zip([o.name for o in session.get_outputs()], session.run(None, {"image": x})))
        for index, name in keep:
            ref = interp.get_tensor(out_details[index]["index"])
            worst[name] = max(worst[name], float(np.abs(ref.reshape(got[name].shape) - got[name]).max()))
    print("  max |ONNX - TFLite|: " + ", ".join(f"{k} {v:.2e}" for k, v in worst.items()))


def sample_inputs(shape, lo: float, hi: float, n: int = 4) -> list[np.ndarray]:
    """Smooth random images (a noise field upsampled): closer to photos than white noise."""
    rng = np.random.default_rng(0)
    out = []
    for _ in range(n):
        coarse = rng.uniform(lo, hi, (1, shape[1] // 16, shape[2] // 16, 3))
        out.append(np.repeat(np.repeat(coarse, 16, 1), 16, 2).astype(np.float32))
    return out


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    scratch = Path(argv[0])
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    for tflite_name, onnx_name, keep, storage in MODELS:
        tflite_path = scratch / tflite_name
        if len(argv) > 1 and tflite_name not in argv[1:]:
            continue
        convert(tflite_path, OUT_DIR / onnx_name, keep, storage)
        compare(tflite_path, OUT_DIR / onnx_name, keep, sample_inputs(*INPUTS[tflite_name]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
