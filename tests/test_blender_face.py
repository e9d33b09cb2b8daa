"""The face rig in Blender (addon/build/build_face.py): controls on the armature driving shape keys,
shown by the flat renderer, kept by the .blend and rebuilds, exported to .glb as morph
targets, idle blinks keyed by `animate`, `--face off`, and characters without a face."""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys

import numpy as np
import pytest

from conftest import ANNOTATED

pytestmark = pytest.mark.blender
BROWN = ANNOTATED / "AnimatedDrawings_Server-Backend__example1"     # dot eyes, a small smile
BLANK = ANNOTATED / "mikaelapisani_AnimatedDrawings-JM__output"      # a head with no face drawn
SIZE = 192


@pytest.fixture
def character(blender, shared_data):
    from animate_drawing.addon.build.character import build_character, plan_from_character_dir
    plan = plan_from_character_dir(BROWN)
    return build_character(blender.context, plan), plan


def _key(bpy, armature, control, frames_values):
    for frame, value in frames_values:
        armature[control] = value
        armature.keyframe_insert(f'["{control}"]', frame=frame)


def _face_vertices(bpy, armature, frame):
    from animate_drawing.addon.output import scene_setup
    bpy.context.scene.frame_set(frame)
    return scene_setup.evaluated_world_vertices(armature.animate_drawing.face_object,
                                                bpy.context.evaluated_depsgraph_get())


def _flat_frames(bpy, frames, engine="flat"):
    from animate_drawing.addon.output import render, scene_setup
    scene = bpy.context.scene
    scene_setup.configure_render(scene, engine, SIZE, SIZE, 30)
    scene_setup.frame_camera(scene, scene_setup.motion_bounds(scene, scene_setup.rendered_objects(scene), frames))
    return {frame: rgba for frame, rgba in render.render_frames(scene, engine, frames)}


def test_controls_are_keyable_sliders_driving_the_face_shape_keys(character):
    import bpy
    armature, _ = character
    for name, (low, high) in {"blink": (0, 1), "smile": (-1, 1), "mouth_open": (0, 1),
                              "gaze_x": (-1, 1), "gaze_y": (-1, 1)}.items():
        ui = armature.id_properties_ui(name).as_dict()
        assert (ui["min"], ui["max"], armature[name]) == (low, high, 0.0)
        assert armature.is_property_overridable_library(f'["{name}"]')
    face = armature.animate_drawing.face_object
    assert face.parent == armature and face.modifiers[0].object == armature
    drivers = {d.data_path: d.driver for d in face.data.shape_keys.animation_data.drivers}
    assert set(drivers) == {f'key_blocks["{k}"].value' for k in ("blink", "smile", "frown", "mouth_open",
                                                                 "look_right", "look_left", "look_up", "look_down")}
    assert all(d.is_valid and d.is_simple_expression for d in drivers.values())
    _key(bpy, armature, "smile", [(1, 0.0), (2, -1.0)])
    bpy.context.scene.frame_set(2)
    values = {k.name: k.value for k in face.data.shape_keys.key_blocks}
    assert (values["frown"], values["smile"]) == (pytest.approx(1.0), 0.0)


def test_a_keyed_blink_closes_the_eyes_in_the_flat_render(character):
    import bpy
    armature, plan = character
    _key(bpy, armature, "blink", [(1, 0.0), (2, 1.0), (3, 0.0)])
    frames = _flat_frames(bpy, [1, 2, 3])
    changed = np.abs(frames[2].astype(int) - frames[1].astype(int)).max(-1) > 30
    assert 20 < changed.sum() < 0.05 * SIZE * SIZE          # the eyes, nothing else
    np.testing.assert_array_equal(frames[3], frames[1])
    ys, xs = np.nonzero(changed)
    assert np.ptp(ys) < 0.15 * SIZE                           # one band across the face
    closed = frames[2][changed][:, :3].astype(float)
    brown = np.array([120, 70, 40])                           # the face colour around the eyes
    assert np.mean(np.linalg.norm(closed - brown, axis=-1) < 70) > 0.6


@pytest.mark.parametrize("engine", ["cycles", "workbench", "eevee"])
def test_blender_engines_show_the_closed_eyes_like_the_flat_renderer(character, engine, request):
    import bpy
    from animate_drawing.addon.output.scene_setup import gl_available
    if engine != "cycles" and not gl_available():
        pytest.skip("no OpenGL here: Workbench/EEVEE would abort the process")
    if engine == "eevee" and bpy.app.version >= (5, 1, 0):
        # Seen in bpy 5.1-5.3 on Mesa's software GL (make test-blender-matrix): EEVEE draws the
        # face mesh at its basis shape whatever the shape keys' values, even set directly without
        # drivers or the armature; Workbench and Cycles show them. Strict: a fix makes this fail.
        request.applymarker(pytest.mark.xfail(strict=True, reason="EEVEE 5.1+ ignores shape keys here"))
    armature, _ = character
    _key(bpy, armature, "blink", [(1, 0.0), (2, 1.0)])
    flat = {f: rgba.astype(int) for f, rgba in _flat_frames(bpy, [1, 2]).items()}
    other = _flat_frames(bpy, [2], engine)[2].astype(int)
    lids = np.abs(flat[2] - flat[1]).max(-1) > 60          # where the closed lids differ from open eyes
    assert lids.sum() > 20
    to_closed = np.abs(other[lids, :3] - flat[2][lids, :3]).max(1)
    to_open = np.abs(other[lids, :3] - flat[1][lids, :3]).max(1)
    # EEVEE once drew the blended drawing over the face (both share an origin).
    assert (to_closed < to_open).mean() > 0.97


def test_the_blend_keeps_controls_keys_and_drivers(character, tmp_path):
    import bpy
    armature, _ = character
    _key(bpy, armature, "blink", [(1, 0.0), (2, 1.0)])
    closed = _face_vertices(bpy, armature, 2)
    path = tmp_path / "face.blend"
    bpy.ops.wm.save_as_mainfile(filepath=str(path))
    bpy.ops.wm.read_factory_settings(use_empty=True)
    import animate_drawing
    animate_drawing.register()
    bpy.ops.wm.open_mainfile(filepath=str(path))
    armature = next(ob for ob in bpy.data.objects if ob.type == "ARMATURE")
    assert armature.animate_drawing.face_object is not None and "gaze_x" in armature.keys()
    np.testing.assert_allclose(_face_vertices(bpy, armature, 2), closed, atol=1e-5)
    assert np.abs(_face_vertices(bpy, armature, 1) - closed).max() > 0.01


def test_rebuilding_the_rig_rebuilds_the_face_and_keeps_its_keys(character):
    import bpy
    from animate_drawing.addon.build.character import rebuild_character
    armature, _ = character
    _key(bpy, armature, "blink", [(1, 0.0), (2, 1.0)])
    old = armature.animate_drawing.face_object.name
    rebuild_character(bpy.context, armature)
    face = armature.animate_drawing.face_object
    assert face is not None and face.name == old and len([o for o in bpy.data.objects if "_face" in o.name]) == 1
    assert np.abs(_face_vertices(bpy, armature, 2) - _face_vertices(bpy, armature, 1)).max() > 0.01


def test_a_drawing_without_a_face_gets_no_face_rig_and_a_note(blender, shared_data):
    from animate_drawing.addon.build import build_face
    from animate_drawing.addon.build.character import build_character, plan_from_character_dir
    armature = build_character(blender.context, plan_from_character_dir(BLANK))
    assert armature.animate_drawing.face_object is None and "blink" not in armature.keys()
    notes = build_face.face_notes(armature)
    assert len(notes) == 1 and "no face found" in notes[0]
    assert build_face.key_idle_blinks(armature, 1, 100, 30.0) == 0
    from animate_drawing.addon.batch import run as batch
    from animate_drawing.addon.batch.batch_plan import BatchOptions
    warnings = batch._summary_keys(blender.context.scene, BatchOptions(inputs=[], motions=[], out=""))["warnings"]
    assert warnings == [f"face: {notes[0]}"]                # summary.json says so


def test_a_face_drawn_on_the_body_moves_with_the_body_only(blender, shared_data):
    from animate_drawing.addon.build.character import build_character, plan_from_character_dir
    armature = build_character(blender.context, plan_from_character_dir(ANNOTATED / "A2S-LAB_AnimatedTale__garlic_out"))
    face = armature.animate_drawing.face_object
    limbs = {g.index for g in face.vertex_groups if g.name.startswith(("left_", "right_"))}
    weighted = {g.group for v in face.data.vertices for g in v.groups if g.weight > 0}
    assert weighted and not weighted & limbs


def _glb_json_and_weights(path):
    data = path.read_bytes()
    length = struct.unpack("<I", data[12:16])[0]
    doc = json.loads(data[20:20 + length])
    binary = 20 + length + 8

    def accessor(index):
        acc = doc["accessors"][index]
        view = doc["bufferViews"][acc["bufferView"]]
        start = binary + view.get("byteOffset", 0) + acc.get("byteOffset", 0)
        return np.frombuffer(data[start:start + 4 * acc["count"] * (1 if acc["type"] == "SCALAR" else 3)], np.float32)

    weights = [(accessor(s["input"]), accessor(s["output"])) for a in doc.get("animations", [])
               for c in a["channels"] if c["target"]["path"] == "weights" for s in [a["samplers"][c["sampler"]]]]
    return doc, weights


def test_animate_keys_idle_blinks_seen_in_png_glb_and_blend(shared_data, tmp_path):
    out = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, "-m", "animate_drawing.cli", "animate", str(BROWN), "--motion", "idle", "--out", str(out),
         "--format", "png,glb", "--size", "96", "--json"],
        capture_output=True, text=True, env=dict(os.environ, OMP_NUM_THREADS="1"), timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    item = json.loads(done.stdout)["items"][0]
    assert item["status"] == "ok" and not [w for w in item["warnings"] if w.startswith("face")]
    doc, weights = _glb_json_and_weights(out / f"{BROWN.name}.glb")
    face_mesh = next(m for m in doc["meshes"] if m["name"].endswith("_face"))
    names = face_mesh["extras"]["targetNames"]
    assert len(face_mesh["primitives"][0]["targets"]) == len(names) == 8
    times, values = weights[0]
    blink = values.reshape(len(times), len(names))[:, names.index("blink")]
    closed = np.flatnonzero(blink > 0.99)
    assert len(closed) >= 1 and blink[0] == 0
    # The PNG of the closed frame differs from its neighbours around the eyes only.
    from animate_drawing.imaging.image_file import read_image
    frames = sorted((out / f"{BROWN.name}_frames").glob("*.png"))
    shut = read_image(frames[closed[0]])[0].astype(int)
    before = read_image(frames[closed[0] - 3])[0].astype(int)
    assert (np.abs(shut - before).max(-1) > 30).sum() > 10


def test_face_off_builds_no_face_rig(shared_data, tmp_path):
    out = tmp_path / "plain.blend"
    done = subprocess.run(
        [sys.executable, "-m", "animate_drawing.cli", "animate", str(BROWN), "--motion", "wave", "--out", str(out),
         "--face", "off", "--frames", "10", "--json"],
        capture_output=True, text=True, env=dict(os.environ, OMP_NUM_THREADS="1"), timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    import bpy
    bpy.ops.wm.open_mainfile(filepath=str(out))
    assert not [ob for ob in bpy.data.objects if ob.name.endswith("_face")]
    assert not [ob for ob in bpy.data.objects if "blink" in ob.keys()]


def _face_track(times, blink_from):
    from animate_drawing.motions.face_track import FaceTrack
    blink = np.where((times >= blink_from) & (times < blink_from + 0.15), 1.0, 0.0)
    return FaceTrack(times, {"blink": blink, "smile": np.full(len(times), 0.5), "mouth_open": np.zeros(len(times)),
                             "gaze_x": np.linspace(-1, 1, len(times)), "gaze_y": np.zeros(len(times))},
                     np.ones(len(times), bool))


def test_face_video_keys_the_performers_face_and_falls_back_to_idle_blinks(character):
    """--face video: the performer's face track keyed on every control (a blink closes the
    eyes on its frames only); a motion that is no video gets idle blinks and a note."""
    import bpy
    from animate_drawing.addon.build import build_face
    from animate_drawing.addon.animate.face_motion import key_face
    from animate_drawing.motions.source import Motion
    armature, _ = character
    armature.animation_data_create().action = bpy.data.actions.new("clip")
    video = Motion(None, "performer", loops=False, source="video", face=_face_track(np.arange(60) / 30.0, 1.0))
    assert key_face(armature, "video", video, 1, 60, 30.0, clip_start=1) == "video"
    from animate_drawing.addon import compat
    curves = _face_curves(armature, compat)
    assert {'["blink"]', '["smile"]', '["gaze_x"]'} <= set(curves)
    closed = [f for f in range(1, 61) if curves['["blink"]'].evaluate(f) > 0.99]
    assert closed == [31, 32, 33, 34, 35]                    # 1.0-1.15 s after the clip's first frame
    assert curves['["smile"]'].evaluate(10) == pytest.approx(0.5)
    library = Motion(None, "walk", loops=True, source="library")
    assert key_face(armature, "video", library, 1, 300, 30.0, clip_start=1) == "idle"
    assert "needs a video" in build_face.face_notes(armature)[-1]
    blinks = [f for f in range(1, 301) if _face_curves(armature, compat)['["blink"]'].evaluate(f) > 0.99]
    assert blinks and blinks != closed


def test_motion_from_video_follows_the_face_or_says_why_not(character, shared_data):
    """The operator on a real video follows the face by default on a character with a face rig;
    no shared video shows a face big enough, so it says so and keys the idle blinks `animate`
    keys."""
    import zlib

    import bpy
    from animate_drawing.addon.build import build_face
    from animate_drawing.addon import compat
    from animate_drawing.rig.face_rig import idle_blinks
    street = shared_data / "video" / "street_dance.avi"
    if not street.is_file():
        pytest.skip(f"{street} missing")
    armature, _ = character
    scene = bpy.context.scene
    scene.render.fps, scene.frame_start = 30, 1
    bpy.context.view_layer.objects.active = armature
    assert bpy.ops.animate_drawing.motion_from_video(filepath=str(street), end=2.0, show_video=False) == {"FINISHED"}
    notes = build_face.face_notes(armature)
    assert "performer's face in street_dance was too small" in notes[-1]
    blink = _face_curves(armature, compat)['["blink"]']
    seed = zlib.crc32(armature.animate_drawing.character_name.encode())
    frames, values = idle_blinks(scene.frame_start, scene.frame_end, 30.0, seed)
    assert values.max() == 1.0                                  # a blink falls within these two seconds
    assert [tuple(k.co) for k in blink.keyframe_points] == list(zip(frames, values))
    assert bpy.ops.animate_drawing.motion_from_video(filepath=str(street), end=2.0, show_video=False) == {"FINISHED"}
    assert build_face.face_notes(armature) == notes             # the same video again: the note once


def test_motion_from_video_keys_the_controls_from_the_face_track(character):
    """What the operator's last stage runs (`key_video_motion`), given a performer whose face was
    followed: the controls are keyed from the track, the video's first frame on the scene's first;
    not following the face, the character blinks idly instead."""
    import bpy
    from animate_drawing.addon import compat
    from animate_drawing.motions.bvh import load_bvh
    from animate_drawing.motions.library import library_clip_path
    from animate_drawing.motions.video_clip import VideoClip
    from animate_drawing.operators.motion_from_video import key_video_motion
    armature, _ = character
    video = VideoClip(load_bvh(library_clip_path("wave")), face=_face_track(0.5 + np.arange(90) / 30.0, 1.5))
    bpy.context.scene.frame_start = 11
    action, length = key_video_motion(armature, video, "performer", 30.0, 11, follow_face=True)
    assert armature.animation_data.action == action and video.warnings == []
    curves = _face_curves(armature, compat)
    closed = [f for f in range(11, 11 + length) if curves['["blink"]'].evaluate(f) > 0.99]
    assert closed == [41, 42, 43, 44, 45]                    # 1.0-1.15 s after the clip's first frame
    assert curves['["smile"]'].evaluate(20) == pytest.approx(0.5)
    assert curves['["gaze_x"]'].evaluate(11) == pytest.approx(-1.0)
    key_video_motion(armature, video, "performer", 30.0, 11, follow_face=False)
    curves = _face_curves(armature, compat)
    assert set(curves) & {'["smile"]', '["gaze_x"]'} == set()
    assert [f for f in range(11, 11 + length) if curves['["blink"]'].evaluate(f) > 0.99] != closed


def _face_curves(armature, compat):
    from animate_drawing.addon.build import build_action
    anim = armature.animation_data
    slot = compat.active_slot(anim) or build_action.ensure_slot(anim.action, armature)
    container = compat.fcurve_collection(anim.action, slot)
    return {f.data_path: f for f in container.fcurves}


def _cli(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "animate_drawing.cli", *map(str, args)], capture_output=True,
                          text=True, env=dict(os.environ, OMP_NUM_THREADS="1"), timeout=600)


def test_cli_face_video_from_a_real_video_reaches_every_item(shared_data, tmp_path):
    """The command line turns a video into a BVH before its items start; with --face video the
    face goes beside it and the items read it. No shared video shows a face the face mesh net
    follows (street_dance: eyes at most 20 px apart, blurred, the net's face score at most 0.22),
    so here the items must say that (not "needs a video"); the track itself: the next test."""
    from animate_drawing.motions.face_file import face_file_path
    street = shared_data / "video" / "street_dance.avi"
    if not street.is_file():
        pytest.skip(f"{street} missing")
    clip = tmp_path / "dance.bvh"
    done = _cli("motion", street, "--out", clip, "--end", "1", "--face")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "face was too small or hidden to follow" in done.stderr
    assert json.loads(face_file_path(clip).read_text()) == {"version": 1, "track": None}
    done = _cli("motion", street, "--out", clip, "--end", "1")     # the same BVH again, no face: no stale face file
    assert done.returncode == 0 and clip.is_file() and not face_file_path(clip).exists()
    done = _cli("animate", BROWN, "--motion", street, "--end", "1", "--face", "video", "--out", tmp_path / "out",
                "--format", "blend", "--frames", "4", "--json")
    assert done.returncode == 0, done.stderr[-2000:]
    notes = [w for w in json.loads(done.stdout)["items"][0]["warnings"] if w.startswith("face")]
    assert len(notes) == 1 and "performer's face in street_dance was too small" in notes[0]


def test_cli_keys_the_face_track_beside_a_bvh_in_every_item(shared_data, tmp_path):
    """`animate --motion CLIP.bvh --face video` with CLIP.face.json beside it (as `motion --face`
    writes it): every item of the batch, each in its own worker, keys the performer's face."""
    import shutil

    import bpy
    from animate_drawing.addon import compat
    from animate_drawing.motions.face_file import write_face_file
    from animate_drawing.motions.library import library_clip_path
    clip = tmp_path / "performer.bvh"
    shutil.copyfile(library_clip_path("wave"), clip)
    # The video's seconds from 0.5 (its first frame lands on the clip's first), a blink at 1.5 s.
    write_face_file(clip, _face_track(0.5 + np.arange(90) / 30.0, 1.5))
    garlic = ANNOTATED / "A2S-LAB_AnimatedTale__garlic_out"
    done = _cli("animate", BROWN, garlic, "--motion", clip, "--face", "video", "--out", tmp_path / "out",
                "--format", "blend", "--frames", "60", "--jobs", "2", "--json")
    assert done.returncode == 0, done.stderr[-2000:]
    items = json.loads(done.stdout)["items"]
    assert len(items) == 2 and not [w for item in items for w in item["warnings"] if w.startswith("face")]
    for drawing in (BROWN, garlic):
        bpy.ops.wm.open_mainfile(filepath=str(tmp_path / "out" / f"{drawing.name}.blend"))
        armature = next(ob for ob in bpy.data.objects if "blink" in ob.keys())
        curves = _face_curves(armature, compat)
        closed = [f for f in range(1, 61) if curves['["blink"]'].evaluate(f) > 0.99]
        assert closed == [31, 32, 33, 34, 35], drawing.name        # 1.0-1.15 s into the clip: not idle blinks
        assert curves['["smile"]'].evaluate(20) == pytest.approx(0.5)
        assert curves['["gaze_x"]'].evaluate(1) == pytest.approx(-1.0)
