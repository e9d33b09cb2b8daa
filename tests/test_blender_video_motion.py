"""Motion from video with the real parts: Blender's FFmpeg decoding, the shipped BlazePose ONNX
models on real footage (../shared/data/video), the CLI and the operator, and bad files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import SHARED_DATA, annotated_biped_dirs

pytestmark = pytest.mark.blender

VIDEOS = SHARED_DATA / "video"
BASKETBALL = VIDEOS / "basketball_two_players.mp4"   # 426x240, 29.97 fps, 300 frames, two players
STREET = VIDEOS / "street_dance.avi"                 # 1280x720, 50 fps, 205 frames, passers-by
# The blue-shirted player's torso at every 10th frame where they are in view, labelled by hand.
PERFORMER_LABELS = Path(__file__).parent / "data" / "basketball_performer.json"


def _need(path: Path) -> Path:
    if not path.is_file():
        pytest.skip(f"{path} missing (../shared/data not beside the repository)")
    return path


@pytest.fixture(scope="module")
def bpy_module():
    return pytest.importorskip("bpy")


@pytest.fixture(scope="module")
def basketball_track(bpy_module):
    from animate_drawing.addon.animate.video_motion import VideoMotionOptions, track_video

    return track_video(_need(BASKETBALL), VideoMotionOptions())


def test_probe_and_stream_frames_at_the_model_size(bpy_module):
    from animate_drawing.addon.animate.video_decode import probe_video, read_video

    scenes = len(bpy_module.data.scenes)
    info = probe_video(_need(BASKETBALL))
    assert (info.width, info.height, info.frame_count) == (426, 240, 300)
    assert info.fps == pytest.approx(29.97, abs=0.01)
    frames = list(read_video(BASKETBALL, max_side=200, start=1.0, end=2.0))
    assert [f.index for f in frames] == list(range(29, 60))
    assert frames[0].rgb.shape == (113, 200, 3) and frames[0].rgb.dtype == np.uint8
    assert frames[0].time == pytest.approx(29 / info.fps)
    # Real pictures, not black frames; consecutive frames differ (the video plays).
    assert 40 < frames[0].rgb.mean() < 220
    assert np.abs(frames[0].rgb.astype(int) - frames[-1].rgb.astype(int)).mean() > 2
    assert len(bpy_module.data.scenes) == scenes   # the decoding scene is gone


def test_tracks_one_player_through_the_basketball_clip(basketball_track):
    track = basketball_track
    found = track.found
    # The player is lost while far away or hidden behind the other one (filled in later).
    assert found.mean() > 0.55
    xy, world = track.image_xy[found], track.world[found]
    # Upright person: the shoulders above the hips, the nose above the shoulders (image y down);
    # about one tracked frame in ten is a wrong fit (a player bent over a dribble, or the
    # region over the wrong torso when the players cross).
    shoulders_y = xy[:, [11, 12], 1].mean(axis=1)
    hips_y = xy[:, [23, 24], 1].mean(axis=1)
    assert np.mean(shoulders_y < hips_y) > 0.85
    assert np.mean(xy[:, 0, 1] < shoulders_y) > 0.85
    # World landmarks are metric: a shoulder width and a thigh of an adult.
    shoulder_width = np.median(np.linalg.norm(world[:, 11] - world[:, 12], axis=1))
    thigh = np.median(np.linalg.norm(world[:, 23] - world[:, 25], axis=1))
    assert 0.2 < shoulder_width < 0.5 and 0.25 < thigh < 0.6
    # The same player all along, through the crossing (5-6.5 s) and after it: where the track
    # found somebody at a hand-labelled frame, it is the labelled player (the two stand
    # 0.15-0.4 of the frame's width apart there), and it finds them in most of those frames.
    labels = json.loads(PERFORMER_LABELS.read_text())["frames"]
    width, height = track.image_size
    hits = wrong = 0
    for label in labels:
        i = label["frame"]
        if found[i]:
            torso = track.image_xy[i, [11, 12, 23, 24]].mean(axis=0) / (width, height)
            hits += abs(torso[0] - label["torso"][0]) < 0.06
            wrong += abs(torso[0] - label["torso"][0]) >= 0.06
    assert wrong == 0 and hits >= 0.75 * len(labels)


def test_small_people_are_found_by_a_closer_look(bpy_module):
    """Far from the camera the performer is too small for the detector's 224 px view of the
    whole frame; square tiles looked at closer find them."""
    from animate_drawing.addon.animate.video_decode import read_video
    from animate_drawing.models.human_pose import PersonDetector

    labels = {label["frame"]: label["torso"] for label in json.loads(PERFORMER_LABELS.read_text())["frames"]}
    detector = PersonDetector()
    whole = closer = 0
    for frame in read_video(_need(BASKETBALL)):
        if frame.index not in labels:
            continue
        x = labels[frame.index][0] * frame.rgb.shape[1]
        near = 0.06 * frame.rgb.shape[1]
        whole += any(abs(p.keypoints[0][0] - x) < near for p in detector.detect(frame.rgb))
        closer += any(abs(p.keypoints[0][0] - x) < near for p in detector.detect_wide(frame.rgb))
    # Measured: 9 of the 24 labelled frames with the whole frame, 18 with the tiles.
    assert whole <= 12 and closer >= 16


def test_person_two_is_the_other_player(bpy_module, basketball_track):
    from animate_drawing.addon.animate.video_motion import VideoMotionOptions, track_video

    second = track_video(BASKETBALL, VideoMotionOptions(person=2, end=1.0))
    both = basketball_track.found[:len(second.times)] & second.found
    assert both.sum() > 10
    first_hips = basketball_track.image_xy[:len(second.times)][both][:, [23, 24]].mean(axis=1)
    second_hips = second.image_xy[both][:, [23, 24]].mean(axis=1)
    assert np.median(np.linalg.norm(first_hips - second_hips, axis=1)) > 50


def test_crowded_street_footage_still_gives_a_clip(bpy_module):
    """Passers-by cut off by the frame edges, heads mostly out of view, nobody whole in view:
    the tracker keeps to one person (by the colours they wear) and finds them in a few frames
    only; the gaps are filled and the clip stays usable."""
    from animate_drawing.addon.animate.video_motion import VideoMotionOptions, track_video
    from animate_drawing.motions.video_clip import clip_from_track

    track = track_video(_need(STREET), VideoMotionOptions())
    assert len(track.times) == 205 and track.times[-1] == pytest.approx(204 / 50)
    assert track.found.mean() > 0.1
    result = clip_from_track(track)
    assert np.isfinite(result.clip.motion).all() and result.clip.frame_count == 123


def test_motion_command_writes_a_bvh_our_motion_reads(tmp_path):
    from animate_drawing.motions.bvh import load_bvh
    from animate_drawing.motions.mapping import auto_map

    out = tmp_path / "clip.bvh"
    done = _cli("motion", str(_need(BASKETBALL)), "--out", str(out), "--end", "4")
    assert done.returncode == 0, done.stderr[-2000:]
    clip = load_bvh(out)
    assert clip.frame_count == pytest.approx(120, abs=1) and clip.fps == pytest.approx(30.0, abs=1e-3)
    assert auto_map(clip)["left_knee"] == "LeftLeg"
    pos = clip.world_positions()
    head, feet = clip.names.index("Head"), [clip.names.index("LeftFoot"), clip.names.index("RightFoot")]
    assert np.mean(pos[:, head, 1] > pos[:, feet, 1].max(axis=1) + 1.0) > 0.95   # upright, metres


def test_animate_with_a_video_as_motion(tmp_path):
    dirs = annotated_biped_dirs()
    if not dirs:
        pytest.skip("shared drawings missing")
    done = _cli("animate", str(dirs[0]), "--motion", str(_need(BASKETBALL)), "--end", "2", "--out",
                str(tmp_path / "out"), "--format", "png", "--frames", "4", "--size", "64", "--json")
    assert done.returncode == 0, done.stderr[-2000:]
    summary = json.loads(done.stdout)
    assert [item["status"] for item in summary["items"]] == ["ok"]
    frames = sorted((tmp_path / "out").glob("*_frames/*.png"))
    assert len(frames) == 4


def test_two_videos_with_one_name_keep_their_own_motion(tmp_path, bpy_module):
    """`--motion a/dance.mp4,b/dance.avi`: each video is converted to a BVH of its own (they used
    to overwrite each other's, both items then danced the last one); both items are named after
    the video, made unique by the batch."""
    import shutil

    from animate_drawing.addon.build.build_action import fcurve_collection
    dirs = annotated_biped_dirs()
    if not dirs:
        pytest.skip("shared drawings missing")
    videos = [tmp_path / "a" / "dance.mp4", tmp_path / "b" / "dance.avi"]
    for source, video in zip((_need(BASKETBALL), _need(STREET)), videos):
        video.parent.mkdir()
        shutil.copyfile(source, video)
    done = _cli("animate", str(dirs[0]), "--motion", ",".join(map(str, videos)), "--end", "1", "--out",
                str(tmp_path / "out"), "--format", "blend", "--frames", "4", "--json")
    assert done.returncode == 0, done.stderr[-2000:]
    items = json.loads(done.stdout)["items"]
    assert [item["status"] for item in items] == ["ok", "ok"]
    assert items[0]["motion"] != items[1]["motion"]
    elbows = []
    for name in (f"{dirs[0].name}_dance", f"{dirs[0].name}_dance_2"):
        bpy_module.ops.wm.open_mainfile(filepath=str(tmp_path / "out" / f"{name}.blend"))
        [armature] = [ob for ob in bpy_module.data.objects if ob.type == "ARMATURE"]
        anim = armature.animation_data
        assert anim.action.name.endswith("|dance")
        curves = fcurve_collection(anim.action, getattr(anim, "action_slot", None)).fcurves
        elbow = curves.find('pose.bones["left_elbow"].rotation_euler', index=2)
        elbows.append([elbow.evaluate(frame) for frame in range(1, 5)])
    assert np.abs(np.subtract(*elbows)).max() > 0.05     # two performers, two motions


@pytest.fixture(scope="module")
def bad_videos(bpy_module, tmp_path_factory):
    """Files a user may drop: empty, text, truncated, audio only, a video with nobody in it."""
    import wave

    folder = tmp_path_factory.mktemp("bad_videos")
    (folder / "empty.mp4").write_bytes(b"")
    (folder / "notes.mp4").write_text("not a video\n")
    (folder / "cut.mp4").write_bytes(_need(BASKETBALL).read_bytes()[:100_000])
    with wave.open(str(folder / "voice.mkv"), "wb") as voice:  # audio only, whatever the name says
        voice.setnchannels(1)
        voice.setsampwidth(2)
        voice.setframerate(44100)
        voice.writeframes((np.sin(np.arange(44100) * 2 * np.pi * 440 / 44100) * 8000).astype("<i2").tobytes())
    _write_empty_room(bpy_module, folder / "room.mp4")
    return folder


def _write_empty_room(bpy, path: Path) -> None:
    scene = bpy.data.scenes.new("room")
    editor = scene.sequence_editor_create()
    strips = editor.strips if hasattr(editor, "strips") else editor.sequences
    try:
        wall = strips.new_effect("wall", "COLOR", channel=1, frame_start=1, length=15)
    except TypeError:  # Blender 4.x: the end frame (exclusive) instead of the length
        wall = strips.new_effect("wall", "COLOR", channel=1, frame_start=1, frame_end=16)
    wall.color = (0.8, 0.7, 0.5)
    scene.frame_start, scene.frame_end = 1, 15
    render = scene.render
    render.resolution_x, render.resolution_y, render.resolution_percentage = 320, 240, 100
    if hasattr(render.image_settings, "media_type"):
        render.image_settings.media_type = "VIDEO"
    render.image_settings.file_format = "FFMPEG"
    render.ffmpeg.format, render.ffmpeg.codec = "MPEG4", "H264"
    render.filepath = str(path)
    with bpy.context.temp_override(scene=scene):
        bpy.ops.render.render(animation=True, scene=scene.name)
    bpy.data.scenes.remove(scene)
    assert path.stat().st_size > 0


@pytest.mark.parametrize("name, problem", [
    ("empty.mp4", "the video file is empty"),
    ("notes.mp4", "no video stream Blender can decode"),
    ("cut.mp4", "no video stream Blender can decode"),
    ("voice.mkv", "no video stream Blender can decode"),
    ("room.mp4", "no person found in the video"),
    ("missing.mp4", "no such video file"),
])
def test_bad_videos_fail_with_one_line(bad_videos, tmp_path, name, problem):
    done = _cli("motion", str(bad_videos / name), "--out", str(tmp_path / "x.bvh"))
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and name in lines[0] and problem in lines[0], done.stderr
    assert not (tmp_path / "x.bvh").exists()


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "animate_drawing.cli", *args], capture_output=True, text=True,
                          env=dict(os.environ, OMP_NUM_THREADS="1"), timeout=300)


@pytest.fixture
def character(blender):
    dirs = annotated_biped_dirs()
    if not dirs:
        pytest.skip("shared drawings missing")
    blender.context.scene.render.fps = 30
    assert blender.ops.animate_drawing.import_character(filepath=str(dirs[0])) == {"FINISHED"}
    return blender.context.view_layer.objects.active


def test_operator_keys_an_action_from_the_video(blender, character):
    from animate_drawing.addon.build.build_action import fcurve_collection

    bpy = blender
    result = bpy.ops.animate_drawing.motion_from_video(filepath=str(_need(BASKETBALL)), end=2.0)
    assert result == {"FINISHED"}
    anim = character.animation_data
    assert anim.action.name.endswith("|basketball_two_players")
    curves = fcurve_collection(anim.action, getattr(anim, "action_slot", None)).fcurves
    elbow = curves.find('pose.bones["left_elbow"].rotation_euler', index=2)
    assert elbow is not None and len(elbow.keyframe_points) == pytest.approx(60, abs=1)
    values = np.array([k.co[1] for k in elbow.keyframe_points])
    assert np.ptp(values) > 0.05                      # the arm moves
    assert bpy.context.scene.frame_end == bpy.context.scene.frame_start + len(values) - 1


def test_the_video_plays_beside_the_character_in_step(blender, character):
    """A 29.97 fps video on a 24 fps scene, from its second 1: each scene frame shows the video
    frame its motion came from; the reference stands right of the drawing, does not render, and
    goes in one click, the motion staying."""
    from mathutils import Vector

    from animate_drawing.addon.compat import action_fcurves
    from animate_drawing.addon.animate.video_reference import video_references

    bpy = blender
    scene = bpy.context.scene
    scene.render.fps, scene.frame_start = 24, 10
    assert bpy.ops.animate_drawing.motion_from_video(filepath=str(_need(BASKETBALL)), start=1.0, end=3.0) == {"FINISHED"}
    [empty] = video_references(character)
    assert empty.type == "EMPTY" and empty.empty_display_type == "IMAGE"
    assert empty.data.source == "MOVIE" and empty.image_user.frame_duration == 300
    mesh = character.animate_drawing.mesh_object
    right_of_drawing = max((mesh.matrix_world @ Vector(c)).x for c in mesh.bound_box)
    assert empty.matrix_world.translation.x > right_of_drawing
    assert abs(empty.matrix_world.translation.y) < 1e-6         # in the drawing's plane
    [curve] = action_fcurves(empty.animation_data.action)     # the movie's frame offset, keyed linearly
    for frame in (scene.frame_start, scene.frame_start + 24, scene.frame_end):
        shown = frame - empty.image_user.frame_start + round(curve.evaluate(frame))   # 0-based
        wanted = 29 + (frame - scene.frame_start) * 29.97 / 24   # frame 29 is the first at 1 s
        assert abs(shown - wanted) <= 0.5 + 1e-6
    action = character.animation_data.action
    assert bpy.ops.animate_drawing.remove_video_reference() == {"FINISHED"}
    assert video_references(character) == [] and not any(o.type == "EMPTY" for o in bpy.data.objects)
    assert not any(image.source == "MOVIE" for image in bpy.data.images)
    assert character.animation_data.action == action


def test_operator_on_a_bad_file_changes_nothing(blender, character, bad_videos):
    bpy = blender
    before = (len(bpy.data.actions), len(bpy.data.scenes), bpy.context.scene.frame_end)
    for name, problem in (("notes.mp4", "no video stream"), ("room.mp4", "no person found")):
        # In background mode an ERROR report surfaces as RuntimeError (CANCELLED in the UI).
        with pytest.raises(RuntimeError, match=f"{name}: {problem}"):
            bpy.ops.animate_drawing.motion_from_video(filepath=str(bad_videos / name))
    assert (len(bpy.data.actions), len(bpy.data.scenes), bpy.context.scene.frame_end) == before
    assert character.animation_data is None or character.animation_data.action is None


def test_tracking_in_steps_covers_every_frame_once(bpy_module):
    """The operator's job tracks a few frames per stage (Esc is heard between them): together
    they are the whole range, and the decoding scene lives from the first step to `close`."""
    from animate_drawing.addon.animate.video_motion import VideoMotionOptions, VideoTracking

    scenes = len(bpy_module.data.scenes)
    tracking = VideoTracking(_need(BASKETBALL), VideoMotionOptions(start=0.5, end=2.0))
    assert (tracking.first, tracking.last, tracking.step_count(20)) == (14, 59, 3)
    for _ in range(tracking.step_count(20) - 1):
        tracking.step(20)
        assert len(bpy_module.data.scenes) == scenes + 1
    tracking.step(20)              # the last frames: the video ends, its scene goes
    assert len(bpy_module.data.scenes) == scenes
    tracking.close()
    track = tracking.track()
    assert np.allclose(track.times, np.arange(14, 60) / tracking.info.fps)
    assert track.found.mean() > 0.8
    assert tracking.tracker.detections_run <= 5   # followed frame to frame, not detected each time


def test_a_cancelled_job_leaves_no_decoding_scene(blender, character):
    from animate_drawing.addon.animate.video_motion import VideoMotionOptions
    from animate_drawing.operators.motion_from_video import motion_from_video_job

    bpy = blender
    before = (len(bpy.data.scenes), len(bpy.data.actions), len(bpy.data.objects))
    job = motion_from_video_job(character, str(_need(BASKETBALL)), VideoMotionOptions(), True, [])
    job.step()
    job.step()     # two stretches tracked: the decoding scene is open
    assert len(bpy.data.scenes) == before[0] + 1
    job.cancel()
    job.step()
    assert job.state.name == "CANCELLED"
    assert (len(bpy.data.scenes), len(bpy.data.actions), len(bpy.data.objects)) == before


def test_a_video_dropped_on_the_viewport_needs_an_active_character(blender):
    handler = blender.types.FileHandler.bl_rna_get_subclass_py("ANIMATE_DRAWING_FH_video")
    assert handler is not None and handler.bl_import_operator == "animate_drawing.motion_from_video"
    assert {".mp4", ".mov", ".webm", ".avi", ".mkv"} <= set(handler.bl_file_extensions.split(";"))
    window = blender.context.window_manager.windows[0]
    area = window.screen.areas[0]
    original = area.type
    try:
        area.type = "VIEW_3D"
        with blender.context.temp_override(window=window, area=area):
            assert not handler.poll_drop(blender.context)          # no character yet
        dirs = annotated_biped_dirs()
        if not dirs:
            pytest.skip("shared drawings missing")
        assert blender.ops.animate_drawing.import_character(filepath=str(dirs[0])) == {"FINISHED"}
        with blender.context.temp_override(window=window, area=area):
            assert handler.poll_drop(blender.context)
    finally:
        area.type = original


def test_upper_body_footage_keeps_the_legs_at_rest_and_says_so(basketball_track):
    # Footage filmed at a desk: the real basketball track with the legs out of view (BlazePose
    # reports them at low visibility), so it behaves the same whatever FFmpeg decoded it.
    import dataclasses

    from animate_drawing.motions.video_clip import LEG_LANDMARKS, clip_from_track

    visibility = basketball_track.visibility.copy()
    visibility[:, LEG_LANDMARKS] = 0.05
    result = clip_from_track(dataclasses.replace(basketball_track, visibility=visibility))
    assert f"{basketball_track.source}: the legs are not visible; they keep their rest pose" in result.warnings
    clip = result.clip
    for leg in ("LeftUpLeg", "LeftLeg", "RightUpLeg", "RightFoot"):
        assert np.allclose(clip.channel_values(clip.joint_index(leg)), 0.0)
    arm = clip.channel_values(clip.joint_index("LeftArm"))
    assert np.ptp(arm) > 5.0   # the arms still move (degrees)



def test_planted_feet_do_not_slide_on_real_footage(basketball_track):
    from animate_drawing.motions.video_clip import clip_from_track

    result = clip_from_track(basketball_track)
    clip, contacts = result.clip, result.contacts
    assert contacts.any(axis=1).mean() > 0.1
    pos = clip.world_positions()
    for side, name in ((0, "LeftFoot"), (1, "RightFoot")):
        foot = pos[:, clip.joint_index(name)][:, [0, 2]]
        planted = contacts[1:, side] & contacts[:-1, side]
        step = np.linalg.norm(np.diff(foot, axis=0), axis=1)
        # metres per frame: a planted foot stays (with both down, the stiller one is pinned)
        assert np.median(step[planted]) < 0.005
        assert np.median(step[planted]) < 0.3 * np.median(step[~planted])
