"""Training batches (synthetic crops and pages, optionally real crops), made in worker processes.

Making a batch (drawing pages, cutting and jittering crops, building targets) costs far more
than the small nets' step, so with `workers` > 0 torch's DataLoader runs that many copies of
the stream in separate processes, each with its own seed and page pool, and the training loop
only moves finished tensors to its device. `workers=0` makes the batches in the calling process.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import DataLoader, IterableDataset, get_worker_info

from .nets import CROP_SIZE, PAGE_SIZE
from .real_data import load_real_figures, pick_real, real_crop_sample
from .samples import crop_sample, page_sample
from .synth_ink import TextureBank
from .synth_page import Page, load_paper_patches, make_page
from .targets import box_targets, keypoint_heatmaps, to_input

RAW_DIR = Path(__file__).resolve().parents[3] / "shared" / "data" / "drawings" / "raw"


class PagePool:
    """Ring buffer of synthetic pages; `top_up` replaces the oldest with fresh ones."""

    def __init__(self, rng: np.random.Generator, size: int, use_real_paper: bool = True):
        self.rng = rng
        self.textures = TextureBank(rng)
        self.patches = load_paper_patches(RAW_DIR) if use_real_paper and RAW_DIR.is_dir() else []
        self.size = size
        self.pages: list[Page] = []
        self.next = 0

    def top_up(self, count: int) -> None:
        for _ in range(count):
            page = make_page(self.rng, self.textures, self.patches)
            if len(page.boxes) == 0:
                continue
            if len(self.pages) < self.size:
                self.pages.append(page)
            else:
                self.pages[self.next] = page
                self.next = (self.next + 1) % self.size

    def pick(self) -> Page:
        return self.pages[self.rng.integers(len(self.pages))]


@dataclass
class StreamSettings:
    seed: int = 0
    batch: int = 16
    pool_size: int = 400
    new_pages: int = 6            # fresh pages per batch; every page is reused for several crops
    use_real_paper: bool = True
    real_fraction: float = 0.0    # share of each crop batch cut from real annotated drawings
    real_folders: tuple[str, ...] | None = None   # the annotated folders that may be learned from


class BatchStream(IterableDataset):
    """Endless (figure inputs, heatmap targets, mask targets, keypoint weights, page inputs, box targets)."""

    def __init__(self, settings: StreamSettings):
        self.settings = settings

    def __iter__(self):
        s = self.settings
        info = get_worker_info()
        worker = 0 if info is None else info.id
        rng = np.random.default_rng([s.seed, worker])
        pool = PagePool(rng, s.pool_size, s.use_real_paper)
        pool.top_up(min(s.pool_size, max(s.batch * 2, 8)))
        real = load_real_figures(only=s.real_folders) if s.real_fraction > 0 else []
        n_real = int(round(s.batch * s.real_fraction)) if real else 0
        while True:
            pool.top_up(s.new_pages)
            crops, weights = [], []
            for _ in range(s.batch - n_real):
                page = pool.pick()
                # Mostly the main (largest) figure; other figures still get trained on.
                idx = 0 if rng.random() < 0.7 else int(rng.integers(len(page.boxes)))
                crops.append(crop_sample(page, idx, rng))
                weights.append(np.ones(17, np.float32))
            for _ in range(n_real):
                sample, weight = real_crop_sample(pick_real(real, rng), rng)
                crops.append(sample)
                weights.append(weight)
            pages = [page_sample(pool.pick(), rng) for _ in range(s.batch)]
            yield (to_input(np.stack([c.image for c in crops])),
                   keypoint_heatmaps(np.stack([c.keypoints for c in crops]), CROP_SIZE),
                   torch.from_numpy(np.stack([c.mask for c in crops]))[:, None],
                   torch.from_numpy(np.stack(weights)),
                   to_input(np.stack([p.image for p in pages])),
                   box_targets([p.boxes for p in pages], PAGE_SIZE))


def batch_loader(settings: StreamSettings, workers: int) -> DataLoader:
    # batch_size=None: the stream already yields whole batches.
    return DataLoader(BatchStream(settings), batch_size=None, num_workers=workers,
                      prefetch_factor=4 if workers else None, persistent_workers=workers > 0)
