"""`animate-drawing` command line: the same code as `blender -b -P <extension>/cli.py -- ARGS`.

Run as `python -m animate_drawing.cli` it is a module of the package. Run by Blender
(`-P cli.py`) or plain Python (`python cli.py`, as the `--jobs` workers are), it is a script
with no package, so the bottom of this file loads the extension folder as a package and calls
the same `run_program()` from there. Hence no package imports at module level: they happen
inside the commands (which also keeps `--help` instant). `main(argv)` returns the exit status
for callers in the same process; `run_program()` also ends the process (see `exit_program`).

Whatever goes wrong ends in one line on stderr, the last one, and a non-zero status: a user
error (bad input, unwritable place) `animate-drawing: PATH: problem`, an interrupt
`interrupted: N of M done; rerun with --resume` (130 for SIGINT, 143 for SIGTERM), a bug its
type and message (the traceback with --verbose). Blender's own log lines only with --verbose.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import os
import shutil
import sys
import tempfile
import traceback
from pathlib import Path
from typing import NoReturn

INTERRUPTED = (130, 143)  # exit statuses after SIGINT / SIGTERM

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
    plan = _sub("addon.batch.batch_plan")  # pure module: --help stays instant
    parser = argparse.ArgumentParser(
        prog="animate-drawing", description="Turn drawings of figures into animated, rigged characters.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True, metavar="{annotate,rig,animate,inspect,motion}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--verbose", action="store_true",
                        help="also show Blender's and libraries' own log lines, and tracebacks of bugs")
    box = argparse.ArgumentParser(add_help=False)
    box.add_argument("--box", default=None, metavar="X0,Y0,X1,Y1",
                     help="the figure's box in image pixels (left, top, right, bottom): skips detection")

    annotate = commands.add_parser(
        "annotate", help="find the figure(s) in a drawing; write AnimatedDrawings character folders",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter, parents=[common, box])
    annotate.add_argument("image", help="photo or scan of a drawing")
    annotate.add_argument("--out", required=True, help="folder receiving one character folder per figure")

    rig = commands.add_parser(
        "rig", help="build the rigged character of a character folder (or drawing) into a .blend",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter, parents=[common, box])
    rig.add_argument("character", help="AnimatedDrawings character folder (char_cfg.yaml, texture.png, "
                                       "mask.png) or a drawing image")
    rig.add_argument("--out", required=True, help="the .blend file to write")

    animate = commands.add_parser(
        "animate", help="animate drawings with motions and render/export them",
        formatter_class=lambda prog: argparse.RawDescriptionHelpFormatter(prog, max_help_position=32, width=110),
        epilog=ANIMATE_EPILOG, parents=[common, box])
    animate.add_argument("inputs", nargs="+", metavar="INPUT",
                         help="drawing images, character folders, folders of them, or glob patterns")
    animate.add_argument("--motion", default=None,
                         help="library motion name(s), .bvh file(s) or videos of a person (.mp4 .mov .webm "
                              ".avi .mkv), comma separated: one output per motion, every figure moving")
    animate.add_argument("--figure-motions", default=None, metavar="CLIP,CLIP,...",
                         help="instead of --motion: one output where figure k of a page gets clip k "
                              "(round-robin when there are fewer clips than figures)")
    animate.add_argument("--figures", choices=("all", "first"), default="all",
                         help="animate every figure found on a page, or only the first (most person-like)")
    animate.add_argument("--out", required=True, help="output file or folder (see below)")
    animate.add_argument("--format", default="mp4",
                         help=f"comma separated, of {','.join(plan.FORMATS)} (default: mp4; ignored when OUT is a file)")
    animate.add_argument("--size", type=int, default=512, help="frame width and height in pixels (default: 512)")
    animate.add_argument("--fps", type=float, default=30.0, help="output frame rate (default: 30)")
    animate.add_argument("--background", default=None,
                         help="colour (white, #RRGGBB, R,G,B), image file, or 'page' (the drawing's own "
                              "paper, the figures lifted off it); default transparent (MP4, which has no alpha, "
                              "gets white)")
    animate.add_argument("--jobs", type=int, default=1, help="worker processes (default: 1)")
    animate.add_argument("--shard", default="1/1", help="render only slice i of N, e.g. 2/4 (default: 1/1)")
    animate.add_argument("--resume", action="store_true", help="skip items whose outputs are complete")
    animate.add_argument("--json", action="store_true",
                         help="no progress; print the summary as JSON on stdout")
    animate.add_argument("--scene", action="store_true",
                         help="all drawings side by side in one scene, each with its own motion")
    animate.add_argument("--engine", choices=_sub("addon.output.engines").ENGINES, default="flat",
                         help="render engine (default: flat)")
    animate.add_argument("--frames", type=int, default=None,
                         help="render only the first N frames of each motion (default: all)")
    animate.add_argument("--face", choices=plan.FACE_MODES, default="idle",
                         help="the drawn face: off (as drawn), idle (natural blinks; default), video "
                              "(blink, smile, mouth and gaze follow the performer's face when --motion is "
                              "a video; otherwise idle blinks, with a warning in summary.json)")

    inspect = commands.add_parser("inspect", parents=[common], help="print the picture quality of an animated .blend "
                                                  "(stretch, folds, limb side flips, foot slide)")
    inspect.add_argument("blend", help="a .blend written by `animate --format blend` or saved from the add-on")
    _video_options(animate)

    motion = commands.add_parser("motion", parents=[common], help="the motion of a person filmed in a video, as a 3D BVH file")
    motion.add_argument("video", help="video of a person (.mp4 .mov .webm .avi .mkv)")
    motion.add_argument("--out", required=True, help="the .bvh file to write")
    motion.add_argument("--fps", type=float, default=30.0, help="frame rate of the clip (default: 30)")
    motion.add_argument("--face", action="store_true",
                        help="also follow the performer's face (blink, smile, mouth, gaze): written beside "
                             "OUT as NAME.face.json for NAME.bvh, which `animate --motion NAME.bvh --face video` keys")
    _video_options(motion)

    worker = commands.add_parser("_worker", parents=[common])  # internal: one process of --jobs N
    worker.add_argument("spec")
    return parser


def _video_options(command) -> None:
    group = command.add_argument_group("motion from video")
    group.add_argument("--person", type=int, default=1,
                       help="which performer: 1 = largest and most central (default), 2 = the next, ...")
    group.add_argument("--start", type=float, default=0.0, help="first second of the video to use (default: 0)")
    group.add_argument("--end", type=float, default=None, help="last second of the video to use (default: its end)")
    group.add_argument("--mirror", action="store_true", help="swap left and right (selfie videos)")


def _video_motion_options(args, fps: float, face: bool):
    if args.person < 1 or args.start < 0 or (args.end is not None and args.end <= args.start):
        raise _sub("errors").InputError(None, "--person must be >= 1, --start >= 0 and --end > --start")
    return _sub("addon.animate.video_motion").VideoMotionOptions(
        person=args.person, start=args.start, end=args.end, mirror=args.mirror, fps=fps, face=face)


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
    quiet, interrupt = _sub("addon.quiet"), _sub("addon.interrupt")
    with quiet.native_output_silenced(not args.verbose), interrupt.signals_raise_interrupted():
        try:
            # An exception inside Blender's start-up crashes it; nothing is written yet, so leave.
            with interrupt.signals_exit_now("" if args.command == "_worker" else "interrupted"):
                _import_blender(one_task_thread=_flat_renders_only(args))
            return _command(parser, args)
        except interrupt.Interrupted as exc:
            if args.command != "_worker":  # the parent speaks for its workers
                print(exc.message() if exc.total else "interrupted", file=sys.stderr)
            return exc.exit_status
        except SystemExit:  # argparse's usage errors: already said
            raise
        except BaseException as exc:  # noqa: BLE001 - every failure ends in one line (see module doc)
            print(f"animate-drawing: {_failure_line(exc, args.verbose)}", file=sys.stderr)
            return 1


def _flat_renders_only(args) -> bool:
    """Whether this run's Blender work is the flat renderer's (no Cycles, no video to decode)."""
    motions = _split_list(args.motion or args.figure_motions or "") if args.command == "animate" else []
    return args.command == "animate" and args.engine == "flat" and \
        not any(_sub("motions.video_clip").is_video_path(m) for m in motions)


def _import_blender(one_task_thread: bool) -> None:
    """Start Blender (import bpy); for a flat render, with its task scheduler on one thread.
    The flat renderer's helper process wants the second core, and Blender's pool worker
    spun waiting for work between the movie writer's short parallel loops (colour management,
    float to bytes): 1.9 of the 7.2 ms of CPU a 500×500 frame cost it (measured with perf).
    TBB sizes its pool from the cores the process may use when Blender starts it, so for that
    moment the process sees one core; it gets them all back at once."""
    cores = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else set()
    narrowed = one_task_thread and len(cores) > 1 and "bpy" not in sys.modules
    if narrowed:
        os.sched_setaffinity(0, {min(cores)})
    try:
        importlib.import_module("bpy")
    finally:
        if narrowed:
            os.sched_setaffinity(0, cores)


def _command(parser, args) -> int:
    if args.command == "annotate":
        return cmd_annotate(args)
    if args.command == "rig":
        return cmd_rig(args)
    if args.command == "inspect":
        return cmd_inspect(args)
    if args.command == "motion":
        return cmd_motion(args)
    if args.command == "_worker":
        return _sub("addon.batch.run").run_worker(args.spec)
    return cmd_animate(parser, args)


def _failure_line(exc: BaseException, verbose: bool) -> str:
    """User errors say the file and problem; an OS error names its path; a bug its type (with
    --verbose its traceback comes first)."""
    errors = _sub("errors")
    if isinstance(exc, errors.PlaceError) and getattr(exc, "total", 0):
        return f"{exc}; stopped with {exc.done} of {exc.total} done; rerun with --resume once fixed"
    if isinstance(exc, errors.AnimateDrawingError):
        return str(exc)
    if isinstance(exc, OSError):
        return str(errors.place_error(exc))
    if verbose:
        traceback.print_exc()
        return f"internal error: {type(exc).__name__}: {exc}"
    return f"internal error: {type(exc).__name__}: {exc} (rerun with --verbose for the details)"


def _parse_box(text: str | None) -> tuple[float, float, float, float] | None:
    """'X0,Y0,X1,Y1' → floats; the image decides later whether the box lies inside it."""
    if text is None:
        return None
    errors = _sub("errors")
    try:
        x0, y0, x1, y1 = (float(part) for part in text.split(","))
    except ValueError:
        raise errors.InputError(None, f"--box {text}: expected X0,Y0,X1,Y1, four numbers in image pixels "
                                      "(left, top, right, bottom)") from None
    if not (x1 > x0 and y1 > y0) or min(x0, y0) < 0:
        raise errors.InputError(None, f"--box {text}: needs 0 <= X0 < X1 and 0 <= Y0 < Y1 (left, top, right, bottom)")
    return x0, y0, x1, y1


def cmd_annotate(args) -> int:
    settings = _sub("models.analyze").AnalysisSettings(manual_box=_parse_box(args.box))
    places = _sub("addon.places")
    places.ensure_writable_folder(Path(args.out))
    folders = _sub("models.annotate").annotate(args.image, args.out, settings)
    for folder in folders:
        print(folder)
    return 0 if folders else 1


def cmd_rig(args) -> int:
    import bpy

    batch, batch_item, export = _sub("addon.batch.run"), _sub("addon.batch.batch_item"), _sub("addon.output.export")
    out = Path(args.out)
    if out.suffix.lower() != ".blend":
        raise _sub("errors").InputError(out, "rig writes a .blend file")
    places = _sub("addon.places")
    places.ensure_writable_folder(out.parent)  # before the work, not after
    places.sweep_stale_partials(out.parent, {out.stem})
    box = _parse_box(args.box)
    batch.prepare_blender()
    page_cast = _sub("addon.build.page_cast")  # every figure of a drawing, where it stands on the page
    page_cast.build_figures(bpy.context, page_cast.load_cast(args.character, batch_item.Timer(), box),
                            batch_item.Timer())
    export.save_blend(out)
    print(out)
    return 0


def cmd_inspect(args) -> int:
    _sub("addon.batch.run").prepare_blender()
    print("\n".join(_sub("addon.build.inspect_file").inspect_blend(args.blend)))
    return 0


def cmd_motion(args) -> int:
    out = Path(args.out)
    if out.suffix.lower() != ".bvh":
        raise _sub("errors").InputError(out, "motion writes a .bvh file")
    if args.fps <= 0:
        raise _sub("errors").InputError(None, "--fps must be > 0")
    import bpy  # noqa: F401 - Blender's FFmpeg decodes the video
    options = _video_motion_options(args, args.fps, args.face)
    result = _sub("addon.animate.video_motion").video_to_bvh(args.video, out, options)
    for warning in result.warnings:
        print(f"animate-drawing: warning: {warning}", file=sys.stderr)
    print(out)
    return 0


def _videos_to_bvh(motions: list[str], args, folder: Path) -> list[str]:
    """--motion values with every video replaced by the BVH of its performer, written to `folder`
    (with `--face video` their face beside it, `motions.face_file`, which every item reads back).
    Each video gets a subfolder of its own: a/dance.mp4 and b/dance.mp4 keep their own clips,
    both still named after the video (the Action, the item's output name)."""
    video_motion = _sub("addon.animate.video_motion")
    out = []
    for index, motion in enumerate(motions):
        if not _sub("motions.video_clip").is_video_path(motion):
            out.append(motion)
            continue
        import bpy  # noqa: F401 - Blender's FFmpeg decodes the video
        bvh = folder / str(index) / f"{Path(motion).stem}.bvh"
        result = video_motion.video_to_bvh(motion, bvh, _video_motion_options(args, args.fps, args.face == "video"))
        for warning in result.warnings:
            print(f"animate-drawing: warning: {warning}", file=sys.stderr)
        out.append(str(bvh))
    return out


def cmd_animate(parser, args) -> int:
    plan = _sub("addon.batch.batch_plan")
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
    if args.background == "page" and args.scene:
        parser.error("--background page shows each drawing's own page: it cannot be used with --scene")
    try:  # a typo in the backdrop should stop the batch before any work, not fail every item
        if args.background != "page":
            _sub("addon.output.encode").parse_background(args.background, 2, 2)
    except _sub("errors").InputError as exc:
        parser.error(f"--background: {exc}")
    if args.engine in ("workbench", "eevee"):
        try:
            _sub("addon.output.scene_setup").resolve_engine(args.engine)
        except RuntimeError as exc:
            parser.error(str(exc))
        warning = _sub("addon.output.scene_setup").engine_warning(args.engine)
        if warning:
            print(f"animate-drawing: warning: {warning}", file=sys.stderr)
    if (args.motion is None) == (args.figure_motions is None):
        parser.error("give --motion (every figure moves, one output per motion) or --figure-motions "
                     "(one clip per figure), one of the two")
    motions = _split_list(args.motion or args.figure_motions)
    if not motions:
        parser.error("--motion/--figure-motions: no clip given")
    box = _parse_box(args.box)  # a bad box fails before any video is decoded
    with tempfile.TemporaryDirectory(prefix="animate_drawing_motion_") as scratch:
        # Videos become BVH clips first (main thread: Blender decodes), then go through the batch like any clip.
        motions = _videos_to_bvh(motions, args, Path(scratch))
        figure_motions = None
        if args.figure_motions is not None:  # one item per page; its motion names the whole cast's clips
            figure_motions, motions = motions, ["+".join(motions)]
        options = plan.BatchOptions(
            inputs=args.inputs, motions=motions, out=args.out,
            formats=formats, size=args.size, fps=args.fps, background=args.background, jobs=args.jobs,
            shard=shard, resume=args.resume, scene=args.scene, engine=args.engine,
            frames=args.frames, box=box, verbose=args.verbose, face=args.face, figures=args.figures,
            figure_motions=figure_motions)
        return _run_batch(args, options)


def _split_list(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _run_batch(args, options) -> int:
    batch = _sub("addon.batch.run")
    reporter = _sub("addon.progress").Reporter.for_terminal(quiet=args.json)
    try:
        summary = batch.run(options, reporter, Path(sys.modules[_package_name()].__file__).parent / "cli.py")
    except (_sub("errors").PlaceError, _sub("addon.interrupt").Interrupted) as exc:
        if args.json and hasattr(exc, "summary"):  # what finished, for whoever reads stdout
            print(json.dumps(exc.summary, indent=2))
        raise
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
    except KeyboardInterrupt:  # Ctrl-C before main() took the signals over: nothing written yet
        print("interrupted", file=sys.stderr)
        status = 130
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
    if bpy is not None and status in INTERRUPTED:
        _leave_now(bpy, status)
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


def _leave_now(bpy, status: int) -> NoReturn:
    """An interrupted run has discarded its partial files: it leaves without Blender's teardown,
    which can take most of a second (a render farm's SIGTERM expects a prompt exit). Blender's
    session temporary folder is what that teardown would have removed."""
    sys.stdout.flush()
    sys.stderr.flush()
    session_temp = Path(bpy.app.tempdir)
    if session_temp.name.startswith("blender_"):
        shutil.rmtree(session_temp, ignore_errors=True)
    os._exit(status)


if __name__ == "__main__":
    if not __package__:  # a script (blender -P cli.py / python cli.py): run the package's own cli module
        importlib.import_module(f"{_load_own_package().__name__}.cli").run_program()
    run_program()
