"""The places a run writes to: checked before work, failures in words, leftovers swept (no bpy).

Outputs are written under hidden partial names (`.NAME.part-PID…`, see encode.partial_path)
in the destination folder itself, so the final rename never crosses file systems and an
output under its final name is always complete. A process killed with SIGKILL cannot clean
up; the PID in the partial name lets the next run see that the owner is gone and remove it.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import tempfile
from pathlib import Path

from ..errors import PlaceError, place_error
from ..output_formats import FORMATS as OUTPUT_FORMATS

_PARTIAL = re.compile(r"^\.(.+?)\.part-(\d+)")
PROBE_STEM = "animate_drawing"
_ERRNO_IN_TEXT = re.compile(r"\[Errno (\d+)\]")
_KNOWN_ERRNOS = (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.ENOENT,
                 errno.ENOTDIR, errno.EIO, errno.EFBIG, errno.ENAMETOOLONG)

# The free-space check's bytes per format live with each format (output_formats/). Frames stream
# straight to the encoders: no temporary frames to count.
MARGIN_BYTES = 16 << 20  # never fill a disk to the last byte


def pid_alive(pid: int) -> bool:
    """Whether a process with this PID runs here. On Windows always True (os.kill would end
    the process there, not probe it): leftovers are then only replaced, never swept."""
    if os.name != "posix":
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return True


def partial_owner(name: str) -> tuple[str, int] | None:
    """The output stem and PID in a partial output's name (`.walk.part-1234.mp4` → ("walk", 1234))."""
    found = _PARTIAL.match(name)
    return (found.group(1), int(found.group(2))) if found else None


def discard(path: Path) -> None:
    """Remove a partial file or folder; already gone is fine."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        try:
            path.unlink()
        except FileNotFoundError:
            pass


def sweep_stale_partials(folder: Path, stems: set[str]) -> list[Path]:
    """Remove the partial outputs of `stems` (this run's output names) in `folder` whose writing
    process is dead here: what a killed run left. Only this run's names: on a shared folder a
    PID says nothing about another machine's shard. Returns what was removed."""
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        owner = partial_owner(entry.name)
        if owner is None or owner[0] not in stems | {PROBE_STEM}:
            continue
        if owner[1] != os.getpid() and not pid_alive(owner[1]):
            discard(Path(entry.path))
            removed.append(Path(entry.path))
    return removed


def sweep_stale_temp_folders(prefix: str) -> list[Path]:
    """Remove `<tmp>/<prefix><PID>_*` folders whose PID is dead (a killed run's scratch space)."""
    removed = []
    pattern = re.compile(re.escape(prefix) + r"(\d+)_")
    for entry in Path(tempfile.gettempdir()).glob(f"{prefix}*"):
        found = pattern.match(entry.name)
        if found and int(found.group(1)) != os.getpid() and not pid_alive(int(found.group(1))):
            discard(entry)
            removed.append(entry)
    return removed


def ensure_writable_folder(folder: Path) -> None:
    """Create `folder` if needed and prove it takes a new file (a probe, created and removed):
    permission bits alone say nothing to root, an immutable folder or a read-only mount."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise PlaceError(folder, "exists and is not a folder") from None
    except OSError as exc:
        raise place_error(exc, folder) from None
    if not folder.is_dir():
        raise PlaceError(folder, "exists and is not a folder")
    probe = folder / f".{PROBE_STEM}.part-{os.getpid()}.probe"
    try:
        fd = os.open(probe, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o644)
    except OSError as exc:
        raise PlaceError(folder, place_error(exc).problem) from None
    try:
        os.write(fd, b"1")
    except OSError as exc:
        raise PlaceError(folder, place_error(exc).problem) from None
    finally:
        os.close(fd)
        discard(probe)


def free_bytes(folder: Path) -> int:
    return shutil.disk_usage(folder).free


def estimate_bytes(formats, frames: int, width: int, height: int) -> int:
    """Disk a render of `frames` frames needs: its outputs (frames stream to them, none are kept)."""
    pixels = frames * width * height
    return int(sum(OUTPUT_FORMATS[fmt].bytes_per_pixel * pixels + OUTPUT_FORMATS[fmt].file_bytes
                   for fmt in formats if fmt in OUTPUT_FORMATS))


def check_free_space(folder: Path, needed: int) -> None:
    """Refuse up front, with the amounts, a render the disk cannot hold."""
    free = free_bytes(folder)
    if free < needed + MARGIN_BYTES:
        raise PlaceError(folder, f"not enough free disk space: this render needs about {_mb(needed + MARGIN_BYTES)}, "
                                 f"{_mb(free)} free")


def mp4_complete(path: Path) -> bool:
    """Whether an MP4's top-level boxes run exactly to the end of the file and include the
    index ('moov') and the media ('mdat'). Blender's FFmpeg reports success on a full disk and
    leaves a file cut short, without its index: unplayable."""
    seen, at = set(), 0
    try:
        size = path.stat().st_size
        with open(path, "rb") as stream:
            while at < size:
                stream.seek(at)
                header = stream.read(16)
                if len(header) < 8:
                    return False
                length, kind = int.from_bytes(header[:4], "big"), header[4:8]
                if length == 1:
                    length = int.from_bytes(header[8:16], "big")
                elif length == 0:
                    length = size - at
                if length < 8:
                    return False
                seen.add(kind)
                at += length
    except OSError:
        return False
    return at == size and {b"moov", b"mdat"} <= seen


def check_written(path: Path, complete: bool) -> None:
    """After a writer that cannot report failure: an incomplete file is a full disk (said so)
    or a failed write."""
    if complete:
        return
    raise_if_disk_full(path)
    raise PlaceError(path, "the file came out incomplete (the write failed)")


def raise_if_disk_full(path: Path) -> None:
    """After a write failed without saying why (Blender's FFmpeg says "could not initialize
    streams" when the disk fills as it opens the file): a full disk is said as one."""
    if free_bytes(path.parent) < MARGIN_BYTES:
        raise place_error(OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)), path.parent)


def blender_write_error(exc: Exception, path: Path) -> PlaceError:
    """Blender's operators report write failures as RuntimeError text (C `strerror`, or the
    traceback of a Python exporter); find the OS problem in it and say it in one line."""
    text = str(exc)
    found = _ERRNO_IN_TEXT.search(text)
    code = int(found.group(1)) if found else next(
        (code for code in _KNOWN_ERRNOS if os.strerror(code).lower() in text.lower()), None)
    if code is not None:
        return place_error(OSError(code, os.strerror(code)), path)
    first = next((line.strip() for line in text.splitlines() if line.strip()), type(exc).__name__)
    return PlaceError(path, f"Blender could not write it ({first.removeprefix('Error: ')})")


def _mb(count: int) -> str:
    return f"{count / 1e6:.0f} MB" if count >= 1e6 else f"{count / 1e3:.0f} kB"
