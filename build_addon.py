"""Build the installable extension: one zip per platform, made and checked by Blender's own tools.

    python build_addon.py [--platform linux-x64|windows-x64|macos-arm64|macos-x64|all] [--gpu]

Steps: validate the source manifest -> find which third-party modules the shipped code
imports -> download the exact wheels each platform needs (cached in build/wheels/) ->
stage a clean copy of the source with a build manifest that lists those wheels ->
`blender_ext.py build --split-platforms` -> `blender_ext.py validate` each zip -> print
each zip's size and files. The real `blender_manifest.toml` is never modified.

`blender_ext.py` is the script behind `blender --command extension build`; it is found in
the `bpy` wheel, beside a `blender` binary on PATH, or given with --blender-ext.
"""

from __future__ import annotations

import argparse
import ast
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent
MANIFEST = "blender_manifest.toml"

# Blender 4.2-5.0 bundle CPython 3.11, Blender 5.1-5.3 CPython 3.13: every zip carries a wheel
# of each bundled package for both, and Blender installs the one matching its Python.
PYTHON_VERSIONS = ("3.11", "3.13")

# pip platform tags accepted for each Blender platform, newest first (pip also takes older
# macOS releases of a tag). Linux: Blender 4.2 needs glibc 2.28. macOS: onnxruntime's cp313
# wheels need macOS 13 (its cp311 wheels 10.15/11.0).
PIP_PLATFORM_TAGS = {
    "linux-x64": ("manylinux_2_28_x86_64", "manylinux_2_17_x86_64", "manylinux2014_x86_64"),
    "windows-x64": ("win_amd64",),
    "macos-arm64": ("macosx_13_0_arm64", "macosx_13_0_universal2"),
    "macos-x64": ("macosx_13_0_x86_64", "macosx_13_0_universal2"),
}
PLATFORMS = tuple(PIP_PLATFORM_TAGS)
GPU_PLATFORMS = ("linux-x64", "windows-x64")

# Python version -> import name -> pinned wheel. A wheel ships only when the shipped code imports it.
# cp311: onnxruntime 1.16 imports with numpy alone (flatbuffers/protobuf/sympy/coloredlogs are
# only used by its offline tools), runs the shipped models (IR 8, opset 17) and is the last
# release with separate macOS arm64/x86_64 wheels (6-7 MB; 1.17-1.22 ship 15-34 MB universal2).
# cp313: onnxruntime has cp313 wheels from 1.20; 1.23 is the only release with both cp313 and
# separate (not universal2) macOS arm64 and x86_64 wheels, which keeps the macOS zips under 40 MB.
# No OpenCV: its wheel alone (37-57 MB a platform) outweighs the 40 MB budget, so the shipped
# code does its image work with numpy and Blender (see imaging/); an import of cv2 in shipped
# code fails the build here.
# Pillow decodes images (imaging/image_file.py) on any thread. 11.1 is the newest release whose
# wheels stay small (11.2 added AVIF: 5-7 MB a wheel); 11.1 has cp311 and cp313 wheels for all four
# platforms, and SLIM_WHEEL below cuts it to its decoders.
WHEEL_FOR_IMPORT = {
    "3.11": {"onnxruntime": "onnxruntime==1.16.3", "yaml": "pyyaml==6.0.3", "PIL": "pillow==11.1.0"},
    "3.13": {"onnxruntime": "onnxruntime==1.23.2", "yaml": "pyyaml==6.0.3", "PIL": "pillow==11.1.0"},
}
# Distribution -> wheel members the shipped code never loads, dropped before packing (with their
# RECORD lines), and the rest recompressed with LZMA: two Pillow wheels a platform (cp311 + cp313)
# would otherwise take 5-9 MB of the 40 MB budget. Dropped: ImageFont (FreeType, HarfBuzz,
# Brotli), ImageCms (LittleCMS), Tk, ImageMath, ImageMorph; `Image.open` imports none of them.
SLIM_WHEEL = {
    "pillow": re.compile(r"(^|/)(_imagingft|_imagingcms|_imagingtk|_imagingmath|_imagingmorph|"
                         r"libfreetype|libharfbuzz|libbrotli|liblcms2)[^/]*$"),
}
# The GPU build swaps onnxruntime for its CUDA 12 build (same `onnxruntime` module).
GPU_WHEEL_FOR_IMPORT = {
    python: {**wheels, "onnxruntime": "onnxruntime-gpu==1.20.2"} for python, wheels in WHEEL_FOR_IMPORT.items()
}

# Modules every Blender 4.2-5.3 provides: its own API and the packages its Python bundles.
BLENDER_PROVIDED_MODULES = frozenset({
    "bpy", "bpy_extras", "bpy_types", "_bpy_types", "_bpy_internal", "mathutils", "bmesh",
    "gpu", "gpu_extras", "bl_math", "blf", "aud", "imbuf", "idprop", "freestyle",
    "addon_utils", "rna_prop_ui", "bl_ui", "bl_operators", "io_anim_bvh", "io_scene_gltf2",
    "numpy", "requests", "urllib3", "certifi", "idna", "charset_normalizer", "zstandard",
})

CPU_SIZE_TARGET_MB = 40.0
PIP_TIMEOUT_S = 600


class BuildError(Exception):
    """The build cannot go on; the message says what failed and what to do."""


@dataclass(frozen=True)
class BlenderTools:
    builder: Path      # blender_ext.py
    valid_tags: Path   # _bpy_internal/extensions/tags.py


@dataclass(frozen=True)
class BuiltPackage:
    platform: str
    variant: str       # "cpu" | "gpu"
    path: Path
    size_bytes: int
    files: tuple[tuple[str, int], ...]   # (name in zip, uncompressed bytes)


# ---------------------------------------------------------------------------------------
# Blender's extension tools

def _tools_from_builder(builder: Path) -> BlenderTools | None:
    """`<version>/scripts/addons_core/bl_pkg/cli/blender_ext.py` -> the tools of that version."""
    if not builder.is_file() or len(builder.parents) < 5:
        return None
    tags = builder.parents[3] / "modules" / "_bpy_internal" / "extensions" / "tags.py"
    return BlenderTools(builder, tags) if tags.is_file() else None


def find_blender_tools(builder: Path | None = None) -> BlenderTools:
    if builder is not None:
        if tools := _tools_from_builder(builder.resolve()):
            return tools
        raise BuildError(f"{builder}: not a blender_ext.py inside a Blender <version>/scripts/addons_core/bl_pkg/cli folder")
    folders = []
    spec = importlib.util.find_spec("bpy")   # locates the wheel without importing Blender
    if spec is not None and spec.submodule_search_locations:
        folders.append(Path(next(iter(spec.submodule_search_locations))))
    if blender := shutil.which("blender"):
        binary = Path(blender).resolve()
        folders += [binary.parent, binary.parent.parent / "Resources"]   # Linux/Windows, macOS .app
    for folder in folders:
        for builder in sorted(folder.glob("*/scripts/addons_core/bl_pkg/cli/blender_ext.py"), reverse=True):
            if tools := _tools_from_builder(builder):
                return tools
    raise BuildError(
        "Blender's extension builder (blender_ext.py) was not found: install the bpy wheel "
        "(pip install bpy), put a `blender` binary on PATH, or pass --blender-ext PATH"
    )


def _run_blender_ext(tools: BlenderTools, *args: str) -> None:
    proc = subprocess.run(
        [sys.executable, str(tools.builder), *args, "--valid-tags", str(tools.valid_tags)],
        capture_output=True, text=True,
    )
    output = (proc.stdout + proc.stderr).strip()
    if proc.returncode != 0:
        raise BuildError(f"blender_ext.py {args[0]} failed:\n{output}")


def validate_source_manifest(tools: BlenderTools, source_dir: Path) -> dict:
    """Fail early (before any download) when the manifest does not pass Blender's validation."""
    manifest_path = source_dir / MANIFEST
    try:
        manifest = tomllib.loads(manifest_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BuildError(f"{manifest_path}: missing") from None
    except tomllib.TOMLDecodeError as err:
        raise BuildError(f"{manifest_path}: not valid TOML: {err}") from None
    _run_blender_ext(tools, "validate", str(source_dir))
    return manifest


# ---------------------------------------------------------------------------------------
# Staging: a clean copy of exactly what ships

def _load_exclude_matcher(tools: BlenderTools, manifest: dict):
    """Blender's own gitignore-style matcher for the manifest's [build] paths_exclude_pattern."""
    spec = importlib.util.spec_from_file_location("_blender_ext_for_build", tools.builder)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    patterns = manifest.get("build", {}).get("paths_exclude_pattern", [])
    return module.PathPatternMatch(patterns)


def stage_source(source_dir: Path, stage_dir: Path, excluded) -> None:
    """Copy the files the manifest lets ship, so heavy dev folders are never even copied."""
    if stage_dir.exists():
        shutil.rmtree(stage_dir)
    for folder, dirnames, filenames in os.walk(source_dir):
        rel_folder = Path(folder).relative_to(source_dir)
        dirnames[:] = [d for d in dirnames if not excluded.test_path(f"{(rel_folder / d).as_posix()}/")]
        for name in filenames:
            rel = (rel_folder / name).as_posix()
            if name != MANIFEST and not excluded.test_path(rel):
                (stage_dir / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(Path(folder) / name, stage_dir / rel)


def _top_level_imports(tree: ast.AST) -> set[str]:
    """Absolute imports, leaving out optional ones (inside `try: ... except ImportError`)."""
    found: set[str] = set()

    def catches_import_error(handler: ast.ExceptHandler) -> bool:
        types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
        return any(isinstance(t, ast.Name) and t.id in ("ImportError", "ModuleNotFoundError") for t in types)

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.Try) and any(catches_import_error(h) for h in node.handlers):
            for child in node.orelse + node.finalbody:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def third_party_imports(stage_dir: Path) -> dict[str, list[str]]:
    """Module -> files importing it, for modules neither the stdlib nor Blender provide."""
    users: dict[str, list[str]] = {}
    for path in sorted(stage_dir.rglob("*.py")):
        try:
            tree = ast.parse(path.read_bytes(), filename=str(path))
        except SyntaxError as err:
            raise BuildError(f"{path.relative_to(stage_dir)}: cannot be parsed: {err}") from None
        for module in _top_level_imports(tree) - sys.stdlib_module_names - BLENDER_PROVIDED_MODULES:
            users.setdefault(module, []).append(path.relative_to(stage_dir).as_posix())
    return users


def required_wheels(stage_dir: Path, wheel_for_import: dict[str, dict[str, str]]) -> dict[str, list[str]]:
    """Python version -> the pinned wheels the shipped code needs on that Python."""
    users = third_party_imports(stage_dir)
    unknown = {m: files for m, files in users.items() if any(m not in pins for pins in wheel_for_import.values())}
    if unknown:
        lines = "\n".join(f"  {m} (imported by {', '.join(files)})" for m, files in sorted(unknown.items()))
        raise BuildError(
            "the add-on imports modules that neither Blender nor a bundled wheel provides:\n"
            f"{lines}\nUse a relative import, make the import optional, or add the module to "
            "WHEEL_FOR_IMPORT in build_addon.py (for every Python version)"
        )
    return {python: sorted(pins[m] for m in users) for python, pins in wheel_for_import.items()}


# ---------------------------------------------------------------------------------------
# Wheels

def dist_name(name: str) -> str:
    """Distribution name as wheel file names spell it (PEP 427/503)."""
    return re.sub(r"[-_.]+", "_", name).lower()


def _cached_wheel(folder: Path, requirement: str) -> Path | None:
    name, version = requirement.split("==")
    for wheel in sorted(folder.glob("*.whl")):
        dist, wheel_version = wheel.name.split("-")[:2]
        if dist_name(dist) == dist_name(name) and wheel_version == version:
            return wheel
    return None


def slim_wheel(wheel: Path) -> Path:
    """The wheel itself, or for a distribution in SLIM_WHEEL a copy without the dropped members
    (cached beside it in slim/). Blender extracts wheels with `zipfile`, which reads LZMA."""
    drop = SLIM_WHEEL.get(dist_name(wheel.name.split("-")[0]))
    if drop is None:
        return wheel
    slim = wheel.parent / "slim" / wheel.name
    if slim.is_file():
        return slim
    slim.parent.mkdir(exist_ok=True)
    partial = slim.with_suffix(".partial")
    with zipfile.ZipFile(wheel) as src, zipfile.ZipFile(partial, "w", zipfile.ZIP_LZMA) as out:
        dropped = {info.filename for info in src.infolist() if drop.search(info.filename)}
        for info in src.infolist():
            if info.filename in dropped:
                continue
            data = src.read(info)
            if info.filename.endswith(".dist-info/RECORD"):
                data = b"".join(line for line in data.splitlines(keepends=True)
                                if line.split(b",")[0].decode() not in dropped)
            info.compress_type = zipfile.ZIP_LZMA
            out.writestr(info, data)
    partial.replace(slim)
    return slim


def download_wheels(platform: str, python: str, requirements: list[str], cache_dir: Path,
                    index_url: str | None = None) -> list[Path]:
    """The pinned wheels for one platform and Python version, from the cache or downloaded with pip."""
    folder = cache_dir / platform / f"cp{python.replace('.', '')}"
    folder.mkdir(parents=True, exist_ok=True)
    missing = [r for r in requirements if _cached_wheel(folder, r) is None]
    if missing:
        cmd = [sys.executable, "-m", "pip", "download", "--disable-pip-version-check",
               "--only-binary=:all:", "--no-deps", "--python-version", python,
               "--implementation", "cp", "--dest", str(folder), "--retries", "1", "--timeout", "15"]
        for tag in PIP_PLATFORM_TAGS[platform]:
            cmd += ["--platform", tag]
        env = dict(os.environ)
        if index_url:
            # Only this index: drop find-links/extra indexes from pip config and PIP_* variables.
            env = {k: v for k, v in env.items() if not k.startswith("PIP_")}
            env["PIP_CONFIG_FILE"] = os.devnull
            cmd += ["--index-url", index_url]
        proc = subprocess.run(cmd + missing, capture_output=True, text=True, env=env, timeout=PIP_TIMEOUT_S)
        if proc.returncode != 0:
            tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-6:])
            raise BuildError(
                f"could not download the {platform} Python {python} wheels ({', '.join(missing)}) from "
                f"{index_url or 'the configured package index'}: the build needs network access "
                f"to PyPI once (wheels are then cached in {folder}).\npip said:\n{tail}"
            )
    wheels = [_cached_wheel(folder, r) for r in requirements]
    absent = [r for r, w in zip(requirements, wheels) if w is None]
    if absent:
        raise BuildError(f"pip reported success but no {platform} Python {python} wheel for {', '.join(absent)} is in {folder}")
    return wheels


def write_build_manifest(source_manifest: str, platforms: list[str], wheel_names: list[str]) -> str:
    """The source manifest with `platforms` narrowed to this build and `wheels` listed."""
    text = re.sub(r"^(platforms|wheels)\s*=\s*\[.*?\]\s*$\n?", "", source_manifest, flags=re.M | re.S)
    header = (
        "# Written by build_addon.py from blender_manifest.toml.\n"
        f"platforms = {json.dumps(platforms)}\n"
        f"wheels = {json.dumps([f'./wheels/{name}' for name in wheel_names])}\n"
    )
    return header + text


# ---------------------------------------------------------------------------------------
# Build

def _zip_contents(path: Path) -> tuple[tuple[str, int], ...]:
    with zipfile.ZipFile(path) as archive:
        return tuple((info.filename, info.file_size) for info in archive.infolist() if not info.is_dir())


def build_variant(variant: str, platforms: list[str], *, tools: BlenderTools, source_dir: Path,
                  output_dir: Path, work_dir: Path, index_url: str | None) -> list[BuiltPackage]:
    manifest = validate_source_manifest(tools, source_dir)
    unknown = sorted(set(platforms) - set(manifest.get("platforms", PLATFORMS)))
    if unknown:
        raise BuildError(f"{source_dir / MANIFEST}: platforms {unknown} are not declared in the manifest")

    work_dir.mkdir(parents=True, exist_ok=True)
    # Staging and raw zips are per run (parallel builds never share them); only wheels are cached.
    with tempfile.TemporaryDirectory(prefix=f"{variant}-", dir=work_dir) as scratch:
        stage_dir, raw_dir = Path(scratch) / "staging", Path(scratch) / "zips"
        stage_source(source_dir, stage_dir, _load_exclude_matcher(tools, manifest))
        requirements = required_wheels(stage_dir, GPU_WHEEL_FOR_IMPORT if variant == "gpu" else WHEEL_FOR_IMPORT)

        wheels = {slim_wheel(wheel) for p in platforms for python, reqs in requirements.items()
                  for wheel in download_wheels(p, python, reqs, work_dir / "wheels", index_url)}
        wheel_names = sorted({w.name for w in wheels})
        (stage_dir / "wheels").mkdir()
        for wheel in wheels:
            shutil.copy2(wheel, stage_dir / "wheels" / wheel.name)
        (stage_dir / MANIFEST).write_text(
            write_build_manifest((source_dir / MANIFEST).read_text(encoding="utf-8"), platforms, wheel_names),
            encoding="utf-8",
        )
        raw_dir.mkdir()
        _run_blender_ext(tools, "build", "--source-dir", str(stage_dir), "--output-dir", str(raw_dir), "--split-platforms")

        output_dir.mkdir(parents=True, exist_ok=True)
        built = []
        for platform in platforms:
            made = raw_dir / f"{manifest['id']}-{manifest['version']}-{platform.replace('-', '_')}.zip"
            if not made.is_file():
                raise BuildError(f"blender_ext.py build did not write {made.name}")
            _run_blender_ext(tools, "validate", str(made))
            target = output_dir / (made.stem + ("-gpu" if variant == "gpu" else "") + ".zip")
            shutil.move(made, target)
            built.append(BuiltPackage(platform, variant, target, target.stat().st_size, _zip_contents(target)))
    return built


def build(platforms: list[str], *, gpu: bool = False, source_dir: Path = REPO_ROOT,
          output_dir: Path | None = None, work_dir: Path | None = None,
          index_url: str | None = None, blender_ext: Path | None = None) -> list[BuiltPackage]:
    """Build and validate one zip per platform; the GPU variant only exists for Linux/Windows."""
    if gpu:
        no_gpu = [p for p in platforms if p not in GPU_PLATFORMS]
        if no_gpu:
            raise BuildError(f"--gpu builds only {', '.join(GPU_PLATFORMS)} (no onnxruntime-gpu for {', '.join(no_gpu)})")
    tools = find_blender_tools(blender_ext)
    work_dir = work_dir or source_dir / "build"
    output_dir = output_dir or source_dir / "dist"
    return build_variant("gpu" if gpu else "cpu", platforms, tools=tools, source_dir=source_dir,
                         output_dir=output_dir, work_dir=work_dir, index_url=index_url)


def report(packages: list[BuiltPackage]) -> str:
    lines = []
    for pkg in packages:
        size_mb = pkg.size_bytes / 1e6
        over = pkg.variant == "cpu" and size_mb > CPU_SIZE_TARGET_MB
        lines.append(f"{pkg.platform} ({pkg.variant}): {pkg.path}  {size_mb:.1f} MB, {len(pkg.files)} files"
                     + (f"  [above the {CPU_SIZE_TARGET_MB:.0f} MB target]" if over else ""))
        lines += [f"    {size:>11,d}  {name}" for name, size in pkg.files]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--platform", default="all", choices=[*PLATFORMS, "all"])
    parser.add_argument("--gpu", action="store_true", help="build the Linux/Windows variants with onnxruntime-gpu")
    parser.add_argument("--source-dir", type=Path, default=REPO_ROOT, help="extension source (default: this repository)")
    parser.add_argument("--output-dir", type=Path, help="where the zips go (default: SOURCE/dist)")
    parser.add_argument("--work-dir", type=Path, help="staging and wheel cache (default: SOURCE/build)")
    parser.add_argument("--index-url", default=os.environ.get("ANIMATE_DRAWING_INDEX_URL"),
                        help="use only this package index for wheels (env ANIMATE_DRAWING_INDEX_URL)")
    parser.add_argument("--blender-ext", type=Path, help="path to Blender's blender_ext.py")
    args = parser.parse_args(argv)

    if args.platform == "all":
        platforms = list(GPU_PLATFORMS if args.gpu else PLATFORMS)
    else:
        platforms = [args.platform]
    try:
        packages = build(platforms, gpu=args.gpu, source_dir=args.source_dir.resolve(),
                         output_dir=args.output_dir, work_dir=args.work_dir,
                         index_url=args.index_url, blender_ext=args.blender_ext)
    except BuildError as err:
        print(f"build_addon: error: {err}", file=sys.stderr)
        return 1
    print(report(packages))
    return 0


if __name__ == "__main__":
    sys.exit(main())
