"""Run by tests/train/test_distributed.py under torchrun: 2 CPU processes, gloo."""

from __future__ import annotations

import os
import sys
from typing import Any

import torch
from torch.utils.data import DataLoader

import gankit as gk
from tests.train.nets import tiny_conv_pair


class StopOnRankZero(gk.train.Hook):
    """A rank-0-only hook (the default) asking the loop to stop after step 3."""

    def on_step_end(self, trainer: gk.Trainer, state: gk.train.TrainState) -> None:
        if state.step == 3:
            state.should_stop = True


class NaNOnRankOne(gk.losses.NonSaturating):
    """The generator loss turns NaN on rank 1 only, from its second call (step 2) on."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    def generator(self, fake_logits: torch.Tensor, real_logits: Any = None) -> torch.Tensor:
        self.calls += 1
        loss = super().generator(fake_logits, real_logits)
        bad = self.calls >= 2 and os.environ["RANK"] == "1"
        return loss * float("nan") if bad else loss


def main(out_dir: str, mode: str = "plain") -> None:
    G, D = tiny_conv_pair(seed=int(os.environ["RANK"]))  # different init: DDP must sync it
    data = torch.rand(48, 3, 8, 8) * 2 - 1
    loader = DataLoader(data, batch_size=6, shuffle=True, drop_last=True)  # type: ignore[arg-type]
    hooks: list[gk.train.Hook] = [StopOnRankZero()] if mode == "stop" else []
    ckpt_dir = os.path.join(out_dir, "ckpt")
    if mode == "nan":
        hooks.append(gk.train.hooks.Checkpoint(ckpt_dir, every_n_steps=1, every_n_epochs=None))
    loss = NaNOnRankOne() if mode == "nan" else None
    config = gk.TrainerConfig(device="cpu", log_every=2)
    trainer = gk.Trainer(G, D, config=config, hooks=hooks, loss=loss)
    error = None
    try:
        trainer.fit(loader, steps=5)
    except gk.train.NonFiniteLossError as e:
        error = [e.step, e.loss]
    torch.save(
        {
            # Parameters, not buffers: BatchNorm running statistics are per-rank (rank 0's
            # are the ones checkpoints keep) unless SyncBatchNorm is used on GPUs.
            "generator": {k: v.detach() for k, v in trainer.generator.named_parameters()},
            "discriminator": {k: v.detach() for k, v in trainer.discriminator.named_parameters()},
            "step": trainer.state.step,
            "epoch": trainer.state.epoch,
            "images_seen": trainer.state.images_seen,
            "metrics": trainer.state.metrics,
            "world": trainer.dist.world_size,
            "error": error,
            "checkpoints": sorted(os.listdir(ckpt_dir)) if os.path.isdir(ckpt_dir) else [],
        },
        os.path.join(out_dir, f"rank{trainer.dist.rank}.pt"),
    )
    torch.distributed.destroy_process_group()
    # Leave without finalizing the interpreter. With torch 2.14, DDP keeps the gloo process
    # group (and its worker threads) alive past destroy_process_group, and a worker thread
    # can drop its last finished work, which holds a Python object, only once the main
    # thread is in Py_FinalizeEx: taking the GIL then kills the thread and the process
    # aborts ("terminate called without an active exception"; core dump: runLoop ->
    # ~AsyncWork -> ~ThreadLocalState -> gil_scoped_acquire). It hit about 1 run in 8 on 2
    # busy cores, after the reports were written; pytorch/pytorch#179291 describes it.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    main(*sys.argv[1:])
