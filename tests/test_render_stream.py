"""Frames stream from the renderer into the encoders: every frame of the motion reaches the
MP4 (counted by reading the video back), nothing is written to disk on the way, the helper
process draws exactly what the in-process rasteriser draws, and producer errors surface."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
import pytest

from conftest import ANNOTATED, BVH_DIR

pytestmark = pytest.mark.blender
CHARACTER = ANNOTATED / "AnimatedDrawings_Server-Backend__example1"
CLIP = BVH_DIR / "fair1" / "jumping.bvh"  # 654 frames at 120 fps: 164 at 30 fps, a non-integer ratio
SIZE, FPS = 64, 30.0


def _need_data():
    if not (CHARACTER.is_dir() and CLIP.is_file()):
        pytest.skip("../shared/data is not beside the repository")


def _temp_entries() -> set[str]:
    """Our entries in the temp folder (other programs share it)."""
    return {name for name in os.listdir(tempfile.gettempdir()) if name.startswith("animate_drawing_render")}


def _read_video(path: Path) -> list[np.ndarray]:
    """Every frame of a video as RGB, decoded by OpenCV's FFmpeg (an independent reader)."""
    cv2 = pytest.importorskip("cv2")
    capture = cv2.VideoCapture(str(path))
    frames = []
    while True:
        ok, bgr = capture.read()
        if not ok:
            return frames
        frames.append(bgr[..., ::-1])


def test_every_frame_of_the_motion_reaches_the_mp4_without_frame_files(blender, tmp_path):
    _need_data()
    from animate_drawing.addon.batch.run import run_items
    from animate_drawing.addon.batch.batch_plan import BatchOptions, plan_items
    from animate_drawing.addon.progress import Reporter
    from animate_drawing.imaging.image_file import read_image
    from animate_drawing.motions.bvh import load_bvh

    clip = load_bvh(CLIP)
    expected = round(len(clip.motion) * clip.frame_time * FPS)
    options = BatchOptions(inputs=[str(CHARACTER)], motions=[str(CLIP)], out=str(tmp_path / "out"),
                           formats=["mp4", "png"], size=SIZE, fps=FPS)
    temp_before = _temp_entries()
    [result] = run_items(plan_items(options), options, Reporter("quiet"))
    assert result["status"] == "ok", result["error"]
    mp4, frames_dir = (Path(p) for p in result["outputs"])
    # Only the outputs: no hidden frame folder beside them, nothing left in the temp folder.
    assert sorted(p.name for p in mp4.parent.iterdir()) == sorted([mp4.name, frames_dir.name])
    assert _temp_entries() - temp_before == set()

    assert blender.data.movieclips.load(str(mp4)).frame_duration == expected
    video = _read_video(mp4)
    pngs = sorted(frames_dir.iterdir())
    assert len(video) == len(pngs) == expected
    # Frame k of the video is PNG frame k over the white paper (H.264 loses a little).
    for k in (0, expected // 2, expected - 1):
        rgba = read_image(pngs[k])[0].astype(np.float64)
        alpha = rgba[..., 3:] / 255
        over_white = rgba[..., :3] * alpha + 255 * (1 - alpha)
        assert (alpha > 0.5).mean() > 0.05  # the figure is there
        assert np.abs(video[k] - over_white).mean() < 4.0


def test_helper_process_draws_what_this_process_draws(blender, monkeypatch):
    """Frames from the forked rasteriser (slots reused, only covered pixels cleared) equal
    frames drawn here one by one, with the video buffer painted the same way."""
    _need_data()
    from animate_drawing.addon.output import render, scene_setup
    from animate_drawing.addon.output.movie_writer import VideoFrames

    scene, frames = _animated_scene(blender)
    scene_setup.frame_camera(scene, scene_setup.motion_bounds(scene, scene_setup.rendered_objects(scene), frames))
    video = VideoFrames(np.full((SIZE, SIZE, 3), (20, 200, 90), np.uint8))

    def run(process: str):
        monkeypatch.setenv("ANIMATE_DRAWING_RASTER_PROCESS", process)
        return [(f, rgba, prepared.copy()) for f, rgba, prepared in render.render_stream(scene, "flat", frames, video)]

    forked, inline = run("2"), run("0")
    assert [f for f, _, _ in forked] == list(frames)
    assert sum(rgba[..., 3].any() for _, rgba, _ in forked) == len(frames)
    assert len({rgba.tobytes() for _, rgba, _ in forked}) > 1  # the figure moves
    for (_, a, video_a), (_, b, video_b) in zip(forked, inline):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(video_a, video_b)
        np.testing.assert_array_equal(video_b, video(b))  # painted in place == painted afresh


def _animated_scene(blender):
    """The character animated with CLIP, configured for flat 64 px frames: (scene, frames 1..12)."""
    from animate_drawing.addon.batch import batch_item
    from animate_drawing.addon.output import scene_setup
    from animate_drawing.addon.batch.batch_plan import BatchOptions

    options = BatchOptions(inputs=[], motions=[], out="", size=SIZE, frames=12)
    plan = batch_item.load_plan(str(CHARACTER), batch_item.Timer())
    batch_item.build_animated(blender.context, [(plan, str(CLIP))], options, batch_item.Timer())
    scene = blender.context.scene
    scene_setup.configure_render(scene, "flat", SIZE, SIZE, FPS)
    return scene, range(1, 13)


def test_vertices_kept_from_the_framing_pass_draw_the_same_frames(blender, monkeypatch):
    """The flat renderer draws frames from the vertices motion_bounds kept (no second
    evaluation) exactly as it draws them evaluating again; past KEEP_BYTES frames are not kept."""
    _need_data()
    from animate_drawing.addon.output import render, scene_setup

    scene, frames = _animated_scene(blender)
    objects = scene_setup.rendered_objects(scene)
    per_frame = sum(len(ob.data.vertices) for ob in objects) * 3 * 4
    monkeypatch.setattr(scene_setup, "KEEP_BYTES", per_frame * 5)
    kept: dict = {}
    scene_setup.frame_camera(scene, scene_setup.motion_bounds(scene, objects, frames, keep=kept))
    assert sorted(kept) == list(frames)[:5]
    assert scene_setup.motion_bounds(scene, objects, frames) == scene_setup.motion_bounds(scene, objects, frames, {})

    evaluated_again = [rgba for _, rgba in render.render_frames(scene, "flat", frames)]
    from_kept = [rgba for _, rgba, _ in render.render_stream(scene, "flat", frames, evaluated=kept)]
    assert kept == {}  # each kept frame is used once and let go
    assert len({rgba.tobytes() for rgba in from_kept}) > 1  # the figure moves
    for a, b in zip(from_kept, evaluated_again):
        np.testing.assert_array_equal(a, b)


def test_a_failing_frame_source_stops_and_fails_the_movie(blender, tmp_path):
    from animate_drawing.addon.output.movie_writer import VideoFrames, write_h264

    paint = VideoFrames(np.zeros((16, 16, 3), np.uint8))
    asked = []

    def frames():
        for k in range(3):
            asked.append(k)
            yield paint(np.full((16, 16, 4), (k * 40, 0, 0, 255), np.uint8))
        raise ValueError("frame 4 is broken")

    with pytest.raises(ValueError, match="frame 4 is broken"):
        write_h264(frames(), 500, tmp_path / "clip.mp4", 16, 16, 24.0)
    assert asked == [0, 1, 2]
    assert "AnimateDrawing_encode" not in blender.data.scenes


def test_eevee_on_software_opengl_gets_a_warning(monkeypatch):
    from animate_drawing.addon.output import scene_setup

    monkeypatch.setattr(scene_setup, "gl_device", lambda: "SOFTWARE")
    assert "minute" in scene_setup.engine_warning("eevee")
    assert scene_setup.engine_warning("flat") is None and scene_setup.engine_warning("cycles") is None
    monkeypatch.setattr(scene_setup, "gl_device", lambda: "NVIDIA")
    assert scene_setup.engine_warning("eevee") is None
