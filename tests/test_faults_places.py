"""Places that fail, on the real command line: read-only and immutable outputs, a disk that
fills in the middle of a render, a parent that cannot be made, a character folder that vanishes.

Mounts and `chattr +i` need root (CI runs as root); elsewhere those cases skip.
"""

from __future__ import annotations

import os
import subprocess

import pytest

from fault_injection import (ANNOTATED, CHARACTER, batch_args, can_mount, disk_fills_mid_render,
                             disk_fills_while_encoding, judge_run, mounted_tmpfs, run_cli, unmount, unwritable_place,
                             vanishing_character)

pytestmark = [pytest.mark.blender, pytest.mark.faults]


@pytest.fixture(autouse=True)
def shared(shared_data):
    if not ANNOTATED.is_dir():
        pytest.skip("../shared/data is not beside the repository")


@pytest.fixture
def tmpfs(tmp_path):
    if not can_mount():
        pytest.skip("mounting a tmpfs needs root")
    mounts = []

    def mount(size: str, read_only: bool = False):
        where = tmp_path / f"mount{len(mounts)}"
        if not mounted_tmpfs(where, size, read_only):
            pytest.skip("cannot mount a tmpfs here")
        mounts.append(where)
        return where

    yield mount
    for where in mounts:
        unmount(where)


def assert_good(outcomes) -> None:
    bad = [o for o in outcomes if o.bad]
    assert not bad, "\n".join(f"{o.fault} / {o.case}: {o.outcome}: {o.detail}" for o in bad)


def test_read_only_file_system(tmpfs):
    assert_good(unwritable_place("read-only tmpfs", tmpfs("1m", read_only=True)))


def test_immutable_folder(tmp_path):
    place = tmp_path / "immutable"
    place.mkdir()
    if subprocess.run(["chattr", "+i", str(place)], capture_output=True).returncode != 0:
        pytest.skip("chattr +i is not possible here (needs root and a file system that supports it)")
    try:
        assert_good(unwritable_place("immutable folder", place))
    finally:
        subprocess.run(["chattr", "-i", str(place)], check=True)


def test_parent_that_is_a_file(tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    done = run_cli(*batch_args([CHARACTER], blocker / "out", frames=4))
    verdict = judge_run("parent is a file", "animate", done, tmp_path, 4, (1,),
                        rf"^animate-drawing: {blocker}.*: (a part of this path is a file|exists and is not a folder)")
    assert not verdict.bad, verdict


def test_missing_parents_are_created_and_outputs_land_on_another_file_system(tmpfs):
    """The output on a tmpfs (not the file system of the temporary folders): partial files are
    written beside the output, so the final rename never crosses file systems."""
    out = tmpfs("64m") / "new" / "deeper" / "walk.mp4"
    done = run_cli(*batch_args([CHARACTER], out, frames=8))
    verdict = judge_run("other file system", "missing parents", done, out.parent, 8, (0,), r"^ok ")
    assert not verdict.bad, verdict
    assert out.stat().st_size > 0


def test_disk_fills_in_the_middle_of_a_render(tmpfs):
    assert_good([disk_fills_mid_render("disk fills mid-render", tmpfs("48m"))])


def test_disk_fills_while_the_video_is_encoded(tmpfs):
    assert_good([disk_fills_while_encoding("disk fills while encoding", tmpfs("48m"))])


def test_disk_too_small_is_refused_up_front(tmpfs):
    place = tmpfs("8m")
    done = run_cli(*batch_args([CHARACTER], place / "out", formats="mp4", frames=200, size=512))
    verdict = judge_run("disk too small", "up front", done, place, 200, (1,),
                        r"not enough free disk space: this render needs about \d+ MB, \d+ MB free")
    assert not verdict.bad, verdict
    assert not (place / "out" / f"{CHARACTER.name}.mp4").exists()


def test_character_folder_vanishes_mid_batch(tmp_path):
    assert_good([vanishing_character("folder vanishes", tmp_path)])
