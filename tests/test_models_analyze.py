"""The vision pipeline end to end: classical fallbacks, bad input, joints on the figure, annotate."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from animate_drawing.errors import InputError, NoFigureError
from animate_drawing.models.analyze import AnalysisSettings, analyze_image, figure_to_character
from animate_drawing.models.annotate import annotate
from animate_drawing.models.classical_segmentation import classical_mask
from animate_drawing.models.image_io import load_image
from animate_drawing.models.joints import AD_NAMES, LOW_CONFIDENCE, coco17_to_ad16, snap_into_mask
from animate_drawing.models.runtime import MODELS_DIR, shipped_specs
from data_models.drawings import blank_page, draw_stick_figure
from data_models.tiny_onnx import constant_model, gaussian_heatmaps, write_sidecar

ANNOTATED = "drawings/annotated"
SHIPPED_POSE = shipped_specs("pose", MODELS_DIR)


def _save(path, rgb):
    cv2.imwrite(str(path), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    return path


_NO_MODELS_DIR = Path(__file__).resolve().parent / "data_models"


def _classical_settings(**kw) -> AnalysisSettings:
    # The classical fallbacks, even once shipped models exist: a models folder without models.
    return AnalysisSettings(provider="cpu", models_dir=str(_NO_MODELS_DIR), **kw)


@pytest.mark.parametrize("folder", [
    "AnimatedDrawings_Server-Backend__example1",
    "Ajaypawar02_AnimatedDrawings__garlic_out",
    "mikaelapisani_AnimatedDrawings-JM__output",
    "xkromkad_AnimatedDrawings-1__postava_out",
])
def test_classical_segmentation_reproduces_animated_drawings_masks(shared_data, folder):
    d = shared_data / ANNOTATED / folder
    rgb, _ = load_image(d / "texture.png")
    truth = cv2.imread(str(d / "mask.png"), cv2.IMREAD_GRAYSCALE) > 127
    mask = classical_mask(rgb)
    iou = (mask & truth).sum() / (mask | truth).sum()
    assert iou >= 0.95


def test_coco_to_animated_drawings_mapping():
    coco = np.arange(34, dtype=float).reshape(17, 2)
    conf = np.linspace(0.1, 0.9, 17)
    joints, jconf = coco17_to_ad16(coco, conf)
    j = dict(zip(AD_NAMES, joints))
    np.testing.assert_allclose(j["root"], (coco[11] + coco[12]) / 2)
    np.testing.assert_allclose(j["hip"], j["root"])
    np.testing.assert_allclose(j["torso"], (coco[5] + coco[6]) / 2)
    np.testing.assert_allclose(j["neck"], coco[0])
    np.testing.assert_allclose(j["right_hand"], coco[10])
    np.testing.assert_allclose(j["left_foot"], coco[15])
    assert jconf[AD_NAMES.index("torso")] == pytest.approx(conf[5])   # the weaker shoulder


def test_snap_moves_outside_joints_onto_the_mask_and_flags_far_ones():
    mask = np.zeros((100, 100), bool)
    mask[20:80, 20:80] = True                              # flag beyond 3 % of 85 px
    joints = np.array([[50.0, 50.0], [45.0, 10.0], [81.0, 30.0]] + [[50.0, 50.0]] * 13)
    conf = np.full(16, 0.9)
    out, out_conf, snapped = snap_into_mask(joints, conf, mask)
    assert snapped[:3].tolist() == [False, True, True]
    np.testing.assert_allclose(out[1], [45, 20])
    np.testing.assert_allclose(out[2], [79, 30])
    assert out_conf[1] <= LOW_CONFIDENCE                   # 10 px away: a reviewer should look
    assert out_conf[2] == 0.9                              # 2 px: just a rounding matter
    assert mask[np.rint(out[:, 1]).astype(int), np.rint(out[:, 0]).astype(int)].all()


def test_blank_page_raises_no_figure_with_hint(tmp_path):
    path = _save(tmp_path / "blank.png", blank_page())
    with pytest.raises(NoFigureError, match="no figure found.*draw a box.*--box X0,Y0,X1,Y1") as err:
        analyze_image(path, _classical_settings())
    assert "blank.png" in str(err.value)


def test_stick_figure_found_segmented_and_joints_on_the_mask(tmp_path):
    page = draw_stick_figure(blank_page(), cx=220, top=120, height=360)
    analysis = analyze_image(_save(tmp_path / "stick.png", page), _classical_settings())
    assert len(analysis.figures) == 1
    fig = analysis.figures[0]
    x0, y0, x1, y1 = fig.box
    # The drawn figure spans x 220±101, y 120..476 (+ stroke width).
    assert abs(x0 - 119) < 8 and abs(x1 - 321) < 8 and abs(y0 - 120) < 8 and abs(y1 - 477) < 8
    assert fig.mask.shape == page.shape[:2]
    rows, cols = np.rint(fig.joints[:, 1]).astype(int), np.rint(fig.joints[:, 0]).astype(int)
    assert fig.mask[rows, cols].all()
    assert fig.joints.shape == (16, 2) and fig.joint_conf.shape == (16,)
    head = fig.joints[AD_NAMES.index("neck")]
    feet = fig.joints[[AD_NAMES.index("left_foot"), AD_NAMES.index("right_foot")]]
    assert head[1] < 200 and (feet[:, 1] > 420).all()
    assert set(analysis.timings_ms) >= {"load", "detect", "segment", "pose", "total"}


def test_several_figures_largest_first(tmp_path):
    page = blank_page(600, 900)
    draw_stick_figure(page, cx=200, top=150, height=250)
    draw_stick_figure(page, cx=620, top=60, height=450)
    analysis = analyze_image(_save(tmp_path / "two.png", page), _classical_settings())
    assert len(analysis.figures) == 2
    big, small = analysis.figures
    assert big.mask.sum() > small.mask.sum()
    assert big.box[0] > 450 > small.box[2]


@pytest.mark.skipif(not SHIPPED_POSE, reason="no shipped pose model yet")
def test_the_person_comes_first_not_the_bigger_drawn_object(tmp_path):
    # A phone photo's page: a small stick man beside a bigger drawn boombox. The boombox's mask
    # is twice the man's, but the pose net finds no body in it: the man is figure 0.
    page = blank_page(700, 1000)
    draw_stick_figure(page, cx=220, top=200, height=330)
    ink = (30, 30, 40)
    cv2.rectangle(page, (450, 250), (930, 560), ink, 4)
    for r in (80, 25):
        cv2.circle(page, (560, 420), r, ink, 4)
        cv2.circle(page, (820, 420), r, ink, 4)
    cv2.polylines(page, [np.array([(520, 250), (560, 170), (820, 170), (860, 250)])], False, ink, 4)
    analysis = analyze_image(_save(tmp_path / "boombox.png", page), AnalysisSettings(provider="cpu"))
    person = analysis.figures[0]
    assert person.box[2] < 400, person.box
    assert any(f.mask.sum() > person.mask.sum() for f in analysis.figures[1:])


def test_transparent_png_alpha_is_the_mask(tmp_path):
    page = draw_stick_figure(blank_page(), cx=220, top=120, height=360)
    alpha = np.zeros(page.shape[:2], np.uint8)
    cv2.ellipse(alpha, (220, 300), (90, 170), 0, 0, 360, 255, -1)
    bgra = np.dstack([cv2.cvtColor(page, cv2.COLOR_RGB2BGR), alpha])
    path = tmp_path / "cutout.png"
    cv2.imwrite(str(path), bgra)
    analysis = analyze_image(path, _classical_settings())
    assert len(analysis.figures) == 1
    np.testing.assert_array_equal(analysis.figures[0].mask, alpha > 127)


def test_manual_box_limits_the_analysis(tmp_path):
    page = blank_page(600, 900)
    draw_stick_figure(page, cx=200, top=150, height=250)
    draw_stick_figure(page, cx=620, top=60, height=450)
    path = _save(tmp_path / "two.png", page)
    analysis = analyze_image(path, _classical_settings(manual_box=(80, 130, 330, 420)))
    assert len(analysis.figures) == 1
    assert analysis.figures[0].mask[:, 450:].sum() == 0
    with pytest.raises(NoFigureError, match=r"inside the box \[400, 540, 500, 590\]"):
        analyze_image(path, _classical_settings(manual_box=(400, 540, 500, 590)))   # empty paper


def test_photo_like_clutter_does_not_crash(tmp_path):
    # Not a drawing: smooth shapes, gradients and noise like a photo of a person in a room.
    rng = np.random.default_rng(3)
    img = (np.linspace(40, 200, 640)[None, :, None] * np.ones((480, 1, 3))).astype(np.float32)
    cv2.ellipse(img, (320, 200), (70, 90), 0, 0, 360, (180, 140, 120), -1)
    cv2.rectangle(img, (250, 280), (390, 480), (60, 60, 140), -1)
    img = np.clip(cv2.GaussianBlur(img, (0, 0), 3) + rng.normal(0, 8, img.shape), 0, 255).astype(np.uint8)
    path = _save(tmp_path / "person.jpg", img)
    try:
        analysis = analyze_image(path, _classical_settings())
    except NoFigureError:
        return
    for fig in analysis.figures:
        assert fig.mask.any() and np.isfinite(fig.joints).all()


def test_not_an_image_is_an_input_error(tmp_path):
    path = tmp_path / "drawing.png"
    path.write_text("not a picture")
    with pytest.raises(InputError, match="drawing.png: not an image"):
        analyze_image(path, _classical_settings())


def test_annotate_writes_animated_drawings_folder(tmp_path):
    from animate_drawing.formats.char_cfg import load_bounding_box, load_char_cfg

    page = draw_stick_figure(blank_page(), cx=220, top=120, height=360)
    folders = annotate(_save(tmp_path / "stick.png", page), tmp_path / "out", _classical_settings())
    assert folders == [tmp_path / "out"]
    out = folders[0]
    config = load_char_cfg(out / "char_cfg.yaml")
    assert config.names == list(AD_NAMES)
    mask = cv2.imread(str(out / "mask.png"), cv2.IMREAD_GRAYSCALE) > 127
    texture = cv2.imread(str(out / "texture.png"), cv2.IMREAD_UNCHANGED)
    assert mask.shape == (config.height, config.width) == texture.shape[:2]
    np.testing.assert_array_equal(texture[:, :, 3] > 127, mask)
    locs = config.locs().astype(int)
    assert mask[locs[:, 1], locs[:, 0]].all()               # every joint on the figure
    box = load_bounding_box(out / "bounding_box.yaml")
    assert box["right"] - box["left"] == config.width and box["bottom"] - box["top"] == config.height
    # The padded crop leaves paper around the figure on every side.
    assert not mask[0].any() and not mask[-1].any() and not mask[:, 0].any() and not mask[:, -1].any()
    summary = json.loads((out / "analysis.json").read_text())
    assert len(summary["figures"]) == 1
    assert [j["name"] for j in summary["figures"][0]["joints"]] == list(AD_NAMES)
    assert summary["timings_ms"]["total"] > 0
    overlay = cv2.imread(str(out / "joint_overlay.png"))
    assert overlay.shape[:2] == mask.shape


def test_annotate_several_figures_one_folder_each(tmp_path):
    page = blank_page(600, 900)
    draw_stick_figure(page, cx=200, top=150, height=250)
    draw_stick_figure(page, cx=620, top=60, height=450)
    folders = annotate(_save(tmp_path / "two.png", page), tmp_path / "out", _classical_settings())
    assert [f.name for f in folders] == ["figure_1", "figure_2"]
    heights = [cv2.imread(str(f / "mask.png")).shape[0] for f in folders]
    assert heights[0] > heights[1]
    assert (tmp_path / "out" / "analysis.json").exists()


def test_figure_to_character_crop_is_padded(tmp_path):
    page = draw_stick_figure(blank_page(), cx=220, top=120, height=360)
    analysis = analyze_image(_save(tmp_path / "stick.png", page), _classical_settings(pad=0.1))
    texture, mask, config, bbox = figure_to_character(analysis, 0, pad=0.1)
    x0, y0, x1, y1 = analysis.figures[0].box
    assert bbox["left"] == int(np.floor(x0 - 0.1 * (x1 - x0)))
    assert texture.shape == (config.height, config.width, 4)


SHIPPED = {t: shipped_specs(t, MODELS_DIR) for t in ("detection", "segmentation", "pose")}


@pytest.mark.skipif(not SHIPPED["pose"], reason="no shipped pose model yet")
def test_shipped_models_accuracy_floor_on_the_test_split(shared_data):
    # The test split (vision_dev/training/split.json) was never trained on nor used for a choice.
    # Version 3 measured PCK@0.1 0.62, PCK@0.05 0.43 there: a decoding or pre-processing
    # regression, or a worse model, falls below these floors (the targets are evaluate's job).
    from animate_drawing.vision_dev.evaluate import evaluate_annotated
    from animate_drawing.vision_dev.training.split import folders_in

    folders = folders_in("test")
    assert len(folders) >= 5
    results = [evaluate_annotated(shared_data / ANNOTATED / f, AnalysisSettings(provider="cpu")) for f in folders]
    assert np.mean([r.pck10 for r in results]) >= 0.58
    assert np.mean([r.pck05 for r in results]) >= 0.38
    assert min(r.mask_iou for r in results) >= 0.9


def _tiny_shipped_models(folder: Path, find_figure: bool = True) -> Path:
    """A detector (box_heatmap, 64x64 input) + a pose net with mask output (32x32 input) and a
    segmentation sidecar pointing at the pose net, like the shipped trio."""
    centre = np.full((1, 1, 8, 8), -9.0, np.float32)
    ltrb = np.zeros((1, 4, 8, 8), np.float32)
    if find_figure:
        centre[0, 0, 3, 4] = 5.0                          # centre (36, 28) input px at stride 8
        ltrb[0, :, 3, 4] = [2.0, 2.5, 2.0, 3.0]           # box 20..52 x 8..52 input px
    det = constant_model(folder / "det.onnx", {"centre_logits": centre, "box_ltrb": ltrb}, (1, 3, 64, 64))
    write_sidecar(det, "detection", "box_heatmap", (64, 64), names=["centre_logits", "box_ltrb"], stride=8)
    cells = np.array([[8, 2], [8, 2], [8, 2], [8, 2], [8, 2], [12, 5], [4, 5], [13, 8], [3, 8],
                      [14, 10], [2, 10], [10, 9], [6, 9], [10, 12], [6, 12], [10, 15], [6, 15]], float)
    logits = np.full((1, 1, 32, 32), -9.0, np.float32)
    logits[0, 0, 2:31, 3:30] = 9.0
    pose = constant_model(folder / "pose.onnx", {"heatmaps": gaussian_heatmaps(cells, (16, 16)),
                                                  "mask_logits": logits}, (1, 3, 32, 32))
    write_sidecar(pose, "pose", "heatmap", (32, 32), names=["heatmaps", "mask_logits"], align="center")
    write_sidecar(pose, "segmentation", "mask_logits", (32, 32), json_path=folder / "seg.json",
                  names=["mask_logits"])
    return folder


def test_shipped_model_trio_runs_through_the_pipeline(tmp_path):
    models_dir = _tiny_shipped_models(tmp_path / "models")
    path = _save(tmp_path / "page.png", blank_page(256, 256))
    analysis = analyze_image(path, AnalysisSettings(provider="cpu", models_dir=str(models_dir), pad=0.0,
                                                    flip_test=False))
    assert analysis.models == {"detection": "det", "segmentation": "seg", "pose": "pose"}
    fig, = analysis.figures
    np.testing.assert_allclose(fig.box, [80, 32, 208, 208])        # input box × 4
    # The pose net's mask output (rows 2..30, cols 3..29 of 32 over that 128x176 crop) is the mask.
    ys, xs = np.nonzero(fig.mask)
    assert abs(ys.min() - (32 + 2 * 5.5)) <= 2 and abs(xs.min() - (80 + 3 * 4)) <= 2
    np.testing.assert_allclose(fig.mask_box(), [xs.min(), ys.min(), xs.max() + 1, ys.max() + 1])
    rows, cols = np.rint(fig.joints[:, 1]).astype(int), np.rint(fig.joints[:, 0]).astype(int)
    assert fig.mask[rows, cols].all()
    # neck = nose: heatmap cell (8, 2) → input (17, 5) → crop (68, 27.5) → image (148, 59.5)
    np.testing.assert_allclose(fig.joints[AD_NAMES.index("neck")], [148, 59.5], atol=1.5)
    assert fig.joint_conf.min() > 0.9


def test_detector_model_that_sees_nothing_falls_back_to_classical(tmp_path):
    models_dir = _tiny_shipped_models(tmp_path / "models", find_figure=False)
    page = draw_stick_figure(blank_page(), cx=220, top=120, height=360)
    analysis = analyze_image(_save(tmp_path / "stick.png", page),
                             AnalysisSettings(provider="cpu", models_dir=str(models_dir)))
    assert len(analysis.figures) == 1
    assert any("classical page segmentation" in w for w in analysis.warnings)


def test_reconcile_prefers_exact_classical_mask_unless_it_leaked_or_lost_parts():
    from animate_drawing.models.segmenter import CropProbability, reconcile_masks

    figure = np.zeros((200, 150), bool)
    cv2.ellipse(figure.view(np.uint8), (75, 100), (40, 80), 0, 0, 360, 1, -1)
    blobby = cv2.dilate(figure.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)  # coarse model mask
    sure = CropProbability(np.where(blobby, 0.9, 0.001).astype(np.float32), 0.5)          # paper: p ≈ 0
    unsure = CropProbability(np.where(blobby, 0.9, 0.2).astype(np.float32), 0.5)
    assert reconcile_masks(figure, sure)[1] == "classical"
    flooded = np.zeros_like(figure)
    flooded[10:190, 10:140] = True                         # classical leaked into the paper
    assert reconcile_masks(flooded, sure)[1] == "model"
    # The same extra region where the model is unsure (hair, a tail): classical detail kept.
    assert reconcile_masks(flooded, unsure)[1] == "classical"
    head_only = figure.copy()
    head_only[60:] = False                                 # stroke gaps: only the head enclosed
    assert reconcile_masks(head_only, sure)[1] == "model"
    assert reconcile_masks(np.zeros_like(figure), sure)[1] == "model"
    with_thin_arm = figure.copy()
    with_thin_arm[60:63, 110:150] = True                   # a pen-stroke arm the coarse model lost
    with_thin_arm[60:63, 0:40] = True
    assert reconcile_masks(with_thin_arm, sure)[1] == "classical"


def test_unknown_mask_source_is_an_input_error(tmp_path):
    path = _save(tmp_path / "stick.png", draw_stick_figure(blank_page(), cx=220, top=120, height=360))
    with pytest.raises(InputError, match="mask source"):
        analyze_image(path, _classical_settings(mask_source="magic"))


def test_classical_mask_keeps_the_figure_of_its_box_not_a_bigger_neighbour():
    page = blank_page(400, 500)
    draw_stick_figure(page, cx=120, top=150, height=200)   # the figure the box is about
    draw_stick_figure(page, cx=380, top=20, height=370)    # a bigger neighbour in the same crop
    assert classical_mask(page)[:, 300:].any()             # largest blob: the neighbour
    mask = classical_mask(page, focus=(60, 140, 180, 360))
    assert mask[:, :200].sum() > 1000 and not mask[:, 250:].any()


def test_duplicate_boxes_on_one_figure_give_one_figure(tmp_path):
    from animate_drawing.models.analyze import _without_duplicates, analyze_array, models_for

    page = draw_stick_figure(blank_page(), cx=220, top=120, height=360)
    models = models_for(_classical_settings())
    # Two slightly different boxes over the same drawing (as two detections would give).
    one = analyze_array(page, None, _classical_settings(manual_box=(110, 110, 330, 490)), models)
    other = analyze_array(page, None, _classical_settings(manual_box=(100, 100, 340, 480)), models)
    assert len(_without_duplicates(one.figures + other.figures)) == 1


def test_corrupt_custom_model_in_preferences_falls_back_to_shipped(tmp_path):
    from animate_drawing.models.runtime import ModelFallbackWarning

    models_dir = _tiny_shipped_models(tmp_path / "models")
    mine = tmp_path / "mine" / "my_pose.onnx"
    mine.parent.mkdir()
    mine.write_bytes(b"\x00 definitely not onnx")
    (tmp_path / "models" / "pose.json").replace(mine.with_suffix(".json"))       # a valid sidecar
    _tiny_shipped_models(tmp_path / "models")                                    # restore shipped
    path = _save(tmp_path / "page.png", blank_page(256, 256))
    settings = AnalysisSettings(provider="cpu", models_dir=str(models_dir), custom_models={"pose": str(mine)})
    with pytest.warns(ModelFallbackWarning, match="my_pose.onnx"):
        analysis = analyze_image(path, settings)
    assert analysis.models["pose"] == "pose"
    assert any("my_pose.onnx" in w and "shipped" in w for w in analysis.warnings)
