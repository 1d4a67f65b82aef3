"""The R3GAN schedule hook: cosine ramps, what it writes, resume and refusals."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import gankit as gk
from gankit.train.hooks import R3GANSchedule


@given(st.integers(0, 3000))
def test_values_follow_a_cosine_from_start_to_end(images: int) -> None:
    schedule = R3GANSchedule(total_images=1000, lr=(4.0, 1.0), beta2=(0.5, 0.9), gamma=(2.0, 0.0))
    v = schedule.values(images)
    t = min(images / 1000, 1.0)
    weight = 0.5 * (1 + math.cos(math.pi * t))  # 1 at the start, 0 at the end
    assert v["lr"] == pytest.approx(1.0 + 3.0 * weight, rel=1e-12)
    assert v["beta2"] == pytest.approx(0.9 - 0.4 * weight, rel=1e-12)
    assert v["gamma"] == pytest.approx(2.0 * weight, abs=1e-11)
    later = schedule.values(images + 1)
    assert later["lr"] <= v["lr"] and later["beta2"] >= v["beta2"]


def test_paper_defaults_and_validation() -> None:
    s = R3GANSchedule()
    assert s.values(0) == {"lr": 2e-4, "beta2": 0.9, "gamma": 2.0}
    end = s.values(20_000_000)
    assert end["lr"] == pytest.approx(5e-5) and end["beta2"] == pytest.approx(0.99)
    assert end["gamma"] == pytest.approx(0.2)
    with pytest.raises((ValueError, TypeError), match="total_images"):
        R3GANSchedule(total_images=0)
    with pytest.raises(ValueError, match=r"lr must be a \(start, end\) tuple"):
        R3GANSchedule(lr=2e-4)  # type: ignore[arg-type]
    with pytest.raises((ValueError, TypeError), match=r"beta2\[1\]"):
        R3GANSchedule(beta2=(0.9, 1.5))


def _trainer(hooks: list[gk.train.Hook], **config: object) -> gk.Trainer:
    G = gk.models.build_mlp_generator(gk.models.MLPGeneratorConfig(latent_dim=2, data_dim=2))
    D = gk.models.build_mlp_discriminator(gk.models.MLPDiscriminatorConfig(data_dim=2))
    return gk.Trainer(
        G,
        D,
        loss=gk.losses.RelativisticPairing(),
        regularizer=gk.losses.R1R2Penalty(),
        config=gk.TrainerConfig(device="cpu", betas=(0.0, 0.9), **config),  # type: ignore[arg-type]
        hooks=hooks,
    )


def test_writes_both_optimizers_and_the_regularizer_before_each_step() -> None:
    class Record(gk.train.Hook):
        def __init__(self) -> None:
            self.seen: list[tuple[int, float, float, float]] = []

        def on_step_start(self, trainer: gk.Trainer, state: gk.train.TrainState) -> None:
            d = trainer.d_optimizer.param_groups[0]
            gamma = getattr(trainer.regularizer, "gamma")  # noqa: B009
            self.seen.append((state.images_seen, d["lr"], d["betas"][1], gamma))

    schedule, record = R3GANSchedule(total_images=40), Record()
    trainer = _trainer([schedule, record])
    data = [torch.randn(8, 2) for _ in range(5)]
    trainer.fit(data, steps=5)
    for images, lr, beta2, gamma in record.seen:
        v = schedule.values(images)
        assert (lr, beta2, gamma) == (v["lr"], v["beta2"], v["gamma"])
        assert trainer.g_optimizer.param_groups[0]["betas"][0] == 0.0  # beta1 is kept
    assert [r[0] for r in record.seen] == [0, 8, 16, 24, 32]


def test_refuses_cuda_graphs_at_fit_start() -> None:
    schedule = R3GANSchedule()

    class FakeConfig:
        cuda_graphs = True

    class FakeTrainer:
        config = FakeConfig()

    with pytest.raises(ValueError, match="cuda_graphs"):
        schedule.on_fit_start(FakeTrainer(), gk.train.TrainState())  # type: ignore[arg-type]
    assert schedule.state_dict() == {} and not R3GANSchedule.rank_zero_only
