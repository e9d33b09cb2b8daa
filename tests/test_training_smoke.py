"""Training smoke run: a few steps on generated pages, ONNX export, real onnxruntime sessions."""
import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from animate_drawing.models.runtime import OnnxModel, load_model_spec  # noqa: E402
from animate_drawing.vision_dev.training.export import DETECTOR, POSE, SEGMENTATION, export_checkpoint, load_nets  # noqa: E402
from animate_drawing.vision_dev.training.train import train  # noqa: E402


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    torch.set_num_threads(1)
    run = tmp_path_factory.mktemp("run")
    ckpt = train(run, steps=3, batch=2, pool_size=4, new_pages=1, use_real_paper=False, log=lambda m: None)
    out = tmp_path_factory.mktemp("models")
    return ckpt, export_checkpoint(ckpt, out)


def test_checkpoint_resumes_where_it_stopped(exported, tmp_path):
    ckpt, _ = exported
    state = torch.load(ckpt, map_location="cpu", weights_only=False)
    assert state["step"] == 3
    (tmp_path / "last.pt").write_bytes(ckpt.read_bytes())
    logs = []
    train(tmp_path, steps=4, batch=2, pool_size=4, new_pages=1, resume=True, use_real_paper=False, log=logs.append)
    assert any("resumed at step 3" in m for m in logs)
    assert torch.load(tmp_path / "last.pt", weights_only=False)["step"] == 4


@pytest.mark.parametrize("name, shapes", [
    (DETECTOR, {"centre_logits": (1, 1, 32, 32), "box_ltrb": (1, 4, 32, 32)}),
    (POSE, {"heatmaps": (1, 17, 80, 80), "mask_logits": (1, 1, 160, 160)}),
    (SEGMENTATION, {"heatmaps": (1, 17, 80, 80), "mask_logits": (1, 1, 160, 160)}),
])
def test_exported_onnx_runs_with_its_sidecar(exported, name, shapes):
    _, sidecars = exported
    spec = load_model_spec(sidecars[name])
    model = OnnxModel(spec, threads=1)
    h, w = spec.size
    rgb = np.random.default_rng(0).integers(0, 256, (h + 37, w + 11, 3), dtype=np.uint8)
    tensor, _ = model.preprocess(rgb)
    outputs = model.infer(tensor)
    assert {k: v.shape for k, v in outputs.items()} == shapes
    assert all(np.isfinite(v).all() for v in outputs.values())
    assert model.ordered_outputs(outputs)[0].shape == shapes[spec.output["names"][0]]
    assert json.loads(sidecars[name].read_text())["input"]["layout"] == "NCHW"


def test_onnx_matches_torch(exported):
    ckpt, sidecars = exported
    figure, _ = load_nets(ckpt)
    model = OnnxModel(load_model_spec(sidecars[POSE]), threads=1)
    x = np.random.default_rng(1).normal(size=(1, 3, 160, 160)).astype(np.float32)
    with torch.no_grad():
        heat, mask = (t.numpy() for t in figure(torch.from_numpy(x)))
    out = model.infer(x)
    np.testing.assert_allclose(out["heatmaps"], heat, atol=1e-3)
    np.testing.assert_allclose(out["mask_logits"], mask, atol=1e-3)
