"""Tiny nets, data, trainers and losses shared by the trainer and hook tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from torch import Tensor
from torch.utils.data import DataLoader, TensorDataset

import gankit as gk
from gankit.train import Hook


def tiny_conv_pair(seed: int = 0, num_classes: int = 0) -> tuple[torch.nn.Module, torch.nn.Module]:
    torch.manual_seed(seed)
    g_cfg, d_cfg = gk.models.dcgan(
        image_size=8, g_width=4, d_width=4, latent_dim=8, num_classes=num_classes
    )
    return gk.models.build_generator(g_cfg), gk.models.build_discriminator(d_cfg)


def tiny_mlp_pair(seed: int = 0) -> tuple[torch.nn.Module, torch.nn.Module]:
    torch.manual_seed(seed)
    G = gk.models.build_mlp_generator(
        gk.models.MLPGeneratorConfig(latent_dim=2, data_dim=1, hidden_dims=(16,))
    )
    D = gk.models.build_mlp_discriminator(
        gk.models.MLPDiscriminatorConfig(data_dim=1, hidden_dims=(16,))
    )
    return G, D


def image_loader(
    n: int = 24, batch_size: int = 6, labels: bool = False, seed: int = 123
) -> DataLoader:
    gen = torch.Generator().manual_seed(seed)
    x = torch.rand(n, 3, 8, 8, generator=gen) * 2 - 1
    if labels:
        y = torch.randint(0, 3, (n,), generator=gen)
        return DataLoader(TensorDataset(x, y), batch_size=batch_size, shuffle=True, drop_last=True)
    return DataLoader(x, batch_size=batch_size, shuffle=True, drop_last=True)  # type: ignore[arg-type]


def make_trainer(hooks: list[Hook] | None = None, seed: int = 0, **cfg: Any) -> gk.Trainer:
    """The tiny conv pair with a smoothed, flipping loss (seed 7, log every 2 steps)."""
    G, D = tiny_conv_pair(seed=seed)
    loss = gk.losses.NonSaturating(real_target=0.9, flip_prob=0.2)
    config = gk.TrainerConfig(device="cpu", seed=7, log_every=2, **cfg)
    return gk.Trainer(G, D, loss=loss, config=config, hooks=hooks or [])


def weights(trainer: gk.Trainer) -> dict[str, Tensor]:
    """Both nets, the generator's Adam state and the EMA weights, by name."""
    out = {f"G.{k}": v for k, v in trainer.generator.state_dict().items()}
    out.update({f"D.{k}": v for k, v in trainer.discriminator.state_dict().items()})
    for i, group in enumerate(trainer.g_optimizer.state.values()):
        out.update({f"optG.{i}.{k}": v for k, v in group.items() if isinstance(v, Tensor)})
    ema = trainer.sampling_generator()
    if ema is not trainer.generator:
        out.update({f"EMA.{k}": v for k, v in ema.state_dict().items()})
    return out


class NaNAfter:
    """NonSaturating whose generator loss turns NaN from a given call on."""

    needs_real_logits_for_generator = False

    def __init__(self, bad_from: int) -> None:
        self.inner, self.calls, self.bad_from = gk.losses.NonSaturating(), 0, bad_from

    def discriminator(self, real: Tensor, fake: Tensor) -> Tensor:
        return self.inner.discriminator(real, fake)

    def generator(self, fake: Tensor, real: Tensor | None = None) -> Tensor:
        self.calls += 1
        loss = self.inner.generator(fake)
        return loss * float("nan") if self.calls >= self.bad_from else loss


def fit_with_hooks(
    hooks: list[gk.train.Hook],
    steps: int | None = None,
    epochs: int | None = None,
    resume: Path | None = None,
) -> gk.Trainer:
    """Train the tiny conv pair with ``hooks`` (log every 2 steps) and return the trainer."""
    G, D = tiny_conv_pair()
    trainer = gk.Trainer(G, D, config=gk.TrainerConfig(device="cpu", log_every=2), hooks=hooks)
    if steps is not None:
        trainer.fit(image_loader(), steps=steps, resume=resume)
    else:
        trainer.fit(image_loader(), epochs=epochs, resume=resume)
    return trainer
