"""Numerical sanity of the fast modes: same seed, fp32 eager vs each mode, loss deviation."""

from __future__ import annotations

from typing import Any

import bench_utils as bu
import reference_dcgan as ref
import torch
from runners import MODES, GankitRunner
from torch import Tensor

from gankit.train import Hook, Trainer, TrainState


class _LossLog(Hook):
    """Keeps every update's (detached, on-device) losses."""

    rank_zero_only = False

    def __init__(self) -> None:
        self.d: list[Tensor] = []
        self.g: list[Tensor] = []

    def on_discriminator_step(self, trainer: Trainer, state: TrainState, losses: Any) -> None:
        self.d.append(losses["d_loss"])

    def on_generator_step(self, trainer: Trainer, state: TrainState, losses: Any) -> None:
        self.g.append(losses["g_loss"])


def record_losses(
    preset: str,
    name: str,
    batch: int,
    steps: int,
    device: torch.device,
    seed: int,
    perturb: float = 0.0,
) -> tuple[Tensor, Tensor]:
    """Per-step (d_loss, g_loss) of ``steps`` steps of mode ``name`` from ``seed``."""
    block = bu.toy_block(50 * batch, ref.image_size(preset), seed=seed)
    log = _LossLog()
    runner = GankitRunner(
        preset, MODES[name], block, batch, device, seed, hooks=(log,), perturb=perturb
    )
    runner.trainer.fit(runner.loader, steps=steps)
    return torch.stack(log.d).double().cpu(), torch.stack(log.g).double().cpu()


def running_mean_deviation(base: Tensor, other: Tensor) -> float:
    """``max_t |mean(other[:t]) - mean(base[:t])| / |mean(base[:t])|``."""
    n = torch.arange(1, len(base) + 1, dtype=torch.float64)
    mean_base, mean_other = base.cumsum(0) / n, other.cumsum(0) / n
    return float(((mean_other - mean_base).abs() / mean_base.abs().clamp_min(1e-12)).max())


def deviation(base: tuple[Tensor, Tensor], other: tuple[Tensor, Tensor]) -> float:
    """The larger running-mean deviation of the D and G losses."""
    return max(running_mean_deviation(b, o) for b, o in zip(base, other, strict=True))


def compare(
    batches: dict[str, int],
    modes: list[str],
    device: torch.device,
    *,
    steps: int,
    seed: int,
    tol: float,
    floor_factor: float,
) -> list[dict[str, Any]]:
    """Fp32 eager vs each of ``modes`` for every ``{preset: batch size}``.

    GAN training amplifies any difference, so each preset also gets a noise floor: fp32
    eager again with every initial weight scaled by ``1 + 2**-23 * N(0, 1)`` (fp32
    rounding-sized). A mode passes if its deviation is within ``tol`` or within
    ``floor_factor`` times that floor.
    """
    rows = []
    for preset, batch in batches.items():
        base = record_losses(preset, "eager", batch, steps, device, seed)
        nudged = record_losses(preset, "eager", batch, steps, device, seed, perturb=2.0**-23)
        floor = deviation(base, nudged)
        allowed = max(tol, floor_factor * floor)
        for name in modes:
            fast = record_losses(preset, name, batch, steps, device, seed)
            rows.append(
                {
                    "preset": preset,
                    "batch_size": batch,
                    "mode": name,
                    "steps": steps,
                    "max_rel_dev_d_loss": running_mean_deviation(base[0], fast[0]),
                    "max_rel_dev_g_loss": running_mean_deviation(base[1], fast[1]),
                    "fp32_noise_floor": floor,
                    "tolerance": tol,
                    "allowed": allowed,
                    "ok": deviation(base, fast) <= allowed,
                }
            )
    return rows


def markdown(report: dict[str, Any]) -> str:
    """The sanity table of a report, with its device and command."""
    meta = report["meta"]
    head = f"Device: {meta['device_name']} · torch {meta['torch']} · {meta['date']}\n"
    head += f"Command: `{meta['command']}`\n\n"
    pct = "{:.1f}%".format
    rows = [
        [
            r["preset"],
            str(r["batch_size"]),
            r["mode"],
            str(r["steps"]),
            pct(100 * r["max_rel_dev_d_loss"]),
            pct(100 * r["max_rel_dev_g_loss"]),
            pct(100 * r["fp32_noise_floor"]),
            pct(100 * r["allowed"]),
            "yes" if r["ok"] else "**no**",
        ]
        for r in report["sanity"]
    ]
    headers = [
        "preset",
        "batch",
        "mode vs fp32 eager",
        "steps",
        "max rel. dev. D loss",
        "max rel. dev. G loss",
        "fp32 noise floor",
        "allowed",
        "ok",
    ]
    return head + bu.markdown_table(headers, rows)
