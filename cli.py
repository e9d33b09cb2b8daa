"""`animate-drawing` command line: the same code as `blender -b -P <extension>/cli.py -- ARGS`.

Run as `python -m animate_drawing.cli` it is a module of the package. Run by Blender
(`-P cli.py`) or plain Python (`python cli.py`, as the `--jobs` workers are), it is a script
with no package, so the bottom of this file loads the extension folder as a package and calls
the same `run_program()` from there. Hence no package imports at module level: they happen
inside the commands (which also keeps `--help` instant). `main(argv)` returns the exit status
for callers in the same process; `run_program()` also ends the process (see `exit_program`).
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import os
import sys
import traceback
from pathlib import Path
from typing import NoReturn

ANIMATE_EPILOG = """\
OUT is a file when it ends in .mp4/.gif/.blend/.glb/.fbx and there is one output (one input and one
motion, or --scene): the extension is the format. Otherwise OUT is a folder receiving, per item,
<name>.mp4, <name>.gif, <name>_frames/ (PNG with alpha), <name>.blend, <name>.glb, <name>.fbx,
plus
summary.json. Exit status 0 only when every item succeeded.
Engines: flat = exact rasteriser for flat drawings (fast, default); cycles = CPU path tracer
(reference, works everywhere); workbench/eevee need OpenGL.
Several --motion values give one item per drawing and motion (with --scene: one motion per
drawing, in turn). --shard i/N (1 <= i <= N) renders the i-th of N deterministic slices of the
items (see docs/batch.md).
"""


def _package_name() -> str:
    return __package__ or _load_own_package().__name__


def _sub(module: str):
    """Import a submodule of this package, whatever name the package has (bl_ext.…, animate_drawing)."""
    return importlib.import_module(f"{_package_name()}.{module}")


def build_parser() -> argparse.ArgumentParser:
    plan = _sub("addon.batch_plan")  # pure module: --help stays instant
    parser = argparse.ArgumentParser(
        prog="animate-drawing", description="Turn drawings of figures into animated, rigged characters.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True, metavar="{annotate,rig,animate}")

    annotate = commands.add_parser(
        "annotate", help="find the figure(s) in a drawing; write AnimatedDrawings character folders",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    annotate.add_argument("image", help="photo or scan of a drawing")
    annotate.add_argument("--out", required=True, help="folder receiving one character folder per figure")

    rig = commands.add_parser(
        "rig", help="build the rigged character of a character folder (or drawing) into a .blend",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    rig.add_argument("character", help="AnimatedDrawings character folder (char_cfg.yaml, texture.png, "
                                       "mask.png) or a drawing image")
    rig.add_argument("--out", required=True, help="the .blend file to write")

    animate = commands.add_parser(
        "animate", help="animate drawings with motions and render/export them",
        formatter_class=lambda prog: argparse.RawDescriptionHelpFormatter(prog, max_help_position=32, width=110),
        epilog=ANIMATE_EPILOG)
    animate.add_argument("inputs", nargs="+", metavar="INPUT",
                         help="drawing images, character folders, folders of them, or glob patterns")
    animate.add_argument("--motion", required=True,
                         help="library motion name(s) or .bvh file(s), comma separated")
    animate.add_argument("--out", required=True, help="output file or folder (see below)")
    animate.add_argument("--format", default="mp4",
                         help=f"comma separated, of {','.join(plan.FORMATS)} (default: mp4; ignored when OUT is a file)")
    animate.add_argument("--size", type=int, default=512, help="frame width and height in pixels (default: 512)")
    animate.add_argument("--fps", type=float, default=30.0, help="output frame rate (default: 30)")
    animate.add_argument("--background", default=None,
                         help="colour (white, #RRGGBB, R,G,B) or image file; default transparent "
                              "(MP4, which has no alpha, gets white)")
    animate.add_argument("--jobs", type=int, default=1, help="worker processes (default: 1)")
    animate.add_argument("--shard", default="1/1", help="render only slice i of N, e.g. 2/4 (default: 1/1)")
    animate.add_argument("--resume", action="store_true", help="skip items whose outputs are complete")
    animate.add_argument("--json", action="store_true",
                         help="no progress; print the summary as JSON on stdout")
    animate.add_argument("--scene", action="store_true",
                         help="all drawings side by side in one scene, each with its own motion")
    animate.add_argument("--engine", choices=plan.ENGINES, default="flat", help="render engine (default: flat)")
    animate.add_argument("--frames", type=int, default=None,
                         help="render only the first N frames of each motion (default: all)")

    worker = commands.add_parser("_worker")  # internal: one process of --jobs N
    worker.add_argument("spec")
    return parser


def _blender_argv() -> list[str]:
    """Arguments after `--` when Blender runs this script (none without `--`: Blender's own
    options are not ours); else the normal command line."""
    bpy = sys.modules.get("bpy")
    if bpy is not None and getattr(bpy.app, "binary_path", ""):
        return sys.argv[sys.argv.index("--") + 1:] if "--" in sys.argv else []
    return sys.argv[1:]


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(_blender_argv() if argv is None else argv)
    errors = _sub("errors")
    try:
        if args.command == "annotate":
            return cmd_annotate(args)
        if args.command == "rig":
            return cmd_rig(args)
        if args.command == "_worker":
            return _sub("addon.batch").run_worker(args.spec)
        return cmd_animate(parser, args)
    except errors.AnimateDrawingError as exc:
        print(f"animate-drawing: {exc}", file=sys.stderr)
        return 1


def cmd_annotate(args) -> int:
    folders = _sub("models.annotate").annotate(args.image, args.out)
    for folder in folders:
        print(folder)
    return 0 if folders else 1


def cmd_rig(args) -> int:
    import bpy

    batch, batch_item, export = _sub("addon.batch"), _sub("addon.batch_item"), _sub("addon.export")
    out = Path(args.out)
    if out.suffix.lower() != ".blend":
        raise _sub("errors").InputError(out, "rig writes a .blend file")
    batch.prepare_blender()
    plan = batch_item.load_plan(args.character, batch_item.Timer())
    _sub("addon.character").build_character(bpy.context, plan, source_path=args.character)
    out.parent.mkdir(parents=True, exist_ok=True)
    export.save_blend(out)
    print(out)
    return 0


def cmd_animate(parser, args) -> int:
    plan = _sub("addon.batch_plan")
    formats = [f.strip().lower() for f in args.format.split(",") if f.strip()]
    unknown = sorted(set(formats) - set(plan.FORMATS))
    if unknown or not formats:
        parser.error(f"--format: unknown {', '.join(unknown) or '(empty)'}; choose from {','.join(plan.FORMATS)}")
    if args.size < 16 or args.jobs < 1 or args.fps <= 0 or (args.frames is not None and args.frames < 1):
        parser.error("--size must be >= 16, --jobs >= 1, --fps > 0, --frames >= 1")
    try:
        shard = plan.parse_shard(args.shard)
    except ValueError as exc:
        parser.error(str(exc))
    options = plan.BatchOptions(
        inputs=args.inputs, motions=[m.strip() for m in args.motion.split(",") if m.strip()], out=args.out,
        formats=formats, size=args.size, fps=args.fps, background=args.background, jobs=args.jobs,
        shard=shard, resume=args.resume, scene=args.scene, engine=args.engine,
        frames=args.frames)
    try:  # a typo in the backdrop should stop the batch before any work, not fail every item
        _sub("addon.encode").parse_background(args.background, 2, 2)
    except _sub("errors").InputError as exc:
        parser.error(f"--background: {exc}")
    if args.engine in ("workbench", "eevee"):
        try:
            _sub("addon.scene_setup").resolve_engine(args.engine)
        except RuntimeError as exc:
            parser.error(str(exc))
    batch = _sub("addon.batch")
    reporter = _sub("addon.progress").Reporter.for_terminal(quiet=args.json)
    summary = batch.run(options, reporter, Path(sys.modules[_package_name()].__file__).parent / "cli.py")
    if args.json:
        print(json.dumps(summary, indent=2))
    return batch.exit_code(summary)


def _load_own_package():
    """The extension folder as a package (already imported, e.g. as bl_ext.user_default.animate_drawing,
    or loaded now under the folder's name)."""
    here = Path(__file__).resolve().parent
    init = here / "__init__.py"
    for module in list(sys.modules.values()):
        file = getattr(module, "__file__", None)
        if file and Path(file).resolve() == init:
            return module
    name = "animate_drawing" if "animate_drawing" not in sys.modules else f"animate_drawing_{here.name}"
    spec = importlib.util.spec_from_file_location(name, init, submodule_search_locations=[str(here)])
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def keep_stdout_for_results() -> None:
    """Blender's log (bpy 5.1+ prints warnings and notes on the C-level stdout) goes to stderr, so
    stdout carries only what the command prints (`--json`, the folders `annotate` wrote).
    Only before `bpy` is imported: inside the Blender program its chatter is already there."""
    if "bpy" in sys.modules:
        return
    sys.stdout.flush()
    results = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = os.fdopen(results, "w", buffering=1, encoding=sys.stdout.encoding, errors=sys.stdout.errors)


def run_program() -> NoReturn:
    """The program: `main()` on the command line, then `exit_program()` with its status, also
    when `main()` raises (argparse's usage errors and --help included)."""
    keep_stdout_for_results()
    try:
        status = main()
    except SystemExit as exc:
        status = exc.code
    except BaseException:  # noqa: BLE001 - reported as Python would, then the same careful exit
        traceback.print_exc()
        status = 1
    exit_program(status)


def exit_program(status: int | str | None) -> NoReturn:
    """Leave the process with `status` (as `sys.exit` reads it).

    Only `bpy` imported as a Python module needs care (the Blender program exits cleanly): it
    crashes or hangs at interpreter exit once a Python class was registered (bpy 4.2 segfaults
    even after the classes are unregistered, 4.5 hangs while one is left, 5.0 exits cleanly).
    So the extension is unregistered, and before 5.0 the process ends with `os._exit` after
    flushing its output: the exit status stays the command's, never the crash's.
    """
    bpy = sys.modules.get("bpy")
    if bpy is None or getattr(bpy.app, "binary_path", ""):
        sys.exit(status)
    try:
        importlib.import_module(_package_name()).unregister()
    except Exception:  # noqa: BLE001 - shown, but the command's own status still decides
        traceback.print_exc()
    if bpy.app.version >= (5, 0, 0):
        sys.exit(status)
    if status is not None and not isinstance(status, int):
        print(status, file=sys.stderr)  # what sys.exit does with a message
        status = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status or 0)


if __name__ == "__main__":
    if not __package__:  # a script (blender -P cli.py / python cli.py): run the package's own cli module
        importlib.import_module(f"{_load_own_package().__name__}.cli").run_program()
    run_program()
