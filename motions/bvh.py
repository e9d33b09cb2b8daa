"""BVH motion capture: parse, forward kinematics, write.

The HIERARCHY block is small and parsed token by token; the MOTION block is the bulk of a
file and is parsed as one array (token counts per line found with byte arithmetic), so a
1 MB clip parses in a few tens of milliseconds. Every problem becomes an `InputError` that
names the file and the line.

Conventions (shared by all BVH writers we know of):
* a joint's local transform is translate(offset) · R, with R the product of its rotation
  channels in the order they are listed (intrinsic rotations, degrees);
* position channels, on any joint, replace the matching offset component (Blender's
  importer reads them the same way; roots usually have a zero offset anyway).
"""

from __future__ import annotations

import math
import os
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import InputError

CHANNEL_NAMES = ("Xposition", "Yposition", "Zposition", "Xrotation", "Yrotation", "Zrotation")
_CHANNEL_BY_LOWER = {c.lower(): c for c in CHANNEL_NAMES}

# Refusal limits: far beyond any real clip, small enough to stop a hostile file early.
MAX_FILE_BYTES = 512 * 1024 * 1024
MAX_JOINTS = 4096
MAX_DEPTH = 256
MAX_FRAMES = 10_000_000
MAX_FRAME_TIME = 10.0


@dataclass
class BvhJoint:
    name: str
    parent: int                      # index into BvhClip.joints, -1 for a root
    offset: np.ndarray               # (3,) rest offset from the parent joint
    channels: list[str]              # e.g. ["Zrotation", "Xrotation", "Yrotation"]
    end_site: np.ndarray | None = None   # (3,) offset of the End Site, if any


@dataclass
class BvhClip:
    path: str
    joints: list[BvhJoint]
    frame_time: float
    motion: np.ndarray               # (T, total channels) float64, degrees and file units
    _channel_start: list[int] = field(init=False, repr=False)

    def __post_init__(self):
        starts, total = [], 0
        for joint in self.joints:
            starts.append(total)
            total += len(joint.channels)
        self._channel_start = starts
        if self.motion.ndim != 2 or self.motion.shape[1] != total:
            raise ValueError(f"motion has shape {self.motion.shape}, joints need {total} channels")

    @property
    def frame_count(self) -> int:
        return int(self.motion.shape[0])

    @property
    def fps(self) -> float:
        return 1.0 / self.frame_time

    @property
    def duration(self) -> float:
        """Seconds from the first to the last frame."""
        return (self.frame_count - 1) * self.frame_time

    @property
    def names(self) -> list[str]:
        return [j.name for j in self.joints]

    def joint_index(self, name: str) -> int:
        for i, joint in enumerate(self.joints):
            if joint.name == name:
                return i
        raise KeyError(name)

    def children(self, index: int) -> list[int]:
        return [i for i, j in enumerate(self.joints) if j.parent == index]

    def channel_values(self, index: int) -> np.ndarray:
        """(T, n) motion columns of one joint, in its channel order."""
        start = self._channel_start[index]
        return self.motion[:, start:start + len(self.joints[index].channels)]

    def rest_positions(self) -> np.ndarray:
        """(J, 3) joint positions of the rest pose (offsets only, no motion)."""
        pos = np.zeros((len(self.joints), 3))
        for i, joint in enumerate(self.joints):
            pos[i] = joint.offset + (pos[joint.parent] if joint.parent >= 0 else 0.0)
        return pos

    def world_transforms(self) -> tuple[np.ndarray, np.ndarray]:
        """Forward kinematics: positions (T, J, 3) and rotations (T, J, 3, 3) per frame.

        Works component-major ((3, 3, J, T) arrays, 3×3 products written out) because numpy's
        batched matmul is slow for millions of tiny matrices. Local rotations of all joints
        are built at once; the hierarchy is walked one depth level at a time."""
        frames, count = self.frame_count, len(self.joints)
        local_t = np.repeat(np.array([j.offset for j in self.joints]).T[:, :, None], frames, axis=2)  # (3, J, T)
        angles = np.zeros((3, count, frames))        # up to 3 rotation channels per joint, in order
        axes = np.zeros((3, count), dtype=int)
        for i, joint in enumerate(self.joints):
            values = self.channel_values(i)
            slot = 0
            for c, name in enumerate(joint.channels):
                axis = "XYZ".index(name[0])
                if name.endswith("position"):
                    local_t[axis, i] = values[:, c]
                else:
                    angles[slot, i] = values[:, c]
                    axes[slot, i] = axis
                    slot += 1
        radians = np.radians(angles)
        local_r = _axis_rotation(axes[0], radians[0])
        for slot in (1, 2):
            local_r = _matmul3(local_r, _axis_rotation(axes[slot], radians[slot]))

        pos = np.empty((3, count, frames))
        rot = np.empty((3, 3, count, frames))
        parents = np.array([j.parent for j in self.joints])
        depth = np.zeros(count, dtype=int)
        for i, parent in enumerate(parents):
            depth[i] = depth[parent] + 1 if parent >= 0 else 0
        roots = depth == 0
        pos[:, roots] = local_t[:, roots]
        rot[:, :, roots] = local_r[:, :, roots]
        for level in range(1, depth.max() + 1):
            idx = np.flatnonzero(depth == level)
            parent_r = rot[:, :, parents[idx]]
            pos[:, idx] = pos[:, parents[idx]] + (parent_r * local_t[None, :, idx]).sum(axis=1)
            rot[:, :, idx] = _matmul3(parent_r, local_r[:, :, idx])
        return pos.transpose(2, 1, 0), rot.transpose(3, 2, 0, 1)

    def world_positions(self) -> np.ndarray:
        """(T, J, 3) world position of every joint at every frame."""
        return self.world_transforms()[0]

    def end_site_positions(self, pos: np.ndarray | None = None, rot: np.ndarray | None = None
                           ) -> dict[int, np.ndarray]:
        """{joint index: (T, 3)} world position of each joint's End Site."""
        if pos is None or rot is None:
            pos, rot = self.world_transforms()
        return {i: pos[:, i] + rot[:, i] @ j.end_site
                for i, j in enumerate(self.joints) if j.end_site is not None}


def _axis_rotation(axis: np.ndarray, angle: np.ndarray) -> np.ndarray:
    """(3, 3, J, T) right-handed rotations by `angle` (J, T radians) about coordinate axis
    `axis` (J,) of each joint (0 = X, 1 = Y, 2 = Z), component-major."""
    c, s = np.cos(angle), np.sin(angle)
    m = np.zeros((3, 3) + angle.shape)
    for k, (a, b) in enumerate([(1, 2), (2, 0), (0, 1)]):
        on = axis == k
        m[k, k, on] = 1.0
        m[a, a, on] = m[b, b, on] = c[on]
        m[a, b, on] = -s[on]
        m[b, a, on] = s[on]
    return m


def _matmul3(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Product of component-major 3×3 matrices (3, 3, ...)."""
    out = np.empty(np.broadcast_shapes(a.shape, b.shape))
    for i in range(3):
        for k in range(3):
            out[i, k] = a[i, 0] * b[0, k] + a[i, 1] * b[1, k] + a[i, 2] * b[2, k]
    return out


# ---------------------------------------------------------------- parsing

def load_bvh(path: str | os.PathLike) -> BvhClip:
    """Read and parse a .bvh file; raises InputError naming the file and line on any problem."""
    path = os.fspath(path)
    try:
        size = os.path.getsize(path)
        if size > MAX_FILE_BYTES:
            raise InputError(path, f"file is {size / 2**20:.0f} MB, larger than any BVH clip we accept")
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise InputError(path, f"cannot read the file ({exc.strerror or exc})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    return parse_bvh(text, path)


def parse_bvh(text: str, path: str | os.PathLike = "<bvh>") -> BvhClip:
    """Parse BVH text. `path` only labels error messages and the returned clip."""
    path = os.fspath(path)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    motion_line = next((i for i, line in enumerate(lines) if line.strip().upper() == "MOTION"), None)
    if motion_line is None:
        raise InputError(path, "no MOTION section: not a BVH file, or it is truncated")
    joints = _parse_hierarchy(lines[:motion_line], path)
    frames, frame_time, frames_line = _parse_motion_header(lines, motion_line, path)
    total = sum(len(j.channels) for j in joints)
    if total == 0:
        raise InputError(path, "the hierarchy declares no channels, so there is no motion")
    data_line = _next_content_line(lines, frames_line)     # 0-based index after 'Frame Time:'
    motion = _parse_motion_data("\n".join(lines[data_line:]), data_line, frames, frames_line, total, path)
    return BvhClip(path=path, joints=joints, frame_time=frame_time, motion=motion)


def _parse_hierarchy(lines: list[str], path: str) -> list[BvhJoint]:
    tokens = [(tok, n + 1) for n, line in enumerate(lines) for tok in line.split()]
    if not tokens or tokens[0][0].upper() != "HIERARCHY":
        where = f"line {tokens[0][1]}" if tokens else "line 1"
        raise InputError(path, f"{where}: expected HIERARCHY at the start of the file")
    joints: list[BvhJoint] = []
    stack: list[int] = []             # open joint indices; -2 marks an open End Site
    pending_end: list[np.ndarray] = []
    line_of = {}                      # joint index -> line it was declared on
    i = 1

    def fail(line: int, problem: str):
        raise InputError(path, f"line {line}: {problem}")

    def numbers(start: int, count: int, what: str) -> np.ndarray:
        vals = tokens[start:start + count]
        if len(vals) < count:
            fail(tokens[start - 1][1], f"{what} needs {count} numbers, the file ends first")
        try:
            out = np.array([float(t) for t, _ in vals])
        except ValueError:
            bad = next(t for t in vals if not _is_float(t[0]))
            fail(bad[1], f"{what}: {bad[0]!r} is not a number")
        if not np.all(np.isfinite(out)):
            fail(vals[0][1], f"{what} holds a non-finite number")
        return out

    while i < len(tokens):
        tok, line = tokens[i]
        key = tok.upper()
        if key in ("ROOT", "JOINT"):
            if key == "JOINT" and not stack:
                fail(line, "JOINT outside any ROOT")
            if stack and stack[-1] == -2:
                fail(line, "a JOINT inside an End Site")
            name_toks = []
            i += 1
            while i < len(tokens) and tokens[i][1] == line and tokens[i][0] != "{":
                name_toks.append(tokens[i][0])
                i += 1
            if not name_toks:
                fail(line, f"{tok} without a name")
            name = " ".join(name_toks)
            if any(j.name == name for j in joints):
                fail(line, f"joint name {name!r} is used twice")
            if len(joints) >= MAX_JOINTS:
                fail(line, f"more than {MAX_JOINTS} joints")
            if len(stack) >= MAX_DEPTH:
                fail(line, f"hierarchy nested deeper than {MAX_DEPTH} levels")
            if i >= len(tokens) or tokens[i][0] != "{":
                fail(line, f"expected '{{' after {tok} {name}")
            joints.append(BvhJoint(name, stack[-1] if stack else -1, None, []))
            line_of[len(joints) - 1] = line
            stack.append(len(joints) - 1)
            i += 1
        elif key == "END":
            if not stack or stack[-1] == -2:
                fail(line, "End Site outside a joint")
            if joints[stack[-1]].end_site is not None:
                fail(line, "a second End Site in the same joint")
            i += 1
            if i < len(tokens) and tokens[i][0].upper() == "SITE":
                i += 1
            if i >= len(tokens) or tokens[i][0] != "{":
                fail(line, "expected '{' after End Site")
            stack.append(-2)
            i += 1
        elif key == "OFFSET":
            if not stack:
                fail(line, "OFFSET outside a joint")
            offset = numbers(i + 1, 3, "OFFSET")
            if stack[-1] == -2:
                pending_end.append(offset)
            else:
                joints[stack[-1]].offset = offset
            i += 4
        elif key == "CHANNELS":
            if not stack or stack[-1] == -2:
                fail(line, "CHANNELS outside a joint")
            count_tok = tokens[i + 1][0] if i + 1 < len(tokens) else ""
            if not count_tok.isdigit() or int(count_tok) > 6:
                fail(line, f"CHANNELS count must be 0..6, got {count_tok!r}")
            count = int(count_tok)
            names = [t for t, _ in tokens[i + 2:i + 2 + count]]
            channels = []
            for name in names:
                canonical = _CHANNEL_BY_LOWER.get(name.lower())
                if canonical is None:
                    fail(line, f"unknown channel {name!r} (expected one of {', '.join(CHANNEL_NAMES)})")
                if canonical in channels:
                    fail(line, f"channel {canonical} listed twice")
                channels.append(canonical)
            if len(channels) < count:
                fail(line, f"CHANNELS {count} lists only {len(channels)} channels")
            joint = joints[stack[-1]]
            if joint.channels:
                fail(line, f"a second CHANNELS line for joint {joint.name!r}")
            joint.channels = channels
            i += 2 + count
        elif tok == "}":
            if not stack:
                fail(line, "unmatched '}'")
            closed = stack.pop()
            if closed == -2:
                if not pending_end:
                    fail(line, "End Site without an OFFSET")
                joints[stack[-1]].end_site = pending_end.pop()
            elif joints[closed].offset is None:
                fail(line_of[closed], f"joint {joints[closed].name!r} has no OFFSET")
            i += 1
        else:
            fail(line, f"unexpected {tok!r} in the HIERARCHY")
    if stack:
        fail(tokens[-1][1], "the HIERARCHY ends with an unclosed '{' (truncated?)")
    if not joints:
        raise InputError(path, "the HIERARCHY holds no joints")
    return joints


def _parse_motion_header(lines: list[str], motion_line: int, path: str) -> tuple[int, float, int]:
    """Returns (frames, frame_time, 1-based line of 'Frames:'); frame data starts 2 lines on."""
    header = []
    n = motion_line + 1
    while n < len(lines) and len(header) < 2:
        if lines[n].strip():
            header.append((n, lines[n].strip()))
        n += 1
    if len(header) < 2:
        raise InputError(path, f"line {motion_line + 1}: MOTION must be followed by "
                               "'Frames:' and 'Frame Time:' lines (truncated?)")
    (frames_n, frames_text), (time_n, time_text) = header
    m = re.fullmatch(r"frames\s*:?\s*(\S+)", frames_text, re.IGNORECASE)
    if not m:
        raise InputError(path, f"line {frames_n + 1}: expected 'Frames: <count>', got {frames_text[:40]!r}")
    if not m.group(1).isdigit():
        raise InputError(path, f"line {frames_n + 1}: frame count {m.group(1)[:20]!r} is not a whole number")
    frames = int(m.group(1))
    if frames == 0:
        raise InputError(path, f"line {frames_n + 1}: the clip has 0 frames")
    if frames > MAX_FRAMES:
        raise InputError(path, f"line {frames_n + 1}: {frames} frames is more than the {MAX_FRAMES} we accept")
    m = re.fullmatch(r"frame\s*time\s*:?\s*(\S+)", time_text, re.IGNORECASE)
    if not m:
        raise InputError(path, f"line {time_n + 1}: expected 'Frame Time: <seconds>', got {time_text[:40]!r}")
    frame_time = float(m.group(1)) if _is_float(m.group(1)) else math.nan
    if not (0.0 < frame_time <= MAX_FRAME_TIME):
        raise InputError(path, f"line {time_n + 1}: frame time must be a positive number of seconds "
                               f"up to {MAX_FRAME_TIME:g}, got {m.group(1)[:20]!r}")
    return frames, frame_time, frames_n + 1


def _next_content_line(lines: list[str], frames_line: int) -> int:
    """0-based index of the line after 'Frame Time:' (the first non-blank line after 'Frames:')."""
    n = frames_line
    while not lines[n].strip():
        n += 1
    return n + 1


def _parse_motion_data(data: str, first_line: int, frames: int, frames_line: int, channels: int,
                       path: str) -> np.ndarray:
    """One frame per non-blank line; `first_line` is the 0-based line index of `data`."""
    raw = np.frombuffer(data.encode("utf-8", "replace"), dtype=np.uint8)
    space = _SPACE[raw]
    token_start = np.flatnonzero(~space & np.concatenate(([True], space[:-1])))
    newlines = np.flatnonzero(raw == 10)
    token_line = np.searchsorted(newlines, token_start)     # newlines before a token = its line
    n_lines = len(newlines) + 1
    per_line = np.bincount(token_line, minlength=n_lines)
    frame_lines = np.flatnonzero(per_line)
    file_line = lambda k: first_line + int(k) + 1            # noqa: E731 (1-based file line)

    wrong = frame_lines[per_line[frame_lines] != channels]
    if wrong.size:
        k = wrong[0]
        hint = " (file truncated?)" if k == frame_lines[-1] and per_line[k] < channels else ""
        raise InputError(path, f"line {file_line(k)}: expected {channels} values, got {per_line[k]}{hint}")
    if frame_lines.size != frames:
        if frame_lines.size < frames:
            problem = f"'Frames: {frames}' but only {frame_lines.size} frame lines follow (file truncated?)"
        else:
            problem = f"'Frames: {frames}' but {frame_lines.size} frame lines follow"
        raise InputError(path, f"line {frames_line}: {problem}")
    values = _fast_floats(data, frames * channels)
    if values is None:      # a token numpy's C parser refused: name it, or accept Python's reading
        words = data.split()
        bad = next((k for k, w in enumerate(words) if not _is_float(w)), None)
        if bad is not None:
            raise InputError(path, f"line {file_line(token_line[bad])}: {words[bad][:30]!r} is not a number")
        values = np.array(words, dtype=np.float64)
    finite = np.isfinite(values)
    if not finite.all():
        bad = int(np.argmin(finite))
        word = data.split()[bad]
        raise InputError(path, f"line {file_line(token_line[bad])}: {word[:30]!r} is not a finite number")
    return values.reshape(frames, channels)


_SPACE = np.zeros(256, dtype=bool)
_SPACE[[9, 10, 11, 12, 13, 32]] = True


def _fast_floats(data: str, expected: int) -> np.ndarray | None:
    """All whitespace-separated numbers of `data` parsed in C; None unless exactly `expected`
    numbers came out cleanly (numpy stops at the first bad token with a warning, and a token
    like "1.0.0" would split in two, so the count catches both)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        try:
            values = np.fromstring(data, dtype=np.float64, sep=" ")
        except (DeprecationWarning, ValueError):
            return None
    return values if values.size == expected else None


def _is_float(word: str) -> bool:
    try:
        float(word)
    except ValueError:
        return False
    return True


# ---------------------------------------------------------------- writing

def write_bvh(clip: BvhClip, path: str | os.PathLike, decimals: int = 4) -> None:
    """Write `clip` as a BVH file (tabs, LF), readable by Blender and AnimatedDrawings."""
    out = ["HIERARCHY"]

    def emit(index: int, depth: int):
        joint = clip.joints[index]
        pad = "\t" * depth
        out.append(f"{pad}{'ROOT' if joint.parent < 0 else 'JOINT'} {joint.name}")
        out.append(pad + "{")
        out.append(f"{pad}\tOFFSET {_fmt(joint.offset)}")
        out.append(f"{pad}\tCHANNELS {len(joint.channels)} {' '.join(joint.channels)}".rstrip())
        for child in clip.children(index):
            emit(child, depth + 1)
        if joint.end_site is not None:
            out.extend([f"{pad}\tEnd Site", f"{pad}\t{{", f"{pad}\t\tOFFSET {_fmt(joint.end_site)}", f"{pad}\t}}"])
        out.append(pad + "}")

    for root in (i for i, j in enumerate(clip.joints) if j.parent < 0):
        emit(root, 0)
    written = [line.split(None, 1)[1] for line in out if line.lstrip().startswith(("ROOT ", "JOINT "))]
    if written != clip.names:
        raise ValueError("write_bvh needs joints stored parents-first in depth-first order")
    out += ["MOTION", f"Frames: {clip.frame_count}", f"Frame Time: {clip.frame_time:.8g}"]
    rows = np.round(clip.motion, decimals) + 0.0           # + 0.0 turns -0.0 into 0.0
    body = "\n".join(" ".join(f"{v:.{decimals}f}" for v in row) for row in rows)
    Path(path).write_text("\n".join(out) + "\n" + body + "\n", encoding="utf-8")


def _fmt(vec) -> str:
    return " ".join(f"{v:.6f}" for v in np.asarray(vec, dtype=float) + 0.0)
