"""The Trainer end to end: fit targets, exact resume, n_critic, labels, schedulers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch
from torch import Tensor

import gankit as gk
from gankit.train import Hook, TrainState
from gankit.train.hooks import EMA, Checkpoint, SampleGrid
from tests.train.nets import (
    NaNAfter,
    image_loader,
    make_trainer,
    tiny_conv_pair,
    tiny_mlp_pair,
    weights,
)


@pytest.mark.parametrize("stop_at", [4, 6, 9])  # 4 batches per epoch: end of epoch, mid, mid
def test_resume_reproduces_uninterrupted_run_bit_for_bit(tmp_path: Path, stop_at: int) -> None:
    full = make_trainer([EMA(decay=0.9), SampleGrid(tmp_path / "a", n=4)])
    full.fit(image_loader(), steps=11)

    first = make_trainer([EMA(decay=0.9), SampleGrid(tmp_path / "b", n=4)])
    first.fit(image_loader(), steps=stop_at)
    first.save(tmp_path / "ckpt.pt")

    resumed = make_trainer([EMA(decay=0.9), SampleGrid(tmp_path / "c", n=4)], seed=99)  # other init
    resumed.fit(image_loader(), steps=11, resume=tmp_path / "ckpt.pt")

    assert resumed.state.step == full.state.step == 11
    assert resumed.state.epoch == full.state.epoch
    a, b = weights(full), weights(resumed)
    assert a.keys() == b.keys()
    for k in a:
        assert torch.equal(a[k], b[k]), k


def test_fit_targets_are_absolute_and_epochs_count(tmp_path: Path) -> None:
    trainer = make_trainer()
    trainer.fit(image_loader(), epochs=2)
    assert (trainer.state.epoch, trainer.state.step, trainer.state.batch_in_epoch) == (2, 8, 0)
    trainer.fit(image_loader(), epochs=2)  # nothing left to do
    assert trainer.state.step == 8
    trainer.fit(image_loader(), steps=10)
    assert (trainer.state.step, trainer.state.epoch, trainer.state.batch_in_epoch) == (10, 2, 2)
    assert trainer.state.images_seen == 10 * 6


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({}, ValueError, "exactly one of epochs or steps"),
        ({"epochs": 1, "steps": 1}, ValueError, "exactly one"),
        ({"steps": 0}, ValueError, "fit.steps must be an int >= 1, got 0"),
        ({"epochs": 1.5}, TypeError, "fit.epochs must be an int >= 1, got 1.5"),
        ({"steps": "3"}, TypeError, "fit.steps must be an int >= 1, got '3'"),
    ],
)
def test_fit_argument_errors(kwargs: dict[str, Any], error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        make_trainer().fit(image_loader(), **kwargs)


class _Counter(Hook):
    def __init__(self) -> None:
        self.d = self.g = 0
        self.penalties: list[Tensor] = []

    def on_discriminator_step(self, trainer: gk.Trainer, state: TrainState, losses: Any) -> None:
        self.d += 1
        if "penalty" in losses:
            self.penalties.append(losses["penalty"])

    def on_generator_step(self, trainer: gk.Trainer, state: TrainState, losses: Any) -> None:
        self.g += 1


class _CountingPenalty:
    needs_fake = False

    def __init__(self) -> None:
        self.calls = 0

    def __call__(
        self, discriminator: Any, real: Tensor, fake: Tensor | None, *inputs: object
    ) -> Tensor:
        self.calls += 1
        assert fake is None
        return discriminator(real, *inputs).float().square().mean() * 0 + 1.0


def test_n_critic_and_lazy_regularization_counts() -> None:
    G, D = tiny_conv_pair()
    counter, penalty = _Counter(), _CountingPenalty()
    cfg = gk.TrainerConfig(device="cpu", n_critic=3, regularizer_interval=2, log_every=1)
    trainer = gk.Trainer(G, D, config=cfg, hooks=[counter], regularizer=penalty)
    trainer.fit(image_loader(n=36), steps=4)
    assert (counter.d, counter.g) == (12, 4)
    assert trainer.state.d_updates == 12
    assert penalty.calls == 6  # d updates 0, 2, 4, 6, 8, 10
    assert trainer.state.metrics["penalty"] == pytest.approx(1.0)


def test_conditional_training_passes_labels() -> None:
    G, D = tiny_conv_pair(num_classes=3)
    trainer = gk.Trainer(G, D, config=gk.TrainerConfig(device="cpu"))
    assert trainer.num_classes == 3
    trainer.fit(image_loader(labels=True), steps=2)
    images = trainer.sample(6, seed=0)
    assert images.shape == (6, 3, 8, 8)
    with pytest.raises(ValueError, match="conditional"):
        trainer.fit(image_loader(labels=False), steps=3)


def test_unconditional_nets_ignore_labels_in_batches() -> None:
    # image_loader draws the images before the labels, and both loaders shuffle with the
    # global RNG: the same images in the same order, so the runs must be identical
    with_labels, images_only = make_trainer(), make_trainer()
    with_labels.fit(image_loader(labels=True), steps=3)
    images_only.fit(image_loader(labels=False), steps=3)
    a, b = weights(with_labels), weights(images_only)
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert with_labels.state.state_dict() == images_only.state.state_dict()


def test_schedulers_step_once_per_step() -> None:
    G, D = tiny_mlp_pair()
    trainer = gk.Trainer(
        G,
        D,
        config=gk.TrainerConfig(device="cpu", log_every=1),
        g_scheduler=lambda opt: torch.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5),
    )
    trainer.fit([torch.randn(8, 1)] * 4, steps=4)
    assert trainer.g_optimizer.param_groups[0]["lr"] == pytest.approx(2e-4 / 4)
    assert trainer.d_optimizer.param_groups[0]["lr"] == pytest.approx(2e-4)
    assert trainer.state.metrics["lr_g"] == pytest.approx(2e-4 / 4)


def test_custom_loss_regularizer_and_relativistic_loss_train() -> None:
    G, D = tiny_conv_pair()
    trainer = gk.Trainer(
        G,
        D,
        loss=gk.losses.RelativisticAverage(),
        regularizer=gk.losses.R1Penalty(gamma=1.0),
        config=gk.TrainerConfig(device="cpu", log_every=1),
    )
    trainer.fit(image_loader(), steps=2)
    assert {"d_loss", "g_loss", "penalty"} <= set(trainer.state.metrics)


def test_resume_mid_epoch_with_a_device_loader_is_exact(tmp_path: Path) -> None:
    images = gk.data.ToyFaces(30, image_size=8, seed=1).tensor()

    def run(steps: int, resume: Path | None = None, seed: int = 0) -> gk.Trainer:
        trainer = make_trainer(seed=seed)
        trainer.fit(gk.data.DeviceLoader(images, 6, seed=3), steps=steps, resume=resume)
        return trainer

    full = run(8)
    first = run(3)
    first.save(tmp_path / "c.pt")
    resumed = run(8, resume=tmp_path / "c.pt", seed=5)
    a, b = weights(full), weights(resumed)
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert resumed.state.epoch == full.state.epoch == 1


@pytest.mark.parametrize("loader", ["dataloader", "device"])
def test_fit_called_again_mid_epoch_continues_exactly(loader: str) -> None:
    images = gk.data.ToyFaces(30, image_size=8, seed=1).tensor()

    def data() -> Any:
        if loader == "device":
            return gk.data.DeviceLoader(images, 6, seed=3)
        return image_loader()

    full = make_trainer()
    full.fit(data(), steps=8)
    split = make_trainer()
    d = data()
    split.fit(d, steps=3)
    split.fit(d, steps=8)
    a, b = weights(full), weights(split)
    assert all(torch.equal(a[k], b[k]) for k in a)


class _EpochMeans(Hook):
    def __init__(self) -> None:
        self.means: list[tuple[int, dict[str, float]]] = []

    def on_epoch_end(self, trainer: gk.Trainer, state: TrainState) -> None:
        self.means.append((state.epoch, dict(state.epoch_metrics)))


@pytest.mark.parametrize("loader", ["dataloader", "device"])
def test_resume_from_a_save_on_an_epochs_last_step(tmp_path: Path, loader: str) -> None:
    images = gk.data.ToyFaces(24, image_size=8, seed=1).tensor()

    def data() -> Any:
        return gk.data.DeviceLoader(images, 6, seed=3) if loader == "device" else image_loader()

    full_means = _EpochMeans()
    full = make_trainer([full_means])
    full.fit(data(), epochs=3)

    first = make_trainer([Checkpoint(tmp_path, every_n_steps=4, every_n_epochs=None)])
    first.fit(data(), steps=4)  # saved in on_step_end, before the epoch closed
    assert gk.train.load_checkpoint(tmp_path / "step-00000004.pt")["state"]["batch_in_epoch"] == 4

    means = _EpochMeans()
    resumed = make_trainer([means], seed=9)
    resumed.fit(data(), epochs=3, resume=tmp_path / "step-00000004.pt")
    assert resumed.state.step == full.state.step == 12
    a, b = weights(full), weights(resumed)
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert means.means == full_means.means  # epoch 1 closes with its saved running sums


def test_load_after_a_nan_restores_clean_running_means(tmp_path: Path) -> None:
    G, D = tiny_conv_pair()
    ckpt = Checkpoint(tmp_path, every_n_steps=1, every_n_epochs=None, keep_last=None)
    trainer = gk.Trainer(
        G, D, loss=NaNAfter(bad_from=3), config=gk.TrainerConfig(device="cpu"), hooks=[ckpt]
    )
    with pytest.raises(gk.train.NonFiniteLossError):
        trainer.fit(image_loader(), steps=8)
    trainer.loss = gk.losses.NonSaturating()
    trainer.load(tmp_path)
    trainer.fit(image_loader(), epochs=1)
    assert all(torch.isfinite(torch.tensor(v)) for v in trainer.state.epoch_metrics.values())


def test_constructor_errors_name_the_argument() -> None:
    G, D = tiny_mlp_pair()
    with pytest.raises(TypeError, match="loss must have"):
        gk.Trainer(G, D, loss=object())  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="latent_dim"):
        gk.Trainer(torch.nn.Linear(2, 2), D)
    with pytest.raises(ValueError, match="device"):
        gk.Trainer(G, D, config=gk.TrainerConfig(device="gpu:banana"))
