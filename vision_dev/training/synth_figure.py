"""Procedural childlike figures with known COCO-17 keypoints and filled silhouette mask.

`sample_skeleton` draws a pose in figure units (height 1, y down, x = viewer's right):
childlike proportions (big head, short limbs), mostly frontal with arms down/out/up and legs
apart, also side views and sitting. `draw_figure` dresses it (stick figure, outlined parts with
empty interiors, or colour-filled parts; dresses, hair, hands, shoes, faces, clothes details)
with wobbly strokes in one of the media of `synth_ink`, and returns the page-space keypoints and
the *filled* silhouette, whatever was actually inked (open outlines still give a full mask).
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from .synth_ink import InkLayer, capsule_polygon, draw_polyline, ellipse_points, wobble

COCO17 = ("nose", "left_eye", "right_eye", "left_ear", "right_ear", "left_shoulder",
          "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist",
          "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle")
# Index pairs swapped by a horizontal flip.
COCO17_FLIP = (0, 2, 1, 4, 3, 6, 5, 8, 7, 10, 9, 12, 11, 14, 13, 16, 15)

CHIBI_FRACTION = 0.2    # share of figures drawn with cartoon proportions (huge head, short body)
DARK_INKS = ((20, 20, 25), (30, 30, 90), (60, 40, 30), (70, 70, 70), (15, 15, 15))


def random_color(rng: np.random.Generator) -> tuple[float, float, float]:
    hsv = np.uint8([[[rng.integers(0, 180), rng.integers(90, 256), rng.integers(110, 256)]]])
    return tuple(float(c) for c in cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB)[0, 0])


def _skin_color(rng: np.random.Generator):
    base = ((250, 215, 180), (225, 170, 120), (160, 105, 70), (255, 225, 200), (240, 200, 60))
    return tuple(float(c) for c in np.asarray(base[rng.integers(len(base))]) * rng.uniform(0.9, 1.05))


@dataclass
class Skeleton:
    joints: dict[str, np.ndarray]     # named 2D points in figure units
    head_radius: float
    view: str                         # "front" | "side" | "sit"
    facing: int                       # +1 looks to the viewer's right (side views)


def _limb(start, angle_deg, length, bend_deg, split):
    """Two-segment limb from `start`, angle measured from straight down (+x positive)."""
    a1 = np.deg2rad(angle_deg)
    d1 = np.array([np.sin(a1), np.cos(a1)])
    mid = start + d1 * length * split
    a2 = a1 + np.deg2rad(bend_deg)
    end = mid + np.array([np.sin(a2), np.cos(a2)]) * length * (1 - split)
    return mid, end


def sample_skeleton(rng: np.random.Generator) -> Skeleton:
    view = rng.choice(["front", "side", "sit"], p=[0.76, 0.12, 0.12])
    facing = int(rng.choice([-1, 1]))
    # Cartoon (chibi) proportions too: a head up to half the figure's height on a short body,
    # as drawn for many cartoon characters; shoulders then sit right under a huge head.
    chibi = rng.random() < CHIBI_FRACTION
    r = rng.uniform(0.17, 0.27) if chibi else rng.uniform(0.08, 0.17)
    sh_y = 2 * r + rng.uniform(0.0, 0.05)
    hip_y = sh_y + (rng.uniform(0.12, 0.22) if chibi else rng.uniform(0.18, 0.32))
    sw = rng.uniform(0.05, 0.13)
    hw = rng.uniform(0.025, min(sw, 0.09))
    if view != "front":
        sw, hw = sw * 0.15, hw * 0.15
    arm = rng.uniform(0.22, 0.42) * (0.7 if chibi else 1.0)
    leg = (1.0 - hip_y) * rng.uniform(0.85, 1.0)
    j = {"head": np.array([0.0, r]), "neck": np.array([0.0, sh_y]),
         "hip_mid": np.array([0.0, hip_y])}
    arm_pose = rng.choice(["down", "out", "up", "mixed"], p=[0.3, 0.35, 0.2, 0.15])
    arm_ranges = {"down": (8, 45), "out": (55, 115), "up": (115, 170)}
    sym_angle = rng.uniform(*arm_ranges.get(arm_pose, (10, 170)))
    for side, sgn in (("right", -1), ("left", 1)):
        sh = np.array([sgn * sw, sh_y + rng.uniform(0, 0.03)])
        if view == "front":
            ang = sym_angle + rng.normal(0, 10) if arm_pose != "mixed" else rng.uniform(10, 170)
            ang = sgn * ang
            leg_ang = sgn * rng.uniform(-3, 35)
            leg_bend = sgn * rng.normal(0, 8)
        else:
            ang = facing * rng.uniform(-60, 100)
            leg_ang = facing * rng.uniform(-30, 35)
            leg_bend = -facing * abs(rng.normal(0, 10))
        el, wr = _limb(sh, ang, arm, rng.normal(0, 22), rng.uniform(0.42, 0.58))
        hp = np.array([sgn * hw, hip_y])
        if view == "sit":
            kn, an = _limb(hp, facing * rng.uniform(70, 100), leg * 1.1, -facing * rng.uniform(60, 100), 0.5)
        else:
            kn, an = _limb(hp, leg_ang, leg, leg_bend, rng.uniform(0.45, 0.55))
        j.update({f"{side}_shoulder": sh, f"{side}_elbow": el, f"{side}_wrist": wr,
                  f"{side}_hip": hp, f"{side}_knee": kn, f"{side}_ankle": an})
    return Skeleton(j, r, str(view), facing)


def _face_keypoints(sk: Skeleton) -> dict[str, np.ndarray]:
    c, r = sk.joints["head"], sk.head_radius
    if sk.view == "front":
        return {"nose": c + [0, 0.1 * r], "right_eye": c + [-0.35 * r, -0.15 * r],
                "left_eye": c + [0.35 * r, -0.15 * r], "right_ear": c + [-0.95 * r, 0],
                "left_ear": c + [0.95 * r, 0]}
    f = sk.facing
    near, far = ("left", "right") if f > 0 else ("right", "left")
    return {"nose": c + [f * 0.55 * r, 0.1 * r], f"{near}_eye": c + [f * 0.45 * r, -0.15 * r],
            f"{far}_eye": c + [f * 0.6 * r, -0.15 * r], f"{near}_ear": c + [-f * 0.1 * r, 0],
            f"{far}_ear": c + [-f * 0.2 * r, 0]}


@dataclass
class FigureDrawing:
    keypoints: np.ndarray   # (17, 2) page pixels, COCO-17 order
    mask: np.ndarray        # (H, W) bool filled silhouette


class _Pen:
    """Stroke settings of one figure: tool, colour, width, wobble, gaps."""

    def __init__(self, rng, height_px: float, stick: bool):
        self.tool = str(rng.choice(["marker", "pen", "pencil", "crayon"], p=[0.35, 0.25, 0.15, 0.25]))
        self.color = DARK_INKS[rng.integers(len(DARK_INKS))] if rng.random() < 0.75 else random_color(rng)
        rel = rng.uniform(0.008, 0.03) if stick else rng.uniform(0.004, 0.018)
        if self.tool in ("pen", "pencil"):
            rel *= 0.6
        self.width = max(height_px * rel, 1.0)
        self.wobble = height_px * rng.uniform(0.0, 0.008)
        self.gap_prob = rng.uniform(0.0, 0.5) if rng.random() < 0.3 else 0.0


def _transform(points: np.ndarray, scale: float, angle_deg: float, origin: np.ndarray) -> np.ndarray:
    a = np.deg2rad(angle_deg)
    rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    return (np.asarray(points) @ rot.T) * scale + origin


def fill_holes(mask: np.ndarray) -> np.ndarray:
    """Fill enclosed background (the classical algorithm does the same), on a padded copy."""
    pad = np.pad(mask.astype(np.uint8) * 255, 1)
    flood = pad.copy()
    cv2.floodFill(flood, np.zeros((pad.shape[0] + 2, pad.shape[1] + 2), np.uint8), (0, 0), 128)
    return (flood[1:-1, 1:-1] != 128)


def _stroke_outline(cov, poly, pen, rng, closed=True):
    pts = wobble(np.vstack([poly, poly[:1]]) if closed else poly, pen.wobble, rng)
    if pen.gap_prob and rng.random() < pen.gap_prob and len(pts) > 12:
        # An open outline: leave a gap; the silhouette mask stays filled.
        cut = rng.integers(0, len(pts) - 6)
        pts = np.concatenate([pts[cut + max(3, len(pts) // 8):], pts[:cut]]) if cut else pts[len(pts) // 8:]
    if len(pts) >= 2:
        draw_polyline(cov, pts, pen.width * rng.uniform(0.8, 1.2))


def draw_figure(ink: InkLayer, origin: tuple[float, float], height_px: float,
                rng: np.random.Generator, angle_deg: float = 0.0) -> FigureDrawing:
    """Draw one figure whose head top is near `origin` (x centre, y top), `height_px` tall."""
    sk = sample_skeleton(rng)
    pts = {**sk.joints, **_face_keypoints(sk)}
    names = list(pts)
    page = _transform(np.stack([pts[n] for n in names]), height_px, angle_deg, np.asarray(origin, np.float64))
    P = dict(zip(names, page))
    H = height_px
    r = sk.head_radius * H
    # hybrid = drawn head and body, single-line limbs (very common in children's drawings).
    style = str(rng.choice(["stick", "hybrid", "outline", "filled"], p=[0.17, 0.2, 0.23, 0.4]))
    line_limbs = style in ("stick", "hybrid")
    paint_body = style == "filled" or (style == "hybrid" and rng.random() < 0.6)
    pen = _Pen(rng, H, line_limbs)
    shape = ink.shape
    parts: list[tuple[np.ndarray, str]] = []           # (polygon, colour group)
    stroke_cov = np.zeros(shape, np.uint8)
    limb_w = H * rng.uniform(0.022, 0.055)

    blob_body = style != "stick" and rng.random() < 0.1
    head_poly = ellipse_points(P["head"], (r * rng.uniform(0.9, 1.15), r * rng.uniform(0.88, 1.08)),
                               angle_deg, 36)
    torso_kind = str(rng.choice(["rect", "ellipse", "dress"], p=[0.45, 0.25, 0.3]))
    sh_r, sh_l, hp_r, hp_l = P["right_shoulder"], P["left_shoulder"], P["right_hip"], P["left_hip"]
    if line_limbs:
        limbs = [("right_shoulder", "right_elbow", "right_wrist"), ("left_shoulder", "left_elbow", "left_wrist"),
                 ("right_hip", "right_knee", "right_ankle"), ("left_hip", "left_knee", "left_ankle")]
        if style == "stick":
            limbs += [("neck", "hip_mid"), ("right_shoulder", "neck", "left_shoulder")]
            limbs[2:4] = [("hip_mid", "right_knee", "right_ankle"), ("hip_mid", "left_knee", "left_ankle")]
        for chain in limbs:
            draw_polyline(stroke_cov, wobble(np.stack([P[n] for n in chain]), pen.wobble, rng), pen.width)
    if style == "stick":
        if rng.random() < 0.8:
            _stroke_outline(stroke_cov, head_poly, pen, rng)
            parts.append((head_poly, "skin"))
        else:
            parts.append((head_poly, "ink"))
    else:
        side = np.array([limb_w * 0.6, 0])
        if blob_body:
            c = (P["head"] + P["hip_mid"]) / 2
            ax = (H * rng.uniform(0.18, 0.3), np.linalg.norm(P["hip_mid"] - P["head"]) * rng.uniform(0.6, 0.75))
            parts.append((ellipse_points(c, ax, angle_deg, 48), "shirt"))
        else:
            parts.append((head_poly, "skin"))
            if np.linalg.norm(P["neck"] - P["head"]) > r * 1.15:
                parts.append((capsule_polygon(P["head"], P["neck"], limb_w * 0.5), "skin"))
            if torso_kind == "rect":
                poly = np.stack([sh_r - side, sh_l + side, hp_l + side, hp_r - side])
            elif torso_kind == "ellipse":
                c = (P["neck"] + P["hip_mid"]) / 2
                ax = (max(np.linalg.norm(sh_l - sh_r) / 2 + limb_w, limb_w * 1.5),
                      np.linalg.norm(P["hip_mid"] - P["neck"]) * 0.58)
                poly = ellipse_points(c, ax, angle_deg, 40)
            else:
                down = (P["hip_mid"] - P["neck"])
                hem = P["hip_mid"] + down * rng.uniform(0.1, 0.6)
                half = max(np.linalg.norm(sh_l - sh_r) / 2, limb_w) * rng.uniform(1.5, 2.6)
                across = np.array([down[1], -down[0]]) / (np.linalg.norm(down) + 1e-6)
                poly = np.stack([sh_r - side, sh_l + side, hem - across * half, hem + across * half])
            parts.append((poly.astype(np.float32), "shirt"))
        for s in ("right", "left") if not line_limbs else ():
            parts.append((capsule_polygon(P[f"{s}_shoulder"], P[f"{s}_elbow"], limb_w * 0.55), "sleeve"))
            parts.append((capsule_polygon(P[f"{s}_elbow"], P[f"{s}_wrist"], limb_w * 0.5, limb_w * 0.45), "arm"))
            parts.append((capsule_polygon(P[f"{s}_hip"], P[f"{s}_knee"], limb_w * 0.65), "pants"))
            parts.append((capsule_polygon(P[f"{s}_knee"], P[f"{s}_ankle"], limb_w * 0.6, limb_w * 0.5), "pants"))
    # Hands and shoes.
    hand_kind = rng.choice(["ball", "fingers", "none"], p=[0.45, 0.35, 0.2])
    for s in ("right", "left"):
        wr, el = P[f"{s}_wrist"], P[f"{s}_elbow"]
        d = (wr - el) / (np.linalg.norm(wr - el) + 1e-6)
        if hand_kind == "ball":
            parts.append((ellipse_points(wr + d * limb_w * 0.3, (limb_w * 0.9,) * 2, 0, 20), "skin"))
        elif hand_kind == "fingers":
            for fa in np.linspace(-50, 50, int(rng.integers(3, 6))):
                a = np.deg2rad(fa)
                fd = np.array([d[0] * np.cos(a) - d[1] * np.sin(a), d[0] * np.sin(a) + d[1] * np.cos(a)])
                draw_polyline(stroke_cov, np.stack([wr, wr + fd * limb_w * rng.uniform(0.9, 1.6)]), pen.width * 0.8)
        an = P[f"{s}_ankle"]
        if rng.random() < 0.7:
            out = (1 if s == "left" else -1) if sk.view == "front" else sk.facing
            shoe_len = limb_w * rng.uniform(1.0, 1.8)
            parts.append((ellipse_points(an + [out * shoe_len * 0.5, limb_w * 0.1], (shoe_len, limb_w * 0.6),
                                         angle_deg, 20), "shoe"))
        elif line_limbs:
            out = 1 if s == "left" else -1
            draw_polyline(stroke_cov, np.stack([an, an + [out * limb_w, 0]]), pen.width)
    # Hair (part of the silhouette) and hats.
    hair_kind = rng.choice(["spiky", "long", "curly", "none", "hat"], p=[0.25, 0.25, 0.15, 0.25, 0.1])
    hair_col = DARK_INKS[rng.integers(len(DARK_INKS))] if rng.random() < 0.6 else random_color(rng)
    c = P["head"]
    hair_cov = np.zeros(shape, np.uint8)
    if hair_kind == "spiky":
        for a in np.linspace(-150, -30, int(rng.integers(5, 14))):
            t = np.deg2rad(a + rng.normal(0, 6))
            u = np.array([np.cos(t), np.sin(t)])
            draw_polyline(hair_cov, wobble(np.stack([c + u * r * 0.95, c + u * r * rng.uniform(1.2, 1.6)]), pen.wobble, rng),
                          pen.width * rng.uniform(0.8, 1.5))
    elif hair_kind == "long":
        length = r * rng.uniform(1.2, 3.0)
        poly = np.concatenate([ellipse_points(c, (r * 1.12, r * 1.1), 0, 20, 180, 360),
                               [c + [r * 1.25, length], c + [r * 0.7, length * 0.8],
                                c + [-r * 0.7, length * 0.8], c + [-r * 1.25, length]]]).astype(np.float32)
        parts.insert(0, (poly, "hair"))
    elif hair_kind == "curly":
        for a in np.linspace(-180, 0, int(rng.integers(6, 12))):
            t = np.deg2rad(a)
            cc = c + np.array([np.cos(t), np.sin(t)]) * r
            draw_polyline(hair_cov, ellipse_points(cc, (r * 0.28,) * 2, 0, 14), pen.width)
    elif hair_kind == "hat":
        top = c + [0, -r * rng.uniform(1.6, 2.4)]
        parts.append((np.stack([c + [-r * 1.05, -r * 0.4], c + [r * 1.05, -r * 0.4], top]).astype(np.float32), "hat"))

    colors = {"skin": _skin_color(rng), "shirt": random_color(rng), "pants": random_color(rng),
              "shoe": random_color(rng), "hair": hair_col, "hat": random_color(rng), "ink": pen.color}
    colors["sleeve"] = colors["shirt"] if rng.random() < 0.7 else colors["skin"]
    colors["arm"] = colors["sleeve"] if rng.random() < 0.5 else colors["skin"]
    if rng.random() < 0.3:
        colors["pants"] = colors["shirt"]

    silhouette = np.zeros(shape, np.uint8)
    fill_tool = str(rng.choice(["crayon", "marker", "pencil"], p=[0.6, 0.3, 0.1]))
    for group in dict.fromkeys(g for _, g in parts):
        polys = [np.round(p * 4).astype(np.int32) for p, g in parts if g == group]
        cov = np.zeros(shape, np.uint8)
        cv2.fillPoly(cov, polys, 255, cv2.LINE_AA, shift=2)
        silhouette |= cov
        if group == "hair":   # hair frames the face, it does not cover it
            cv2.fillPoly(cov, [np.round(head_poly * 4).astype(np.int32)], 0, cv2.LINE_AA, shift=2)
        filled = paint_body or group in ("ink", "hair") or (style != "stick" and rng.random() < 0.12)
        if filled and rng.random() < 0.93:
            if fill_tool == "crayon" and rng.random() < 0.45:
                cov &= _hatch(shape, cv2.boundingRect(cov), limb_w, rng)
            if rng.random() < 0.35:
                # Spill or shrink a little: children rarely colour exactly inside the lines.
                k = int(rng.integers(1, max(2, int(pen.width * 2) + 2)))
                op = cv2.dilate if rng.random() < 0.5 else cv2.erode
                cov = op(cov, np.ones((k, k), np.uint8))
                silhouette |= cov
            ink.paint(cov, colors[group], fill_tool, rng)
    # Outlines: per part (overlapping lines inside) or one outline around the union.
    if style != "stick":
        if rng.random() < 0.4:
            contours, _ = cv2.findContours((silhouette > 127).astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
            for cnt in contours:
                if len(cnt) >= 3:
                    _stroke_outline(stroke_cov, cnt[:, 0, :].astype(np.float32), pen, rng)
        elif style == "outline" or rng.random() < 0.85:
            for poly, group in parts:
                if group != "ink":
                    _stroke_outline(stroke_cov, poly, pen, rng)
    _draw_face(stroke_cov, P, r, sk, pen, rng)
    _draw_clothes_details(ink, P, limb_w, pen, rng, style)
    ink.paint(stroke_cov, pen.color, pen.tool, rng)
    ink.paint(hair_cov, hair_col, pen.tool, rng)
    solid = (silhouette > 100) | (cv2.dilate(stroke_cov | hair_cov, np.ones((3, 3), np.uint8)) > 100)
    mask = fill_holes(cv2.dilate(solid.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0)
    keypoints = np.stack([P[n] for n in COCO17]).astype(np.float32)
    return FigureDrawing(keypoints, mask)


def _hatch(shape, rect, limb_w: float, rng) -> np.ndarray:
    """Back-and-forth crayon strokes over `rect`: how children colour in, paper showing between."""
    x, y, w, h = rect
    out = np.zeros(shape, np.uint8)
    spacing = max(limb_w * rng.uniform(0.15, 0.45), 2.0)
    ang = rng.uniform(0, np.pi)
    d, n = np.array([np.cos(ang), np.sin(ang)]), np.array([-np.sin(ang), np.cos(ang)])
    c, reach = np.array([x + w / 2, y + h / 2]), np.hypot(w, h) / 2 + spacing
    offsets = np.arange(-reach, reach, spacing)
    ends = np.where((np.arange(len(offsets)) % 2)[:, None] == 0, 1, -1)[:, None] * d * reach
    zigzag = (c + offsets[:, None] * n + ends).reshape(-1, 2)
    draw_polyline(out, zigzag, spacing * rng.uniform(0.7, 1.5))
    return out


def _draw_face(cov, P, r, sk, pen, rng) -> None:
    if rng.random() < 0.1:
        return
    w = max(pen.width * 0.8, 1.0)
    for eye in ("left_eye", "right_eye"):
        if sk.view != "front" and rng.random() < 0.5:
            continue
        rad = r * rng.uniform(0.06, 0.2)
        cv2.circle(cov, tuple(np.round(P[eye]).astype(int)), max(int(rad), 1), 255,
                   -1 if rng.random() < 0.6 else max(int(w), 1), cv2.LINE_AA)
    mouth_c = P["head"] + [0, r * rng.uniform(0.35, 0.55)]
    draw_polyline(cov, ellipse_points(mouth_c, (r * rng.uniform(0.2, 0.5), r * rng.uniform(0.05, 0.25)),
                                      0, 12, 10, 170), w)


def _draw_clothes_details(ink, P, limb_w, pen, rng, style) -> None:
    if style == "stick" or rng.random() < 0.5:
        return
    cov = np.zeros(ink.shape, np.uint8)
    top, bottom = P["neck"], P["hip_mid"]
    if rng.random() < 0.5:
        for t in np.linspace(0.25, 0.85, int(rng.integers(2, 5))):
            p = top + (bottom - top) * t
            cv2.circle(cov, tuple(np.round(p).astype(int)), max(int(limb_w * 0.2), 1), 255, -1, cv2.LINE_AA)
    else:
        half = np.linalg.norm(P["left_shoulder"] - P["right_shoulder"]) / 2
        for t in np.linspace(0.2, 0.9, int(rng.integers(2, 6))):
            p = top + (bottom - top) * t
            draw_polyline(cov, wobble(np.stack([p - [half, 0], p + [half, 0]]), pen.wobble, rng), pen.width)
    ink.paint(cov, random_color(rng), pen.tool, rng)
