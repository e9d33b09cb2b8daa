"""Provider choice, sidecar validation, session reuse and fallback from unusable custom models."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from animate_drawing.errors import AnimateDrawingError, InputError
from animate_drawing.models import runtime
from animate_drawing.models.model_set import load_model_set
from animate_drawing.models.runtime import ModelFallbackWarning, choose_providers, load_model_spec
from data_models.tiny_onnx import constant_model, write_sidecar

CPU, CUDA, DML, COREML = ("CPUExecutionProvider", "CUDAExecutionProvider", "DmlExecutionProvider",
                          "CoreMLExecutionProvider")


@pytest.mark.parametrize("available, expected", [
    ([CPU], [CPU]),
    ([COREML, CPU], [COREML, CPU]),
    ([DML, CUDA, CPU], [CUDA, DML, CPU]),
])
def test_auto_prefers_gpu_providers_then_cpu(available, expected):
    assert choose_providers("auto", available) == expected


def test_explicit_preference_and_case():
    assert choose_providers("CPU", [CUDA, CPU]) == [CPU]
    assert choose_providers("DirectML", [DML, CPU]) == [DML, CPU]


def test_unavailable_preference_warns_and_chooses_automatically():
    with pytest.warns(ModelFallbackWarning, match="coreml"):
        assert choose_providers("coreml", [CUDA, CPU]) == [CUDA, CPU]


def test_unknown_preference_is_an_input_error():
    with pytest.raises(InputError, match="tpu"):
        choose_providers("tpu", [CPU])


def _pose_model(tmp_path, name="pose"):
    hm = np.zeros((1, 17, 16, 12), np.float32)
    path = constant_model(tmp_path / f"{name}.onnx", {"heatmaps": hm})
    write_sidecar(path, "pose", "heatmap")
    return path


def test_sessions_are_created_once_with_capped_threads(tmp_path):
    spec = load_model_spec(_pose_model(tmp_path))
    first = runtime.get_session(spec, [CPU])
    assert runtime.get_session(spec, [CPU]) is first
    assert first.get_session_options().intra_op_num_threads == runtime.default_threads() <= 2


@pytest.mark.parametrize("change, message", [
    (lambda s: s.update(task="colouring"), "'task'"),
    (lambda s: s["output"].update(kind="simcc_3d"), "output kind"),
    (lambda s: s["output"].update(kind="mask_logits"), "cannot serve the pose task"),
    (lambda s: s["input"].update(layout="CHWN"), "layout"),
    (lambda s: s["input"].update(std=[1, 0, 1]), "std"),
    (lambda s: s["input"].update(mean=[0.5, 0.5]), "mean"),
    (lambda s: s["input"].update(size=[64]), "size"),
])
def test_bad_sidecars_are_input_errors_naming_the_json(tmp_path, change, message):
    path = _pose_model(tmp_path)
    sidecar = json.loads(path.with_suffix(".json").read_text())
    change(sidecar)
    path.with_suffix(".json").write_text(json.dumps(sidecar))
    with pytest.raises(InputError, match=message) as err:
        load_model_spec(path)
    assert err.value.path.endswith("pose.json")


def test_sidecar_that_disagrees_with_the_onnx_names_it(tmp_path):
    path = _pose_model(tmp_path)
    sidecar = json.loads(path.with_suffix(".json").read_text())
    sidecar["input"]["size"] = [128, 96]
    path.with_suffix(".json").write_text(json.dumps(sidecar))
    with pytest.raises(InputError, match=r"input size \[128, 96\] does not match pose.onnx"):
        runtime.get_session(load_model_spec(path), [CPU])


def test_missing_sidecar_and_corrupt_onnx(tmp_path):
    lonely = tmp_path / "lonely.onnx"
    lonely.write_bytes(b"\x08\x01")
    with pytest.raises(InputError, match="sidecar JSON"):
        load_model_spec(lonely)
    corrupt = _pose_model(tmp_path, "corrupt")
    corrupt.write_bytes(b"this is not a protobuf" * 10)
    with pytest.raises(InputError, match="not a usable ONNX model") as err:
        runtime.get_session(load_model_spec(corrupt), [CPU])
    assert err.value.path.endswith("corrupt.onnx")


def test_corrupt_custom_model_falls_back_to_shipped_with_warning(tmp_path):
    shipped_dir = tmp_path / "shipped"
    _pose_model(shipped_dir, "shipped_pose")
    corrupt = _pose_model(tmp_path, "mine")
    corrupt.write_bytes(b"\x00garbage" * 20)
    with pytest.warns(ModelFallbackWarning, match="mine.onnx"):
        models = load_model_set("cpu", 1, {"pose": str(corrupt)}, models_dir=shipped_dir)
    assert models.pose.name == "shipped_pose"
    assert any("falling back to the shipped model" in w for w in models.warnings)
    # No shipped model for detection/segmentation here: the classical path serves them.
    assert models.names()["detection"] == "classical"


def test_custom_model_for_the_wrong_task_falls_back(tmp_path):
    pose = _pose_model(tmp_path, "a_pose_model")
    with pytest.warns(ModelFallbackWarning, match="segmentation model is needed"):
        models = load_model_set("cpu", 1, {"segmentation": str(pose)}, models_dir=tmp_path / "none")
    assert models.segmenter.model is None


def test_shipped_models_are_found_by_glob(tmp_path):
    _pose_model(tmp_path, "zz_pose")
    (tmp_path / "notes.json").write_text("{}")            # not a model: skipped with a warning
    with pytest.warns(ModelFallbackWarning, match="notes.json"):
        specs = runtime.shipped_specs("pose", tmp_path)
    assert [s.name for s in specs] == ["zz_pose"]


def test_prepare_input_layouts_colours_and_letterbox(tmp_path):
    path = _pose_model(tmp_path)
    sidecar = json.loads(path.with_suffix(".json").read_text())
    sidecar["input"].update(layout="NHWC", dtype="uint8", color="BGR", resize="letterbox", pad_value=7,
                            size=[40, 40])
    path.with_suffix(".json").write_text(json.dumps(sidecar))
    spec = load_model_spec(path)
    rgb = np.zeros((20, 40, 3), np.uint8)
    rgb[..., 0] = 200                                      # pure red image, twice as wide as tall
    tensor, transform = runtime.prepare_input(spec, rgb, (40, 40))
    assert tensor.shape == (1, 40, 40, 3) and tensor.dtype == np.uint8
    assert tensor[0, 0, 0].tolist() == [7, 7, 7]           # letterbox band above the image
    assert tensor[0, 20, 20].tolist() == [0, 0, 200]       # BGR order
    np.testing.assert_allclose(transform.to_image([[20.0, 20.0]]), [[20.0, 10.0]])   # centre ↦ centre

    sidecar["input"].update(layout="NCHW", dtype="float32", color="GRAY", mean=[0.5], std=[0.5],
                            resize="stretch")
    path.with_suffix(".json").write_text(json.dumps(sidecar))
    tensor, _ = runtime.prepare_input(load_model_spec(path), np.full((20, 40, 3), 255, np.uint8), (40, 40))
    assert tensor.shape == (1, 1, 40, 40)
    np.testing.assert_allclose(tensor, 1.0)                # (1 - 0.5) / 0.5


def test_prepare_input_pixels_match_opencv_resize_and_grey(tmp_path):
    """The numpy resize/luma reproduce what the models were trained and measured with (cv2)."""
    cv2 = pytest.importorskip("cv2")
    path = _pose_model(tmp_path)
    sidecar = json.loads(path.with_suffix(".json").read_text())
    sidecar["input"].update(layout="NHWC", dtype="uint8", color="RGB", resize="letterbox", size=[60, 60])
    path.with_suffix(".json").write_text(json.dumps(sidecar))
    photo = np.random.default_rng(3).integers(0, 256, (150, 100, 3), dtype=np.uint8)
    tensor, _ = runtime.prepare_input(load_model_spec(path), photo, (60, 60))
    shrunk = cv2.resize(photo, (40, 60), interpolation=cv2.INTER_AREA)   # scale 0.4, centred
    assert np.abs(tensor[0, :, 10:50].astype(int) - shrunk).max() <= 1
    grey = runtime._luma(photo)
    assert np.abs(grey.astype(int) - cv2.cvtColor(photo, cv2.COLOR_RGB2GRAY)).max() <= 1


def test_missing_onnxruntime_names_this_python_and_the_bundled_ones(monkeypatch):
    monkeypatch.delitem(sys.modules, "onnxruntime", raising=False)   # what a Python without its wheel sees
    monkeypatch.setattr(sys, "path", [p for p in sys.path if not (Path(p) / "onnxruntime").exists()])
    with pytest.raises(AnimateDrawingError) as caught:
        runtime.available_providers()
    message = str(caught.value)
    assert f"this Python {sys.version_info.major}.{sys.version_info.minor}" in message
    assert "3.11 (Blender 4.2-5.0) and 3.13 (Blender 5.1-5.3)" in message
    assert "\n" not in message
