"""Count the operations (≈ kernel launches on a GPU) of one gankit training step.

Eager PyTorch pays host time for every operation it dispatches, so the count bounds
how fast an eager step can run however fast the device is; a CUDA graph replays the
whole step with one launch. Counts are taken with a ``TorchDispatchMode`` after a
warm-up, averaged over a few steps, with fused Adam as on CUDA.

    PYTHONPATH=src python benchmarks/op_count.py --device cpu
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

import bench_utils as bu
import torch
from runners import MODES, gankit_nets
from torch.utils._python_dispatch import TorchDispatchMode

import gankit as gk
from gankit.data import DeviceLoader


class _Counter(TorchDispatchMode):
    def __init__(self) -> None:
        super().__init__()
        self.ops = 0

    def __torch_dispatch__(self, func: Any, types: Any, args: Any = (), kwargs: Any = None) -> Any:
        self.ops += 1
        return func(*args, **(kwargs or {}))


def count(preset: str, mode: str, batch: int, device: torch.device, steps: int) -> float:
    """Average operations per training step of ``mode`` (an eager gankit mode)."""
    m = MODES[mode]
    torch.manual_seed(0)
    generator, discriminator = gankit_nets(preset)
    size = 64 if preset == "dcgan64" else 32
    block = bu.toy_block(batch * (steps + 2), size, seed=0)
    loader = DeviceLoader(block, batch, device=device, channels_last=m.channels_last, seed=0)
    config = gk.TrainerConfig(
        device=str(device),
        precision=m.precision,  # type: ignore[arg-type]
        channels_last=m.channels_last,
        fused_adam=True,
        log_every=10**9,
    )
    trainer = gk.Trainer(generator, discriminator, config=config)
    trainer.fit(loader, steps=2)  # warm-up: optimizer state, lazy initialisation
    counter = _Counter()
    with counter:
        trainer.fit(loader, steps=2 + steps)
    return counter.ops / steps


def main(argv: list[str] | None = None) -> list[dict[str, Any]]:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--device", default="cpu")
    p.add_argument("--presets", default="dcgan64,celeba32")
    p.add_argument("--modes", default="eager,bf16-cl")
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--steps", type=int, default=2)
    args = p.parse_args(argv)
    device = torch.device(args.device)
    rows = []
    print("| preset | batch | mode | operations per step |\n|---|---|---|---|")
    for preset in args.presets.split(","):
        for mode in args.modes.split(","):
            if MODES[mode].family != "gankit" or MODES[mode].cuda_graphs or MODES[mode].compile:
                raise SystemExit(f"op_count counts eager gankit modes, not {mode!r}")
            ops = count(preset, mode, args.batch_size, device, args.steps)
            rows.append({"preset": preset, "batch": args.batch_size, "mode": mode, "ops": ops})
            print(f"| {preset} | {args.batch_size} | {mode} | {ops:.0f} |", flush=True)
    return rows


if __name__ == "__main__":
    main(sys.argv[1:])
