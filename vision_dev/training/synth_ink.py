"""Drawing media for synthetic drawings: wobbly strokes and textured paint layers.

An `InkLayer` holds premultiplied-free colour + coverage over the page; media differ in how
coverage is textured (crayon leaves paper showing through in streaks, pencil is faint and grainy,
marker and pen are solid). Everything works on whole-page float32 maps; strokes of one colour
and tool are rasterised together so a figure costs a handful of composites.
"""
from __future__ import annotations

import cv2
import numpy as np

TOOLS = ("marker", "pen", "pencil", "crayon")
_TEXTURE_SIZE = 512


def _streak_texture(rng: np.random.Generator, angle_deg: float) -> np.ndarray:
    """Crayon grain: white noise smeared along one direction, then contrast-stretched to 0..1."""
    noise = rng.random((_TEXTURE_SIZE, _TEXTURE_SIZE)).astype(np.float32)
    k = 9
    kernel = np.zeros((k, k), np.float32)
    kernel[k // 2, :] = 1.0 / k
    rot = cv2.getRotationMatrix2D((k / 2 - 0.5, k / 2 - 0.5), angle_deg, 1.0)
    kernel = cv2.warpAffine(kernel, rot, (k, k))
    kernel /= max(kernel.sum(), 1e-6)
    smeared = cv2.filter2D(noise, -1, kernel, borderType=cv2.BORDER_REFLECT)
    smeared = (smeared - smeared.mean()) / (smeared.std() + 1e-6)
    return np.clip(0.5 + 0.35 * smeared, 0.0, 1.0)


class TextureBank:
    """A few precomputed grain textures, sampled at random offsets so every stroke differs."""

    def __init__(self, rng: np.random.Generator, count: int = 6):
        self.textures = [_streak_texture(rng, a) for a in rng.uniform(0, 180, count)]

    def sample(self, rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
        tex = self.textures[rng.integers(len(self.textures))]
        y, x = rng.integers(0, _TEXTURE_SIZE, 2)
        if y + shape[0] <= _TEXTURE_SIZE and x + shape[1] <= _TEXTURE_SIZE:
            return tex[y:y + shape[0], x:x + shape[1]]
        reps = (shape[0] // _TEXTURE_SIZE + 2, shape[1] // _TEXTURE_SIZE + 2)
        return np.tile(tex, reps)[y:y + shape[0], x:x + shape[1]]


class InkLayer:
    """Colour and coverage (alpha) of everything drawn on the page so far."""

    def __init__(self, height: int, width: int, textures: TextureBank):
        self.rgb = np.zeros((height, width, 3), np.float32)
        self.alpha = np.zeros((height, width), np.float32)
        self.textures = textures

    @property
    def shape(self) -> tuple[int, int]:
        return self.alpha.shape

    def paint(self, coverage: np.ndarray, color, tool: str, rng: np.random.Generator,
              strength: float = 1.0) -> None:
        """Composite `color` where `coverage` (uint8 0..255 map) is, with the grain of `tool`."""
        x, y, w, h = cv2.boundingRect(coverage)
        if w == 0 or h == 0:
            return
        roi = (slice(y, y + h), slice(x, x + w))   # only the touched rectangle costs time
        a = coverage[roi].astype(np.float32) * (strength / 255.0)
        if tool == "crayon":
            grain = self.textures.sample(rng, a.shape)
            a *= np.clip((grain - rng.uniform(0.1, 0.45)) * 3.0, 0.0, 1.0)
        elif tool == "pencil":
            grain = self.textures.sample(rng, a.shape)
            a *= rng.uniform(0.35, 0.8) * np.clip(grain * 1.6, 0.2, 1.0)
        elif tool == "marker":
            a *= rng.uniform(0.8, 1.0)
        col = np.asarray(color, np.float32).reshape(1, 1, 3)
        self.rgb[roi] += (col - self.rgb[roi]) * a[..., None]
        self.alpha[roi] += a * (1 - self.alpha[roi])

    def composite(self, paper: np.ndarray) -> np.ndarray:
        """Ink over a float32 RGB paper image (0..255); media darken like real pigment."""
        a = self.alpha[..., None]
        covered = np.minimum(paper, self.rgb) * 0.35 + self.rgb * 0.65
        return paper * (1 - a) + covered * a


def wobble(points: np.ndarray, amplitude: float, rng: np.random.Generator,
           spacing: float = 4.0) -> np.ndarray:
    """Resample a polyline every `spacing` px and push it sideways by smooth random noise."""
    pts = np.asarray(points, np.float32)
    seg = np.linalg.norm(np.diff(pts, axis=0), axis=1)
    total = float(seg.sum())
    if total < 1e-3:
        return pts
    n = max(int(total / spacing), 2)
    cum = np.concatenate([[0.0], np.cumsum(seg)])
    t = np.linspace(0, total, n)
    res = np.stack([np.interp(t, cum, pts[:, 0]), np.interp(t, cum, pts[:, 1])], axis=1)
    if amplitude <= 0:
        return res
    # Low-frequency sideways offset: a hand drifts slowly, it does not jitter per pixel.
    knots = max(n // 12, 2)
    offsets = np.interp(np.linspace(0, knots - 1, n), np.arange(knots),
                        rng.normal(0, amplitude, knots))
    tangent = np.gradient(res, axis=0)
    normal = np.stack([-tangent[:, 1], tangent[:, 0]], axis=1)
    normal /= np.linalg.norm(normal, axis=1, keepdims=True) + 1e-6
    return res + normal * offsets[:, None]


def draw_polyline(coverage: np.ndarray, points: np.ndarray, width: float,
                  closed: bool = False) -> None:
    """Rasterise one stroke into a uint8 coverage map (0/255), anti-aliased."""
    pts = np.round(np.asarray(points) * 4).astype(np.int32).reshape(-1, 1, 2)
    cv2.polylines(coverage, [pts], closed, 255, max(int(round(width)), 1), cv2.LINE_AA, shift=2)


def ellipse_points(center, axes, angle_deg: float = 0.0, n: int = 40,
                   start: float = 0.0, end: float = 360.0) -> np.ndarray:
    """Points of an ellipse arc (degrees), as float32 (n, 2)."""
    t = np.deg2rad(np.linspace(start, end, n))
    a = np.deg2rad(angle_deg)
    x, y = axes[0] * np.cos(t), axes[1] * np.sin(t)
    return np.stack([center[0] + x * np.cos(a) - y * np.sin(a),
                     center[1] + x * np.sin(a) + y * np.cos(a)], axis=1).astype(np.float32)


def capsule_polygon(p0, p1, w0: float, w1: float | None = None, n: int = 10) -> np.ndarray:
    """Outline of a limb: a tapered capsule from p0 to p1 with half-widths w0, w1."""
    w1 = w0 if w1 is None else w1
    p0, p1 = np.asarray(p0, np.float32), np.asarray(p1, np.float32)
    d = p1 - p0
    ang = np.degrees(np.arctan2(d[1], d[0]))
    cap1 = ellipse_points(p1, (w1, w1), ang, n, -90, 90)
    cap0 = ellipse_points(p0, (w0, w0), ang, n, 90, 270)
    return np.concatenate([cap1, cap0]).astype(np.float32)
