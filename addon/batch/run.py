"""Batch driver: run many items, one bad input never stops the rest, summary.json, workers.

Items run one after another in this Blender process (each item's data removed when done),
or with `jobs > 1` in N worker processes (the same command line, in `_worker` mode) whose
progress and results come back as JSON lines on their stdout.

Stopping: a bad input fails its item only; a failing output place (read-only, disk full)
stops the batch with a `PlaceError`, and SIGINT/SIGTERM with `Interrupted`. Either way the
partial outputs are discarded, the finished items stay (summary.json lists them) and the
exception carries `done`/`total` for the one line the CLI prints. Workers follow their
parent: they are sent SIGTERM, and die with it (PR_SET_PDEATHSIG) even if it is killed.
"""

from __future__ import annotations

import ctypes
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from dataclasses import asdict, replace
from pathlib import Path

from ...errors import AnimateDrawingError, PlaceError, place_error
from .. import places
from .batch_plan import (
    BatchOptions,
    Item,
    item_outputs,
    outputs_complete,
    plan_items,
    single_file_target,
    summary_name,
    take_shard,
)
from ..interrupt import Interrupted
from ..progress import Reporter

EVENT_PREFIX = "@animate_drawing "  # marks worker event lines among Blender's own stdout chatter
WORKER_STOP_SECONDS = 0.5  # how long interrupted workers get to discard their partial outputs
WORKER_TEMP_PREFIX = "animate_drawing_workers_"  # + parent PID: a killed parent's folder is found again
WORKER_STOPPED = 3  # a worker's exit status after a PlaceError (its stop event says which)


def run(options: BatchOptions, reporter: Reporter, cli_path: Path) -> dict:
    """Run the batch; returns the summary ({"items": [...]}) also written as summary.json."""
    single = single_file_target(options)
    if single:
        options.formats = [single]
    items = scene_items(options) if options.scene else plan_items(options)
    out_dir = None if single else Path(options.out)
    place = Path(options.out).parent if single else out_dir
    places.ensure_writable_folder(place)  # before any work: one line, not one per item
    if not single:
        items = take_shard(items, options.shard)
    places.sweep_stale_partials(place, output_stems(items, options))  # what a killed earlier run left
    summary_path = None if out_dir is None else out_dir / summary_name(options.shard)
    finished: list[dict] = []

    def record(done: list[dict]) -> None:
        finished[:] = done
        _write_summary(summary_path, done)

    try:
        if options.scene:
            results = run_scene(items, options, reporter)
        elif options.jobs > 1 and len(items) > 1:
            results = run_in_workers(items, options, reporter, cli_path, record)
        else:
            results = run_items(items, options, reporter, record)
    except (Interrupted, PlaceError) as exc:
        try:
            _write_summary(summary_path, finished)
        except PlaceError:
            pass  # the disk that stopped the batch; summary.json keeps its last complete version
        exc.done = sum(result["status"] == "ok" for result in finished)
        exc.total = len(items)
        exc.summary = {"items": finished}
        raise
    _write_summary(summary_path, results)
    return {"items": results}


def output_stems(items: list[Item], options: BatchOptions) -> set[str]:
    """The names this run writes in its output folder (their partial files start with them)."""
    if single_file_target(options):
        return {Path(options.out).stem}
    return {Path(summary_name(options.shard)).name} | {n for item in items for n in (item.name, f"{item.name}_frames")}


def scene_items(options: BatchOptions) -> list[Item]:
    """--scene: one item per drawing, the motions handed out in turn."""
    once = plan_items(replace(options, motions=options.motions[:1]))
    return [replace(item, motion=options.motions[k % len(options.motions)]) for k, item in enumerate(once)]


def targets(item: Item, options: BatchOptions) -> dict[str, Path]:
    if single_file_target(options):
        return {options.formats[0]: Path(options.out)}
    return item_outputs(item.name, Path(options.out), options.formats)


def _result(item: Item, status: str, error: str | None, outputs, timings, **extra) -> dict:
    return {"input": item.input, "motion": item.motion, "status": status, "error": error,
            "outputs": [str(p) for p in outputs], "timings_ms": {k: round(v, 1) for k, v in timings.items()},
            **extra}


def _summary_keys(scene, options: BatchOptions) -> dict:
    """summary.json's `quality` and `warnings` of a rendered item, the face rig's notes among them."""
    from ..build import build_face, quality

    keys = quality.summary_keys(scene)
    notes = build_face.summary_notes(scene, options.face)
    if notes:
        keys["warnings"] = list(keys.get("warnings", [])) + notes
    return keys


def _error_text(exc: BaseException) -> str:
    """User errors name the file and problem; anything else keeps its type for bug reports."""
    if isinstance(exc, AnimateDrawingError):
        return str(exc)
    if isinstance(exc, OSError):
        return str(place_error(exc))
    return f"{type(exc).__name__}: {exc}"


def run_items(items: list[Item], options: BatchOptions, reporter: Reporter, on_result=None) -> list[dict]:
    """All items in this process, in order. A bad input fails its item and the batch goes on;
    a failing output place is recorded and raised as PlaceError (later items would fail alike)."""
    import bpy

    from ...pipeline.run import Timer, run_stages
    from ..build import page_cast
    from ..jobs import DataSnapshot
    from ..stages import item_stages

    prepare_blender()
    results = []
    for number, item in enumerate(items, 1):
        outputs = targets(item, options)
        reporter.item_started(number, len(items), item)
        stop = None
        if options.resume and outputs_complete(outputs):
            results.append(_result(item, "ok", None, outputs.values(), {}, skipped=True))
        elif item.problem:
            results.append(_result(item, "failed", f"{item.input}: {item.problem}", [], {}))
        else:
            timer = Timer()
            snapshot = DataSnapshot()
            try:
                motions = options.figure_motions or [item.motion]
                built = run_stages(item_stages(item.input, motions, options, outputs, timer,
                                               on_frame=reporter.frame_done), timer=timer)
                results.append(_result(item, "ok", None, outputs.values(), timer.ms,
                                       **page_cast.summary_keys(built.cast, _summary_keys(bpy.context.scene, options))))
            except PlaceError as exc:   # the output place failed: later items would fail alike
                stop = exc
                results.append(_result(item, "failed", str(stop), [], timer.ms))
            except Exception as exc:  # one bad input never stops the batch
                _show_bug(exc)
                results.append(_result(item, "failed", _error_text(exc), [], timer.ms))
            finally:
                snapshot.rollback()
        if stop is None:  # a stop is said once, by the line that ends the batch
            reporter.item_finished(results[-1])
        if on_result is not None:
            on_result(results)
        if stop is not None:
            raise stop
    return results


def _show_bug(exc: BaseException) -> None:
    """A failure that is not the user's (a bug): its traceback for the report, only with --verbose
    (quiet mode silences the native stderr this goes to)."""
    if not isinstance(exc, (AnimateDrawingError, OSError)):
        traceback.print_exc(file=sys.__stderr__)


def run_scene(items: list[Item], options: BatchOptions, reporter: Reporter) -> list[dict]:
    """--scene: every drawing side by side in one scene, each with its own clip, rendered once."""
    from ...models.analyze import AnalysisSettings
    from ...pipeline.cast import row_cast
    from ...pipeline.run import Timer, run_stages
    from ...pipeline.stages import cast_stages, find_figures
    from ..stages import build_stage, motion_stage, output_stage

    outputs = targets(Item("scene", "", "scene"), options)
    if options.resume and outputs_complete(outputs):
        return [_result(item, "ok", None, outputs.values(), {}, skipped=True) for item in items]
    prepare_blender()
    timer = Timer()
    results: list[dict | None] = [None] * len(items)
    casts = []  # (index, the item's cast: its first figure is the one shown)
    find = find_figures(AnalysisSettings(manual_box=options.box), "first")
    for index, item in enumerate(items):
        reporter.item_started(index + 1, len(items), item)
        try:
            if item.problem:
                raise AnimateDrawingError(f"{item.input}: {item.problem}")
            casts.append((index, run_stages(cast_stages(item.input, find, fps=options.fps), timer=timer)))
        except Exception as exc:
            results[index] = _result(item, "failed", _error_text(exc), [], {})
    if casts:
        face = options.face != "off"
        row = row_cast([cast.plans[0] for _, cast in casts], [cast.bodies[0] for _, cast in casts])
        try:
            run_stages([build_stage(face=face),
                        motion_stage([items[i].motion for i, _ in casts], options.fps, options.face, options.frames),
                        output_stage(outputs, options, timer, on_frame=reporter.frame_done)], row, timer=timer)
            status, error, written = "ok", None, outputs.values()
        except Exception as exc:
            _show_bug(exc)
            if isinstance(exc, PlaceError):
                raise
            status, error, written = "failed", _error_text(exc), []
        for index, _ in casts:
            results[index] = _result(items[index], status, error, written, timer.ms)
    for result in results:
        reporter.item_finished(result)
    return results


def prepare_blender() -> None:
    """An empty scene with the extension's classes registered (once per process; not cut short
    by an interrupt, which would leave half of them registered)."""
    import bpy

    from ... import register
    from ..interrupt import signals_deferred

    # The factory scene, but not factory preferences: resetting those would disable the installed
    # extension and make Blender remove its wheels (onnxruntime) from disk and sys.path.
    with signals_deferred():
        bpy.ops.wm.read_homefile(use_empty=True, use_factory_startup=True)
        if not hasattr(bpy.types.Object, "animate_drawing"):
            register()


def _write_summary(path: Path | None, results: list[dict]) -> None:
    """Rewritten after every item (atomically), so an interrupted batch still says what it did."""
    if path is None:
        return
    partial = path.with_name(f".{path.name}.part-{os.getpid()}")
    try:
        partial.write_text(json.dumps({"items": results}, indent=2))
        os.replace(partial, path)
    except OSError as exc:
        places.discard(partial)
        raise place_error(exc, path) from None
    except BaseException:  # Interrupted between the write and the rename
        places.discard(partial)
        raise


# --- worker processes -------------------------------------------------------------------

def worker_command(cli_path: Path, spec_file: Path, verbose: bool = False) -> list[str]:
    """The same program in worker mode: the Blender binary with our cli.py, or this Python."""
    import bpy

    args = ["_worker", str(spec_file)] + (["--verbose"] if verbose else [])
    if bpy.app.binary_path:  # --quiet: no start-up banner (the rest of Blender's chatter: addon/quiet.py)
        return [bpy.app.binary_path, "-b", "--factory-startup", *([] if verbose else ["--quiet"]),
                "--python-exit-code", "1", "-P", str(cli_path), "--", *args]
    return [sys.executable, str(cli_path), *args]


def run_in_workers(items: list[Item], options: BatchOptions, reporter: Reporter, cli_path: Path,
                   on_result=None) -> list[dict]:
    jobs = min(options.jobs, len(items))
    shares = [items[k::jobs] for k in range(jobs)]  # round-robin: deterministic and balanced
    results: dict[int, dict] = {}
    order = {id(item): n for n, item in enumerate(items)}
    lock = threading.Lock()
    stops: list[PlaceError] = []
    places.sweep_stale_temp_folders(WORKER_TEMP_PREFIX)
    with tempfile.TemporaryDirectory(prefix=f"{WORKER_TEMP_PREFIX}{os.getpid()}_") as folder:
        processes = []

        def follow(proc, share):
            for line in proc.stdout:
                if not line.startswith(EVENT_PREFIX):
                    continue  # Blender's own output
                event = json.loads(line[len(EVENT_PREFIX):])
                with lock:
                    if event["event"] == "item":
                        index = event["index"]
                        results[order[id(share[index])]] = event["result"]
                        reporter.item_finished(event["result"])
                        if on_result is not None:
                            try:
                                on_result([results[n] for n in sorted(results)])
                            except PlaceError as exc:
                                stops.append(exc)
                    elif event["event"] == "started":
                        reporter.item_started(len(results) + 1, len(items), share[event["index"]])
                    elif event["event"] == "frame":
                        reporter.frame_done(event["done"], event["total"])
                    elif event["event"] == "stop":
                        stops.append(PlaceError(event["path"], event["problem"]))
                if stops:
                    _stop_workers(processes, wait=False)

        threads = []
        try:
            for k, share in enumerate(shares):
                spec = Path(folder) / f"worker{k}.json"
                spec.write_text(json.dumps({"options": options.to_dict(), "items": [asdict(i) for i in share]}))
                env = dict(os.environ, OMP_NUM_THREADS=os.environ.get("OMP_NUM_THREADS", "1"))
                proc = subprocess.Popen(worker_command(cli_path, spec, options.verbose), stdout=subprocess.PIPE,
                                        text=True, env=env,
                                        preexec_fn=_die_with_parent if os.name == "posix" else None)
                processes.append((proc, share))
                threads.append(threading.Thread(target=follow, args=(proc, share), daemon=True))
                threads[-1].start()
            for proc, _ in processes:
                proc.wait()
        except BaseException:  # Interrupted (or a bug): the workers discard their partial outputs
            _stop_workers(processes, wait=True)
            raise
        finally:
            for thread in threads:
                thread.join(timeout=WORKER_STOP_SECONDS)
            # A worker SIGKILLed before its clean-up (or killed after WORKER_STOP_SECONDS).
            places.sweep_stale_partials(Path(options.out), output_stems(items, options))
        if stops:
            raise stops[0]
        for proc, share in processes:
            for item in share:  # a worker that died (e.g. a crash in Blender) fails its leftovers
                if order[id(item)] not in results:
                    results[order[id(item)]] = _result(item, "failed", f"worker process exited with code "
                                                       f"{proc.returncode} before finishing this item", [], {})
    return [results[n] for n in sorted(results)]


def _stop_workers(processes, wait: bool) -> None:
    """SIGTERM to every live worker; with `wait`, SIGKILL to any still running after WORKER_STOP_SECONDS."""
    for proc, _ in processes:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    if not wait:
        return
    deadline = time.monotonic() + WORKER_STOP_SECONDS
    for proc, _ in processes:
        try:
            proc.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _die_with_parent() -> None:
    """In the worker before it starts (Linux): SIGTERM when the parent dies, even by SIGKILL,
    so no orphan goes on rendering into an output folder nobody watches."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass  # not Linux: the worker stops at its next event write instead (broken pipe)


class WorkerReporter(Reporter):
    """Events as JSON lines for the parent process."""

    def __init__(self):
        super().__init__(mode="quiet")
        self._index = -1
        self._last_frame_event = 0.0

    def _emit(self, event: dict) -> None:
        try:
            sys.stdout.write(EVENT_PREFIX + json.dumps(event) + "\n")
            sys.stdout.flush()
        except BrokenPipeError:  # the parent is gone: stop like an interrupt (partials discarded)
            raise Interrupted(signal.SIGPIPE) from None

    def item_started(self, number: int, total: int, item: Item) -> None:
        self._index = number - 1
        self._emit({"event": "started", "index": self._index})

    def frame_done(self, done: int, total: int) -> None:
        now = time.monotonic()
        if done == total or now - self._last_frame_event > 0.2:  # a few lines a second at most
            self._last_frame_event = now
            self._emit({"event": "frame", "done": done, "total": total})

    def item_finished(self, result: dict) -> None:
        self._emit({"event": "item", "index": self._index, "result": result})


    def stopped(self, exc: PlaceError) -> None:
        self._emit({"event": "stop", "path": exc.path, "problem": exc.problem})


def run_worker(spec_file: str) -> int:
    spec = json.loads(Path(spec_file).read_text())
    options = BatchOptions.from_dict(spec["options"])
    items = [Item(**data) for data in spec["items"]]
    reporter = WorkerReporter()
    try:
        run_items(items, options, reporter)
    except PlaceError as exc:
        reporter.stopped(exc)
        return WORKER_STOPPED
    return 0


def exit_code(summary: dict) -> int:
    return 0 if summary["items"] and all(r["status"] == "ok" for r in summary["items"]) else 1


__all__ = ["run", "run_items", "run_scene", "run_worker", "exit_code", "prepare_blender", "EVENT_PREFIX"]
