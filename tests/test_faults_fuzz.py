"""Damaged input files (seeded byte flips and truncations, 100 per format) through the loaders
the command line uses, in this process: each is loaded or refused in one line naming it.

No traceback, no other exception type, no hang (the whole file runs in about a minute).
"""

from __future__ import annotations

import pytest

from fault_injection import ANNOTATED, BAD_OUTCOMES, fuzz_blend, fuzz_bvh, fuzz_char_cfg, fuzz_images, fuzz_onnx

pytestmark = [pytest.mark.blender, pytest.mark.faults]
CASES, SEED = 100, 19


@pytest.fixture(autouse=True)
def shared(shared_data):
    if not ANNOTATED.is_dir():
        pytest.skip("../shared/data is not beside the repository")


def assert_in_control(outcomes, expect_refused: int = 1) -> None:
    bad = [o for o in outcomes if o.outcome in BAD_OUTCOMES]
    assert not bad, "\n".join(f"{o.fault} {o.case}: {o.outcome} {o.detail}" for o in bad[:10])
    # The damage is real: many copies are refused (a fuzzer that damages nothing proves nothing).
    assert sum(o.outcome == "refused" for o in outcomes) >= expect_refused


def test_damaged_png_and_jpeg_drawings(blender, tmp_path):
    outcomes = fuzz_images(tmp_path, CASES, SEED)
    assert len(outcomes) == 2 * CASES
    assert_in_control([o for o in outcomes if o.fault == "png"], expect_refused=CASES // 2)
    assert_in_control([o for o in outcomes if o.fault == "jpeg"], expect_refused=CASES // 4)


def test_damaged_bvh_motions(blender, tmp_path):
    assert_in_control(fuzz_bvh(tmp_path, CASES, SEED), expect_refused=CASES // 2)


def test_damaged_char_cfg(blender, tmp_path):
    outcomes = fuzz_char_cfg(tmp_path, CASES, SEED)
    assert_in_control(outcomes, expect_refused=CASES // 2)
    assert all("\n" not in o.detail for o in outcomes)  # YAML errors too: one line


def test_damaged_onnx_model_is_refused_or_replaced(blender, tmp_path):
    """A model that cannot be loaded falls back to the classical detector with a warning; one
    that loads runs: either way the analysis ends normally."""
    assert_in_control(fuzz_onnx(tmp_path, CASES, SEED), expect_refused=0)


def test_damaged_blend_given_as_input(blender, tmp_path):
    source = tmp_path / "source.blend"
    blender.ops.mesh.primitive_cube_add()
    blender.ops.wm.save_as_mainfile(filepath=str(source), copy=True)
    outcomes = fuzz_blend(tmp_path / "fuzz", CASES, SEED, source)
    assert_in_control(outcomes, expect_refused=CASES)
    assert all(o.outcome == "refused" for o in outcomes)
