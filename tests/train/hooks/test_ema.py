"""gankit.train.hooks.ema: the EMA generator's formula, schedule and checkpointed state."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

import gankit as gk
from gankit.train.hooks import EMA, Checkpoint
from tests.train.nets import image_loader, make_trainer, tiny_mlp_pair


def test_ema_math_matches_the_formula() -> None:
    G, D = tiny_mlp_pair()
    ema = EMA(decay=0.75, warmup=False)
    trainer = gk.Trainer(G, D, config=gk.TrainerConfig(device="cpu"), hooks=[ema])
    before = [p.detach().clone() for p in G.parameters()]
    trainer.fit([torch.randn(16, 1)], steps=1)
    assert ema.module is not None
    for p0, p1, pe in zip(before, G.parameters(), ema.module.parameters(), strict=True):
        torch.testing.assert_close(pe, 0.75 * p0 + 0.25 * p1.detach())
    assert trainer.sampling_generator() is ema.module
    assert trainer.sampling_generator(ema=False) is G


def test_ema_half_life_and_warmup() -> None:
    ema = EMA(half_life_images=1000.0, warmup=True)
    assert ema.decay_at(updates=10**6, images=1000) == pytest.approx(0.5)
    assert ema.decay_at(updates=0, images=1) == pytest.approx(0.1)
    with pytest.raises(ValueError, match=r"EMA\.decay must be a number in"):
        EMA(decay=1.0)


def test_ema_every_n_updates_after_the_nth_generator_update() -> None:
    G, D = tiny_mlp_pair()
    ema = EMA(decay=0.5, warmup=False, every=3)
    trainer = gk.Trainer(G, D, config=gk.TrainerConfig(device="cpu"), hooks=[ema])
    data = [torch.randn(16, 1) for _ in range(4)]
    initial = [p.detach().clone() for p in G.parameters()]
    trainer.fit(data, steps=2)
    assert ema.updates == 0 and ema.module is not None
    for pe, p0 in zip(ema.module.parameters(), initial, strict=True):
        assert torch.equal(pe, p0)
    trainer.fit(data, steps=3)
    assert ema.updates == 1
    for pe, p0, p3 in zip(ema.module.parameters(), initial, G.parameters(), strict=True):
        torch.testing.assert_close(pe, 0.5 * p0 + 0.5 * p3.detach())
    trainer.fit(data, steps=7)
    assert ema.updates == 2  # steps 3 and 6


def test_checkpoints_hold_this_steps_ema_whatever_the_hook_order(tmp_path: Path) -> None:
    def run(directory: Path, steps: int, resume: Path | None = None) -> EMA:
        ema = EMA(decay=0.9)
        ckpt = Checkpoint(directory, every_n_steps=3, every_n_epochs=None, keep_last=None)
        make_trainer([ckpt, ema]).fit(image_loader(), steps=steps, resume=resume)  # EMA after
        return ema

    full = run(tmp_path / "a", 9)
    resumed = run(tmp_path / "b", 9, resume=tmp_path / "a" / "step-00000006.pt")
    assert full.module is not None and resumed.module is not None
    for a, b in zip(
        full.module.state_dict().values(), resumed.module.state_dict().values(), strict=True
    ):
        assert torch.equal(a, b)
