from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any

import pytest
import torch
from torch import Tensor

import gankit as gk
from gankit.train import Hook, TrainState
from gankit.train.hooks import EMA, Checkpoint, SampleGrid
from tests.train.nets import image_loader, tiny_conv_pair, tiny_mlp_pair


def _trainer(hooks: list[Hook] | None = None, seed: int = 0, **cfg: Any) -> gk.Trainer:
    G, D = tiny_conv_pair(seed=seed)
    loss = gk.losses.NonSaturating(real_target=0.9, flip_prob=0.2)
    config = gk.TrainerConfig(device="cpu", seed=7, log_every=2, **cfg)
    return gk.Trainer(G, D, loss=loss, config=config, hooks=hooks or [])


def _weights(trainer: gk.Trainer) -> dict[str, Tensor]:
    out = {f"G.{k}": v for k, v in trainer.generator.state_dict().items()}
    out.update({f"D.{k}": v for k, v in trainer.discriminator.state_dict().items()})
    for i, group in enumerate(trainer.g_optimizer.state.values()):
        out.update({f"optG.{i}.{k}": v for k, v in group.items() if isinstance(v, Tensor)})
    ema = trainer.sampling_generator()
    if ema is not trainer.generator:
        out.update({f"EMA.{k}": v for k, v in ema.state_dict().items()})
    return out


@pytest.mark.parametrize("stop_at", [4, 6, 9])  # 4 batches per epoch: end of epoch, mid, mid
def test_resume_reproduces_uninterrupted_run_bit_for_bit(tmp_path: Path, stop_at: int) -> None:
    full = _trainer([EMA(decay=0.9), SampleGrid(tmp_path / "a", n=4)])
    full.fit(image_loader(), steps=11)

    first = _trainer([EMA(decay=0.9), SampleGrid(tmp_path / "b", n=4)])
    first.fit(image_loader(), steps=stop_at)
    first.save(tmp_path / "ckpt.pt")

    resumed = _trainer([EMA(decay=0.9), SampleGrid(tmp_path / "c", n=4)], seed=99)  # other init
    resumed.fit(image_loader(), steps=11, resume=tmp_path / "ckpt.pt")

    assert resumed.state.step == full.state.step == 11
    assert resumed.state.epoch == full.state.epoch
    a, b = _weights(full), _weights(resumed)
    assert a.keys() == b.keys()
    for k in a:
        assert torch.equal(a[k], b[k]), k


def test_fit_targets_are_absolute_and_epochs_count(tmp_path: Path) -> None:
    trainer = _trainer()
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
        _trainer().fit(image_loader(), **kwargs)


def test_checkpoint_holds_the_whole_run(tmp_path: Path) -> None:
    trainer = _trainer([EMA()])
    trainer.fit(image_loader(), steps=3)
    ckpt = trainer.checkpoint_dict()
    for key in (
        "generator",
        "discriminator",
        "g_optimizer",
        "d_optimizer",
        "scaler",
        "state",
        "rng",
        "epoch_rng",
        "hooks",
        "trainer_config",
        "generator_config",
    ):
        assert key in ckpt, key
    assert set(ckpt["rng"]) == {"torch", "cuda", "numpy", "python"}
    assert "module" in ckpt["hooks"]["EMA"]
    assert ckpt["generator_config"]["type"] == "GeneratorConfig"
    assert ckpt["state"]["batch_in_epoch"] == 3


def test_atomic_save_survives_a_crash_mid_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    trainer = _trainer()
    trainer.fit(image_loader(), steps=2)
    path = trainer.save(tmp_path / "run.pt")
    before = path.read_bytes()
    trainer.fit(image_loader(), steps=3)

    def crash(obj: Any, f: Any, *a: Any, **k: Any) -> None:
        f.write(b"half a checkpoint")
        raise OSError("disk full")

    monkeypatch.setattr(gk.train.checkpoint.torch, "save", crash)
    with pytest.raises(OSError, match="disk full"):
        trainer.save(path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.pt"]
    monkeypatch.undo()
    fresh = _trainer()
    fresh.load(path)
    assert fresh.state.step == 2


def test_corrupt_truncated_untrusted_and_mismatched_checkpoints(tmp_path: Path) -> None:
    trainer = _trainer()
    trainer.fit(image_loader(), steps=1)
    good = trainer.save(tmp_path / "good.pt")

    truncated = tmp_path / "truncated.pt"
    truncated.write_bytes(good.read_bytes()[:1000])
    with pytest.raises(
        gk.train.CheckpointError, match=r"truncated\.pt: not a PyTorch checkpoint file"
    ):
        _trainer().load(truncated)

    garbage = tmp_path / "garbage.pt"
    garbage.write_bytes(os.urandom(4096))
    with pytest.raises(gk.train.CheckpointError, match=r"garbage\.pt"):
        _trainer().load(garbage)

    class Payload:
        def __reduce__(self) -> tuple[Any, ...]:
            return (os.system, ("echo pwned > " + str(tmp_path / "pwned"),))

    evil = tmp_path / "evil.pt"
    torch.save({"format": "gankit.checkpoint", "x": Payload()}, evil)
    with pytest.raises(gk.train.CheckpointError, match="weights_only=True"):
        _trainer().load(evil)
    assert not (tmp_path / "pwned").exists()

    other = tmp_path / "other.pt"
    torch.save({"some": torch.zeros(1)}, other)
    with pytest.raises(gk.train.CheckpointError, match="not a gankit checkpoint"):
        _trainer().load(other)

    g_cfg, d_cfg = gk.models.dcgan(image_size=8, g_width=8, d_width=4, latent_dim=8)
    wider = gk.Trainer(
        gk.models.build_generator(g_cfg),
        gk.models.build_discriminator(d_cfg),
        config=gk.TrainerConfig(device="cpu"),
    )
    with pytest.raises(
        gk.train.CheckpointError, match=r"good\.pt: the saved generator does not fit"
    ):
        wider.load(good)
    with pytest.raises(gk.train.CheckpointError, match="no such checkpoint file"):
        wider.load(tmp_path / "nope.pt")


class _KillAt(Hook):
    def __init__(
        self, step: int, signum: int = signal.SIGINT, *, on_epoch_end: bool = False
    ) -> None:
        self.step, self.signum, self.at_epoch_end = step, signum, on_epoch_end

    def on_step_end(self, trainer: gk.Trainer, state: TrainState) -> None:
        if state.step == self.step and not self.at_epoch_end:
            os.kill(os.getpid(), self.signum)

    def on_epoch_end(self, trainer: gk.Trainer, state: TrainState) -> None:
        if state.step == self.step and self.at_epoch_end:
            os.kill(os.getpid(), self.signum)


@pytest.mark.parametrize(
    ("signum", "at_epoch_end"),
    [(signal.SIGINT, False), (signal.SIGTERM, False), (signal.SIGINT, True)],
)
def test_a_signal_saves_stops_and_says_where(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], signum: int, at_epoch_end: bool
) -> None:
    # The signal lands in step 4's on_step_end (or epoch 1's end, between steps 4 and 5):
    # the run stops at step 4, the checkpoint holds step 4, and fit says so by raising.
    trainer = _trainer([_KillAt(4, signum, on_epoch_end=at_epoch_end), Checkpoint(tmp_path)])
    with pytest.raises(gk.train.TrainingInterrupted) as info:
        trainer.fit(image_loader(), steps=100)
    saved = tmp_path / "step-00000004.pt"
    assert (trainer.state.step, info.value.step, info.value.signal) == (4, 4, signum)
    assert info.value.checkpoint == saved and saved.exists()
    assert info.value.exit_code == 128 + signum
    assert f"at step 4; checkpoint: {saved}" in str(info.value)
    assert signal.Signals(signum).name in capsys.readouterr().err
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
    assert gk.train.load_checkpoint(saved)["state"]["step"] == 4
    resumed = _trainer()
    resumed.fit(image_loader(), steps=6, resume=tmp_path)  # a directory: the newest checkpoint
    assert resumed.state.step == 6


class _NaNAfter:
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


def test_non_finite_loss_stops_the_run_and_keeps_the_last_good_checkpoint(tmp_path: Path) -> None:
    G, D = tiny_conv_pair()
    cfg = gk.TrainerConfig(device="cpu", log_every=4)
    trainer = gk.Trainer(
        G,
        D,
        loss=_NaNAfter(bad_from=6),
        config=cfg,
        hooks=[Checkpoint(tmp_path, every_n_steps=1, keep_last=None, every_n_epochs=None)],
    )
    with pytest.raises(
        gk.train.NonFiniteLossError, match=r"non-finite g_loss \(nan\) at step 6"
    ) as err:
        trainer.fit(image_loader(), steps=20)
    assert err.value.step == 6
    saved = sorted(p.name for p in tmp_path.glob("step-*.pt"))
    assert saved == [f"step-{s:08d}.pt" for s in range(1, 6)]  # nothing from step 6 on
    assert torch.isfinite(
        gk.train.load_checkpoint(tmp_path / "step-00000005.pt")["generator"]["stem.0.weight"]
    ).all()


def test_bf16_autocast_on_cpu_trains_fp32_weights() -> None:
    trainer = _trainer(precision="bf16", channels_last=True)
    trainer.fit(image_loader(), steps=3)
    assert all(p.dtype == torch.float32 for p in trainer.generator.parameters())
    assert torch.isfinite(torch.tensor(list(trainer.state.metrics.values()))).all()


def test_fp16_uses_one_grad_scaler() -> None:
    trainer = _trainer(precision="fp16")
    assert trainer.scaler.is_enabled()
    trainer.fit(image_loader(), steps=2)
    assert trainer.state.step == 2


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
        _trainer([ckpt, ema]).fit(image_loader(), steps=steps, resume=resume)  # EMA after
        return ema

    full = run(tmp_path / "a", 9)
    resumed = run(tmp_path / "b", 9, resume=tmp_path / "a" / "step-00000006.pt")
    assert full.module is not None and resumed.module is not None
    for a, b in zip(
        full.module.state_dict().values(), resumed.module.state_dict().values(), strict=True
    ):
        assert torch.equal(a, b)


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
    trainer = _trainer()
    trainer.fit(image_loader(labels=True), steps=2)
    assert trainer.state.step == 2


def test_sample_is_deterministic_and_leaves_training_rng_alone() -> None:
    trainer = _trainer()
    state = torch.get_rng_state()
    a, b = trainer.sample(4, seed=3), trainer.sample(4, seed=3)
    assert torch.equal(a, b) and a.shape == (4, 3, 8, 8)
    c, d = trainer.sample(4), trainer.sample(4)  # unseeded: fresh noise each call
    assert not torch.equal(c, d)
    assert torch.equal(state, torch.get_rng_state())
    assert trainer.generator.training


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

    trainer = _trainer([Norms()], grad_clip_norm=1e-3)
    trainer.fit(image_loader(), steps=2)
    assert seen and max(seen) <= 1e-3 * 1.001


def test_config_validation_and_constructor_errors() -> None:
    with pytest.raises(ValueError, match=r"TrainerConfig.n_critic must be an int >= 1, got 0"):
        gk.TrainerConfig(n_critic=0)
    with pytest.raises(
        ValueError,
        match=r"TrainerConfig.precision must be one of 'fp32', 'bf16', 'fp16', got 'fp8'",
    ):
        gk.TrainerConfig(precision="fp8")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"betas\[1\] must be a number in \[0.0, 1.0\)"):
        gk.TrainerConfig(betas=(0.5, 1.0))
    G, D = tiny_mlp_pair()
    with pytest.raises(TypeError, match="loss must have"):
        gk.Trainer(G, D, loss=object())  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="latent_dim"):
        gk.Trainer(torch.nn.Linear(2, 2), D)
    with pytest.raises(ValueError, match="device"):
        gk.Trainer(G, D, config=gk.TrainerConfig(device="gpu:banana"))


def test_default_optimizers_are_the_dcgan_recipe() -> None:
    trainer = _trainer()
    for opt in (trainer.g_optimizer, trainer.d_optimizer):
        assert isinstance(opt, torch.optim.Adam)
        assert opt.param_groups[0]["lr"] == 2e-4 and opt.param_groups[0]["betas"] == (0.5, 0.999)


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
        trainer = _trainer(seed=seed)
        trainer.fit(gk.data.DeviceLoader(images, 6, seed=3), steps=steps, resume=resume)
        return trainer

    full = run(8)
    first = run(3)
    first.save(tmp_path / "c.pt")
    resumed = run(8, resume=tmp_path / "c.pt", seed=5)
    a, b = _weights(full), _weights(resumed)
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert resumed.state.epoch == full.state.epoch == 1


def test_one_shot_iterators_are_rejected_instead_of_spinning() -> None:
    trainer = _trainer()
    batches = iter([torch.rand(6, 3, 8, 8) * 2 - 1 for _ in range(2)])
    with pytest.raises(ValueError, match="data yielded no batches in epoch 2"):
        trainer.fit(batches, steps=5)
    assert trainer.state.step == 2


@pytest.mark.parametrize("loader", ["dataloader", "device"])
def test_fit_called_again_mid_epoch_continues_exactly(loader: str) -> None:
    images = gk.data.ToyFaces(30, image_size=8, seed=1).tensor()

    def data() -> Any:
        if loader == "device":
            return gk.data.DeviceLoader(images, 6, seed=3)
        return image_loader()

    full = _trainer()
    full.fit(data(), steps=8)
    split = _trainer()
    d = data()
    split.fit(d, steps=3)
    split.fit(d, steps=8)
    a, b = _weights(full), _weights(split)
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_checkpoint_records_a_stateful_loaders_position(tmp_path: Path) -> None:
    images = gk.data.ToyFaces(30, image_size=8, seed=1).tensor()
    trainer = _trainer()
    trainer.fit(gk.data.DeviceLoader(images, 6, seed=3), steps=3)
    assert trainer.checkpoint_dict()["data"] == {"epoch": 0, "position": 3}


def test_compiled_nets_train_like_eager() -> None:
    compiled, eager = _trainer(compile=True), _trainer()
    compiled.fit(image_loader(), steps=4)
    eager.fit(image_loader(), steps=4)
    for k, v in eager.state.metrics.items():
        assert compiled.state.metrics[k] == pytest.approx(v, rel=1e-3, abs=1e-5), k


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
    full = _trainer([full_means])
    full.fit(data(), epochs=3)

    first = _trainer([Checkpoint(tmp_path, every_n_steps=4, every_n_epochs=None)])
    first.fit(data(), steps=4)  # saved in on_step_end, before the epoch closed
    assert gk.train.load_checkpoint(tmp_path / "step-00000004.pt")["state"]["batch_in_epoch"] == 4

    means = _EpochMeans()
    resumed = _trainer([means], seed=9)
    resumed.fit(data(), epochs=3, resume=tmp_path / "step-00000004.pt")
    assert resumed.state.step == full.state.step == 12
    a, b = _weights(full), _weights(resumed)
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert means.means == full_means.means  # epoch 1 closes with its saved running sums


def test_resume_moves_an_abandoned_branchs_checkpoints_aside(tmp_path: Path) -> None:
    _trainer([Checkpoint(tmp_path, every_n_steps=2, every_n_epochs=None, keep_last=None)]).fit(
        image_loader(), steps=6
    )
    resumed = _trainer([Checkpoint(tmp_path, every_n_steps=2, every_n_epochs=None, keep_last=None)])
    resumed.fit(image_loader(), steps=3, resume=tmp_path / "step-00000002.pt")
    names = sorted(p.name for p in tmp_path.glob("step-*.pt"))
    assert names == ["step-00000002.pt", "step-00000003.pt"]
    aside = sorted(p.name for p in (tmp_path / "abandoned-after-step-00000002").iterdir())
    assert aside == ["step-00000004.pt", "step-00000006.pt"]
    assert gk.train.latest_checkpoint(tmp_path) == tmp_path / "step-00000003.pt"


def test_load_after_a_nan_restores_clean_running_means(tmp_path: Path) -> None:
    G, D = tiny_conv_pair()
    ckpt = Checkpoint(tmp_path, every_n_steps=1, every_n_epochs=None, keep_last=None)
    trainer = gk.Trainer(
        G, D, loss=_NaNAfter(bad_from=3), config=gk.TrainerConfig(device="cpu"), hooks=[ckpt]
    )
    with pytest.raises(gk.train.NonFiniteLossError):
        trainer.fit(image_loader(), steps=8)
    trainer.loss = gk.losses.NonSaturating()
    trainer.load(tmp_path)
    trainer.fit(image_loader(), epochs=1)
    assert all(torch.isfinite(torch.tensor(v)) for v in trainer.state.epoch_metrics.values())


def test_a_failed_load_leaves_the_trainer_untouched(tmp_path: Path) -> None:
    trainer = _trainer()
    trainer.fit(image_loader(), steps=2)
    path = trainer.save(tmp_path / "a.pt")
    g_cfg, d_cfg = gk.models.dcgan(image_size=8, g_width=4, d_width=8, latent_dim=8)  # D differs
    other = gk.Trainer(
        gk.models.build_generator(g_cfg),
        gk.models.build_discriminator(d_cfg),
        config=gk.TrainerConfig(device="cpu"),
    )
    before = {k: v.clone() for k, v in other.generator.state_dict().items()}
    with pytest.raises(gk.train.CheckpointError, match="the saved discriminator does not fit"):
        other.load(path)
    assert all(torch.equal(v, other.generator.state_dict()[k]) for k, v in before.items())
    assert other.state.step == 0
