"""Pages with several figures, composed in the test from the shared masked drawings.

Each drawing (its cropped photo where its mask is set) is scaled and pasted onto a paper
image with a gentle lighting gradient, so the page is built at test time and no shared
drawing is ever copied into the repository.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from animate_drawing.imaging.image_file import read_image, write_png
from animate_drawing.imaging.resample import resize

from conftest import SHARED_DATA

MASKED = SHARED_DATA / "drawings" / "masked"
FAMILY = (("char11_texture", 420, 80, 560), ("char8_texture", 300, 430, 520), ("char13_texture", 220, 760, 470))
# (drawing, height px, left px, feet row px) per figure


def paper(width: int, height: int) -> np.ndarray:
    """Warm off-white paper, lighter at the top left (like a phone photo of a page)."""
    ramp = np.linspace(0.0, 1.0, width)[None, :] + np.linspace(0.0, 1.0, height)[:, None]
    tint = np.array([238.0, 232.0, 220.0]) - 14.0 * ramp[..., None]
    return np.clip(np.rint(tint), 0, 255).astype(np.uint8)


def drawings() -> list[str]:
    """Every shared masked drawing's name."""
    return sorted(p.name[:-len("_mask_image.png")] for p in MASKED.glob("*_mask_image.png"))


def drawing(name: str, height: int) -> tuple[np.ndarray, np.ndarray]:
    """(RGB, mask) of a shared masked drawing scaled to `height` px."""
    rgb = read_image(MASKED / f"{name}_cropped_image.png")[0][..., :3]
    mask = read_image(MASKED / f"{name}_mask_image.png")[0][..., 0] > 127
    width = max(1, round(rgb.shape[1] * height / rgb.shape[0]))
    return resize(rgb, (width, height)), resize(mask, (width, height))


def compose(figures=FAMILY, size=(1100, 640)) -> tuple[np.ndarray, list[np.ndarray]]:
    """(page RGB, each figure's mask in page pixels): (name, height, left, feet row) per figure."""
    page = paper(*size)
    masks = []
    for name, height, left, feet in figures:
        rgb, mask = drawing(name, height)
        top = feet - height
        placed = np.zeros(page.shape[:2], bool)
        region = placed[top:top + height, left:left + rgb.shape[1]]
        cut = mask[:region.shape[0], :region.shape[1]]   # a figure may run off the page edge
        region[:] = cut
        page[placed] = rgb[:region.shape[0], :region.shape[1]][cut]
        masks.append(placed)
    return page, masks


def write_page(folder: Path, name: str = "family.png", figures=FAMILY, size=(1100, 640)) -> tuple[Path, list]:
    page, masks = compose(figures, size)
    path = Path(folder) / name
    write_png(path, page)
    return path, masks


def sack_page(size=(800, 600)) -> np.ndarray:
    """A limbless figure (a round-topped sack with two eyes, outlined) on paper."""
    from animate_drawing.imaging.draw import fill_disc
    from animate_drawing.imaging.morphology import dilate

    page = paper(*size)
    yy, xx = np.mgrid[:size[1], :size[0]]
    body = (((xx - 400) / 90) ** 2 + ((yy - 260) / 120) ** 2 < 1) | ((yy >= 260) & (yy < 420) & (abs(xx - 400) < 90))
    page[body] = (150, 200, 240)
    page[dilate(body, 3) & ~body] = (30, 30, 60)
    for eye in (370, 430):
        fill_disc(page, (eye, 250), 10, (20, 20, 20))
    return page


def review_page(bpy, folder: Path):
    """The family page written to `folder`, analysed and stored as the scene's review, as the
    review step does: (page path, its Analysis, the scene's stored analysis)."""
    from animate_drawing.addon.build import drawing_analysis
    from animate_drawing.models.analyze import analyze_image

    page, _ = write_page(folder)
    analysis = analyze_image(page)
    drawing_analysis.store(bpy.context, analysis)
    return page, analysis, bpy.context.scene.animate_drawing_analysis
