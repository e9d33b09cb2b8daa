"""The output-format registry: one entry per format, and everything that lists formats reads it."""

from __future__ import annotations

import pytest

from animate_drawing.addon.batch import batch_plan
from animate_drawing.addon import places
from animate_drawing.output_formats import FORMATS, OutputFormat


def test_registry_lists_every_format_once_in_help_order():
    assert list(FORMATS) == ["mp4", "gif", "png", "blend", "glb", "fbx"]
    assert all(fmt.name == name for name, fmt in FORMATS.items())
    assert batch_plan.FORMATS == tuple(FORMATS)


def test_frames_formats_have_sinks_and_scene_formats_exports():
    frames = {name for name, fmt in FORMATS.items() if fmt.open_sink is not None}
    scenes = {name for name, fmt in FORMATS.items() if fmt.export is not None}
    assert frames == {"mp4", "gif", "png"} and scenes == {"blend", "glb", "fbx"}
    assert all(FORMATS[name].bytes_per_pixel > 0 for name in frames)
    assert all(FORMATS[name].file_bytes > 0 for name in scenes)


def test_png_frames_are_a_folder_so_an_out_ending_in_png_is_not_one_file():
    assert batch_plan.FILE_FORMATS == ("mp4", "gif", "blend", "glb", "fbx")
    one = batch_plan.BatchOptions(inputs=["a.png"], motions=["walk"], out="x.png")
    assert batch_plan.single_file_target(one) is None
    assert batch_plan.single_file_target(batch_plan.BatchOptions(inputs=["a.png"], motions=["walk"], out="x.glb")) == "glb"


def test_free_space_estimate_adds_each_format_figure():
    pixels = 10 * 64 * 64
    expected = int(FORMATS["png"].bytes_per_pixel * pixels + FORMATS["mp4"].bytes_per_pixel * pixels
                   + FORMATS["glb"].file_bytes)
    assert places.estimate_bytes(["png", "mp4", "glb"], 10, 64, 64) == expected


def test_a_format_is_written_one_way():
    with pytest.raises(ValueError, match="give open_sink or export"):
        OutputFormat("both", single_file=True, open_sink=lambda p, f: None, export=lambda p: None)
    with pytest.raises(ValueError, match="give open_sink or export"):
        OutputFormat("neither", single_file=True)
