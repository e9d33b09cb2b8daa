"""The performer's face beside a BVH file: `CLIP.face.json` next to `CLIP.bvh` (pure).

A BVH holds the body only. When a video's performer is written as a BVH with the face followed
(`animate-drawing motion VIDEO --out CLIP.bvh --face`, and the command line's own conversion of
`animate --motion VIDEO --face video`), the face goes into this sidecar, so the clip opened
again (`motions.source`, every batch item and worker) still carries `Motion.face`:

    {"version": 1, "track": null}                  the face was looked for and not followed
    {"version": 1, "track": {"times": [...], "seen": [...], "controls": {"blink": [...], ...}}}

`times` are the video's seconds like the pose track's; the first lands on the clip's first frame.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from ..errors import InputError
from .face_track import CONTROL_NAMES, FaceTrack

VERSION = 1
SUFFIX = ".face.json"


def face_file_path(bvh_path: str | os.PathLike) -> Path:
    """`CLIP.face.json` beside `CLIP.bvh`."""
    path = Path(bvh_path)
    return path.with_name(path.stem + SUFFIX)


def write_face_file(bvh_path: str | os.PathLike, track: FaceTrack | None) -> Path:
    """Write the face track (None: looked for, not followed) beside the BVH file."""
    data = None
    if track is not None:
        data = {"times": np.round(track.times, 6).tolist(), "seen": track.seen.astype(bool).tolist(),
                "controls": {name: np.round(values, 4).tolist() for name, values in track.controls.items()}}
    path = face_file_path(bvh_path)
    path.write_text(json.dumps({"version": VERSION, "track": data}), encoding="utf-8")
    return path


def remove_face_file(bvh_path: str | os.PathLike) -> None:
    """Drop a sidecar left from an earlier clip written to the same BVH path (it would lend
    that clip's face to this one)."""
    face_file_path(bvh_path).unlink(missing_ok=True)


def read_face_file(bvh_path: str | os.PathLike) -> tuple[bool, FaceTrack | None]:
    """(whether the BVH has a sidecar, its face track or None when the face was not followed)."""
    path = face_file_path(bvh_path)
    if not path.is_file():
        return False, None
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
        data = content["track"]
        if content["version"] != VERSION:
            raise ValueError(f"version {content['version']}, this program reads {VERSION}")
        if data is None:
            return True, None
        times = np.asarray(data["times"], np.float64)
        controls = {name: np.asarray(data["controls"][name], np.float64) for name in CONTROL_NAMES}
        seen = np.asarray(data["seen"], bool)
        if times.ndim != 1 or len(times) < 2 or any(v.shape != times.shape for v in (*controls.values(), seen)):
            raise ValueError("times, seen and every control must be lists of the same length (2 or more)")
    except OSError as exc:
        raise InputError(path, f"cannot read the face track ({exc.strerror or exc})") from None
    except (ValueError, KeyError, TypeError) as exc:
        raise InputError(path, f"not a face track written by animate-drawing ({exc})") from None
    return True, FaceTrack(times, controls, seen)
