"""Drawing primitives: where the ink lands, how much of it, clipping, and the bitmap font."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from animate_drawing.imaging.draw import draw_line, draw_polyline, draw_rectangle, draw_text, fill_disc
from animate_drawing.imaging.font5x7 import GLYPHS

WHITE = (255, 255, 255)


def _canvas(h=80, w=100, channels=3) -> np.ndarray:
    return np.zeros((h, w, channels), np.uint8)


def _coverage(image: np.ndarray) -> np.ndarray:
    """Per-pixel coverage of white ink drawn on black."""
    return image[..., 0].astype(np.float64) / 255


def _distance_to_segment(shape, a, b) -> np.ndarray:
    ys, xs = np.mgrid[:shape[0], :shape[1]].astype(np.float64)
    a, b = np.asarray(a, float), np.asarray(b, float)
    ab = b - a
    t = np.clip(((xs - a[0]) * ab[0] + (ys - a[1]) * ab[1]) / (ab @ ab), 0, 1)
    return np.hypot(xs - a[0] - t * ab[0], ys - a[1] - t * ab[1])


def test_line_ink_lies_along_the_segment_with_its_thickness():
    image = _canvas()
    a, b, thickness = (10.0, 20.0), (80.0, 55.0), 3
    draw_line(image, a, b, WHITE, thickness)
    cover = _coverage(image)
    distance = _distance_to_segment(image.shape, a, b)
    assert cover[distance >= thickness / 2 + 0.5].max() == 0          # nothing beyond the soft edge
    assert cover[distance <= thickness / 2 - 0.5].min() == 1          # solid core
    soft = (cover > 0) & (cover < 1)
    assert soft.any() and distance[soft].min() > thickness / 2 - 0.5  # anti-aliased rim only at the edge
    length = np.hypot(b[0] - a[0], b[1] - a[1])
    expected = length * thickness + np.pi * (thickness / 2) ** 2       # body + two round caps
    assert cover.sum() == pytest.approx(expected, rel=0.03)


@pytest.mark.parametrize("thickness", [1, 2, 5, 8])
def test_horizontal_line_is_exactly_thickness_rows_of_full_ink(thickness):
    image = _canvas()
    y = 40 if thickness % 2 else 40.5  # even widths centred between rows cover whole rows
    draw_line(image, (10, y), (90, y), WHITE, thickness)
    column = _coverage(image)[:, 50]
    assert column.sum() == pytest.approx(thickness)
    assert np.count_nonzero(column == 1) == thickness


def test_polyline_closed_adds_the_closing_edge_and_overlaps_paint_once():
    square = [(20, 20), (60, 20), (60, 60), (20, 60)]
    opened, closed = _canvas(), _canvas()
    draw_polyline(opened, square, WHITE, 2)
    draw_polyline(closed, square, WHITE, 2, closed=True)
    assert _coverage(opened)[30:50, 19:22].max() == 0 and _coverage(closed)[30:50, 19:22].min() > 0
    np.testing.assert_array_equal(closed[:, 22:], opened[:, 22:])
    # Going back over a segment is the same as drawing it once (union, not double ink).
    grey = (128, 128, 128)
    there_and_back, once = np.full((40, 60, 3), 200, np.uint8), np.full((40, 60, 3), 200, np.uint8)
    draw_polyline(there_and_back, [(5, 10), (50, 30), (5, 10)], grey, 4)
    draw_line(once, (5, 10), (50, 30), grey, 4)
    np.testing.assert_array_equal(there_and_back, once)


@pytest.mark.parametrize("radius", [3, 10, 20.3])
def test_disc_area_is_pi_r_squared_and_solid_inside(radius):
    image = _canvas(100, 100)
    fill_disc(image, (49.3, 50.6), radius, WHITE)
    cover = _coverage(image)
    assert cover.sum() == pytest.approx(np.pi * radius ** 2, rel=0.02)
    ys, xs = np.mgrid[:100, :100]
    distance = np.hypot(xs - 49.3, ys - 50.6)
    assert cover[distance <= radius - 0.5].min() == 1 and cover[distance >= radius + 0.5].max() == 0


def test_segments_and_discs_with_missing_points_are_left_out():
    image, expected = _canvas(), _canvas()
    draw_polyline(image, [(10, 10), (50, 10), (np.nan, 40), (60, 60), (90, 60)], WHITE, 2)
    fill_disc(image, (np.nan, 5), 4, WHITE)
    draw_line(expected, (10, 10), (50, 10), WHITE, 2)
    draw_line(expected, (60, 60), (90, 60), WHITE, 2)
    np.testing.assert_array_equal(image, expected)


def test_primitives_clip_at_the_image_border():
    image = _canvas(60, 60)
    fill_disc(image, (0, 0), 20, WHITE)          # a quarter (plus the half-row/column on the axes) inside
    assert _coverage(image).sum() == pytest.approx(np.pi * 400 / 4 + 20, rel=0.05)
    image = _canvas(60, 60)
    draw_line(image, (-30, 30), (90, 30), WHITE, 3)
    assert np.count_nonzero(_coverage(image) == 1) == 3 * 60
    far = _canvas(60, 60)                        # endpoints far away: clipped first, not walked
    draw_line(far, (-1e9, 30), (1e9, 30), WHITE, 3)
    np.testing.assert_array_equal(far, image)
    diagonal, far_diagonal = _canvas(60, 60), _canvas(60, 60)
    draw_line(diagonal, (-10, -5), (70, 35), WHITE, 4)
    draw_line(far_diagonal, (-10 - 8e8, -5 - 4e8), (70 + 8e8, 35 + 4e8), WHITE, 4)
    assert np.abs(diagonal.astype(int) - far_diagonal).max() <= 1
    untouched = _canvas(60, 60)
    draw_line(untouched, (-50, -50), (-10, 200), WHITE, 5)
    fill_disc(untouched, (100, 100), 10, WHITE)
    draw_rectangle(untouched, (70, 70), (90, 90), WHITE, 3)
    draw_text(untouched, "outside", (61, 0), WHITE)
    assert not untouched.any()


def test_thin_rectangle_outline_matches_opencv():
    ours, theirs = _canvas(), _canvas()
    draw_rectangle(ours, (70, 60), (12, 9), (240, 220, 0))   # corners in either order
    cv2.rectangle(theirs, (12, 9), (70, 60), (240, 220, 0), 1)
    np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("thickness", [2, 3, 4])
def test_thick_rectangle_is_a_band_of_thickness_pixels_with_square_corners(thickness):
    # (OpenCV's thick rectangles are wider than asked and have rounded corners.)
    image = _canvas()
    draw_rectangle(image, (12, 9), (70, 60), WHITE, thickness)
    inset, outset = (thickness - 1) // 2, thickness // 2
    expected = np.zeros(image.shape[:2], bool)
    expected[9 - inset:60 + outset + 1, 12 - inset:70 + outset + 1] = True
    expected[9 + outset + 1:60 - inset, 12 + outset + 1:70 - inset] = False
    np.testing.assert_array_equal(image[..., 0] == 255, expected)
    assert np.count_nonzero(expected[30]) == 2 * thickness


def test_rgb_colour_on_rgba_image_paints_opaque_and_keeps_soft_edges():
    image = _canvas(channels=4)
    fill_disc(image, (40, 40), 10, (10, 20, 30))
    assert tuple(image[40, 40]) == (10, 20, 30, 255)
    edge = image[40, 50:52, 3]
    assert 0 < edge[0] < 255 or 0 < edge[1] < 255


def test_font_has_a_distinct_inked_glyph_for_every_printable_character():
    printable = [chr(c) for c in range(32, 127)]
    assert set(GLYPHS) == set(printable)
    assert all(GLYPHS[c].shape == (7, 5) for c in printable)
    assert not GLYPHS[" "].any() and all(GLYPHS[c].any() for c in printable[1:])
    assert len({GLYPHS[c].tobytes() for c in printable}) == len(printable)


def test_text_renders_inside_its_box_and_depends_on_the_string():
    def render(text, scale=1):
        image = _canvas(40, 200)
        draw_text(image, text, (7, 5), WHITE, scale)
        return image

    w, h = (16 * 6 - 1) * 2, 14   # 16 glyphs 5 px wide, 1 px apart, 7 px tall, doubled
    image = render("drawing_0012.png", 2)
    ink = np.argwhere(image[..., 0] > 0)
    assert ink[:, 0].min() >= 5 and ink[:, 0].max() < 5 + h and ink[:, 1].min() >= 7 and ink[:, 1].max() < 7 + w
    assert ink[:, 1].max() - ink[:, 1].min() > w * 0.9           # spans the whole box
    assert set(np.unique(image)) == {0, 255}                       # bitmap: no soft edges
    assert not np.array_equal(render("frame_01"), render("frame_02"))
    # Scale 2 is scale 1 with every font pixel doubled.
    small, big = render("Ab9", 1)[5:12, 7:7 + 17], render("Ab9", 2)[5:19, 7:7 + 34]
    np.testing.assert_array_equal(big, small.repeat(2, 0).repeat(2, 1))
    np.testing.assert_array_equal(render("caf\u00e9"), render("caf?"))  # no glyph: shown as '?'


def test_text_is_clipped_at_the_border():
    image = _canvas(10, 20)
    draw_text(image, "WWWWW", (-3, 5), WHITE, 1)   # starts left of the image, runs off bottom/right
    reference = _canvas(20, 40)
    draw_text(reference, "WWWWW", (7, 15), WHITE, 1)
    np.testing.assert_array_equal(image, reference[10:20, 10:30])
