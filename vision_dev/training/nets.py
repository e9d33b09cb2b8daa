"""The two small nets: plain 3x3 conv + BN + ReLU (fastest to train and run on this CPU).

* `FigureNet` (pose + segmentation) sees a padded figure crop stretched to 160x160 and returns
  `heatmaps` (17 COCO keypoints, stride 2, 80x80) and `mask_logits` (1 channel, 160x160).
* `PageDetector` sees the whole photo stretched to 256x256 and returns `centre_logits`
  (1, stride 8, 32x32) and `box_ltrb` (4, stride 8): distances from the cell centre to the
  box's left, top, right, bottom edges in units of the stride.
"""
from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

CROP_SIZE = 160
PAGE_SIZE = 256
HEATMAP_STRIDE = 2
DET_STRIDE = 8


def conv(cin: int, cout: int, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout),
                         nn.ReLU(inplace=True))


def _up_cat(x: torch.Tensor, skip: torch.Tensor) -> torch.Tensor:
    return torch.cat([F.interpolate(x, size=skip.shape[-2:], mode="nearest"), skip], dim=1)


class FigureNet(nn.Module):
    def __init__(self, keypoints: int = 17):
        super().__init__()
        self.stem = conv(3, 8)
        self.e1 = nn.Sequential(conv(8, 16, 2), conv(16, 16))
        self.e2 = nn.Sequential(conv(16, 32, 2), conv(32, 32))
        self.e3 = nn.Sequential(conv(32, 64, 2), conv(64, 64))
        self.e4 = nn.Sequential(conv(64, 96, 2), conv(96, 96), conv(96, 96))
        self.d3 = conv(96 + 64, 64)
        self.d2 = conv(64 + 32, 48)
        self.d1 = conv(48 + 16, 24)
        self.heat = nn.Conv2d(24, keypoints, 1)
        self.d0 = conv(24 + 8, 8)
        self.mask = nn.Conv2d(8, 1, 1)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        s = self.stem(x)
        f1 = self.e1(s)
        f2 = self.e2(f1)
        f3 = self.e3(f2)
        f4 = self.e4(f3)
        d = self.d3(_up_cat(f4, f3))
        d = self.d2(_up_cat(d, f2))
        d1 = self.d1(_up_cat(d, f1))
        mask = self.mask(self.d0(_up_cat(d1, s)))
        return self.heat(d1), mask


class PageDetector(nn.Module):
    def __init__(self):
        super().__init__()
        self.e1 = conv(3, 16, 2)
        self.e2 = nn.Sequential(conv(16, 24, 2), conv(24, 24))
        self.e3 = nn.Sequential(conv(24, 48, 2), conv(48, 48))
        self.e4 = nn.Sequential(conv(48, 64, 2), conv(64, 64))
        self.e5 = nn.Sequential(conv(64, 96, 2), conv(96, 96), conv(96, 96))
        self.u4 = conv(96 + 64, 64)
        self.u3 = conv(64 + 48, 48)
        self.head = conv(48, 32)
        self.centre = nn.Conv2d(32, 1, 1)
        self.box = nn.Conv2d(32, 4, 1)
        nn.init.constant_(self.centre.bias, -4.0)   # start near "no figure here" (focal loss)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        f3 = self.e3(self.e2(self.e1(x)))
        f4 = self.e4(f3)
        f5 = self.e5(f4)
        u = self.u4(_up_cat(f5, f4))
        h = self.head(self.u3(_up_cat(u, f3)))
        return self.centre(h), F.relu(self.box(h))
