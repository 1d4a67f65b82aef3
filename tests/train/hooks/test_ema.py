"""The EMA hook: parameters and BatchNorm buffers averaged, plain checkpoints, exact resume."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from torch import Tensor, nn

import gankit as gk
from gankit.train.hooks import EMA, Checkpoint
from tests.train.nets import image_loader, tiny_conv_pair


def _trainer(hooks: list[gk.train.Hook], seed: int = 0) -> gk.Trainer:
    G, D = tiny_conv_pair(seed=seed)  # DCGAN nets: the generator has BatchNorm
    config = gk.TrainerConfig(device="cpu", seed=7, log_every=2)
    return gk.Trainer(G, D, loss=gk.losses.NonSaturating(), config=config, hooks=hooks)


def _float_state(module: nn.Module) -> dict[str, Tensor]:
    return {k: v.detach().clone() for k, v in module.state_dict().items() if v.is_floating_point()}


def test_the_generator_under_test_has_batchnorm_buffers() -> None:
    G, _ = tiny_conv_pair()
    assert any(isinstance(m, nn.BatchNorm2d) for m in G.modules())
    assert any(name.endswith("running_var") for name, _ in G.named_buffers())


def test_batchnorm_buffers_are_averaged_like_the_weights() -> None:
    """Issue 18.2: the old hook copied the live running statistics into the average.

    Three updates with a fixed decay: every float entry of the averaged ``state_dict``
    (weights, biases, running means and variances) follows the recurrence
    ``e <- beta e + (1 - beta) live``, starting from the initial generator.
    """
    beta = 0.5
    ema = EMA(decay=beta, warmup=False)
    trainer = _trainer([ema])
    expected = _float_state(trainer.generator)
    data = image_loader(n=36)
    for step in (1, 2, 3):
        trainer.fit(data, steps=step)
        live = _float_state(trainer.generator)
        expected = {k: beta * expected[k] + (1 - beta) * live[k] for k in expected}
    assert ema.module is not None and ema.updates == 3
    averaged = _float_state(ema.module)
    for name, value in expected.items():
        torch.testing.assert_close(averaged[name], value, msg=name)
    live = _float_state(trainer.generator)
    running = [k for k in live if k.endswith(("running_mean", "running_var"))]
    assert running and all(not torch.equal(averaged[k], live[k]) for k in running)


def test_average_is_a_plain_generator_with_plain_checkpoint_keys(tmp_path: Path) -> None:
    ema = EMA(decay=0.9)
    trainer = _trainer([ema])
    trainer.fit(image_loader(), steps=3)
    assert ema.module is not None and type(ema.module) is type(trainer.generator)
    assert trainer.sampling_generator() is ema.module
    assert trainer.sampling_generator(ema=False) is trainer.generator
    assert not ema.module.training and not any(p.requires_grad for p in ema.module.parameters())
    state = ema.state_dict()
    assert list(state["module"]) == list(trainer.generator.state_dict())  # no "module." prefix
    path = trainer.save(tmp_path / "run.pt")
    loaded = gk.train.load_generator(path, ema=True)
    z = torch.randn(5, trainer.latent_dim)
    with torch.no_grad():
        torch.testing.assert_close(loaded.eval()(z), ema.module(z))


def test_fixed_decay_formula_on_parameters_and_warmup_and_half_life() -> None:
    ema = EMA(decay=0.75, warmup=False)
    trainer = _trainer([ema])
    before = _float_state(trainer.generator)
    trainer.fit(image_loader(), steps=1)
    assert ema.module is not None
    after = _float_state(trainer.generator)
    for name, value in _float_state(ema.module).items():
        torch.testing.assert_close(value, 0.75 * before[name] + 0.25 * after[name])
    halving = EMA(half_life_images=1000.0, warmup=True)
    assert halving.decay_at(updates=10**6, images=1000) == pytest.approx(0.5)
    assert halving.decay_at(updates=0, images=1) == pytest.approx(0.1)
    with pytest.raises(ValueError, match=r"EMA\.decay must be a number in"):
        EMA(decay=1.0)


def test_every_n_updates_averages_buffers_too() -> None:
    ema = EMA(decay=0.5, warmup=False, every=3)
    trainer = _trainer([ema])
    initial = _float_state(trainer.generator)
    data = image_loader(n=36)
    trainer.fit(data, steps=2)
    assert ema.updates == 0 and ema.module is not None
    for name, value in _float_state(ema.module).items():
        assert torch.equal(value, initial[name]), name
    trainer.fit(data, steps=3)
    assert ema.updates == 1
    live = _float_state(trainer.generator)
    for name, value in _float_state(ema.module).items():
        torch.testing.assert_close(value, 0.5 * initial[name] + 0.5 * live[name])


@pytest.mark.parametrize("ema_first", [True, False])
def test_resume_reproduces_the_average_exactly(tmp_path: Path, ema_first: bool) -> None:
    def run(directory: Path, steps: int, resume: Path | None = None) -> EMA:
        ema = EMA(decay=0.9)
        ckpt = Checkpoint(directory, every_n_steps=3, every_n_epochs=None, keep_last=None)
        hooks: list[gk.train.Hook] = [ema, ckpt] if ema_first else [ckpt, ema]
        _trainer(hooks, seed=0 if resume is None else 99).fit(  # other init when resuming
            image_loader(), steps=steps, resume=resume
        )
        return ema

    full = run(tmp_path / "a", 9)
    resumed = run(tmp_path / "b", 9, resume=tmp_path / "a" / "step-00000006.pt")
    assert full.module is not None and resumed.module is not None
    assert full.updates == resumed.updates == 9
    a, b = full.module.state_dict(), resumed.module.state_dict()
    assert list(a) == list(b)
    for name in a:
        assert torch.equal(a[name], b[name]), name
