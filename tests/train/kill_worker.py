"""A training run for the kill -9 trial in tests/train/test_reliability.py.

``python -m tests.train.kill_worker DIR STEPS`` trains (resuming from ``DIR/ckpt`` when it
holds a checkpoint), saving every step, and writes ``DIR/final.pt`` when it reaches STEPS.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import torch

import gankit as gk
from gankit.train.hooks import EMA, Checkpoint
from tests.train.nets import tiny_conv_pair


class _Slow(gk.train.Hook):
    """Spread the steps out so that kills land at every point of a step and a save."""

    def on_step_end(self, trainer: gk.Trainer, state: gk.train.TrainState) -> None:
        time.sleep(0.01)


def main(out: Path, steps: int) -> None:
    torch.set_num_threads(1)
    G, D = tiny_conv_pair(seed=0)
    ckpt = out / "ckpt"
    trainer = gk.Trainer(
        G,
        D,
        config=gk.TrainerConfig(device="cpu", seed=7, log_every=3),
        hooks=[EMA(decay=0.9), _Slow(), Checkpoint(ckpt, every_n_steps=1, keep_last=2)],
    )
    faces = gk.data.DeviceLoader(gk.data.ToyFaces(30, image_size=8, seed=0).tensor(), 6, seed=1)
    resume = ckpt if gk.train.latest_checkpoint(ckpt) is not None else None
    trainer.fit(faces, steps=steps, resume=resume)
    final = {
        "generator": trainer.generator.state_dict(),
        "ema": trainer.sampling_generator().state_dict(),
    }
    torch.save(final, out / "final.pt")


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]))
