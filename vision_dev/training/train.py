"""Train FigureNet (pose + mask) and PageDetector together on synthetic pages.

    OMP_NUM_THREADS=1 python -m animate_drawing.vision_dev.training.train --out vision_dev/training/runs/main \
        --minutes 70 [--resume]

One process, one thread: a pool of synthetic pages is topped up with a few fresh pages per step
and every page is reused for several differently-jittered crops. The learning rate follows a
cosine over the wall-clock budget (`--minutes`, stored in the checkpoint so `--resume` continues
the same schedule) or over `--steps`. `last.pt` is rewritten atomically every few minutes,
because sessions end without warning; it holds the raw and the EMA weights (EMA is exported).
"""
from __future__ import annotations

import argparse
import copy
import math
import time
from pathlib import Path

import numpy as np
import torch

from .batches import StreamSettings, batch_loader
from .nets import FigureNet, PageDetector
from .split import folders_in
from .targets import detection_loss, figure_loss

EMA_DECAY = 0.998


def _ema_update(ema: torch.nn.Module, model: torch.nn.Module, step: int) -> None:
    # Warm-up of the decay: early on the average must forget the random initialisation quickly.
    decay = min(EMA_DECAY, (1 + step) / (10 + step))
    with torch.no_grad():
        for e, m in zip(ema.state_dict().values(), model.state_dict().values()):
            if e.dtype.is_floating_point:
                e.mul_(decay).add_(m.detach(), alpha=1 - decay)
            else:
                e.copy_(m)


def lr_factor(step: int, progress: float) -> float:
    warm = min(1.0, (step + 1) / 100)
    return warm * (0.03 + 0.97 * 0.5 * (1 + math.cos(math.pi * min(progress, 1.0))))


def save_checkpoint(path: Path, state: dict) -> None:
    tmp = path.with_suffix(".tmp")
    torch.save(state, tmp)
    tmp.replace(path)   # atomic: a killed session never leaves a half-written checkpoint


def train(out_dir: Path, minutes: float | None = None, steps: int | None = None, batch: int = 16,
          resume: bool = False, seed: int = 0, pool_size: int = 400, new_pages: int = 6,
          checkpoint_minutes: float = 3.0, lr: float = 2e-3, use_real_paper: bool = True,
          real_fraction: float = 0.0, real_split: str = "train", init: Path | None = None,
          workers: int = 0, device: str = "cpu", log=print) -> Path:
    """Train until the time or step budget is used; returns the checkpoint path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    ckpt_path = out_dir / "last.pt"
    figure, detector = FigureNet(), PageDetector()
    figure_ema, detector_ema = copy.deepcopy(figure), copy.deepcopy(detector)
    opt_f = torch.optim.AdamW(figure.parameters(), lr=lr, weight_decay=1e-4)
    opt_d = torch.optim.AdamW(detector.parameters(), lr=lr, weight_decay=1e-4)
    step, elapsed = 0, 0.0
    if init is not None and not (resume and ckpt_path.exists()):
        # Weights only: a new schedule (e.g. a second, lower-lr cycle) starting from a finished run.
        state = torch.load(init, map_location="cpu", weights_only=False)
        for module, key in ((figure, "figure"), (detector, "detector"), (figure_ema, "figure_ema"),
                            (detector_ema, "detector_ema")):
            module.load_state_dict(state[key])
        log(f"initialised from {init} (step {state['step']})")
    if resume and ckpt_path.exists():
        state = torch.load(ckpt_path, map_location="cpu", weights_only=False)
        for module, key in ((figure, "figure"), (detector, "detector"), (figure_ema, "figure_ema"),
                            (detector_ema, "detector_ema"), (opt_f, "opt_figure"), (opt_d, "opt_detector")):
            module.load_state_dict(state[key])
        step, elapsed = state["step"], state["elapsed_s"]
        minutes = state["minutes"] if minutes is None else minutes
        log(f"resumed at step {step}, {elapsed / 60:.1f} min")
    if minutes is None and steps is None:
        raise ValueError("give minutes or steps (a resumed run reuses its stored minutes)")
    for m in (figure, detector, figure_ema, detector_ema):
        m.to(device, memory_format=torch.channels_last)
    for opt in (opt_f, opt_d):      # optimiser state loaded on the CPU follows its parameters
        for per_param in opt.state.values():
            for k, v in per_param.items():
                if torch.is_tensor(v) and k != "step":
                    per_param[k] = v.to(device)
    # Real crops only from the split that may be learned from (licensed, never test or validation).
    real_folders = tuple(folders_in(real_split)) if real_fraction > 0 else None
    stream = StreamSettings(seed=seed + step, batch=batch, pool_size=pool_size, new_pages=new_pages,
                            use_real_paper=use_real_paper, real_fraction=real_fraction, real_folders=real_folders)
    if real_folders:
        log(f"fine-tuning with {real_fraction:.0%} real crops per batch from the {real_split} split: "
            + ", ".join(real_folders))
    batches = iter(batch_loader(stream, workers))

    # What made these weights, carried by every checkpoint into the exported sidecars.
    recipe = {"minutes": minutes, "steps": steps, "batch": batch, "seed": seed, "lr": lr, "pool_size": pool_size,
              "new_pages": new_pages, "use_real_paper": use_real_paper, "real_fraction": real_fraction,
              "real_split": real_split, "real_folders": list(real_folders or ()),
              "init": None if init is None else Path(init).name, "device": device, "workers": workers,
              "torch": torch.__version__}

    def state() -> dict:
        return {"recipe": recipe, "figure": figure.state_dict(), "detector": detector.state_dict(),
                "figure_ema": figure_ema.state_dict(), "detector_ema": detector_ema.state_dict(),
                "opt_figure": opt_f.state_dict(), "opt_detector": opt_d.state_dict(),
                "step": step, "elapsed_s": elapsed, "minutes": minutes}

    start, last_ckpt = time.time() - elapsed, time.time()
    running: dict[str, float] = {}
    while True:
        elapsed = time.time() - start
        progress = step / steps if steps else elapsed / (minutes * 60)
        if progress >= 1.0:
            break
        for opt in (opt_f, opt_d):
            for g in opt.param_groups:
                g["lr"] = lr * lr_factor(step, progress)
        x, heat_t, mask_t, kp_weight, xd, box_t = next(batches)
        x, xd = x.to(device, non_blocking=True), xd.to(device, non_blocking=True)
        heat, mask_logits = figure(x)
        loss_f, parts_f = figure_loss(heat, mask_logits, heat_t.to(device), mask_t.to(device), kp_weight.to(device))
        opt_f.zero_grad(set_to_none=True)
        loss_f.backward()
        opt_f.step()
        _ema_update(figure_ema, figure, step)

        centre, box = detector(xd)
        loss_d, parts_d = detection_loss(centre, box, {k: v.to(device) for k, v in box_t.items()})
        opt_d.zero_grad(set_to_none=True)
        loss_d.backward()
        opt_d.step()
        _ema_update(detector_ema, detector, step)

        step += 1
        for k, v in {**parts_f, **parts_d}.items():
            running[k] = v if k not in running else 0.98 * running[k] + 0.02 * v
        if step % 50 == 0:
            log(f"step {step} {elapsed / 60:.1f} min lr {opt_f.param_groups[0]['lr']:.2e} "
                + " ".join(f"{k} {v:.4f}" for k, v in running.items()))
        if time.time() - last_ckpt > checkpoint_minutes * 60:
            save_checkpoint(ckpt_path, state())
            last_ckpt = time.time()
    save_checkpoint(ckpt_path, state())
    log(f"done: step {step}, {elapsed / 60:.1f} min → {ckpt_path}")
    return ckpt_path


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--minutes", type=float)
    ap.add_argument("--steps", type=int)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--resume", action="store_true")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--real-fraction", type=float, default=0.0,
                    help="share of each crop batch taken from the real annotated drawings (fine-tuning)")
    ap.add_argument("--real-split", default="train",
                    help="the split of vision_dev/training/split.json whose real drawings may be learned from")
    ap.add_argument("--workers", type=int, default=0, help="processes making batches (0: this one)")
    ap.add_argument("--device", default="cpu", help="torch device for the nets, e.g. cuda")
    ap.add_argument("--init", type=Path, help="start from this checkpoint's weights with a fresh schedule")
    ap.add_argument("--lr", type=float, default=2e-3)
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    log_file = args.out / "log.txt"
    args.out.mkdir(parents=True, exist_ok=True)

    def log(msg: str) -> None:
        line = f"{time.strftime('%H:%M:%S')} {msg}"
        print(line, flush=True)
        with open(log_file, "a") as f:
            f.write(line + "\n")

    train(args.out, args.minutes, args.steps, args.batch, args.resume, args.seed, log=log,
          real_fraction=args.real_fraction, real_split=args.real_split, init=args.init, lr=args.lr,
          workers=args.workers, device=args.device)


if __name__ == "__main__":
    main()
