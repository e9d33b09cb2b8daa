"""Batch planning (pure): input expansion, unique names, shards, resume checks."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, strategies as st

from animate_drawing.addon.batch.batch_plan import (
    BatchOptions,
    Item,
    expand_inputs,
    item_outputs,
    outputs_complete,
    parse_shard,
    plan_items,
    single_file_target,
    summary_name,
    take_shard,
)


def _touch(path: Path, text: str = "x") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.fixture
def inputs(tmp_path):
    _touch(tmp_path / "a" / "one.png")
    _touch(tmp_path / "a" / "two.jpg")
    _touch(tmp_path / "a" / "notes.txt")
    _touch(tmp_path / "a" / "hero" / "char_cfg.yaml")
    _touch(tmp_path / "b" / "one.png")
    return tmp_path


def test_expand_folders_globs_and_problems(inputs):
    found = expand_inputs([str(inputs / "a"), str(inputs / "b" / "*.png"), str(inputs / "missing.png"),
                           str(inputs / "a" / "notes.txt"), str(inputs / "nothing*.png")])
    names = [(Path(p).name, problem) for p, problem in found]
    assert names == [("hero", None), ("one.png", None), ("two.jpg", None), ("one.png", None),
                     ("missing.png", "not found"),
                     ("notes.txt", "unsupported file type .txt: expected an image or a character folder"),
                     ("nothing*.png", "no file matches this pattern")]


def test_names_are_unique_and_motions_multiply(inputs):
    options = BatchOptions(inputs=[str(inputs / "a"), str(inputs / "b")], motions=["dab", "x/wave.bvh"], out="o")
    items = plan_items(options)
    assert [i.name for i in items] == ["hero_dab", "hero_wave", "one_dab", "one_wave", "two_dab", "two_wave",
                                       "one_dab_2", "one_wave_2"]


@given(st.integers(1, 40), st.integers(1, 7))
def test_shards_partition_the_items(n_items, n_shards):
    items = list(range(n_items))
    shards = [take_shard(items, (i, n_shards)) for i in range(1, n_shards + 1)]
    assert sorted(x for shard in shards for x in shard) == items
    assert max(map(len, shards)) - min(map(len, shards)) <= 1


def test_parse_shard_rejects_nonsense():
    assert parse_shard("2/4") == (2, 4)
    for bad in ("0/4", "5/4", "a/b", "3"):
        with pytest.raises(ValueError):
            parse_shard(bad)
    assert summary_name((1, 1)) == "summary.json" and summary_name((2, 3)) == "summary-2-of-3.json"


def test_single_file_target_only_for_one_output_with_file_extension():
    def target(inputs, out, motions=("dab",), scene=False):
        return single_file_target(BatchOptions(inputs=inputs, motions=list(motions), out=out, scene=scene))
    assert target(["a.png"], "x.mp4") == "mp4"
    assert target(["a.png"], "x.GLB") == "glb"
    assert target(["a.png", "b.png"], "x.mp4") is None
    assert target(["a.png"], "x.mp4", motions=("dab", "walk")) is None
    assert target(["*.png"], "x.mp4") is None
    assert target(["a.png"], "outdir") is None
    assert target(["a.png", "b.png"], "scene.gif", scene=True) == "gif"


def test_outputs_complete_needs_every_final_output(tmp_path):
    outputs = item_outputs("hero", tmp_path, ["mp4", "png"])
    assert outputs == {"mp4": tmp_path / "hero.mp4", "png": tmp_path / "hero_frames"}
    assert not outputs_complete(outputs)
    _touch(outputs["mp4"])
    assert not outputs_complete(outputs)
    outputs["png"].mkdir()
    assert outputs_complete(outputs)
    outputs["mp4"].write_text("")  # an empty file is not a finished video
    assert not outputs_complete(outputs)
    assert Item("a", "dab", "a").problem is None
