from __future__ import annotations

from pathlib import Path

import pytest
import torch

import gankit as gk
from gankit.augment import AdaptiveAugment
from gankit.train.hooks import Checkpoint
from tests.train.nets import tiny_conv_pair


def test_p_rises_while_d_overfits_and_falls_when_it_does_not() -> None:
    ada = AdaptiveAugment(speed_images=1000, interval=4)
    for _ in range(8):  # r_t = 1 > 0.6: two adjustments of 4 * 50 / 1000
        ada.observe(torch.ones(50))
    assert float(ada.p) == pytest.approx(0.4)
    assert float(ada.rt) == 1.0
    for _ in range(4):  # r_t = 0 < 0.6
        ada.observe(-torch.ones(50))
    assert float(ada.p) == pytest.approx(0.2)
    for _ in range(400):
        ada.observe(-torch.ones(50))
    assert float(ada.p) == 0.0  # clamped


def test_p_goes_from_zero_to_one_in_speed_images() -> None:
    ada = AdaptiveAugment(speed_images=6400, interval=4)
    batches = 0
    while float(ada.p) < 1.0:
        ada.observe(torch.ones(64))
        batches += 1
    assert batches * 64 == 6400  # exactly the paper's "0 to 1 within S images"


def test_adaptive_settings_are_validated() -> None:
    with pytest.raises(ValueError, match="target"):
        AdaptiveAugment(target=1.5)
    with pytest.raises(ValueError, match="interval"):
        AdaptiveAugment(interval=0)
    with pytest.raises(TypeError, match="adapts a DiffAugment"):
        AdaptiveAugment(torch.nn.Identity())  # type: ignore[arg-type]


def _trainer(augment: torch.nn.Module, hooks: list[gk.train.Hook] | None = None) -> gk.Trainer:
    G, D = tiny_conv_pair()
    step = gk.train.TrainingStep(augment=augment)
    config = gk.TrainerConfig(device="cpu", seed=5, log_every=2)
    return gk.Trainer(G, D, step=step, config=config, hooks=hooks or [])


def _faces() -> gk.data.DeviceLoader:
    return gk.data.DeviceLoader(gk.data.ToyFaces(36, image_size=8).tensor(), 6, seed=2)


def test_a_run_with_ada_resumes_exactly(tmp_path: Path) -> None:
    def ada() -> AdaptiveAugment:
        return AdaptiveAugment(speed_images=200, interval=2, initial=0.3)

    full = _trainer(ada())
    full.fit(_faces(), steps=11)
    first = _trainer(ada(), [Checkpoint(tmp_path, every_n_steps=4, every_n_epochs=None)])
    first.fit(_faces(), steps=8)
    resumed = _trainer(AdaptiveAugment(speed_images=200, interval=2))  # another p
    resumed.fit(_faces(), steps=11, resume=tmp_path)
    assert float(full.step.augment.p) == float(resumed.step.augment.p)  # type: ignore[union-attr]
    assert "augment_p" in full.state.metrics
    for k, v in full.generator.state_dict().items():
        assert torch.equal(v, resumed.generator.state_dict()[k]), k


def test_the_discriminator_sees_augmented_reals_and_fakes() -> None:
    seen: list[torch.Tensor] = []

    class Spy(torch.nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            out = x * 0  # D sees only zeros if this is in the path
            seen.append(out)
            return out

    trainer = _trainer(Spy())
    trainer.fit(_faces(), steps=1)
    # D update: real and fake; G update: fake
    assert len(seen) == 3
    assert trainer.state.metrics.get("real_logits") == trainer.state.metrics.get("fake_logits")


def test_augmentation_runs_through_the_graph_path_as_it_does_eagerly() -> None:
    def run(graphs: bool) -> gk.Trainer:
        G, D = tiny_conv_pair()
        step = gk.train.TrainingStep(augment=AdaptiveAugment(speed_images=500, interval=2))
        config = gk.TrainerConfig(device="cpu", seed=5, cuda_graphs=graphs)
        capture = gk.train.EagerCapture()
        trainer = gk.Trainer(G, D, step=step, config=config, graph_capture=capture)
        trainer.fit(_faces(), steps=6)
        return trainer

    eager, graphed = run(False), run(True)
    assert graphed.graphed is not None and graphed.graphed.graphs.captured == 1
    ada = graphed.step.augment
    assert isinstance(ada, AdaptiveAugment) and int(ada.batches) == 6
    assert torch.equal(ada.p, eager.step.augment.p)  # type: ignore[union-attr]
    for k, v in eager.generator.state_dict().items():
        assert torch.equal(v, graphed.generator.state_dict()[k]), k


def test_relativistic_losses_steer_p_by_how_d_ranks_reals_above_fakes() -> None:
    real, fake = torch.tensor([-3.0, -2.0, -4.0, -1.0]), torch.tensor([-5.0, -6.0, -5.0, -7.0])
    plain = gk.train.TrainingStep(loss=gk.losses.NonSaturating())
    assert torch.equal(plain.overfitting_signal(real, fake), real)  # ADA's sign(D(real))
    relative = gk.train.TrainingStep(loss=gk.losses.RelativisticPairing())
    signal = relative.overfitting_signal(real, fake)
    assert torch.equal(signal, real - fake)  # every real above its fake, all D(real) < 0
    ada = AdaptiveAugment(speed_images=100, interval=1)
    ada.observe(signal)
    assert float(ada.p) > 0  # D is sure of every pair: p rises (it stayed 0 on sign(D(real)))
    unpaired = relative.overfitting_signal(real, fake[:2])
    assert torch.equal(unpaired, real - fake[:2].mean())


def test_a_relativistic_run_gives_ada_the_logit_differences() -> None:
    class Shifted(torch.nn.Module):
        """The tiny D with every logit moved by -100 (invisible to a relativistic loss)."""

        def __init__(self, d: torch.nn.Module) -> None:
            super().__init__()
            self.d = d

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            out: torch.Tensor = self.d(x) - 100.0
            return out

    observed: list[torch.Tensor] = []

    class Spy(AdaptiveAugment):
        def observe(self, real_logits: torch.Tensor) -> None:
            observed.append(real_logits.detach().clone())
            super().observe(real_logits)

    G, D = tiny_conv_pair()
    step = gk.train.TrainingStep(loss=gk.losses.RelativisticPairing(), augment=Spy())
    config = gk.TrainerConfig(device="cpu", seed=5, log_every=2)
    gk.Trainer(G, Shifted(D), step=step, config=config).fit(_faces(), steps=3)
    assert len(observed) == 3
    assert all(o.abs().max() < 50 for o in observed)  # differences, not the shifted levels
