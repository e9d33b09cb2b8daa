"""GIF benchmark: palette building and encoding on real rendered frames; our numpy k-means
palette against the OpenCV k-means it replaced (cv2.kmeans, k-means++ seeds, 8 iterations on
20 000 sampled pixels), both feeding the same writer.

Frames: the annotated example character animated with `dab` (flat renderer, 512 px, PNG with
alpha). Palette samples: the character's texture texels (what the add-on passes), and for the
second case also a 512 px photo backdrop the frames are composited over (many more colours).
Colour error = mean RGB distance between each opaque frame pixel and its GIF colour.

    python -c "from benchmarks.bench_gif import main; main()"
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks import hermetic_blender_env

hermetic_blender_env("gif", threads=2)

import cv2  # noqa: E402  (after the environment: Blender reads it at import)

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"
CHARACTER = SHARED / "drawings" / "annotated" / "AnimatedDrawings_Server-Backend__example1"
BACKDROP = SHARED / "drawings" / "raw" / "input_0010.png"
MOTION, SIZE, FRAMES = "dab", 512, 60


def opencv_palette(samples: np.ndarray, max_colours: int = 255) -> np.ndarray:
    """The palette the GIF writer used before it dropped OpenCV (the reference)."""
    unique = np.unique(samples, axis=0)
    if len(unique) <= max_colours:
        return unique
    pick = samples[np.random.default_rng(0).choice(len(samples), size=min(len(samples), 20000), replace=False)]
    cv2.setRNGSeed(0)
    criteria = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 8, 1.0)
    _, _, centres = cv2.kmeans(pick.astype(np.float32), max_colours, None, criteria, 1, cv2.KMEANS_PP_CENTERS)
    return np.clip(np.rint(centres), 0, 255).astype(np.uint8)


def render_frames(folder: Path) -> list[np.ndarray]:
    from animate_drawing.addon.batch.run import run_items
    from animate_drawing.addon.batch.batch_plan import BatchOptions, plan_items
    from animate_drawing.addon.progress import Reporter

    options = BatchOptions(inputs=[str(CHARACTER)], motions=[MOTION], out=str(folder), formats=["png"],
                           size=SIZE, frames=FRAMES)
    results = run_items(plan_items(options), options, Reporter("quiet"))
    if results[0]["status"] != "ok":
        raise RuntimeError(results[0]["error"])
    paths = sorted(folder.rglob("frame_*.png"))
    return [cv2.cvtColor(cv2.imread(str(p), cv2.IMREAD_UNCHANGED), cv2.COLOR_BGRA2RGBA) for p in paths]


def encode(frames: list[np.ndarray], palette: np.ndarray, path: Path) -> tuple[float, float]:
    """(ms per frame to write, mean colour error over opaque pixels)."""
    from animate_drawing.imaging.gif import TRANSPARENT_INDEX, GifWriter

    errors, started = [], time.perf_counter()
    with GifWriter(path, SIZE, SIZE, 30, palette) as gif:
        for rgba in frames:
            gif.write(rgba)
    per_frame = (time.perf_counter() - started) * 1000 / len(frames)
    for rgba in frames:  # the indices the writer just wrote, looked up again untimed
        index = gif.indices(rgba)
        opaque = index != TRANSPARENT_INDEX
        diff = palette[index[opaque]].astype(np.float32) - rgba[..., :3][opaque]
        errors.append(np.sqrt((diff ** 2).sum(1)))
    return per_frame, float(np.concatenate(errors).mean())


def main() -> None:
    if not CHARACTER.is_dir():
        print("../shared/data missing: nothing to benchmark")
        return
    from animate_drawing.addon.output.encode import composite
    from animate_drawing.imaging.gif import build_palette

    folder = Path(tempfile.mkdtemp(prefix="bench_gif_out_"))
    frames = render_frames(folder / "frames")
    texture = cv2.cvtColor(cv2.imread(str(CHARACTER / "texture.png")), cv2.COLOR_BGR2RGB)
    texels = texture[cv2.imread(str(CHARACTER / "mask.png"), cv2.IMREAD_GRAYSCALE) > 127]
    photo = cv2.resize(cv2.cvtColor(cv2.imread(str(BACKDROP)), cv2.COLOR_BGR2RGB), (SIZE, SIZE),
                       interpolation=cv2.INTER_AREA)
    cases = {
        "transparent": (frames, texels),
        "photo backdrop": ([composite(f, photo) for f in frames], np.concatenate([texels, photo.reshape(-1, 3)])),
    }
    print(f"{len(frames)} frames {SIZE}x{SIZE} of {MOTION} on {CHARACTER.name}; {os.cpu_count()} cores\n")
    print(f"{'case':15} {'palette':8} {'colours in':>10} {'palette ms':>10} {'write ms/f':>10} {'colour error':>12}")
    for case, (case_frames, samples) in cases.items():
        distinct = len(np.unique(samples, axis=0))
        for name, builder in (("numpy", build_palette), ("opencv", opencv_palette)):
            started = time.perf_counter()
            palette = builder(samples)
            palette_ms = (time.perf_counter() - started) * 1000
            write_ms, error = encode(case_frames, palette, folder / f"{case}_{name}.gif")
            print(f"{case:15} {name:8} {distinct:10d} {palette_ms:10.1f} {write_ms:10.1f} {error:12.2f}")


if __name__ == "__main__":
    main()
