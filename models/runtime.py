"""ONNX Runtime plumbing: provider choice, one cached session per model, sidecar specs.

A model is a `<name>.onnx` with a `<name>.json` sidecar beside it (schema in
docs/ARCHITECTURE.md). The sidecar says how to turn an RGB image into the input tensor and
how to read the outputs, so a user's own model drops in without code.

Sidecar keys read here and by the decoders (all optional unless marked):

* top level: `task` (required: detection | segmentation | pose), `model` (ONNX file name
  relative to the sidecar; default `<name>.onnx`).
* `input`: `name` (needed when the graph has several inputs), `size` [H, W] (needed for a
  dynamic input), `layout` NCHW | NHWC, `dtype` float32 | float16 | uint8, `color` RGB | BGR |
  GRAY, `mean`, `std`, `scale` (value = (pixel / scale - mean) / std), `resize` stretch |
  letterbox, `pad_value` (letterbox border, default 114).
* `output`: `kind` (required), `names` (output order the decoder expects), then per kind:
  heatmap — `align` corner (cell i ↦ i·stride, mmpose) | center ((i + 0.5)·stride),
  `activation` none | sigmoid, a second output = mask logits with `mask_activation`,
  `mask_threshold`; simcc — `simcc_split_ratio`; yolo_pose — `num_keypoints`;
  yolo_det — `num_classes`, `classes` (ids that count as figures); dets_labels — `classes`;
  box_heatmap — `stride`, `centre_offset`, `ltrb_unit` stride | pixels, `activation`;
  mask_logits — `activation` sigmoid | none, `threshold`; detectors — `score_threshold`,
  `iou_threshold`; blazepose_detector / blazepose_landmarks / face_mesh_landmarks
  (models/human/) — fixed MediaPipe layouts, decoded in `human_pose.py` and `face_landmarks.py`.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import threading
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import AnimateDrawingError, InputError
from ..imaging.resample import resize

MODELS_DIR = Path(__file__).resolve().parent

PROVIDERS = {
    "cuda": "CUDAExecutionProvider",
    "directml": "DmlExecutionProvider",
    "coreml": "CoreMLExecutionProvider",
    "cpu": "CPUExecutionProvider",
}
AUTO_ORDER = ("cuda", "directml", "coreml", "cpu")

TASK_KINDS = {
    "detection": {"yolo_det", "dets_labels", "box_heatmap", "yolo_pose"},
    "segmentation": {"mask_logits"},
    "pose": {"heatmap", "simcc", "yolo_pose"},
    # Human (photo) models for motion from video; they live in models/human/, apart from the
    # drawing models that shipped_specs() lists.
    "person_detection": {"blazepose_detector"},
    "human_pose": {"blazepose_landmarks"},
    "face_landmarks": {"face_mesh_landmarks"},
}
OUTPUTS_NEEDED = {"heatmap": 1, "simcc": 2, "yolo_pose": 1, "yolo_det": 1, "dets_labels": 2,
                  "mask_logits": 1, "box_heatmap": 2, "blazepose_detector": 2, "blazepose_landmarks": 3,
                  "face_mesh_landmarks": 2}


class ModelFallbackWarning(UserWarning):
    """A configured model could not be used; a shipped model (or the classical path) is used instead."""


# The Pythons whose onnxruntime wheel the extension zip carries (build_addon.PYTHON_VERSIONS).
BUNDLED_FOR = "Python 3.11 (Blender 4.2-5.0) and 3.13 (Blender 5.1-5.3)"


def import_onnxruntime():
    """onnxruntime, or one clear line naming this Python when it has none.

    Not `try: import … except ImportError`: build_addon.py reads such imports as optional and
    would ship the zip without the onnxruntime wheels."""
    if importlib.util.find_spec("onnxruntime") is None:
        python = f"{sys.version_info.major}.{sys.version_info.minor}"
        raise AnimateDrawingError(
            f"onnxruntime is not installed for this Python {python}: the extension bundles it for "
            f"{BUNDLED_FOR}; install the zip built for this platform into a supported Blender")
    import onnxruntime
    return onnxruntime


def available_providers() -> list[str]:
    return list(import_onnxruntime().get_available_providers())


def choose_providers(preference: str = "auto", available: list[str] | None = None) -> list[str]:
    """Execution providers in priority order, CPU always last as the safety net.

    `preference` is "auto" (CUDA, DirectML, CoreML, else CPU) or one of those names; a
    preferred provider that this onnxruntime build lacks falls back to "auto" with a warning.
    """
    pref = (preference or "auto").strip().lower()
    if pref not in PROVIDERS and pref != "auto":
        raise InputError(None, f"unknown execution provider preference '{preference}' "
                               f"(choose auto, {', '.join(PROVIDERS)})")
    available = available_providers() if available is None else available
    cpu = PROVIDERS["cpu"]
    if pref != "auto":
        wanted = PROVIDERS[pref]
        if wanted in available:
            return [wanted] if wanted == cpu else [wanted, cpu]
        warnings.warn(f"execution provider '{preference}' is not available in this onnxruntime "
                      f"({', '.join(available)}); choosing automatically", ModelFallbackWarning, stacklevel=2)
    chosen = [PROVIDERS[name] for name in AUTO_ORDER if PROVIDERS[name] in available and PROVIDERS[name] != cpu]
    return chosen + [cpu]


def default_threads() -> int:
    # Two intra-op threads: most of the win on small nets, and the UI (or other models) keeps a core.
    return max(1, min(2, os.cpu_count() or 1))


@dataclass(frozen=True)
class ModelSpec:
    """What a sidecar JSON says about its ONNX model, validated."""

    task: str
    kind: str
    onnx_path: Path
    json_path: Path
    input_name: str | None
    size: tuple[int, int] | None          # (H, W); None = read from the ONNX input shape
    layout: str = "NCHW"
    dtype: str = "float32"
    color: str = "RGB"
    mean: tuple[float, ...] = (0.0, 0.0, 0.0)
    std: tuple[float, ...] = (1.0, 1.0, 1.0)
    scale: float = 255.0
    resize: str = "stretch"
    pad_value: float = 114.0
    output: dict = field(default_factory=dict, hash=False, compare=False)
    raw: dict = field(default_factory=dict, hash=False, compare=False)

    @property
    def name(self) -> str:
        return self.json_path.stem

    def input_tuple(self) -> tuple:
        """Everything that decides the input tensor (two specs with equal tuples feed a net alike)."""
        return (self.input_name, self.size, self.layout, self.dtype, self.color, self.mean, self.std,
                self.scale, self.resize, self.pad_value)


def sidecar_for(path: str | os.PathLike) -> Path:
    """The sidecar JSON for a model given as its .onnx or .json path."""
    path = Path(path)
    return path if path.suffix.lower() == ".json" else path.with_suffix(".json")


def load_model_spec(path: str | os.PathLike, task: str | None = None) -> ModelSpec:
    """Read and validate `<model>.json` (or the sidecar beside `<model>.onnx`)."""
    json_path = sidecar_for(path)
    if not json_path.is_file():
        raise InputError(json_path, "model description (sidecar JSON) not found; a model needs "
                                    "<name>.onnx plus <name>.json beside it")
    try:
        raw = json.loads(json_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(json_path, f"not a valid JSON model description ({exc})") from None
    if not isinstance(raw, dict):
        raise InputError(json_path, "the model description must be a JSON object")

    def bad(problem: str):
        return InputError(json_path, problem)

    spec_task = raw.get("task")
    if spec_task not in TASK_KINDS:
        raise bad(f"'task' must be one of {sorted(TASK_KINDS)}, got {spec_task!r}")
    if task is not None and spec_task != task:
        raise bad(f"this is a {spec_task} model, but a {task} model is needed here")
    inp = raw.get("input", {})
    out = raw.get("output", {})
    if not isinstance(inp, dict) or not isinstance(out, dict):
        raise bad("'input' and 'output' must be JSON objects")
    kind = out.get("kind")
    if kind not in TASK_KINDS[spec_task]:
        raise bad(f"output kind {kind!r} cannot serve the {spec_task} task "
                  f"(expected one of {sorted(TASK_KINDS[spec_task])})")
    onnx_path = json_path.with_suffix(".onnx")
    if "model" in raw:  # optional explicit file name, relative to the sidecar
        onnx_path = (json_path.parent / str(raw["model"])).resolve()
    if not onnx_path.is_file():
        raise bad(f"the ONNX file {onnx_path.name} it describes is missing")

    size = inp.get("size")
    if size is not None:
        if (not isinstance(size, list) or len(size) != 2
                or not all(isinstance(v, int) and v > 0 for v in size)):
            raise bad(f"input 'size' must be [H, W] positive integers, got {size!r}")
        size = (int(size[0]), int(size[1]))
    layout = str(inp.get("layout", "NCHW")).upper()
    dtype = str(inp.get("dtype", "float32")).lower()
    color = str(inp.get("color", "RGB")).upper()
    resize = str(inp.get("resize", "stretch")).lower()
    for key, value, allowed in (("layout", layout, ("NCHW", "NHWC")),
                                ("dtype", dtype, ("float32", "float16", "uint8")),
                                ("color", color, ("RGB", "BGR", "GRAY")),
                                ("resize", resize, ("stretch", "letterbox"))):
        if value not in allowed:
            raise bad(f"input '{key}' must be one of {allowed}, got {value!r}")
    channels = 1 if color == "GRAY" else 3
    mean = _float_tuple(inp.get("mean", [0.0] * channels), channels, "mean", bad)
    std = _float_tuple(inp.get("std", [1.0] * channels), channels, "std", bad)
    if any(s == 0 for s in std):
        raise bad("input 'std' must not contain 0")
    try:
        scale = float(inp.get("scale", 255.0))
        pad_value = float(inp.get("pad_value", 114.0))
    except (TypeError, ValueError):
        raise bad("input 'scale' and 'pad_value' must be numbers") from None
    if scale <= 0:
        raise bad("input 'scale' must be positive")
    return ModelSpec(task=spec_task, kind=kind, onnx_path=onnx_path, json_path=json_path,
                     input_name=inp.get("name"), size=size, layout=layout, dtype=dtype, color=color,
                     mean=mean, std=std, scale=scale, resize=resize, pad_value=pad_value,
                     output=dict(out), raw=raw)


def _float_tuple(value, n, key, bad) -> tuple[float, ...]:
    try:
        values = tuple(float(v) for v in value)
    except (TypeError, ValueError):
        raise bad(f"input '{key}' must be a list of numbers") from None
    if len(values) == 1:
        values = values * n
    if len(values) != n:
        raise bad(f"input '{key}' needs {n} values, got {len(values)}")
    return values


def shipped_specs(task: str, models_dir: Path = MODELS_DIR) -> list[ModelSpec]:
    """Valid sidecars for `task` found in models/*.json (broken ones are skipped with a warning)."""
    specs = []
    for json_path in sorted(models_dir.glob("*.json")):
        try:
            spec = load_model_spec(json_path)
        except InputError as exc:
            warnings.warn(f"ignoring shipped model: {exc}", ModelFallbackWarning, stacklevel=2)
            continue
        if spec.task == task:
            specs.append(spec)
    # A detector of kind yolo_pose could also serve pose; the task key alone decides here.
    return specs


# --- sessions ---------------------------------------------------------------------------

_SESSIONS: dict[tuple, object] = {}
_SESSIONS_LOCK = threading.Lock()


def get_session(spec: ModelSpec, providers: list[str] | None = None, threads: int | None = None):
    """The (cached) InferenceSession for `spec`; InputError naming the ONNX file if unusable."""
    providers = providers or choose_providers()
    threads = threads or default_threads()
    stat = spec.onnx_path.stat()
    key = (str(spec.onnx_path.resolve()), stat.st_mtime_ns, stat.st_size, tuple(providers), threads)
    with _SESSIONS_LOCK:
        session = _SESSIONS.get(key)
        if session is None:
            session = _new_session(spec, providers, threads)
            _check_session(spec, session)
            _SESSIONS[key] = session
    return session


def _new_session(spec: ModelSpec, providers: list[str], threads: int):
    ort = import_onnxruntime()

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    # Idle intra-op threads would otherwise spin after each run, stealing the cores the
    # numpy stages running between model calls need (measured with them: 3x slower thresholding).
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    try:
        # A failing GPU provider is not an error here: onnxruntime itself retries on the CPU
        # provider, which choose_providers always lists last.
        return ort.InferenceSession(str(spec.onnx_path), sess_options=options, providers=providers)
    except Exception as exc:  # onnxruntime raises several unrelated types for bad files
        raise InputError(spec.onnx_path, f"not a usable ONNX model ({_first_line(exc)})") from None


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return (text.splitlines()[0] if text else type(exc).__name__)[:300]


def clear_session_cache() -> None:
    with _SESSIONS_LOCK:
        _SESSIONS.clear()


def _check_session(spec: ModelSpec, session) -> None:
    inputs = session.get_inputs()
    names = [i.name for i in inputs]
    if spec.input_name is not None and spec.input_name not in names:
        raise InputError(spec.json_path, f"input name '{spec.input_name}' is not an input of "
                                         f"{spec.onnx_path.name} (it has {names})")
    if spec.input_name is None and len(inputs) != 1:
        raise InputError(spec.json_path, f"{spec.onnx_path.name} has {len(inputs)} inputs; "
                                         "name the image input in 'input.name'")
    shape = input_shape(spec, session)
    if len(shape) != 4:
        raise InputError(spec.json_path, f"{spec.onnx_path.name} input has shape {shape}; expected 4 "
                                         f"dimensions ({spec.layout})")
    c_axis = 1 if spec.layout == "NCHW" else 3
    channels = 1 if spec.color == "GRAY" else 3
    if isinstance(shape[c_axis], int) and shape[c_axis] != channels:
        raise InputError(spec.json_path, f"{spec.onnx_path.name} expects {shape[c_axis]} channels but the "
                                         f"sidecar says color {spec.color} ({channels} channels); check 'layout'")
    hw = (shape[2], shape[3]) if spec.layout == "NCHW" else (shape[1], shape[2])
    if spec.size is None and not all(isinstance(v, int) for v in hw):
        raise InputError(spec.json_path, f"{spec.onnx_path.name} has a dynamic input size; give 'input.size'")
    if spec.size is not None and all(isinstance(v, int) for v in hw) and tuple(hw) != spec.size:
        raise InputError(spec.json_path, f"input size {list(spec.size)} does not match "
                                         f"{spec.onnx_path.name}'s input {list(hw)}")
    needed = OUTPUTS_NEEDED[spec.kind]
    if len(session.get_outputs()) < needed:
        raise InputError(spec.json_path, f"output kind '{spec.kind}' needs {needed} outputs; "
                                         f"{spec.onnx_path.name} has {len(session.get_outputs())}")


def input_shape(spec: ModelSpec, session) -> list:
    inputs = session.get_inputs()
    inp = next((i for i in inputs if i.name == spec.input_name), inputs[0])
    return list(inp.shape)


def input_hw(spec: ModelSpec, session) -> tuple[int, int]:
    if spec.size is not None:
        return spec.size
    shape = input_shape(spec, session)
    return (shape[2], shape[3]) if spec.layout == "NCHW" else (shape[1], shape[2])


# --- pre-processing ----------------------------------------------------------------------

@dataclass(frozen=True)
class Transform:
    """Maps image pixels to network-input pixels: net = img * scale + offset (per axis)."""

    scale: tuple[float, float]
    offset: tuple[float, float]

    def to_image(self, xy: np.ndarray) -> np.ndarray:
        xy = np.asarray(xy, np.float64)
        return (xy - np.array(self.offset)) / np.array(self.scale)

    def boxes_to_image(self, boxes: np.ndarray) -> np.ndarray:
        boxes = np.asarray(boxes, np.float64).reshape(-1, 4)
        return self.to_image(boxes.reshape(-1, 2, 2)).reshape(-1, 4)


def prepare_input(spec: ModelSpec, rgb: np.ndarray, size_hw: tuple[int, int]) -> tuple[np.ndarray, Transform]:
    """The network input tensor for an RGB uint8 image, and the image→input transform."""
    net_h, net_w = size_hw
    h, w = rgb.shape[:2]
    if spec.resize == "letterbox":
        s = min(net_w / w, net_h / h)
        new_w, new_h = max(1, round(w * s)), max(1, round(h * s))
        ox, oy = (net_w - new_w) // 2, (net_h - new_h) // 2
        canvas = np.full((net_h, net_w, 3), np.uint8(np.clip(spec.pad_value, 0, 255)), np.uint8)
        canvas[oy:oy + new_h, ox:ox + new_w] = resize(rgb, (new_w, new_h), _method(s))
        img, transform = canvas, Transform((new_w / w, new_h / h), (ox, oy))
    else:
        img = resize(rgb, (net_w, net_h), _method(min(net_w / w, net_h / h)))
        transform = Transform((net_w / w, net_h / h), (0.0, 0.0))
    if spec.color == "BGR":
        img = img[:, :, ::-1]
    elif spec.color == "GRAY":
        img = _luma(img)[:, :, None]
    if spec.dtype == "uint8":
        tensor = np.ascontiguousarray(img)
    else:
        tensor = (img.astype(np.float32) / spec.scale - np.array(spec.mean, np.float32)) / np.array(spec.std, np.float32)
        tensor = tensor.astype(np.float16 if spec.dtype == "float16" else np.float32)
    if spec.layout == "NCHW":
        tensor = tensor.transpose(2, 0, 1)
    return np.ascontiguousarray(tensor[None]), transform


def _method(scale: float) -> str:
    return "area" if scale < 1.0 else "linear"


REC601_LUMA = np.array([0.299, 0.587, 0.114], np.float32)  # the grey of cv2/PIL RGB->L


def _luma(rgb: np.ndarray) -> np.ndarray:
    """uint8 grey of an RGB uint8 image with the standard (Rec. 601) luma weights."""
    return np.rint(rgb.astype(np.float32) @ REC601_LUMA).astype(np.uint8)


class OnnxModel:
    """One ONNX model: sidecar spec + cached session; `run(rgb)` returns outputs by name."""

    def __init__(self, spec: ModelSpec, providers: list[str] | None = None, threads: int | None = None):
        self.spec = spec
        self.session = get_session(spec, providers, threads)
        self.input_name = spec.input_name or self.session.get_inputs()[0].name
        self.size_hw = input_hw(spec, self.session)
        self.output_names = [o.name for o in self.session.get_outputs()]

    def preprocess(self, rgb: np.ndarray) -> tuple[np.ndarray, Transform]:
        return prepare_input(self.spec, rgb, self.size_hw)

    def infer(self, tensor: np.ndarray) -> dict[str, np.ndarray]:
        try:
            values = self.session.run(None, {self.input_name: tensor})
        except Exception as exc:
            raise InputError(self.spec.onnx_path, f"the model failed to run ({str(exc).strip()[:300]})") from None
        return dict(zip(self.output_names, values))

    def ordered_outputs(self, outputs: dict[str, np.ndarray]) -> list[np.ndarray]:
        """Outputs in the order the sidecar's output.names gives (else the graph's order)."""
        names = self.spec.output.get("names") or self.output_names
        missing = [n for n in names if n not in outputs]
        if missing:
            raise InputError(self.spec.json_path, f"output names {missing} are not outputs of "
                                                  f"{self.spec.onnx_path.name} (it has {self.output_names})")
        return [outputs[n] for n in names] + [outputs[n] for n in self.output_names if n not in names]
