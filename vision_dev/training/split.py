"""The train / validation / test split of the annotated third-party drawings, keyed by content.

    python -m animate_drawing.vision_dev.training.split            # check split.json against ../shared
    python -m animate_drawing.vision_dev.training.split --write    # rewrite split.json from the rules below

A drawing and its copies (the same drawing re-encoded, re-cropped or annotated twice) must
fall in one split, or the test measures memory. Copies are found three ways and merged:
identical pixels (SHA-256 of the decoded RGB), a near-identical 64-bit difference hash of the
grey crop (re-encoded or resized copies), and `near_dup_group` in the data's INDEX.tsv (the
same drawing cropped differently, which no global hash sees).

Rules, per group of copies:
* test: never learned from and never used for a choice. The drawings with no licence found
  (we may measure on them, never learn from them) and two licensed stick figures.
* validation: the folders held out of version 2's fine-tuning; they steered choices
  (generator proportions, detector), so they cannot be test data.
* train: the other licensed drawings.
* excluded: not a biped human with a mask and the 16 AnimatedDrawings joints.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import cv2
import numpy as np

ANNOTATED_DIR = Path(__file__).resolve().parents[3] / "shared" / "data" / "drawings" / "annotated"
MANIFEST = Path(__file__).resolve().with_name("split.json")
SPLITS = ("train", "validation", "test", "excluded")
DHASH_MAX_BITS = 10         # of 64: copies in the shared data differ by 2-9 bits, distinct drawings by 16 or more

VALIDATION = {"ihayvuk_AnimatedDrawings__professor_cat", "xkromkad_AnimatedDrawings-1__postava_out",
              "mikaelapisani_AnimatedDrawings-JM__output_2", "tanhaien_AnimatedDrawings__a621dd3e51dbae32b4d4c3618cb98bb2"}
LICENSED_TEST = {"mikaelapisani_AnimatedDrawings-JM__output", "limefresh5455_animation_drawing__20230502_170503_jpg"}
EXCLUDED = {"A2S-LAB_AnimatedTale__test_2": "a quadruped (pig), not a biped",
            "martinbarry59_AnimatedDrawing__robot": "no mask and a 20-joint skeleton without the neck"}


def _texture(folder: Path) -> np.ndarray:
    path = folder / "texture.png"
    if not path.exists():
        path = folder / "texture_from_bbox.png"
    bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if bgr is None:
        raise ValueError(f"{path}: cannot be read")
    return bgr


def pixel_sha256(bgr: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(bgr).tobytes() + str(bgr.shape).encode()).hexdigest()


def difference_hash(bgr: np.ndarray) -> int:
    """64 bits: is each cell of a 9×8 grey thumbnail brighter than its right neighbour."""
    grey = cv2.resize(cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY), (9, 8), interpolation=cv2.INTER_AREA)
    bits = (grey[:, 1:] > grey[:, :-1]).ravel()
    return int("".join("1" if b else "0" for b in bits), 2)


def _index_rows(root: Path) -> dict[str, dict[str, str]]:
    lines = (root / "INDEX.tsv").read_text(encoding="utf-8").splitlines()
    header = lines[0].split("\t")
    return {cells[0]: dict(zip(header, cells)) for cells in (line.split("\t") for line in lines[1:]) if cells[0]}


def _licensed(licence: str) -> bool:
    return bool(licence) and not licence.lower().startswith("none")


def build_manifest(root: Path = ANNOTATED_DIR) -> dict:
    """Group the annotated folders into copies and assign each group a split by the rules above."""
    index = _index_rows(root)
    folders = sorted(p for p in root.iterdir() if p.is_dir())
    members = []
    for folder in folders:
        bgr = _texture(folder)
        row = index.get(folder.name, {})
        members.append({"folder": folder.name, "sha256": pixel_sha256(bgr), "dhash": f"{difference_hash(bgr):016x}",
                        "licence": row.get("license", "") or "none found", "index_group": row.get("near_dup_group", "")})
    # Union-find over the three kinds of copy link.
    parent = list(range(len(members)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, a in enumerate(members):
        for j in range(i):
            b = members[j]
            same = (a["sha256"] == b["sha256"]
                    or bin(int(a["dhash"], 16) ^ int(b["dhash"], 16)).count("1") <= DHASH_MAX_BITS
                    or (a["index_group"] and a["index_group"] == b["index_group"]))
            if same:
                parent[find(i)] = find(j)
    groups: dict[int, list[dict]] = {}
    for i, m in enumerate(members):
        groups.setdefault(find(i), []).append(m)
    manifest = {"about": "train/validation/test split of ../shared/data/drawings/annotated; "
                         "see vision_dev/training/split.py for the rules", "groups": []}
    for group in sorted(groups.values(), key=lambda g: g[0]["folder"]):
        names = {m["folder"] for m in group}
        if names & EXCLUDED.keys():
            split, why = "excluded", "; ".join(EXCLUDED[n] for n in sorted(names & EXCLUDED.keys()))
        elif names & VALIDATION:
            split, why = "validation", "held out of version 2's fine-tuning, but steered choices"
        elif not all(_licensed(m["licence"]) for m in group):
            split, why = "test", "no licence found for a copy: measured on, never learned from"
        elif names & LICENSED_TEST:
            split, why = "test", "licensed stick figure kept for testing one-line limbs"
        else:
            split, why = "train", "licensed"
        manifest["groups"].append({
            "name": group[0]["index_group"] or group[0]["folder"], "split": split, "why": why,
            "members": [{k: m[k] for k in ("folder", "sha256", "dhash", "licence")} for m in group]})
    return manifest


def load_split(manifest: Path = MANIFEST) -> dict[str, str]:
    """Folder name → split, from the committed manifest."""
    data = json.loads(manifest.read_text(encoding="utf-8"))
    return {m["folder"]: g["split"] for g in data["groups"] for m in g["members"]}


def folders_in(split: str, manifest: Path = MANIFEST) -> list[str]:
    if split not in SPLITS:
        raise ValueError(f"unknown split '{split}' (choose {', '.join(SPLITS)})")
    return sorted(name for name, s in load_split(manifest).items() if s == split)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ANNOTATED_DIR)
    ap.add_argument("--write", action="store_true", help="rewrite split.json instead of checking it")
    args = ap.parse_args(argv)
    built = build_manifest(args.data)
    if args.write:
        MANIFEST.write_text(json.dumps(built, indent=1) + "\n", encoding="utf-8")
    for g in built["groups"]:
        print(f"{g['split']:10s} {g['name'][:40]:40s} {len(g['members'])} folder(s)  {g['why']}")
    if not args.write and json.loads(MANIFEST.read_text(encoding="utf-8")) != built:
        print(f"{MANIFEST}: out of date with the data (rerun with --write and review the diff)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
