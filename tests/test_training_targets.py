"""Synthetic data and targets agree with the runtime decoders (a mismatch would shift every joint)."""
import cv2
import numpy as np
import pytest

torch = pytest.importorskip("torch")

from animate_drawing.models.decoders import decode_box_heatmap, decode_heatmap  # noqa: E402
from animate_drawing.vision_dev.training.nets import CROP_SIZE, PAGE_SIZE  # noqa: E402
from animate_drawing.vision_dev.training.samples import crop_sample, page_sample  # noqa: E402
from animate_drawing.vision_dev.training.synth_ink import TextureBank  # noqa: E402
from animate_drawing.vision_dev.training.synth_page import make_page  # noqa: E402
from animate_drawing.vision_dev.training.targets import box_targets, keypoint_heatmaps  # noqa: E402


@pytest.fixture(scope="module")
def pages():
    rng = np.random.default_rng(3)
    textures = TextureBank(rng)
    return [make_page(rng, textures) for _ in range(6)]


def test_pages_have_filled_masks_boxes_and_keypoints(pages):
    for page in pages:
        h, w = page.image.shape[:2]
        assert page.image.dtype == np.uint8 and page.image.shape[2] == 3
        assert len(page.masks) == len(page.keypoints) == len(page.boxes) >= 1
        for mask, kps, box in zip(page.masks, page.keypoints, page.boxes):
            ys, xs = np.nonzero(mask)
            assert (box == [xs.min(), ys.min(), xs.max() + 1, ys.max() + 1]).all()
            # Filled silhouette: no enclosed background left inside the figure.
            flood = np.pad(mask.astype(np.uint8), 1)
            cv2.floodFill(flood, None, (0, 0), 2)
            assert not (flood == 0).any()
            # The nose lies on the figure (the head is part of the mask).
            x, y = np.round(kps[0]).astype(int)
            if 0 <= x < w and 0 <= y < h:
                assert cv2.dilate(mask.astype(np.uint8), np.ones((5, 5), np.uint8))[y, x]


def test_heatmap_targets_decode_back_to_the_keypoints(pages):
    rng = np.random.default_rng(0)
    sample = crop_sample(pages[0], 0, rng)
    assert sample.image.shape == (CROP_SIZE, CROP_SIZE, 3) and sample.mask.shape == (CROP_SIZE, CROP_SIZE)
    heat = keypoint_heatmaps(sample.keypoints[None], CROP_SIZE).numpy()
    xy, conf = decode_heatmap(heat, (CROP_SIZE, CROP_SIZE), align="center")
    inside = ((sample.keypoints > 2) & (sample.keypoints < CROP_SIZE - 2)).all(axis=1)
    assert inside.sum() >= 10
    assert np.abs(xy[inside] - sample.keypoints[inside]).max() < 1.0
    assert (conf[inside] > 0.9).all()


def test_box_targets_decode_back_to_the_boxes(pages):
    rng = np.random.default_rng(0)
    for page in pages:
        sample = page_sample(page, rng)
        t = box_targets([sample.boxes], PAGE_SIZE)
        logits = np.log(np.clip(t["centre"].numpy(), 1e-6, 1 - 1e-6) / (1 - np.clip(t["centre"].numpy(), 1e-6, 1 - 1e-6)))
        dets = decode_box_heatmap(logits, t["ltrb"].numpy(), (PAGE_SIZE, PAGE_SIZE), score_threshold=0.99, stride=8)
        assert len(dets) == len(sample.boxes)
        for box in sample.boxes:
            assert np.abs(dets.boxes - box).max(axis=1).min() < 1e-3
