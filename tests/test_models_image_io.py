"""`load_image` on the files users really have: rotated phone JPEGs, 16-bit, gray, RGBA, bombs, junk."""

from __future__ import annotations

import struct

import cv2
import numpy as np
import pytest

from animate_drawing.errors import InputError
from animate_drawing.models.image_io import MAX_LONG_SIDE, header_size, load_image


def _write(path, bgr_or_gray, ext=".png", params=()):
    ok, data = cv2.imencode(ext, bgr_or_gray, list(params))
    assert ok
    path.write_bytes(data.tobytes())
    return path


def _with_exif_orientation(jpeg: bytes, orientation: int) -> bytes:
    # Minimal little-endian TIFF with one IFD entry: Orientation (0x0112), SHORT, 1 value.
    tiff = b"II*\x00" + struct.pack("<I", 8) + struct.pack("<H", 1) \
        + struct.pack("<HHIHH", 0x0112, 3, 1, orientation, 0) + struct.pack("<I", 0)
    app1 = b"Exif\x00\x00" + tiff
    return jpeg[:2] + b"\xff\xe1" + struct.pack(">H", len(app1) + 2) + app1 + jpeg[2:]


def test_exif_orientation_is_applied(tmp_path):
    bgr = np.full((40, 80, 3), 255, np.uint8)
    bgr[:, :40] = (0, 0, 255)                               # left half red
    ok, jpeg = cv2.imencode(".jpg", bgr)
    path = tmp_path / "phone.jpg"
    path.write_bytes(_with_exif_orientation(jpeg.tobytes(), 6))   # 6 = rotate 90° clockwise
    rgb, alpha = load_image(path)
    assert rgb.shape == (80, 40, 3) and alpha is None
    assert rgb[5, 20, 0] > 200 and rgb[5, 20, 1] < 60       # red now on top
    assert rgb[75, 20].min() > 200                         # white at the bottom


def test_sixteen_bit_png_becomes_eight_bit(tmp_path):
    img = np.zeros((32, 32, 3), np.uint16)
    img[:, :16] = 65535
    img[:, 16:] = 32768
    rgb, _ = load_image(_write(tmp_path / "deep.png", img))
    assert rgb.dtype == np.uint8
    assert rgb[0, 0].tolist() == [255, 255, 255] and rgb[0, 20].tolist() == [128, 128, 128]


def test_grayscale_becomes_rgb(tmp_path):
    gray = np.tile(np.arange(32, dtype=np.uint8) * 8, (32, 1))
    rgb, alpha = load_image(_write(tmp_path / "gray.png", gray))
    assert rgb.shape == (32, 32, 3) and alpha is None
    np.testing.assert_array_equal(rgb[:, :, 0], gray)
    np.testing.assert_array_equal(rgb[:, :, 2], gray)


def test_transparent_png_alpha_is_returned_and_hidden_colour_is_white(tmp_path):
    bgra = np.zeros((32, 32, 4), np.uint8)                  # hidden colour black
    bgra[8:24, 8:24] = (255, 0, 0, 255)                     # opaque blue square
    rgb, alpha = load_image(_write(tmp_path / "cutout.png", bgra))
    assert alpha is not None and (alpha > 127).sum() == 16 * 16
    assert rgb[0, 0].tolist() == [255, 255, 255]
    assert rgb[16, 16].tolist() == [0, 0, 255]


def test_opaque_rgba_has_no_alpha(tmp_path):
    bgra = np.full((32, 32, 4), 255, np.uint8)
    _, alpha = load_image(_write(tmp_path / "opaque.png", bgra))
    assert alpha is None


def test_large_images_are_downscaled(tmp_path):
    big = np.full((1200, 4000, 3), 255, np.uint8)
    rgb, _ = load_image(_write(tmp_path / "wide.jpg", big, ".jpg"))
    assert rgb.shape == (600, MAX_LONG_SIDE, 3)


def test_decompression_bomb_refused_from_the_header(tmp_path):
    # A PNG whose header claims 30000 x 30000 (900 MP): refused before any decoding.
    ihdr = struct.pack(">IIBBBBB", 30000, 30000, 8, 2, 0, 0, 0)
    data = b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + ihdr + b"\0" * 4 + b"junk" * 100
    path = tmp_path / "bomb.png"
    path.write_bytes(data)
    with pytest.raises(InputError, match="too large.*decompression bomb") as err:
        load_image(path)
    assert "bomb.png" in str(err.value)


def test_jpeg_header_size_is_read_without_decoding(tmp_path):
    ok, jpeg = cv2.imencode(".jpg", np.zeros((37, 53, 3), np.uint8))
    assert header_size(jpeg.tobytes()) == (53, 37)
    ok, png = cv2.imencode(".png", np.zeros((37, 53), np.uint8))
    assert header_size(png.tobytes()) == (53, 37)


@pytest.mark.parametrize("name, content, message", [
    ("empty.png", b"", "empty"),
    ("notes.png", b"shopping list: milk, eggs\n" * 20, "not an image"),
    ("truncated.png", None, "not an image"),
])
def test_bad_files_are_input_errors(tmp_path, name, content, message):
    if content is None:
        ok, png = cv2.imencode(".png", np.zeros((64, 64, 3), np.uint8))
        content = png.tobytes()[:40]
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputError, match=message) as err:
        load_image(path)
    assert name in str(err.value)


def test_missing_file_folder_and_tiny_image(tmp_path):
    with pytest.raises(InputError, match="not found"):
        load_image(tmp_path / "nope.png")
    with pytest.raises(InputError, match="folder"):
        load_image(tmp_path)
    with pytest.raises(InputError, match="too small"):
        load_image(_write(tmp_path / "tiny.png", np.zeros((8, 8, 3), np.uint8)))


def test_shared_sixteen_bit_photo(shared_data):
    # A real 16-bit RGB photo from AnimatedDrawings' server repository.
    path = shared_data / "drawings/annotated/AnimatedDrawings_Server-Backend__example1/origin_image.png"
    rgb, alpha = load_image(path)
    assert rgb.dtype == np.uint8 and rgb.shape == (500, 376, 3) and alpha is None
    assert 100 < rgb.mean() < 255


def test_tiff_header_size_and_bomb(tmp_path):
    ok, tif = cv2.imencode(".tiff", np.zeros((37, 53, 3), np.uint8))
    assert header_size(tif.tobytes()) == (53, 37)
    # Little-endian TIFF claiming 40000 x 40000 (LONG width, SHORT height).
    ifd = struct.pack("<H", 2) + struct.pack("<HHII", 256, 4, 1, 40000) + struct.pack("<HHIHH", 257, 3, 1, 40000, 0)
    path = tmp_path / "bomb.tif"
    path.write_bytes(b"II*\x00" + struct.pack("<I", 8) + ifd + b"\0" * 64)
    with pytest.raises(InputError, match="too large"):
        load_image(path)


def test_a_few_transparent_pixels_are_not_a_cutout(tmp_path):
    bgra = np.full((64, 64, 4), 255, np.uint8)
    bgra[:4, :4, 3] = 0                                    # a rounded corner
    rgb, alpha = load_image(_write(tmp_path / "corner.png", bgra))
    assert alpha is None and rgb[0, 0].tolist() == [255, 255, 255]


def test_a_drawing_loaded_on_the_main_thread_is_analysed_on_a_worker(tmp_path):
    """A drawing loaded on one thread is analysed on another, with the same result."""
    import concurrent.futures

    from animate_drawing.models.analyze import AnalysisSettings, analyze_image, load_drawing
    from data_models.drawings import blank_page, draw_stick_figure

    page = blank_page()
    draw_stick_figure(page, cx=225, top=100, height=400)
    path = _write(tmp_path / "stick.png", page[..., ::-1])
    settings = AnalysisSettings(provider="cpu", models_dir=str(tmp_path))   # classical fallbacks: fast
    loaded = load_drawing(path)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        threaded = pool.submit(analyze_image, loaded, settings).result()
    direct = analyze_image(path, settings)
    assert threaded.image_path == direct.image_path == str(path)
    np.testing.assert_array_equal(threaded.image, direct.image)
    assert len(threaded.figures) == len(direct.figures) >= 1
    np.testing.assert_array_equal(threaded.figures[0].mask, direct.figures[0].mask)
