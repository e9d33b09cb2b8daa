"""Hand-corrected figure masks: the reference the mask sources are measured against.

    python -m animate_drawing.vision_dev.mask_reference show NAME [--out overlay.png]
    python -m animate_drawing.vision_dev.mask_reference sheet --out sheet.png
    python -m animate_drawing.vision_dev.mask_reference check

A reference mask is never stored, and neither is the third-party image: `mask_labels.json`
holds, per drawing, the file's content hash, the figure's box in the image and a short list
of vector edits made by a person looking at overlays (`show` draws one with a coordinate
grid). Applying the edits in order to an empty crop gives the mask, so the reference is
reproducible and every choice in it reviewable in a diff.

The edits are deliberately not the classical segmentation (which is what is measured):
`ink` keeps the pixels darker than the paper around them, but only inside a hand-drawn
polygon around the figure (clutter, shadows and text stay out); `fill_holes` fills what the
strokes enclose; `drop_specks` removes pieces under `px` pixels (paper grain); `add` / `remove` polygons and `line` brush strokes fix the rest (open
outlines, crayon fills, touching neighbours, one-line limbs). Coordinates are image pixels.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

LABELS = Path(__file__).resolve().with_name("mask_labels.json")
DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "drawings"
INK_DARKER = 40          # grey levels below the local paper that count as a pen stroke
PAPER_PX = 31            # strokes narrower than this are removed when the paper is estimated


@dataclass
class Reference:
    name: str
    path: Path
    box: tuple[int, int, int, int]     # x0, y0, x1, y1 image pixels (whole image when not given)
    split: str
    rgb: np.ndarray                    # (H, W, 3) the whole image
    mask: np.ndarray                   # (y1 - y0, x1 - x0) bool, the hand-corrected figure

    def crop(self) -> np.ndarray:
        x0, y0, x1, y1 = self.box
        return self.rgb[y0:y1, x0:x1]

    def full_mask(self) -> np.ndarray:
        """The reference placed in the whole image (False outside the box)."""
        x0, y0, x1, y1 = self.box
        full = np.zeros(self.rgb.shape[:2], bool)
        full[y0:y1, x0:x1] = self.mask
        return full


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def ink(crop: np.ndarray, darker: int = INK_DARKER, paper_px: int = PAPER_PX) -> np.ndarray:
    """Pixels darker than the paper around them (in their darkest channel, so a yellow
    crayon line on white counts). Paper = the local maximum over `paper_px`, smoothed."""
    darkest = crop.min(axis=2)
    paper = cv2.dilate(darkest, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (paper_px, paper_px)))
    paper = cv2.GaussianBlur(paper, (0, 0), paper_px / 3)
    return darkest.astype(np.int16) <= paper.astype(np.int16) - darker


def _polygon(shape, points) -> np.ndarray:
    canvas = np.zeros(shape, np.uint8)
    cv2.fillPoly(canvas, [np.round(np.asarray(points, np.float64)).astype(np.int32)], 1)
    return canvas.astype(bool)


def _line(shape, points, width: int) -> np.ndarray:
    canvas = np.zeros(shape, np.uint8)
    pts = np.round(np.asarray(points, np.float64)).astype(np.int32)
    cv2.polylines(canvas, [pts], False, 1, thickness=max(1, int(width)), lineType=cv2.LINE_8)
    return canvas.astype(bool)


def _fill_holes(mask: np.ndarray) -> np.ndarray:
    """Mask plus every background region that does not reach the crop border."""
    padded = np.pad(mask, 1).astype(np.uint8)
    flood = padded.copy()
    cv2.floodFill(flood, None, (0, 0), 1)
    return mask | (flood[1:-1, 1:-1] == 0)


def apply_edits(crop: np.ndarray, edits: list[dict], origin=(0, 0)) -> np.ndarray:
    """The mask made by `edits` (points in image pixels; the crop starts at `origin`), in
    order, starting from nothing."""
    shape = crop.shape[:2]
    edits = [_moved(edit, origin) for edit in edits]
    mask = np.zeros(shape, bool)
    for edit in edits:
        op = edit["op"]
        if op == "ink":
            region = _polygon(shape, edit["polygon"]) if "polygon" in edit else np.ones(shape, bool)
            mask |= region & ink(crop, edit.get("darker", INK_DARKER), edit.get("paper_px", PAPER_PX))
        elif op == "add":
            mask |= _polygon(shape, edit["polygon"])
        elif op == "remove":
            mask &= ~_polygon(shape, edit["polygon"])
        elif op == "line":
            stroke = _line(shape, edit["points"], edit.get("width", 3))
            mask = mask & ~stroke if edit.get("erase") else mask | stroke
        elif op == "close":
            k = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * edit["px"] + 1,) * 2)
            mask = cv2.morphologyEx(mask.astype(np.uint8), cv2.MORPH_CLOSE, k).astype(bool)
        elif op == "fill_holes":
            mask = _fill_holes(mask)
        elif op == "drop_specks":
            count, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
            mask = (stats[:, cv2.CC_STAT_AREA] >= edit["px"])[labels] & mask
        else:
            raise ValueError(f"unknown edit '{op}'")
    return mask


def _moved(edit: dict, origin) -> dict:
    """The edit with its points in crop pixels."""
    return {k: (np.asarray(v, np.float64) - origin if k in ("polygon", "points") else v) for k, v in edit.items()}


def one_line_pixels(mask: np.ndarray, half_width: int = 4) -> np.ndarray:
    """The parts of a mask no wider than 2 × `half_width` (an opening removes them): a stick
    figure's one-line limbs, hair strokes, thin tails."""
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * half_width + 1,) * 2)
    return mask & ~cv2.morphologyEx(mask.astype(np.uint8), cv2.MORPH_OPEN, kernel).astype(bool)


def _read_rgb(path: Path) -> np.ndarray:
    bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if bgr is None:
        raise ValueError(f"{path}: cannot be read")
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def load_entries(labels: Path = LABELS) -> list[dict]:
    return json.loads(labels.read_text(encoding="utf-8"))["drawings"]


def load_reference(entry: dict, data: Path = DATA) -> Reference:
    """The reference of one entry; raises ValueError when the file is not the labelled one."""
    path = data / entry["file"]
    if not path.exists() or file_sha256(path) != entry["sha256"]:
        raise ValueError(f"{entry['name']}: {path} is missing or not the labelled content")
    rgb = _read_rgb(path)
    h, w = rgb.shape[:2]
    x0, y0, x1, y1 = entry.get("box") or (0, 0, w, h)
    box = (max(0, x0), max(0, y0), min(w, x1), min(h, y1))
    mask = apply_edits(rgb[box[1]:box[3], box[0]:box[2]], entry["edits"], box[:2])
    return Reference(entry["name"], path, box, entry["split"], rgb, mask)


def load_references(data: Path = DATA, labels: Path = LABELS) -> list[Reference]:
    return [load_reference(e, data) for e in load_entries(labels)]


def overlay(crop: np.ndarray, mask: np.ndarray, grid: int = 50, origin=(0, 0)) -> np.ndarray:
    """RGB picture for labelling: the mask in red over the faded crop, a grid labelled in
    image pixels (the crop starts at `origin`)."""
    # Paper and strokes outside the mask fade towards white, so a stroke left out shows grey
    # and a stroke inside shows red however dark its own colour.
    out = crop.astype(np.float32)
    out[mask] = 0.35 * out[mask] + 0.65 * np.array([255, 0, 0])
    out[~mask] = 0.5 * out[~mask] + 0.5 * 255
    out = out.astype(np.uint8)
    h, w = mask.shape
    font = max(0.3, min(h, w) / 1500)
    ox, oy = origin
    for x in range(-ox % grid, w, grid):
        cv2.line(out, (x, 0), (x, h - 1), (0, 200, 0), 1)
        cv2.putText(out, str(x + ox), (x + 2, 12), cv2.FONT_HERSHEY_SIMPLEX, font, (0, 120, 0), 1)
    for y in range(-oy % grid, h, grid):
        cv2.line(out, (0, y), (w - 1, y), (0, 200, 0), 1)
        cv2.putText(out, str(y + oy), (2, y + 12), cv2.FONT_HERSHEY_SIMPLEX, font, (0, 120, 0), 1)
    return out


def _save(path: Path, rgb: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    print(f"wrote {path}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("command", choices=("show", "sheet", "check"))
    ap.add_argument("name", nargs="?", help="the entry to show")
    ap.add_argument("--out", type=Path, default=Path("mask_reference.png"))
    ap.add_argument("--grid", type=int, default=50, help="grid spacing in crop pixels")
    ap.add_argument("--data", type=Path, default=DATA)
    args = ap.parse_args(argv)
    entries = load_entries()
    if args.command == "show":
        entry = next((e for e in entries if e["name"] == args.name), None)
        if entry is None:
            print(f"no entry '{args.name}'", file=sys.stderr)
            return 2
        ref = load_reference(entry, args.data)
        _save(args.out, overlay(ref.crop(), ref.mask, args.grid, ref.box[:2]))
        return 0
    refs = []
    for entry in entries:
        try:
            refs.append(load_reference(entry, args.data))
        except ValueError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
    for ref in refs:
        print(f"{ref.split:10s} {ref.name:40s} box {ref.box} figure {ref.mask.mean():.3f} of the crop")
    if args.command == "sheet":
        from ..models.overlay import contact_sheet
        _save(args.out, contact_sheet([overlay(r.crop(), r.mask, 10 ** 6) for r in refs], [r.name for r in refs]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
