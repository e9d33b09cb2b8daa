"""Where each figure of a page stands in the scene, and when it moves (pure: no bpy).

Every character is planned at its own scale (`RigPlan.scale`: 2 world units tall). On a page
the figures keep their page sizes and places instead: one page scale (world units per page
pixel, the tallest figure 2 units tall), each armature scaled by page scale / plan scale and
moved to where its root pixel lies on the page. The page origin is the first figure's root
column and the lowest foot's row, so a page with one figure puts it exactly where a single
character always stood. Figures lower on the page stand nearer the camera (a family drawn on
one line overlaps the way it was drawn). Each figure starts its clip a little later than the
one before, so a family does not move in lock-step.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

DEPTH_STEP = 0.5          # world units between depth ranks (the orthographic camera shows no size change)
OFFSET_SECONDS = 0.17     # time offset between consecutive figures' clips…
OFFSET_STEPS = 6          # … repeating after this many figures, so a crowd's last one does not start seconds late


@dataclass(frozen=True)
class Placement:
    location: tuple[float, float, float]   # armature object location (world)
    scale: float                           # armature object scale (uniform)
    depth_rank: int                        # 0 = front (lowest feet on the page)
    time_offset: int                       # frames this figure's clip is shifted by


@dataclass(frozen=True)
class PageFrame:
    """The page pixel ↔ world mapping shared by every figure of the page."""
    width: int
    height: int
    scale: float                           # world units per page pixel
    origin: tuple[float, float]            # page pixel (u, v) at world x = 0, z = 0

    def to_world(self, u, v) -> tuple[np.ndarray, np.ndarray]:
        """Page pixels → world (x, z)."""
        return (np.asarray(u, float) - self.origin[0]) * self.scale, (self.origin[1] - np.asarray(v, float)) * self.scale

    def to_page(self, x, z) -> tuple[np.ndarray, np.ndarray]:
        """World (x, z) → page pixels (u, v)."""
        return np.asarray(x, float) / self.scale + self.origin[0], self.origin[1] - np.asarray(z, float) / self.scale

    def world_bounds(self) -> tuple[float, float, float, float]:
        """(x_min, x_max, z_min, z_max) of the whole page."""
        xs, zs = self.to_world([0.0, self.width], [self.height, 0.0])
        return float(xs[0]), float(xs[1]), float(zs[0]), float(zs[1])


def place_on_page(page_size: tuple[int, int], crop_corners, origins_uv, plan_scales,
                  fps: float) -> tuple[PageFrame, list[Placement]]:
    """Placements for figures whose plans map crop pixel `origins_uv[k]` (the root column at
    the feet row) to world 0 at `plan_scales[k]` units per pixel, the crop's top-left corner
    lying at page pixel `crop_corners[k]`."""
    roots = np.asarray(crop_corners, float) + np.asarray(origins_uv, float)   # (N, 2) page px
    scales = np.asarray(plan_scales, float)
    page_scale = float(scales.min())       # the tallest figure keeps the plan's 2 units
    frame = PageFrame(int(page_size[0]), int(page_size[1]), page_scale, (float(roots[0, 0]), float(roots[:, 1].max())))
    ranks = np.empty(len(roots), int)
    ranks[np.argsort(-roots[:, 1], kind="stable")] = np.arange(len(roots))   # lowest feet first
    step = max(1, round(OFFSET_SECONDS * fps))
    xs, zs = frame.to_world(roots[:, 0], roots[:, 1])
    placements = [Placement((float(x), float(rank * DEPTH_STEP), float(z)), page_scale / float(s), int(rank),
                            (k % OFFSET_STEPS) * step)
                  for k, (x, z, s, rank) in enumerate(zip(xs, zs, scales, ranks))]
    return frame, placements


def clips_for_figures(count: int, clips: list[str]) -> list[str]:
    """Figure k gets clip k mod len(clips) (round-robin when there are fewer clips than figures)."""
    return [clips[k % len(clips)] for k in range(count)]


def page_backdrop(page: np.ndarray, frame: PageFrame, camera_xz: tuple[float, float], units_per_pixel: float,
                  width: int, height: int, paper: np.ndarray) -> np.ndarray:
    """The (height, width, 3) uint8 picture behind the figures: `page` (the page's RGB in page
    pixels) as the orthographic camera centred on world `camera_xz` sees it, `paper` beyond its edges."""
    from ..imaging.resample import sample_bilinear

    px = (np.arange(width) + 0.5 - width / 2) * units_per_pixel + camera_xz[0]
    pz = camera_xz[1] - (np.arange(height) + 0.5 - height / 2) * units_per_pixel
    x, z = np.meshgrid(px, pz)
    u, v = frame.to_page(x, z)
    u, v = u - 0.5, v - 0.5                                     # pixel centres at whole numbers
    out = sample_bilinear(page, u.ravel(), v.ravel()).reshape(height, width, -1)[..., :3]
    outside = (u < -0.5) | (v < -0.5) | (u > page.shape[1] - 0.5) | (v > page.shape[0] - 0.5)
    out = np.asarray(out, np.float32)
    out[outside] = paper
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)
