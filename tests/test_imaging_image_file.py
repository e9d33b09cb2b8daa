"""imaging.image_file against OpenCV's decoder (ground truth) on files written by cv2 and by hand."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np
import pytest

cv2 = pytest.importorskip("cv2")

from animate_drawing.errors import InputError  # noqa: E402
from animate_drawing.imaging.image_file import read_image, write_png  # noqa: E402

RAW_DRAWINGS = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "drawings" / "raw"


@pytest.fixture
def rng():
    return np.random.default_rng(7)


def cv2_rgba(path: Path, flags=cv2.IMREAD_UNCHANGED) -> np.ndarray:
    """cv2's decode as 8-bit RGBA (16-bit rounded to nearest), for comparison with read_image."""
    image = cv2.imread(str(path), flags)
    if image.dtype == np.uint16:
        image = (image / 257.0 + 0.5).astype(np.uint8)
    if image.ndim == 2:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2RGBA)
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGBA if image.shape[2] == 3 else cv2.COLOR_BGRA2RGBA)


def hand_png(path: Path, colour_type: int, rows: np.ndarray, *chunks: tuple[bytes, bytes]) -> None:
    """A PNG of a layout cv2 cannot write (grey + alpha, palette): unfiltered rows, extra chunks before IDAT."""
    def chunk(kind, payload):
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))
    height, width = rows.shape[:2]
    raw = np.concatenate([np.zeros((height, 1), np.uint8), rows.reshape(height, -1)], axis=1)
    header = struct.pack(">IIBBBBB", width, height, 8, colour_type, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + b"".join(chunk(k, p) for k, p in chunks)
                     + chunk(b"IDAT", zlib.compress(raw.tobytes())) + chunk(b"IEND", b""))


def with_exif_orientation(jpeg: bytes, orientation: int, byte_order: str = ">") -> bytes:
    """Insert an APP1 Exif segment (one IFD0 entry: Orientation) right after SOI."""
    tiff = (b"MM" if byte_order == ">" else b"II") + struct.pack(byte_order + "HI", 42, 8)
    tiff += struct.pack(byte_order + "H", 1) + struct.pack(byte_order + "HHIH2x", 0x0112, 3, 1, orientation)
    tiff += struct.pack(byte_order + "I", 0)
    payload = b"Exif\x00\x00" + tiff
    return jpeg[:2] + b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload + jpeg[2:]


def flat_block_jpeg(levels: np.ndarray) -> bytes:
    """A baseline JPEG cv2 cannot write: (rows, cols, C) levels, each an 8x8 flat block, C
    components (4 = CMYK) at full resolution. Quantiser 1 and DC-only blocks keep the entropy
    coder tiny: a DC table of twelve 4-bit codes (size categories 0..11), an AC table holding
    only end-of-block (code "0")."""
    rows, cols, comps = levels.shape

    def segment(marker, payload):
        return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload
    header = (segment(0xDB, b"\x00" + b"\x01" * 64)
              + segment(0xC0, struct.pack(">BHHB", 8, rows * 8, cols * 8, comps)
                        + b"".join(bytes([k + 1, 0x11, 0]) for k in range(comps)))
              + segment(0xC4, bytes([0x00, 0, 0, 0, 12] + [0] * 12) + bytes(range(12)))
              + segment(0xC4, bytes([0x10, 1] + [0] * 15 + [0]))
              + segment(0xDA, bytes([comps]) + b"".join(bytes([k + 1, 0]) for k in range(comps)) + b"\x00\x3f\x00"))
    bits, previous = "", [0] * comps
    for level in levels.reshape(-1, comps):
        for k in range(comps):
            dc = 8 * (int(level[k]) - 128)        # DC of a flat block, level-shifted, quantiser 1
            diff, previous[k] = dc - previous[k], dc
            size = abs(diff).bit_length()
            bits += format(size, "04b") + (format(diff if diff > 0 else diff + (1 << size) - 1, f"0{size}b")
                                           if size else "") + "0"
    bits += "1" * (-len(bits) % 8)
    scan = int(bits, 2).to_bytes(len(bits) // 8, "big").replace(b"\xff", b"\xff\x00")
    return b"\xff\xd8" + header + scan + b"\xff\xd9"


def test_rgb_png_matches_cv2_exactly(tmp_path, rng):
    bgr = rng.integers(0, 256, (37, 53, 3), dtype=np.uint8)
    cv2.imwrite(str(tmp_path / "a.png"), bgr)
    rgba, has_alpha = read_image(tmp_path / "a.png")
    assert rgba.dtype == np.uint8 and rgba.shape == (37, 53, 4) and rgba.flags.c_contiguous
    assert not has_alpha
    np.testing.assert_array_equal(rgba, cv2_rgba(tmp_path / "a.png"))
    assert (rgba[..., 3] == 255).all()


def test_rgba_png_keeps_straight_alpha(tmp_path, rng):
    bgra = rng.integers(0, 256, (20, 30, 4), dtype=np.uint8)
    bgra[0, 0, 3], bgra[5, 7, 3] = 0, 1     # colour under (nearly) transparent pixels must survive
    cv2.imwrite(str(tmp_path / "a.png"), bgra)
    rgba, has_alpha = read_image(tmp_path / "a.png")
    assert has_alpha
    np.testing.assert_array_equal(rgba, cv2_rgba(tmp_path / "a.png"))


@pytest.mark.parametrize("channels", [1, 3, 4])
def test_16_bit_png_is_read_raw_not_linearised(tmp_path, rng, channels):
    shape = (24, 18) if channels == 1 else (24, 18, channels)
    cv2.imwrite(str(tmp_path / "a.png"), rng.integers(0, 65536, shape, dtype=np.uint16))
    rgba, has_alpha = read_image(tmp_path / "a.png")
    assert has_alpha == (channels == 4)
    assert np.abs(rgba.astype(int) - cv2_rgba(tmp_path / "a.png")).max() <= 1


def test_grey_png(tmp_path, rng):
    cv2.imwrite(str(tmp_path / "g.png"), rng.integers(0, 256, (16, 40), dtype=np.uint8))
    rgba, has_alpha = read_image(tmp_path / "g.png")
    assert not has_alpha
    np.testing.assert_array_equal(rgba, cv2_rgba(tmp_path / "g.png"))


def test_grey_alpha_png(tmp_path, rng):
    grey_alpha = rng.integers(0, 256, (19, 23, 2), dtype=np.uint8)
    hand_png(tmp_path / "ga.png", 4, grey_alpha)
    rgba, has_alpha = read_image(tmp_path / "ga.png")
    assert has_alpha
    np.testing.assert_array_equal(rgba[..., :3], np.repeat(grey_alpha[..., :1], 3, axis=2))
    np.testing.assert_array_equal(rgba[..., 3], grey_alpha[..., 1])


@pytest.mark.parametrize("transparency", [False, True])
def test_palette_png(tmp_path, rng, transparency):
    palette = rng.integers(0, 256, (16, 3), dtype=np.uint8)
    opacity = rng.integers(0, 256, 16, dtype=np.uint8)
    index = rng.integers(0, 16, (21, 17), dtype=np.uint8)
    chunks = [(b"PLTE", palette.tobytes())] + ([(b"tRNS", opacity.tobytes())] if transparency else [])
    hand_png(tmp_path / "p.png", 3, index, *chunks)
    rgba, has_alpha = read_image(tmp_path / "p.png")
    assert has_alpha == transparency
    np.testing.assert_array_equal(rgba[..., :3], palette[index])
    np.testing.assert_array_equal(rgba[..., 3], opacity[index] if transparency else 255)
    np.testing.assert_array_equal(rgba, cv2_rgba(tmp_path / "p.png"))


def test_jpeg_matches_cv2_decode(tmp_path, rng):
    smooth = cv2.GaussianBlur(rng.integers(0, 256, (60, 80, 3), dtype=np.uint8), (9, 9), 3)
    cv2.imwrite(str(tmp_path / "a.jpg"), smooth)
    rgba, has_alpha = read_image(tmp_path / "a.jpg")
    assert not has_alpha
    # Both use libjpeg(-turbo); IDCT / upsampling variants may differ by a level or two.
    assert np.abs(rgba.astype(int) - cv2_rgba(tmp_path / "a.jpg", cv2.IMREAD_COLOR)).max() <= 3


def test_cmyk_jpeg_like_cv2(tmp_path, rng):
    (tmp_path / "cmyk.jpg").write_bytes(flat_block_jpeg(rng.integers(0, 256, (3, 4, 4), dtype=np.uint8)))
    rgba, has_alpha = read_image(tmp_path / "cmyk.jpg")
    expected = cv2_rgba(tmp_path / "cmyk.jpg", cv2.IMREAD_COLOR)  # cv2 converts CMYK to BGR
    assert rgba.shape == expected.shape == (24, 32, 4) and not has_alpha
    assert np.abs(rgba.astype(int) - expected).max() <= 3
    assert rgba[..., :3].std() > 30                 # really coloured, not a grey failure image


@pytest.mark.parametrize("orientation", range(1, 9))
@pytest.mark.parametrize("byte_order", [">", "<"])
def test_jpeg_exif_orientation_like_cv2(tmp_path, orientation, byte_order):
    # An asymmetric picture (a bright corner block and a gradient) so every flip/rotation differs.
    image = np.zeros((48, 64, 3), np.uint8)
    image[..., 1] = np.linspace(0, 255, 64, dtype=np.uint8)
    image[:16, :24] = 255
    ok, encoded = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 95])
    path = tmp_path / "o.jpg"
    path.write_bytes(with_exif_orientation(encoded.tobytes(), orientation, byte_order))
    rgba, _ = read_image(path)
    expected = cv2_rgba(path, cv2.IMREAD_COLOR)        # IMREAD_COLOR applies the EXIF orientation
    assert rgba.shape == expected.shape == ((64, 48, 4) if orientation >= 5 else (48, 64, 4))
    assert np.abs(rgba.astype(int) - expected).max() <= 3


def test_orientation_6_turns_clockwise(tmp_path):
    image = np.full((30, 40, 3), 255, np.uint8)
    image[:10, :10] = 0                                  # dark block top-left
    ok, encoded = cv2.imencode(".jpg", image)
    (tmp_path / "r.jpg").write_bytes(with_exif_orientation(encoded.tobytes(), 6))
    rgba, _ = read_image(tmp_path / "r.jpg")
    assert rgba.shape[:2] == (40, 30)
    assert rgba[:10, -10:, 0].mean() < 30 and rgba[:10, :10, 0].mean() > 225  # now top-right


def test_broken_exif_leaves_the_picture_as_stored(tmp_path):
    image = np.zeros((30, 40, 3), np.uint8)
    image[:10, :10] = 255
    ok, encoded = cv2.imencode(".jpg", image)
    broken = b"Exif\x00\x00MM\x00*\x00\x00\xff\xff"        # IFD offset far past the segment
    jpeg = encoded.tobytes()
    path = tmp_path / "b.jpg"
    path.write_bytes(jpeg[:2] + b"\xff\xe1" + struct.pack(">H", len(broken) + 2) + broken + jpeg[2:])
    rgba, _ = read_image(path)
    assert rgba.shape == (30, 40, 4) and rgba[:10, :10, 0].mean() > 225


@pytest.mark.parametrize("name, content, problem", [
    ("empty.png", b"", "empty"),
    ("junk.png", b"this is not an image at all" * 20, "corrupt"),
    ("junk.jpg", b"\xff\xd8\xff\xe0 and then garbage" * 20, "corrupt|truncated"),
])
def test_unreadable_files_raise_input_error_naming_the_file(tmp_path, name, content, problem):
    (tmp_path / name).write_bytes(content)
    with pytest.raises(InputError, match=problem) as info:
        read_image(tmp_path / name)
    assert name in str(info.value)


@pytest.mark.parametrize("suffix", [".png", ".jpg"])
def test_truncated_file_raises_input_error(tmp_path, rng, suffix):
    ok, encoded = cv2.imencode(suffix, rng.integers(0, 256, (64, 64, 3), dtype=np.uint8))
    path = tmp_path / f"cut{suffix}"
    path.write_bytes(encoded.tobytes()[: len(encoded) // 2])
    with pytest.raises(InputError, match="cut"):
        read_image(path)


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(InputError, match="not found"):
        read_image(tmp_path / "nope.png")
    with pytest.raises(InputError, match="folder"):
        read_image(tmp_path)


@pytest.mark.parametrize("shape", [(13, 7), (13, 7, 3), (13, 7, 4), (1, 1, 4), (300, 200, 4)])
def test_write_png_round_trips_through_cv2_and_blender(tmp_path, rng, shape):
    pixels = rng.integers(0, 256, shape, dtype=np.uint8)
    path = tmp_path / "w.png"
    write_png(path, pixels)
    decoded = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    expected_cv2 = pixels if len(shape) == 2 else pixels[..., ::-1] if shape[2] == 3 \
        else pixels[..., [2, 1, 0, 3]]
    np.testing.assert_array_equal(decoded, expected_cv2)
    rgba, has_alpha = read_image(path)
    assert has_alpha == (len(shape) == 3 and shape[2] == 4)
    expected_rgb = np.repeat(pixels[..., None], 3, axis=2) if len(shape) == 2 else pixels[..., :3]
    np.testing.assert_array_equal(rgba[..., :3], expected_rgb)


@pytest.mark.parametrize("level", [0, 1, 9])
def test_write_png_levels_and_non_contiguous_input(tmp_path, rng, level):
    pixels = rng.integers(0, 256, (40, 50, 4), dtype=np.uint8)[::2, ::-1]   # a strided view
    write_png(tmp_path / "l.png", pixels, compress_level=level)
    np.testing.assert_array_equal(read_image(tmp_path / "l.png")[0], pixels)


def test_write_png_rejects_bad_arrays(tmp_path):
    with pytest.raises(ValueError, match="uint8"):
        write_png(tmp_path / "f.png", np.zeros((4, 4), np.float32))
    with pytest.raises(ValueError, match="shape|array"):
        write_png(tmp_path / "f.png", np.zeros((4, 4, 2), np.uint8))


def test_write_png_to_missing_folder_raises_input_error(tmp_path):
    with pytest.raises(InputError, match="w.png"):
        write_png(tmp_path / "no_such_dir" / "w.png", np.zeros((4, 4), np.uint8))


def test_real_drawings_match_cv2():
    if not RAW_DRAWINGS.is_dir():
        pytest.skip("../shared/data is not beside the repository")
    files = sorted(RAW_DRAWINGS.glob("*.jp*g"))[:1] + sorted(RAW_DRAWINGS.glob("*.png"))[:2]
    for path in files:
        rgba, _ = read_image(path)
        expected = cv2_rgba(path, cv2.IMREAD_COLOR if path.suffix != ".png" else cv2.IMREAD_UNCHANGED)
        assert rgba.shape == expected.shape, path
        assert np.abs(rgba.astype(int) - expected).max() <= 3, path


def test_decoder_errors_stay_off_stdout(tmp_path, capfd):
    # The CLI's --json summary is stdout: a decoder must not log there.
    (tmp_path / "junk.png").write_bytes(b"not a png" * 30)
    with pytest.raises(InputError, match="junk.png"):
        read_image(tmp_path / "junk.png")
    assert capfd.readouterr().out == ""


def test_decodes_on_a_worker_thread(tmp_path, rng):
    import concurrent.futures
    pixels = rng.integers(0, 256, (33, 21, 4), dtype=np.uint8)
    write_png(tmp_path / "t.png", pixels)
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda _: read_image(tmp_path / "t.png")[0], range(4)))
    for rgba in results:
        np.testing.assert_array_equal(rgba, pixels)


def test_write_png_on_a_full_disk_is_a_place_error(tmp_path, monkeypatch):
    import errno

    from animate_drawing.errors import PlaceError

    def full(self, data):
        raise OSError(errno.ENOSPC, "No space left on device", str(self))
    monkeypatch.setattr(Path, "write_bytes", full)
    with pytest.raises(PlaceError, match="f.png: no space left on the disk"):
        write_png(tmp_path / "f.png", np.zeros((4, 4), np.uint8))
