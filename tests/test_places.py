"""Places and interrupts without Blender: partial names and their owners, the sweep of a dead
run's leftovers, the write probe, free-space estimates, Blender's error text, MP4 completeness,
OS errors in words, and signals turned into `Interrupted`."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from animate_drawing.addon import places
from animate_drawing.addon.interrupt import Interrupted, signals_deferred, signals_raise_interrupted
from animate_drawing.errors import PlaceError, place_error


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_partial_owner_reads_the_pid():
    assert places.partial_owner(".walk.part-1234.mp4") == ("walk", 1234)
    assert places.partial_owner(".walk_frames.part-77") == ("walk_frames", 77)
    assert places.partial_owner(".summary.json.part-5") == ("summary.json", 5)
    assert places.partial_owner("walk.mp4") is None
    assert places.partial_owner("walk.part-12.mp4") is None  # not hidden: not ours


def test_sweep_removes_only_dead_owners(tmp_path):
    dead = dead_pid()
    stale_file = tmp_path / f".walk.part-{dead}.mp4"
    stale_file.write_bytes(b"half a video")
    stale_dir = tmp_path / f".walk.part-{dead}.frames"
    stale_dir.mkdir()
    (stale_dir / "000000.bmp").write_bytes(b"x")
    live = tmp_path / f".run.part-{os.getppid()}.gif"  # our parent is alive
    live.write_bytes(b"busy")
    finished = tmp_path / "walk.mp4"
    finished.write_bytes(b"done")
    other_shard = tmp_path / f".jump.part-{dead}.mp4"  # not this run's: maybe another machine's live file
    other_shard.write_bytes(b"busy elsewhere")
    removed = places.sweep_stale_partials(tmp_path, {"walk", "run"})
    assert sorted(removed) == sorted([stale_file, stale_dir])
    assert live.exists() and finished.exists() and other_shard.exists()
    assert not stale_file.exists() and not stale_dir.exists()


def test_sweep_removes_dead_runs_temporary_folders(tmp_path, monkeypatch):
    monkeypatch.setattr(places.tempfile, "gettempdir", lambda: str(tmp_path))
    dead = tmp_path / f"animate_drawing_workers_{dead_pid()}_abc"
    dead.mkdir()
    alive = tmp_path / f"animate_drawing_workers_{os.getppid()}_def"
    alive.mkdir()
    assert places.sweep_stale_temp_folders("animate_drawing_workers_") == [dead]
    assert alive.exists() and not dead.exists()


def test_writable_folder_is_created_and_left_clean(tmp_path):
    folder = tmp_path / "a" / "b"
    places.ensure_writable_folder(folder)
    assert folder.is_dir() and list(folder.iterdir()) == []


def test_a_file_in_the_way_is_named(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(PlaceError, match=f"^{blocker}: exists and is not a folder$"):
        places.ensure_writable_folder(blocker)
    with pytest.raises(PlaceError, match=f"^{blocker}.*: a part of this path is a file, not a folder$"):
        places.ensure_writable_folder(blocker / "below")


def test_free_space_shortfall_is_reported_with_amounts(tmp_path):
    free = places.free_bytes(tmp_path)
    with pytest.raises(PlaceError, match=r"not enough free disk space: this render needs about \d+ MB, \d+ MB free"):
        places.check_free_space(tmp_path, free + (1 << 30))
    if free > 2 * places.MARGIN_BYTES:
        places.check_free_space(tmp_path, free - 2 * places.MARGIN_BYTES)  # what fits passes


def test_estimate_grows_with_frames_size_and_formats():
    one = places.estimate_bytes(["mp4"], 100, 256, 256)
    assert places.estimate_bytes(["mp4"], 200, 256, 256) > one
    assert places.estimate_bytes(["mp4", "png"], 100, 256, 256) > one
    assert places.estimate_bytes(["blend"], 100, 256, 256) == 4 << 20


@pytest.mark.parametrize("text, problem", [
    ("Error: Cannot open file /x/a.blend@ for writing: Read-only file system\n", "read-only file system"),
    ("Error: Cannot open file /x/a.blend@ for writing: Operation not permitted\n", "operation not permitted"),
    ("Error: No space left on device\n", "no space left on the disk"),
    ("Error: Python: Traceback (most recent call last):\n  File ...\nOSError: [Errno 28] No space left on device\n",
     "no space left on the disk"),
    ("Error: something odd\n", "Blender could not write it (something odd)"),
])
def test_blender_error_text_becomes_one_line(text, problem):
    error = places.blender_write_error(RuntimeError(text), Path("/out/a.blend"))
    assert str(error).startswith("/out/a.blend: ") and problem in str(error) and "\n" not in str(error)


def test_mp4_completeness_by_its_boxes(tmp_path):
    def box(kind: bytes, payload: bytes) -> bytes:
        return (8 + len(payload)).to_bytes(4, "big") + kind + payload

    video = box(b"ftyp", b"isom" * 4) + box(b"mdat", b"\0" * 1000) + box(b"moov", b"\1" * 200)
    path = tmp_path / "v.mp4"
    path.write_bytes(video)
    assert places.mp4_complete(path)
    for cut in (10, len(video) - 200, len(video) - 1):  # FFmpeg on a full disk: no index, or part of it
        path.write_bytes(video[:cut])
        assert not places.mp4_complete(path)
    path.write_bytes(box(b"ftyp", b"isom") + box(b"mdat", b"\0" * 50))
    assert not places.mp4_complete(path)


def test_os_errors_in_words():
    assert str(place_error(OSError(errno.EROFS, "x", "/mnt/ro/out"))) == "/mnt/ro/out: read-only file system"
    assert str(place_error(OSError(errno.ENOSPC, "x"), "/data")) == "/data: no space left on the disk"
    assert str(place_error(OSError(errno.ENOENT, "x", "/gone"))).startswith("/gone: no such file or folder")
    assert str(place_error(PermissionError(errno.EACCES, "x", "/locked/c.blend"))) == "/locked/c.blend: permission denied: this place cannot be written"


@pytest.mark.parametrize("sig, status", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_signals_raise_interrupted_once(sig, status):
    before = signal.getsignal(sig)
    with pytest.raises(Interrupted) as caught:
        with signals_raise_interrupted():
            os.kill(os.getpid(), sig)
            for _ in range(10_000_000):  # the handler runs at the next bytecode
                pass
    assert caught.value.exit_status == status
    caught.value.done, caught.value.total = 2, 5
    assert caught.value.message() == "interrupted: 2 of 5 done; rerun with --resume"
    assert signal.getsignal(sig) == before


def test_a_second_signal_does_not_cut_the_clean_up_short():
    cleaned = False
    with pytest.raises(Interrupted):
        with signals_raise_interrupted():
            try:
                os.kill(os.getpid(), signal.SIGTERM)
                for _ in range(10_000_000):
                    pass
            finally:
                os.kill(os.getpid(), signal.SIGINT)  # ignored: the clean-up goes on
                for _ in range(1000):
                    pass
                cleaned = True
    assert cleaned


def test_deferred_signals_arrive_when_the_block_ends():
    reached_end = False
    with pytest.raises(Interrupted):
        with signals_raise_interrupted():
            with signals_deferred():
                os.kill(os.getpid(), signal.SIGTERM)
                for _ in range(1_000_000):
                    pass
                reached_end = True  # the block was not cut short
            for _ in range(10_000_000):
                pass
    assert reached_end


def test_exit_now_during_start_up_says_interrupted():
    """A signal while Blender starts ends the process at once, with the line and the status."""
    code = ("import os, signal, time\n"
            "from animate_drawing.addon.interrupt import signals_exit_now\n"
            "with signals_exit_now('interrupted'):\n"
            "    os.kill(os.getpid(), signal.SIGINT)\n"
            "    time.sleep(5)\n"
            "print('not reached')\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path)))
    assert (done.returncode, done.stdout, done.stderr) == (130, "", "interrupted\n")
