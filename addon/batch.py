"""Batch driver: run many items, one bad input never stops the rest, summary.json, workers.

Items run one after another in this Blender process (each item's data removed when done),
or with `jobs > 1` in N worker processes (the same command line, in `_worker` mode) whose
progress and results come back as JSON lines on their stdout.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from dataclasses import asdict, replace
from pathlib import Path

from ..errors import AnimateDrawingError
from .batch_plan import (BatchOptions, Item, item_outputs, outputs_complete, plan_items, single_file_target,
                         summary_name, take_shard)
from .progress import Reporter

EVENT_PREFIX = "@animate_drawing "  # marks worker event lines among Blender's own stdout chatter


def run(options: BatchOptions, reporter: Reporter, cli_path: Path) -> dict:
    """Run the batch; returns the summary ({"items": [...]}) also written as summary.json."""
    single = single_file_target(options)
    if single:
        options.formats = [single]
    items = scene_items(options) if options.scene else plan_items(options)
    if single:
        out_dir = None
    else:
        out_dir = Path(options.out)
        out_dir.mkdir(parents=True, exist_ok=True)
        items = take_shard(items, options.shard)
    summary_path = None if out_dir is None else out_dir / summary_name(options.shard)
    if options.scene:
        results = run_scene(items, options, reporter)
    elif options.jobs > 1 and len(items) > 1:
        results = run_in_workers(items, options, reporter, cli_path, summary_path)
    else:
        results = run_items(items, options, reporter, lambda done: _write_summary(summary_path, done))
    summary = {"items": results}
    _write_summary(summary_path, results)
    return summary


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


def _error_text(exc: BaseException) -> str:
    """User errors name the file and problem; anything else keeps its type for bug reports."""
    if isinstance(exc, AnimateDrawingError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def run_items(items: list[Item], options: BatchOptions, reporter: Reporter, on_result=None) -> list[dict]:
    """All items in this process, in order; failures are recorded, never raised."""
    import bpy

    from . import batch_item
    from .jobs import DataSnapshot

    prepare_blender()
    results = []
    for number, item in enumerate(items, 1):
        outputs = targets(item, options)
        reporter.item_started(number, len(items), item)
        if options.resume and outputs_complete(outputs):
            results.append(_result(item, "ok", None, outputs.values(), {}, skipped=True))
        elif item.problem:
            results.append(_result(item, "failed", f"{item.input}: {item.problem}", [], {}))
        else:
            timer = batch_item.Timer()
            snapshot = DataSnapshot()
            try:
                plan = batch_item.load_plan(item.input, timer)
                lengths = batch_item.build_animated(bpy.context, [(plan, item.motion)], options, timer)
                Path(next(iter(outputs.values()))).parent.mkdir(parents=True, exist_ok=True)
                batch_item.write_outputs(bpy.context, lengths, outputs, options, timer, reporter.frame_done)
                results.append(_result(item, "ok", None, outputs.values(), timer.ms))
            except Exception as exc:  # one bad input never stops the batch
                if not isinstance(exc, AnimateDrawingError):
                    traceback.print_exc(file=sys.stderr)
                results.append(_result(item, "failed", _error_text(exc), [], timer.ms))
            finally:
                snapshot.rollback()
        reporter.item_finished(results[-1])
        if on_result is not None:
            on_result(results)
    return results


def run_scene(items: list[Item], options: BatchOptions, reporter: Reporter) -> list[dict]:
    """--scene: every drawing side by side in one scene, each with its own clip, rendered once."""
    import bpy

    from . import batch_item

    outputs = targets(Item("scene", "", "scene"), options)
    if options.resume and outputs_complete(outputs):
        return [_result(item, "ok", None, outputs.values(), {}, skipped=True) for item in items]
    prepare_blender()
    timer = batch_item.Timer()
    results: list[dict | None] = [None] * len(items)
    built = []  # (index, plan)
    for index, item in enumerate(items):
        reporter.item_started(index + 1, len(items), item)
        try:
            if item.problem:
                raise AnimateDrawingError(f"{item.input}: {item.problem}")
            built.append((index, batch_item.load_plan(item.input, timer)))
        except Exception as exc:
            results[index] = _result(item, "failed", _error_text(exc), [], {})
    if built:
        try:
            lengths = batch_item.build_animated(bpy.context, [(plan, items[i].motion) for i, plan in built],
                                                options, timer)
            Path(next(iter(outputs.values()))).parent.mkdir(parents=True, exist_ok=True)
            batch_item.write_outputs(bpy.context, lengths, outputs, options, timer, reporter.frame_done)
            status, error, written = "ok", None, outputs.values()
        except Exception as exc:
            traceback.print_exc(file=sys.stderr)
            status, error, written = "failed", _error_text(exc), []
        for index, _ in built:
            results[index] = _result(items[index], status, error, written, timer.ms)
    for result in results:
        reporter.item_finished(result)
    return results


def prepare_blender() -> None:
    """An empty scene with the extension's classes registered (once per process)."""
    import bpy

    from .. import register

    # The factory scene, but not factory preferences: resetting those would disable the installed
    # extension and make Blender remove its wheels (onnxruntime) from disk and sys.path.
    bpy.ops.wm.read_homefile(use_empty=True, use_factory_startup=True)
    if not hasattr(bpy.types.Object, "animate_drawing"):
        register()


def _write_summary(path: Path | None, results: list[dict]) -> None:
    """Rewritten after every item (atomically), so an interrupted batch still says what it did."""
    if path is None:
        return
    partial = path.with_name(f".{path.name}.part-{os.getpid()}")
    partial.write_text(json.dumps({"items": results}, indent=2))
    os.replace(partial, path)


# --- worker processes -------------------------------------------------------------------

def worker_command(cli_path: Path, spec_file: Path) -> list[str]:
    """The same program in worker mode: the Blender binary with our cli.py, or this Python."""
    import bpy

    if bpy.app.binary_path:
        return [bpy.app.binary_path, "-b", "--factory-startup", "--python-exit-code", "1", "-P", str(cli_path),
                "--", "_worker", str(spec_file)]
    return [sys.executable, str(cli_path), "_worker", str(spec_file)]


def run_in_workers(items: list[Item], options: BatchOptions, reporter: Reporter, cli_path: Path,
                   summary_path: Path | None) -> list[dict]:
    jobs = min(options.jobs, len(items))
    shares = [items[k::jobs] for k in range(jobs)]  # round-robin: deterministic and balanced
    results: dict[int, dict] = {}
    order = {id(item): n for n, item in enumerate(items)}
    lock = threading.Lock()
    with tempfile.TemporaryDirectory(prefix="animate_drawing_workers_") as folder:
        processes = []
        for k, share in enumerate(shares):
            spec = Path(folder) / f"worker{k}.json"
            spec.write_text(json.dumps({"options": options.to_dict(), "items": [asdict(i) for i in share]}))
            env = dict(os.environ, OMP_NUM_THREADS=os.environ.get("OMP_NUM_THREADS", "1"))
            proc = subprocess.Popen(worker_command(cli_path, spec), stdout=subprocess.PIPE, text=True, env=env)
            processes.append((proc, share))

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
                        _write_summary(summary_path, [results[n] for n in sorted(results)])
                    elif event["event"] == "started":
                        reporter.item_started(len(results) + 1, len(items), share[event["index"]])
                    elif event["event"] == "frame":
                        reporter.frame_done(event["done"], event["total"])

        threads = [threading.Thread(target=follow, args=pair, daemon=True) for pair in processes]
        for thread in threads:
            thread.start()
        for (proc, share), thread in zip(processes, threads):
            code = proc.wait()
            thread.join()
            for item in share:  # a worker that died (e.g. a crash in Blender) fails its leftovers
                if order[id(item)] not in results:
                    results[order[id(item)]] = _result(item, "failed", f"worker process exited with code {code} "
                                                                        "before finishing this item", [], {})
    return [results[n] for n in sorted(results)]


class WorkerReporter(Reporter):
    """Events as JSON lines for the parent process."""

    def __init__(self):
        super().__init__(mode="quiet")
        self._index = -1
        self._last_frame_event = 0.0

    def _emit(self, event: dict) -> None:
        sys.stdout.write(EVENT_PREFIX + json.dumps(event) + "\n")
        sys.stdout.flush()

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


def run_worker(spec_file: str) -> int:
    spec = json.loads(Path(spec_file).read_text())
    options = BatchOptions.from_dict(spec["options"])
    items = [Item(**data) for data in spec["items"]]
    run_items(items, options, WorkerReporter())
    return 0


def exit_code(summary: dict) -> int:
    return 0 if summary["items"] and all(r["status"] == "ok" for r in summary["items"]) else 1


__all__ = ["run", "run_items", "run_scene", "run_worker", "exit_code", "prepare_blender", "EVENT_PREFIX"]
