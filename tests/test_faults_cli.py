"""The command line's own lines: quiet by default (Blender's and libpng's log lines only with
--verbose, ours last), --box checked in one line, a manual box that finds the figure."""

from __future__ import annotations

import json

import pytest

from fault_injection import BVH, PNG_SOURCE, RAW, last_line, run_cli

pytestmark = pytest.mark.blender


@pytest.fixture(autouse=True)
def shared(shared_data):
    if not RAW.is_dir():
        pytest.skip("../shared/data is not beside the repository")


@pytest.fixture
def truncated_png(tmp_path):
    path = tmp_path / "cut.png"
    path.write_bytes(PNG_SOURCE.read_bytes()[:3000])
    return path


def test_quiet_by_default_our_line_last(truncated_png, tmp_path):
    done = run_cli("annotate", truncated_png, "--out", tmp_path / "out")
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [f"animate-drawing: {truncated_png}: the PNG file is truncated "
                                                "(it ends before the image data does)"]
    assert done.stdout == ""


def test_verbose_keeps_our_line_last(truncated_png, tmp_path):
    # Pillow decodes without logging (Blender's loader used to print libpng errors here first).
    done = run_cli("annotate", truncated_png, "--out", tmp_path / "out", "--verbose")
    assert done.returncode == 1
    assert last_line(done.stderr) == f"animate-drawing: {truncated_png}: the PNG file is truncated (it ends before the image data does)"


def test_batch_json_stays_clean_and_quiet(truncated_png, tmp_path):
    done = run_cli("animate", truncated_png, "--motion", BVH, "--out", tmp_path / "out", "--json")
    assert done.returncode == 1
    assert json.loads(done.stdout)["items"][0]["status"] == "failed"
    assert done.stderr == ""


@pytest.mark.parametrize("box, problem", [
    ("1,2,3", "expected X0,Y0,X1,Y1, four numbers"),
    ("a,b,c,d", "expected X0,Y0,X1,Y1, four numbers"),
    ("50,50,10,90", "needs 0 <= X0 < X1 and 0 <= Y0 < Y1"),
    ("5000,10,6000,50", "lies outside the image, which is 927x1200 px"),
])
def test_box_is_checked_in_one_line(tmp_path, box, problem):
    done = run_cli("annotate", PNG_SOURCE, "--out", tmp_path / "out", "--box", box)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("animate-drawing: ") and problem in lines[0]


def test_manual_box_limits_the_annotation(tmp_path):
    done = run_cli("annotate", PNG_SOURCE, "--out", tmp_path / "out", "--box", "100,150,800,1150")
    assert done.returncode == 0, done.stderr
    analysis = json.loads((tmp_path / "out" / "analysis.json").read_text())
    [figure] = analysis["figures"]
    assert figure["box"] == [100.0, 150.0, 800.0, 1150.0] and figure["score"] == 1.0
    x0, y0, x1, y1 = figure["crop"]["left"], figure["crop"]["top"], figure["crop"]["right"], figure["crop"]["bottom"]
    assert 0 <= x0 and x1 <= 927 and y1 <= 1200 and x0 < x1 and y0 < y1


def test_no_figure_hint_points_at_box(tmp_path):
    blank = tmp_path / "blank.png"
    import numpy as np

    from animate_drawing.imaging.image_file import write_png
    write_png(blank, np.full((300, 200, 3), 246, np.uint8))
    done = run_cli("annotate", blank, "--out", tmp_path / "out")
    assert done.returncode == 1
    assert "--box X0,Y0,X1,Y1" in last_line(done.stderr) and len(done.stderr.strip().splitlines()) == 1


def test_animate_takes_the_box_to_every_drawing_and_its_workers(tmp_path):
    """--box reaches the analysis in worker processes too; outside the image it fails the item."""
    inside = tmp_path / "inside.png"
    inside.write_bytes(PNG_SOURCE.read_bytes())
    done = run_cli("animate", PNG_SOURCE, inside, "--motion", BVH, "--out", tmp_path / "out", "--frames", 2,
                   "--size", 32, "--jobs", 2, "--json", "--box", "100,150,800,1150")
    assert done.returncode == 0, done.stderr
    assert [item["status"] for item in json.loads(done.stdout)["items"]] == ["ok", "ok"]
    done = run_cli("animate", PNG_SOURCE, "--motion", BVH, "--out", tmp_path / "out2", "--frames", 2,
                   "--size", 32, "--box", "2000,10,2100,50")
    assert done.returncode == 1
    assert last_line(done.stderr) == (f"FAILED  {PNG_SOURCE}: the box 2000,10,2100,50 lies outside the image, which "
                                      "is 927x1200 px (as loaded: EXIF-rotated, long side ≤ 2000 px)")


def test_json_still_prints_what_finished_when_the_place_fails(tmp_path):
    """A batch stopped by its output place prints the summary of what finished, then the line."""
    from fault_injection import CHARACTER, batch_args, can_mount, mounted_tmpfs, unmount

    if not can_mount():
        pytest.skip("mounting a tmpfs needs root")
    place = tmp_path / "small"
    if not mounted_tmpfs(place, "8m"):
        pytest.skip("cannot mount a tmpfs here")
    try:
        done = run_cli(*batch_args([CHARACTER], place / "out", formats="mp4", frames=200, size=512), "--json")
    finally:
        unmount(place)
    assert done.returncode == 1
    [item] = json.loads(done.stdout)["items"]  # the item that stopped the batch, failed
    assert item["status"] == "failed" and "not enough free disk space" in item["error"]
    assert "not enough free disk space" in last_line(done.stderr)
