"""Backdrops: colour specs, images scaled to cover, straight-alpha compositing."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

pytestmark = pytest.mark.blender
pytest.importorskip("bpy")
from animate_drawing.addon.output.encode import composite, parse_background  # noqa: E402
from animate_drawing.errors import InputError  # noqa: E402


@pytest.mark.parametrize("spec, rgb", [("white", (255, 255, 255)), ("#ff8000", (255, 128, 0)),
                                       ("10, 20,30", (10, 20, 30)), ("Black", (0, 0, 0))])
def test_colour_specs(spec, rgb):
    backdrop = parse_background(spec, 6, 4)
    assert backdrop.shape == (4, 6, 3) and (backdrop == rgb).all()


@pytest.mark.parametrize("spec", [None, "transparent", "none"])
def test_transparent_means_no_backdrop(spec):
    assert parse_background(spec, 6, 4) is None


@pytest.mark.parametrize("spec, problem", [("#12345g", "not a #RRGGBB colour"), ("1,2,300", "0..255"),
                                           ("nothing.png", "neither a colour")])
def test_bad_specs_name_the_value(spec, problem):
    with pytest.raises(InputError, match=problem) as caught:
        parse_background(spec, 6, 4)
    assert str(caught.value).startswith(spec)


def test_image_backdrop_covers_the_frame_centred(tmp_path):
    wide = np.zeros((100, 300, 3), np.uint8)
    wide[:, 100:200] = (0, 0, 255)  # red (BGR) middle third
    path = tmp_path / "wide.png"
    cv2.imwrite(str(path), wide)
    backdrop = parse_background(str(path), 50, 50)
    assert backdrop.shape == (50, 50, 3)
    assert (backdrop[:, 5:45] == (255, 0, 0)).all()  # RGB red fills the centred crop


def test_composite_is_straight_alpha_over():
    rgba = np.array([[[200, 100, 0, 255], [200, 100, 0, 0], [200, 100, 0, 128]]], np.uint8)
    out = composite(rgba, np.full((1, 3, 3), 100, np.uint8))
    np.testing.assert_array_equal(out[0, :, :3], [[200, 100, 0], [100, 100, 100], [150, 100, 50]])
    assert (out[..., 3] == 255).all()
    assert composite(rgba, None) is rgba


def test_integer_compositing_rounds_like_float_maths():
    rng = np.random.default_rng(0)
    rgba = rng.integers(0, 256, (64, 64, 4)).astype(np.uint8)
    backdrop = rng.integers(0, 256, (64, 64, 3)).astype(np.uint8)
    alpha = rgba[..., 3:4] / 255.0
    expected = np.rint(rgba[..., :3] * alpha + backdrop * (1 - alpha))
    np.testing.assert_array_equal(composite(rgba, backdrop)[..., :3], expected)
