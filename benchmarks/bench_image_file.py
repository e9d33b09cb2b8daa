"""Image file speed: `read_image` (Pillow) and `write_png` (zlib + numpy) against OpenCV.

Reading: a raw drawing from ../shared scaled to a 1000 px long side, saved as PNG and as JPEG
(quality 95); "ours" is the whole `read_image` (RGBA out, EXIF handled), "cv2" is imread plus
the BGR→RGBA conversion. Writing: a 500 x 500 RGBA frame like the renderer produces (a figure
on a transparent background) at several zlib levels. Best of REPEATS runs of each, in ms.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from benchmarks import hermetic_blender_env

hermetic_blender_env("image_file")

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from animate_drawing.imaging.image_file import read_image, write_png  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "drawings"
REPEATS = 15


def best_ms(run, repeats: int = REPEATS) -> float:
    run()  # warm caches (and import bpy on the first read)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000.0)
    return min(times)


def drawing_at(long_side: int) -> np.ndarray:
    """A real drawing (BGR, as cv2 writes it) scaled to `long_side`; a synthetic page without ../shared."""
    photos = sorted((SHARED / "raw").glob("*.png"))
    if not photos:
        page = np.full((long_side, long_side * 3 // 4, 3), 235, np.uint8)
        cv2.circle(page, (page.shape[1] // 2, long_side // 3), long_side // 8, (30, 30, 40), 6)
        return page
    bgr = cv2.imread(str(photos[0]), cv2.IMREAD_COLOR)
    s = long_side / max(bgr.shape[:2])
    return cv2.resize(bgr, (round(bgr.shape[1] * s), round(bgr.shape[0] * s)), interpolation=cv2.INTER_AREA)


def render_like_frame(size: int = 500) -> np.ndarray:
    """RGBA: an annotated figure texture with its mask as alpha, centred on transparency."""
    folders = sorted(d for d in (SHARED / "annotated").glob("*") if (d / "mask.png").exists())
    frame = np.zeros((size, size, 4), np.uint8)
    if not folders:
        cv2.circle(frame, (size // 2, size // 2), size // 3, (200, 60, 40, 255), -1)
        return frame
    texture = cv2.cvtColor(cv2.imread(str(folders[0] / "texture.png"), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
    mask = cv2.imread(str(folders[0] / "mask.png"), cv2.IMREAD_GRAYSCALE)
    s = 0.9 * size / max(texture.shape[:2])
    w, h = round(texture.shape[1] * s), round(texture.shape[0] * s)
    top, left = (size - h) // 2, (size - w) // 2
    alpha = cv2.resize(mask, (w, h), interpolation=cv2.INTER_AREA)
    frame[top:top + h, left:left + w, :3] = cv2.resize(texture, (w, h), interpolation=cv2.INTER_AREA)
    frame[top:top + h, left:left + w, 3] = alpha
    frame[frame[..., 3] == 0] = 0  # the renderer leaves transparent pixels black
    return frame


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="bench_image_file_out_"))
    drawing = drawing_at(1000)
    print(f"read_image vs cv2.imread, {drawing.shape[1]}x{drawing.shape[0]} drawing, best of {REPEATS}")
    print(f"{'file':<10}{'ours ms':>10}{'cv2 ms':>10}")
    for suffix, params in ((".png", []), (".jpg", [cv2.IMWRITE_JPEG_QUALITY, 95])):
        path = folder / f"drawing{suffix}"
        cv2.imwrite(str(path), drawing, params)
        ours = best_ms(lambda: read_image(path))
        theirs = best_ms(lambda: cv2.cvtColor(cv2.imread(str(path), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGBA))
        print(f"{suffix[1:]:<10}{ours:>10.1f}{theirs:>10.1f}")

    frame = render_like_frame()
    bgra = cv2.cvtColor(frame, cv2.COLOR_RGBA2BGRA)
    print(f"\nwrite_png vs cv2.imwrite, {frame.shape[1]}x{frame.shape[0]} RGBA frame, best of {REPEATS}")
    print(f"{'encoder':<18}{'ms':>8}{'KiB':>9}")
    for level in (0, 1, 3, 6):
        path = folder / f"ours_{level}.png"
        ms = best_ms(lambda: write_png(path, frame, compress_level=level))
        print(f"{'ours level ' + str(level):<18}{ms:>8.2f}{path.stat().st_size / 1024:>9.0f}")
    for level in (1, 3, 6):
        path = folder / f"cv2_{level}.png"
        ms = best_ms(lambda: cv2.imwrite(str(path), bgra, [cv2.IMWRITE_PNG_COMPRESSION, level]))
        print(f"{'cv2 level ' + str(level):<18}{ms:>8.2f}{path.stat().st_size / 1024:>9.0f}")


if __name__ == "__main__":
    main()
