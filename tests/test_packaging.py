"""The installable extension: build the real linux-x64 zip once, install it into a Blender
that has only what a real Blender bundles, and check the build's failure modes.

The install runs in a subprocess whose `sys.path` holds `bpy` and the packages Blender's
own Python ships (numpy, requests, ...) but not the dev venv's onnxruntime/cv2/yaml
nor the editable `animate_drawing`: whatever the add-on imports must then come from the
zip (its code and its bundled wheels), as on an artist's machine.
"""

from __future__ import annotations

import importlib.util
import inspect
import json
import os
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import numpy
import pytest

from conftest import RAW_DRAWINGS, REPO_ROOT

pytestmark = [pytest.mark.blender, pytest.mark.slow]

BUILD_SCRIPT = REPO_ROOT / "build_addon.py"
EXT_MODULE = "bl_ext.user_default.animate_drawing"
# What a real Blender 4.2-5.0 Python has besides the standard library.
BLENDER_BUNDLED = ("bpy", "numpy", "requests", "urllib3", "certifi", "charset_normalizer", "idna", "zstandard")


def _load_build_addon():
    spec = importlib.util.spec_from_file_location("build_addon", BUILD_SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module   # dataclasses look their module up while it executes
    spec.loader.exec_module(module)
    return module


build_addon = _load_build_addon()
# The wheels Blender installs for this Python (the zip carries cp311 and cp313 ones).
PINS = build_addon.WHEEL_FOR_IMPORT[f"{sys.version_info.major}.{sys.version_info.minor}"]


def run_build(*args: str, timeout: int = 900) -> subprocess.CompletedProcess:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    env.pop("ANIMATE_DRAWING_INDEX_URL", None)
    return subprocess.run([sys.executable, str(BUILD_SCRIPT), *args], capture_output=True,
                          text=True, timeout=timeout, env=env)


@pytest.fixture(scope="session")
def linux_build(tmp_path_factory):
    """The real linux-x64 CPU zip (wheels cached in build/wheels, so reruns are offline)."""
    pytest.importorskip("bpy")
    manifest_before = (REPO_ROOT / build_addon.MANIFEST).read_bytes()
    out = tmp_path_factory.mktemp("dist")
    proc = run_build("--platform", "linux-x64", "--output-dir", str(out))
    assert proc.returncode == 0, proc.stderr
    version = tomllib.loads(manifest_before.decode())["version"]
    zips = sorted(out.glob("*.zip"))
    assert [z.name for z in zips] == [f"animate_drawing-{version}-linux_x64.zip"]
    assert (REPO_ROOT / build_addon.MANIFEST).read_bytes() == manifest_before, "build modified the source manifest"
    return zips[0], proc.stdout


def _zip_names(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as archive:
        return archive.namelist()


def _zip_manifest(path: Path) -> dict:
    with zipfile.ZipFile(path) as archive:
        return tomllib.loads(archive.read("blender_manifest.toml").decode())


# ---------------------------------------------------------------------------------------
# What the zip holds


def test_zip_holds_addon_models_and_clips_but_no_dev_files(linux_build):
    zip_path, _ = linux_build
    names = set(_zip_names(zip_path))
    assert {"__init__.py", "errors.py", "blender_manifest.toml"} <= names
    for folder in ("rig", "imaging", "formats", "models", "motions", "addon", "operators"):
        shipped_py = {p.relative_to(REPO_ROOT).as_posix() for p in (REPO_ROOT / folder).glob("*.py")}
        assert shipped_py <= names, f"{folder}: {sorted(shipped_py - names)} missing from the zip"
    for pattern in ("models/*.onnx", "models/*.json", "models/human/*", "motions/clips/*"):
        expected = {p.relative_to(REPO_ROOT).as_posix() for p in REPO_ROOT.glob(pattern) if p.is_file()}
        assert expected <= names, f"{sorted(expected - names)} missing from the zip"

    dev_prefixes = ("tests/", "vision_dev/", "benchmarks/", "docs/", "tools/", "build/", "dist/", ".")
    dev_files = {"build_addon.py", "Makefile", "pyproject.toml"}
    leaked = sorted(n for n in names if n.startswith(dev_prefixes) or n in dev_files
                    or "__pycache__" in n or "/" not in n and n.endswith(".md"))
    assert leaked == []


def test_zip_manifest_lists_linux_wheels_and_only_the_files_permission(linux_build):
    zip_path, _ = linux_build
    manifest = _zip_manifest(zip_path)
    assert manifest["id"] == "animate_drawing"
    assert manifest["blender_version_min"] == "4.2.0"
    assert manifest["license"] == ["SPDX:GPL-3.0-or-later"]
    assert manifest["platforms"] == ["linux-x64"]
    assert set(manifest["permissions"]) == {"files"}   # no network: nothing downloads at run time

    wheels = [w.removeprefix("./") for w in manifest["wheels"]]
    assert set(wheels) == {n for n in _zip_names(zip_path) if n.endswith(".whl")}
    dists = {build_addon.dist_name(Path(w).name.split("-")[0]) for w in wheels}
    assert "onnxruntime" in dists
    assert "numpy" not in dists   # Blender ships numpy
    assert not any(d.startswith("opencv") for d in dists)   # the shipped code needs no OpenCV
    for wheel in wheels:
        platform_tag = Path(wheel).stem.split("-")[-1]
        assert "linux" in platform_tag and "x86_64" in platform_tag or platform_tag == "any", wheel
    # Blender 4.2-5.0 (Python 3.11) and 5.1-5.3 (Python 3.13) each find every bundled package.
    for python in ("cp311", "cp313"):
        for_python = {build_addon.dist_name(Path(w).name.split("-")[0]) for w in wheels if Path(w).stem.split("-")[-3] == python}
        assert for_python == {"onnxruntime", "pyyaml", "pillow"}, (python, wheels)


def test_build_prints_each_zip_size_and_files(linux_build):
    zip_path, stdout = linux_build
    size_mb = zip_path.stat().st_size / 1e6
    assert f"linux-x64 (cpu): {zip_path}  {size_mb:.1f} MB" in stdout
    for name in _zip_names(zip_path):
        if not name.endswith("/"):
            assert name in stdout


# ---------------------------------------------------------------------------------------
# Installing the zip into Blender

def model_input(shape):
    """Seeded noise in a model's input shape: the same tensor for the bundled and the dev onnxruntime."""
    dims = [d if isinstance(d, int) else 1 for d in shape]
    return numpy.random.default_rng(0).standard_normal(dims).astype(numpy.float32)


_PROBE = r"""
import json, os, sys
from pathlib import Path
import bpy, addon_utils

zip_path, drawing, module, bundled, outputs_path = sys.argv[1:4] + [json.loads(sys.argv[4]), sys.argv[5]]
MODEL_INPUT_FN
report = {}
watched = (bpy.types.Scene, bpy.types.Object, bpy.types.WindowManager)

def snapshot():
    return set(dir(bpy.types)), {t.__name__: set(t.bl_rna.properties.keys()) for t in watched}

types0, props0 = snapshot()
bpy.ops.extensions.package_install_files(filepath=zip_path, repo="user_default", enable_on_install=True)
repo_dir = Path(next(r.directory for r in bpy.context.preferences.extensions.repos if r.module == "user_default"))
report["installed"] = (repo_dir / "animate_drawing" / "__init__.py").is_file()
report["enabled"] = addon_utils.check(module)[1]
types1, props1 = snapshot()
report["types_added"] = sorted(types1 - types0)
report["props_added"] = {k: sorted(props1[k] - props0[k]) for k in props1}
report["operators"] = sorted(dir(bpy.ops.animate_drawing))

report["cv2_importable"] = __import__("importlib.util").util.find_spec("cv2") is not None
report["modules"] = {}
for name in bundled:
    imported = __import__(name)
    report["modules"][name] = {"file": imported.__file__, "version": getattr(imported, "__version__", "")}
import numpy, onnxruntime
report["onnx_inputs"], model_outputs = {}, {}
for path in sorted((repo_dir / "animate_drawing" / "models").glob("*.onnx")):
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    report["onnx_inputs"][path.name] = [i.name for i in session.get_inputs()]
    feed = {i.name: model_input(i.shape) for i in session.get_inputs()}
    for out, value in zip(session.get_outputs(), session.run(None, feed)):
        model_outputs[f"{path.name}:{out.name}"] = value
numpy.savez(outputs_path, **model_outputs)

if "animate" in report["operators"]:
    action_fcurves = __import__("importlib").import_module(module + ".addon.compat").action_fcurves
    bpy.ops.animate_drawing.animate(filepath=drawing)
    report["animate"] = []
    for ob in bpy.data.objects:
        action = ob.animation_data.action if ob.animation_data else None
        curves = action_fcurves(action) if action else []
        report["animate"].append({
            "type": ob.type, "bones": len(ob.data.bones) if ob.type == "ARMATURE" else 0,
            "action_frames": list(action.frame_range) if action else None,
            "keys": sum(len(fc.keyframe_points) for fc in curves),
            "moving_channels": sum(len({round(k.co[1], 5) for k in fc.keyframe_points}) > 1 for fc in curves),
            "armature_modifier": any(m.type == "ARMATURE" and m.object for m in getattr(ob, "modifiers", [])),
            "vertex_groups": len(ob.vertex_groups) if ob.type == "MESH" else 0,
            "shape_keys": len(ob.data.shape_keys.key_blocks) if ob.type == "MESH" and ob.data.shape_keys else 0,
        })

bpy.ops.preferences.addon_disable(module=module)
types2, props2 = snapshot()
report["types_after_disable"] = sorted(types2 & set(report["types_added"]))
report["props_after_disable"] = {k: sorted(props2[k] - props0[k]) for k in props2}
bpy.ops.extensions.package_uninstall(repo_directory=str(repo_dir), pkg_id="animate_drawing")
types3, _ = snapshot()
report["types_after_uninstall"] = sorted(types3 & set(report["types_added"]))
report["uninstalled"] = not (repo_dir / "animate_drawing").exists()
report["enabled_after_uninstall"] = addon_utils.check(module)[1]
print("PROBE-REPORT " + json.dumps(report), flush=True)
os._exit(0)   # bpy 4.2 as a module segfaults at interpreter exit once add-on classes were registered
""".replace("MODEL_INPUT_FN", inspect.getsource(model_input))


def _blender_only_site(folder: Path) -> Path:
    """A sys.path folder with bpy and the packages Blender's Python bundles, nothing else."""
    folder.mkdir()
    for name in BLENDER_BUNDLED:
        spec = importlib.util.find_spec(name)
        if spec is None:
            continue
        src = Path(next(iter(spec.submodule_search_locations))) if spec.submodule_search_locations else Path(spec.origin)
        (folder / src.name).symlink_to(src)
        libs = src.parent / f"{name}.libs"   # manylinux wheels keep vendored .so files here
        if libs.is_dir():
            (folder / libs.name).symlink_to(libs)
    return folder


def _bundled_imports(zip_path: Path) -> list[str]:
    """Import names of the wheels listed in the zip's manifest."""
    shipped = {build_addon.dist_name(Path(w).name.split("-")[0]) for w in _zip_manifest(zip_path)["wheels"]}
    return sorted(module for module, requirement in PINS.items()
                  if build_addon.dist_name(requirement.split("==")[0]) in shipped)


def _first_drawing() -> Path:
    drawings = sorted(p for p in RAW_DRAWINGS.glob("*") if p.suffix.lower() in (".png", ".jpg", ".jpeg"))
    if not drawings:
        pytest.skip("no raw drawings in ../shared/data/drawings/raw")
    return drawings[0]


@pytest.fixture(scope="session")
def install_report(linux_build, tmp_path_factory):
    zip_path, _ = linux_build
    root = tmp_path_factory.mktemp("install")
    site = _blender_only_site(root / "site")
    home = root / "home"
    home.mkdir()
    bundled = _bundled_imports(zip_path)
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(site), "OMP_NUM_THREADS": "1",
           "BLENDER_USER_RESOURCES": str(home / "blender"), "HOME": str(home), "XDG_CACHE_HOME": str(home / "cache")}
    # -S -s: no site-packages at all, only the Blender-like folder on PYTHONPATH.
    proc = subprocess.run(
        [sys.executable, "-S", "-s", "-c", _PROBE, str(zip_path), str(_first_drawing()), EXT_MODULE, json.dumps(bundled),
         str(root / "model_outputs.npz")],
        capture_output=True, text=True, timeout=900, env=env, cwd=root,
    )
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("PROBE-REPORT ")]
    assert proc.returncode == 0 and lines, f"probe failed (rc {proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-6000:]}"
    report = json.loads(lines[-1].removeprefix("PROBE-REPORT "))
    report["user_resources"] = str(home / "blender")
    report["bundled"] = bundled
    report["model_outputs"] = str(root / "model_outputs.npz")
    return report


def test_installed_extension_registers_its_classes(install_report):
    assert install_report["installed"] and install_report["enabled"]
    assert any(name.startswith("ANIMATE_DRAWING_OT_") for name in install_report["types_added"])
    assert len(install_report["operators"]) >= 1


def test_installed_extension_imports_its_bundled_wheels(install_report):
    local_site = Path(install_report["user_resources"]) / "extensions" / ".local"
    assert set(install_report["bundled"]) == {"onnxruntime", "yaml", "PIL"}
    for name, info in install_report["modules"].items():
        assert Path(info["file"]).is_relative_to(local_site), f"{name} came from {info['file']}"
    assert install_report["modules"]["onnxruntime"]["version"] == PINS["onnxruntime"].split("==")[1]
    # No OpenCV anywhere in that Blender: the animate test below runs the whole pipeline without it.
    assert not install_report["cv2_importable"]


def test_bundled_onnxruntime_runs_every_shipped_model_like_the_dev_runtime(install_report):
    shipped = sorted(p.name for p in (REPO_ROOT / "models").glob("*.onnx"))
    if not shipped:
        pytest.skip("no models/*.onnx in the repository yet")
    assert sorted(install_report["onnx_inputs"]) == shipped
    onnxruntime = pytest.importorskip("onnxruntime")
    bundled = numpy.load(install_report["model_outputs"])
    for name in shipped:
        session = onnxruntime.InferenceSession(str(REPO_ROOT / "models" / name), providers=["CPUExecutionProvider"])
        feed = {i.name: model_input(i.shape) for i in session.get_inputs()}
        for out, value in zip(session.get_outputs(), session.run(None, feed)):
            numpy.testing.assert_allclose(bundled[f"{name}:{out.name}"], value, rtol=1e-3, atol=1e-4,
                                          err_msg=f"{name}:{out.name}")


def test_animate_on_a_raw_drawing_makes_a_rigged_animated_character(install_report):
    if "animate" not in install_report["operators"]:
        pytest.skip("animate_drawing.animate is not registered yet")
    objects = install_report["animate"]
    armatures = [o for o in objects if o["type"] == "ARMATURE"]
    assert len(armatures) == 1 and armatures[0]["bones"] >= 16
    start, end = armatures[0]["action_frames"]
    assert end - start >= 10
    assert armatures[0]["keys"] >= armatures[0]["bones"] * (end - start) // 2
    assert armatures[0]["moving_channels"] >= 4   # bones really move (the default clip is a gentle idle)
    skinned = [o for o in objects if o["type"] == "MESH" and o["armature_modifier"] and not o["shape_keys"]]
    assert len(skinned) == 1 and skinned[0]["vertex_groups"] >= 16
    faces = [o["shape_keys"] for o in objects if o["shape_keys"]]
    assert len(faces) == 1 and faces[0] >= 2   # the face rig: basis + its keys (blink at least)


def test_disable_and_uninstall_leave_nothing_registered(install_report):
    assert install_report["types_added"], "nothing was registered to begin with"
    assert install_report["types_after_disable"] == []
    assert all(v == [] for v in install_report["props_after_disable"].values()), install_report["props_after_disable"]
    assert install_report["types_after_uninstall"] == []
    assert install_report["uninstalled"] and not install_report["enabled_after_uninstall"]


# ---------------------------------------------------------------------------------------
# Failure modes (fast: they stop before Blender's builder or use tiny sources)


def _tiny_source(folder: Path, manifest_edit=None, init_code: str = "def register():\n    pass\n\n\ndef unregister():\n    pass\n") -> Path:
    folder.mkdir(parents=True)
    text = (REPO_ROOT / build_addon.MANIFEST).read_text()
    (folder / build_addon.MANIFEST).write_text(manifest_edit(text) if manifest_edit else text)
    (folder / "__init__.py").write_text(init_code)
    return folder


def test_build_without_network_fails_with_a_clear_message(tmp_path):
    pytest.importorskip("bpy")
    source = _tiny_source(tmp_path / "src", init_code="import yaml\n\n\ndef register():\n    pass\n\n\ndef unregister():\n    pass\n")
    proc = run_build("--platform", "linux-x64", "--source-dir", str(source), "--work-dir", str(tmp_path / "work"),
                     "--output-dir", str(tmp_path / "out"), "--index-url", "http://127.0.0.1:9/simple", timeout=300)
    assert proc.returncode == 1
    assert "could not download the linux-x64 Python 3.11 wheels (pyyaml==6.0.3)" in proc.stderr
    assert "needs network access" in proc.stderr and "127.0.0.1:9" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("edit, complaint", [
    (lambda t: t.replace('tags = ["Animation"', 'tags = ["Puppets", "Animation"'), "Puppets"),
    (lambda t: t.replace('version = "0.1.0"', 'version = "one"'), "version"),
    (lambda t: t.replace('write renders and exports"', 'write renders and exports."'), "punctuation"),
])
def test_manifest_that_fails_validation_fails_the_build(tmp_path, edit, complaint):
    pytest.importorskip("bpy")
    source = _tiny_source(tmp_path / "src", manifest_edit=edit)
    proc = run_build("--platform", "linux-x64", "--source-dir", str(source), "--work-dir", str(tmp_path / "work"),
                     "--output-dir", str(tmp_path / "out"), timeout=120)
    assert proc.returncode == 1
    assert "blender_ext.py validate failed" in proc.stderr and complaint in proc.stderr
    assert not (tmp_path / "out").exists()


def test_import_that_no_wheel_provides_fails_the_build(tmp_path):
    pytest.importorskip("bpy")
    source = _tiny_source(tmp_path / "src", init_code=(
        "import torch\nimport cv2\ntry:\n    import tqdm\nexcept ImportError:\n    tqdm = None\n\n\n"
        "def register():\n    pass\n\n\ndef unregister():\n    pass\n"))
    proc = run_build("--platform", "linux-x64", "--source-dir", str(source), "--work-dir", str(tmp_path / "work"),
                     "--output-dir", str(tmp_path / "out"), timeout=120)
    assert proc.returncode == 1
    assert "torch (imported by __init__.py)" in proc.stderr
    assert "cv2 (imported by __init__.py)" in proc.stderr   # OpenCV must never creep back in
    assert "tqdm" not in proc.stderr   # optional imports are fine


def test_build_manifest_narrows_platforms_and_lists_wheels():
    source = (REPO_ROOT / build_addon.MANIFEST).read_text()
    built = tomllib.loads(build_addon.write_build_manifest(source, ["windows-x64"], ["a-1.0-cp311-cp311-win_amd64.whl"]))
    original = tomllib.loads(source)
    assert built["platforms"] == ["windows-x64"]
    assert built["wheels"] == ["./wheels/a-1.0-cp311-cp311-win_amd64.whl"]
    assert {k: v for k, v in built.items() if k not in ("platforms", "wheels")} == \
        {k: v for k, v in original.items() if k not in ("platforms", "wheels")}


def test_slim_wheel_drops_the_unused_members_and_their_record_lines(tmp_path):
    wheel = tmp_path / "pillow-11.1.0-cp311-cp311-win_amd64.whl"
    members = {"PIL/Image.py": b"x = 1\n" * 500, "PIL/_imaging.cp311-win_amd64.pyd": b"\x01" * 4000,
               "PIL/_imagingft.cp311-win_amd64.pyd": b"\x02" * 4000, "pillow.libs/libfreetype-1.so.6": b"f",
               "pillow.libs/libjpeg-2.so.62": b"j"}
    record = "".join(f"{name},sha256=0,{len(data)}\n" for name, data in members.items())
    with zipfile.ZipFile(wheel, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
        z.writestr("pillow-11.1.0.dist-info/RECORD", record + "pillow-11.1.0.dist-info/RECORD,,\n")
    slim = build_addon.slim_wheel(wheel)
    assert slim.name == wheel.name and slim != wheel
    with zipfile.ZipFile(slim) as z:
        kept = set(z.namelist())
        assert z.read("PIL/Image.py") == members["PIL/Image.py"]
        assert all(info.compress_type == zipfile.ZIP_LZMA for info in z.infolist())
        record_names = {line.split(",")[0] for line in z.read("pillow-11.1.0.dist-info/RECORD").decode().splitlines()}
    assert kept == {"PIL/Image.py", "PIL/_imaging.cp311-win_amd64.pyd", "pillow.libs/libjpeg-2.so.62",
                    "pillow-11.1.0.dist-info/RECORD"}
    assert record_names == kept
    other = tmp_path / "pyyaml-6.0.3-cp311-cp311-win_amd64.whl"
    other.write_bytes(wheel.read_bytes())
    assert build_addon.slim_wheel(other) == other          # only distributions named in SLIM_WHEEL


@pytest.mark.parametrize("args, complaint", [
    (("--platform", "macos-arm64", "--gpu"), "--gpu builds only linux-x64, windows-x64 (no onnxruntime-gpu for macos-arm64)"),
    (("--platform", "linux-x64", "--blender-ext", "/nonexistent/blender_ext.py"), "/nonexistent/blender_ext.py: not a blender_ext.py"),
])
def test_bad_build_options_fail_with_a_clear_message(tmp_path, args, complaint):
    proc = run_build(*args, "--work-dir", str(tmp_path / "work"), "--output-dir", str(tmp_path / "out"), timeout=60)
    assert proc.returncode == 1
    assert complaint in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "out").exists()
