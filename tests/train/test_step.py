"""gankit.train.step: the TrainingStep's updates, loss terms, precision and override points."""

from __future__ import annotations

from typing import Any

import torch

import gankit as gk
from gankit.train import Hook, TrainState
from tests.train.nets import image_loader, make_trainer


def test_bf16_autocast_on_cpu_trains_fp32_weights() -> None:
    trainer = make_trainer(precision="bf16", channels_last=True)
    trainer.fit(image_loader(), steps=3)
    assert all(p.dtype == torch.float32 for p in trainer.generator.parameters())
    assert torch.isfinite(torch.tensor(list(trainer.state.metrics.values()))).all()


def test_fp16_uses_one_grad_scaler() -> None:
    trainer = make_trainer(precision="fp16")
    assert trainer.scaler.is_enabled()
    trainer.fit(image_loader(), steps=2)
    assert trainer.state.step == 2


def test_gradient_clipping_bounds_the_norm() -> None:
    seen: list[float] = []

    class Norms(Hook):
        def on_before_optimizer_step(
            self, trainer: gk.Trainer, state: TrainState, name: Any, optimizer: Any
        ) -> None:
            params = [p for g in optimizer.param_groups for p in g["params"] if p.grad is not None]
            seen.append(
                float(torch.linalg.vector_norm(torch.stack([p.grad.norm() for p in params])))
            )

    trainer = make_trainer([Norms()], grad_clip_norm=1e-3)
    trainer.fit(image_loader(), steps=2)
    assert seen and max(seen) <= 1e-3 * 1.001
