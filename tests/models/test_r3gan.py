"""R3GAN-style nets: shapes, initialization, gradients, labels and the fast paths."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given

import gankit as gk
from gankit.models import (
    R3GANBlock,
    R3GANDiscriminator,
    R3GANDiscriminatorConfig,
    R3GANGenerator,
    R3GANGeneratorConfig,
    build_r3gan_discriminator,
    build_r3gan_generator,
)
from tests.models.netcheck import (
    all_finite,
    faces,
    labels_for,
    parameters_with_zero_gradient,
    parameters_without_gradient,
    wake_up,
)
from tests.strategies import r3gan_configs

SMALL = {"image_size": 16, "widths": (8, 8, 4), "cardinalities": (2, 2, 1)}


def _pair(**kwargs: object) -> tuple[R3GANGenerator, R3GANDiscriminator]:
    g = R3GANGeneratorConfig(**SMALL, latent_dim=6, **kwargs)  # type: ignore[arg-type]
    d = R3GANDiscriminatorConfig(**SMALL, **kwargs)  # type: ignore[arg-type]
    return build_r3gan_generator(g), build_r3gan_discriminator(d)


@given(r3gan_configs(R3GANGeneratorConfig))
def test_generator_output_shape(cfg: R3GANGeneratorConfig) -> None:
    G = build_r3gan_generator(cfg)
    z = torch.randn(2, cfg.latent_dim)
    y = labels_for(G, 2)
    out = G(z) if y is None else G(z, y)
    assert out.shape == (2, cfg.channels, cfg.image_size, cfg.image_size)
    assert bool(torch.isfinite(out).all())
    assert sum(isinstance(m, R3GANBlock) for m in G.modules()) == cfg.num_blocks


@given(r3gan_configs(R3GANDiscriminatorConfig))
def test_discriminator_output_shape_and_gradients(cfg: R3GANDiscriminatorConfig) -> None:
    D = build_r3gan_discriminator(cfg)
    wake_up(D)
    x = torch.randn(3, cfg.channels, cfg.image_size, cfg.image_size)
    y = labels_for(D, 3)
    out = D(x) if y is None else D(x, y)
    assert out.shape == (3,)
    out.sum().backward()
    assert parameters_without_gradient(D) == []


@pytest.mark.parametrize("kwargs", [{}, {"num_classes": 3}, {"num_attributes": 5}])
def test_gradients_reach_every_parameter(kwargs: dict[str, int]) -> None:
    G, D = _pair(**kwargs)
    wake_up(G)
    wake_up(D)
    y = labels_for(G, 4)
    args = [] if y is None else [y]
    D(G(torch.randn(4, 6), *args), *args).square().sum().backward()
    assert parameters_with_zero_gradient(G) == parameters_with_zero_gradient(D) == []
    assert parameters_without_gradient(G) == parameters_without_gradient(D) == []


def test_blocks_start_as_identity_with_fixup_scaled_weights() -> None:
    torch.manual_seed(0)
    blocks = 16
    block = R3GANBlock(64, cardinality=8, expansion=2, num_blocks=blocks)
    x = torch.randn(2, 64, 4, 4)
    assert torch.equal(block(x), x)
    assert torch.count_nonzero(block.project.weight) == 0
    gain = math.sqrt(2 / (1 + 0.2**2)) * blocks ** (-1 / 4)
    for conv in (block.expand, block.grouped):
        w = conv.weight.detach()
        expected = gain / math.sqrt(w[0].numel())
        # The sample std of n normal draws is within 5 / sqrt(2n) of sigma (relative)
        # except with probability < 1e-6; n >= 8192 here.
        assert abs(float(w.std()) / expected - 1) < 5 / math.sqrt(2 * w.numel())


def test_no_normalization_layers() -> None:
    G, D = _pair(num_classes=3)
    norms = (torch.nn.BatchNorm2d, torch.nn.GroupNorm, torch.nn.InstanceNorm2d, torch.nn.LayerNorm)
    assert not any(isinstance(m, norms) for net in (G, D) for m in net.modules())


def test_eval_at_batch_one_and_label_errors() -> None:
    G, D = _pair(num_classes=3)
    G.eval()
    D.eval()
    with torch.no_grad():
        assert D(G(torch.randn(1, 6), torch.tensor([2])), torch.tensor([2])).shape == (1,)
    with pytest.raises(ValueError, match=r"conditional \(num_classes=3\): pass labels"):
        G(torch.randn(2, 6))
    with pytest.raises(ValueError, match=r"\[0, 3\), got values in \[0, 3\]"):
        D(torch.randn(2, 3, 16, 16), torch.tensor([0, 3]))
    with pytest.raises(ValueError, match=r"z of shape \(B, 6\)"):
        G(torch.randn(2, 5), torch.tensor([0, 1]))
    with pytest.raises(ValueError, match=r"images of shape \(B, 3, 16, 16\)"):
        D(torch.randn(2, 3, 8, 8), torch.tensor([0, 1]))
    with pytest.raises(TypeError, match="R3GANGeneratorConfig"):
        build_r3gan_generator(R3GANDiscriminatorConfig())  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="R3GANDiscriminatorConfig"):
        build_r3gan_discriminator(R3GANGeneratorConfig())  # type: ignore[arg-type]


def test_trains_with_the_paper_recipe_channels_last_and_bf16_on_cpu() -> None:
    G, D = _pair()
    schedule = gk.train.hooks.R3GANSchedule(total_images=64)
    cfg = gk.TrainerConfig(
        device="cpu", channels_last=True, precision="bf16", betas=(0.0, 0.9), log_every=1
    )
    trainer = gk.Trainer(
        G,
        D,
        loss=gk.losses.RelativisticPairing(),
        regularizer=gk.losses.R1R2Penalty(gamma=2.0),
        config=cfg,
        hooks=[schedule],
    )
    trainer.fit(faces(32, 16, 8), steps=4)
    assert trainer.state.step == 4 and trainer.state.images_seen == 32
    assert all_finite(G) and all_finite(D)
    assert {"d_loss", "g_loss"} <= set(trainer.state.metrics)
    # The schedule set the values for the last step (24 of 64 images seen).
    expected = schedule.values(24)
    assert trainer.g_optimizer.param_groups[0]["betas"] == (0.0, expected["beta2"])
    assert trainer.regularizer is not None
    assert getattr(trainer.regularizer, "gamma") == expected["gamma"]  # noqa: B009


def test_compiles_without_graph_breaks() -> None:
    G, D = _pair(num_attributes=5)
    z, y = torch.randn(2, 6), torch.randint(0, 2, (2, 5))
    fake = torch.compile(G, backend="eager", fullgraph=True)(z, y)
    logits = torch.compile(D, backend="eager", fullgraph=True)(fake, y)
    torch.testing.assert_close(logits, D(G(z, y), y))
