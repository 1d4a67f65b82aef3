from __future__ import annotations

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from torch import nn

from gankit.models import (
    ConvDiscriminator,
    ConvGenerator,
    DiscriminatorConfig,
    GeneratorConfig,
    MLPGeneratorConfig,
    build_discriminator,
    build_generator,
)
from tests.strategies import discriminator_configs, generator_configs


def _labels(num_classes: int, batch: int) -> torch.Tensor | None:
    return torch.randint(0, num_classes, (batch,)) if num_classes else None


def _assert_all_grads(module: nn.Module) -> None:
    missing = [n for n, p in module.named_parameters() if p.grad is None]
    assert not missing, f"no gradient reached {missing}"
    for n, p in module.named_parameters():
        assert p.grad is not None and torch.isfinite(p.grad).all(), n


@given(cfg=generator_configs(), batch=st.integers(2, 4))
def test_generator_shapes_range_and_gradients(cfg: GeneratorConfig, batch: int) -> None:
    G = build_generator(cfg)
    z = torch.randn(batch, cfg.latent_dim)
    out = G(z, _labels(cfg.num_classes, batch))
    assert out.shape == (batch, cfg.channels, cfg.image_size, cfg.image_size)
    assert out.dtype == torch.float32
    if cfg.output_activation == "tanh":
        assert out.min() >= -1 and out.max() <= 1
    if cfg.output_activation == "sigmoid":
        assert out.min() >= 0 and out.max() <= 1
    out.square().mean().backward()
    _assert_all_grads(G)


@given(cfg=discriminator_configs(), batch=st.integers(2, 4))
def test_discriminator_shapes_and_gradients(cfg: DiscriminatorConfig, batch: int) -> None:
    D = build_discriminator(cfg)
    x = torch.randn(batch, cfg.channels, cfg.image_size, cfg.image_size, requires_grad=True)
    logits = D(x, _labels(cfg.num_classes, batch))
    assert logits.shape == (batch,)
    assert logits.dtype == torch.float32
    logits.square().mean().backward()
    _assert_all_grads(D)
    assert x.grad is not None and torch.isfinite(x.grad).all()


@given(g_cfg=generator_configs(), d_cfg=discriminator_configs())
def test_eval_mode_works_at_batch_size_one(
    g_cfg: GeneratorConfig, d_cfg: DiscriminatorConfig
) -> None:
    G, D = build_generator(g_cfg).eval(), build_discriminator(d_cfg).eval()
    with torch.no_grad():
        img = G(torch.randn(1, g_cfg.latent_dim), _labels(g_cfg.num_classes, 1))
        logit = D(
            torch.randn(1, d_cfg.channels, d_cfg.image_size, d_cfg.image_size),
            _labels(d_cfg.num_classes, 1),
        )
    assert img.shape == (1, g_cfg.channels, g_cfg.image_size, g_cfg.image_size)
    assert logit.shape == (1,)
    assert torch.isfinite(img).all() and torch.isfinite(logit).all()


@pytest.mark.parametrize("size", [8, 16, 32, 64, 128, 256, 512])
def test_every_power_of_two_size_builds_with_default_start(size: int) -> None:
    g = GeneratorConfig(image_size=size, width=1, width_growth=1.0, latent_dim=4, norm="none")
    d = DiscriminatorConfig(image_size=size, width=1, width_growth=1.0, norm="none")
    G, D = build_generator(g), build_discriminator(d)
    img = G(torch.randn(2, 4))
    assert img.shape == (2, 3, size, size)
    assert D(img).shape == (2,)
    assert g.stages == d.stages == size.bit_length() - 3


@pytest.mark.parametrize(("size", "start"), [(48, 3), (80, 5), (96, 3), (24, 6), (28, 7)])
def test_non_power_of_two_sizes_via_start_size(size: int, start: int) -> None:
    G = build_generator(GeneratorConfig(image_size=size, start_size=start, width=2, latent_dim=3))
    D = build_discriminator(DiscriminatorConfig(image_size=size, start_size=start, width=2))
    assert D(G(torch.randn(2, 3))).shape == (2,)


def test_no_bias_before_a_norm_and_bias_otherwise() -> None:
    G = build_generator(GeneratorConfig(image_size=16, width=4, norm="batch"))
    D = build_discriminator(
        DiscriminatorConfig(image_size=16, width=4, norm="group", norm_groups=2)
    )
    for net in (G, D):
        for block in [*net.modules()]:
            if not isinstance(block, nn.Sequential):
                continue
            kids = list(block.children())
            for layer, nxt in zip(kids, [*kids[1:], None], strict=True):
                if isinstance(layer, (nn.Conv2d, nn.ConvTranspose2d)):
                    followed_by_norm = isinstance(nxt, (nn.BatchNorm2d, nn.GroupNorm))
                    assert (layer.bias is None) == followed_by_norm, block


def test_conv_bias_can_be_forced() -> None:
    for bias in (True, False):
        G = build_generator(GeneratorConfig(image_size=16, width=4, conv_bias=bias))
        convs = [m for m in G.modules() if isinstance(m, nn.ConvTranspose2d)]
        assert all((m.bias is not None) == bias for m in convs)


def test_resize_upsampling_and_pool_downsampling_use_no_strided_convs() -> None:
    G = build_generator(GeneratorConfig(image_size=16, width=4, upsample="resize"))
    assert not any(isinstance(m, nn.ConvTranspose2d) for m in G.blocks.modules())
    assert sum(isinstance(m, nn.Upsample) for m in G.modules()) == G.config.stages
    D = build_discriminator(DiscriminatorConfig(image_size=16, width=4, downsample="pool"))
    assert sum(isinstance(m, nn.AvgPool2d) for m in D.modules()) == D.config.stages
    assert all(m.stride == (1, 1) for m in D.modules() if isinstance(m, nn.Conv2d))


def test_linear_stem_and_linear_head() -> None:
    G = build_generator(GeneratorConfig(image_size=16, width=4, stem="linear", latent_dim=5))
    assert isinstance(G.stem[0], nn.Linear) and G.stem[0].in_features == 5
    D = build_discriminator(DiscriminatorConfig(image_size=16, width=4, head="linear"))
    assert isinstance(D.head[1], nn.Linear)
    assert D(G(torch.randn(3, 5))).shape == (3,)


def test_spectral_norm_parametrizes_every_weight() -> None:
    D = build_discriminator(DiscriminatorConfig(image_size=16, width=4, spectral_norm=True))
    layers = [m for m in D.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    assert layers and all(hasattr(m, "parametrizations") for m in layers)
    for _ in range(20):  # power iterations run in training-mode forward passes
        D(torch.randn(2, 3, 16, 16))
    with torch.no_grad():
        sigma = torch.linalg.matrix_norm(D.blocks[0][0].weight.flatten(1), ord=2)
    assert sigma.item() == pytest.approx(1.0, rel=0.05)


def test_conditional_models_use_labels() -> None:
    G = build_generator(GeneratorConfig(image_size=8, width=4, latent_dim=4, num_classes=3)).eval()
    D = build_discriminator(DiscriminatorConfig(image_size=8, width=4, num_classes=3)).eval()
    z = torch.randn(1, 4).expand(3, 4)
    imgs = G(z, torch.arange(3))
    assert not torch.allclose(imgs[0], imgs[1])
    x = torch.randn(1, 3, 8, 8).expand(3, 3, 8, 8)
    logits = D(x, torch.arange(3))
    assert not torch.allclose(logits[0], logits[1])


def test_forward_errors_name_the_problem() -> None:
    G = build_generator(GeneratorConfig(image_size=8, width=2, latent_dim=4))
    with pytest.raises(ValueError, match=r"z of shape \(B, 4\), got \(2, 5\)"):
        G(torch.randn(2, 5))
    with pytest.raises(ValueError, match="unconditional"):
        G(torch.randn(2, 4), torch.zeros(2, dtype=torch.long))
    D = build_discriminator(DiscriminatorConfig(image_size=8, width=2, num_classes=2))
    with pytest.raises(ValueError, match=r"\(B, 3, 8, 8\), got \(2, 3, 16, 16\)"):
        D(torch.randn(2, 3, 16, 16), torch.zeros(2, dtype=torch.long))
    with pytest.raises(ValueError, match="pass labels"):
        D(torch.randn(2, 3, 8, 8))
    with pytest.raises(ValueError, match=r"labels of shape \(2,\)"):
        D(torch.randn(2, 3, 8, 8), torch.zeros(3, dtype=torch.long))


def test_builders_reject_the_wrong_config_type() -> None:
    with pytest.raises(TypeError, match="build_mlp_generator"):
        build_generator(MLPGeneratorConfig())  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="DiscriminatorConfig"):
        build_discriminator(GeneratorConfig())  # type: ignore[arg-type]


def test_modules_are_plain_nn_modules() -> None:
    assert isinstance(build_generator(GeneratorConfig(image_size=8, width=2)), ConvGenerator)
    assert isinstance(
        build_discriminator(DiscriminatorConfig(image_size=8, width=2)), ConvDiscriminator
    )


def test_channels_last_and_bf16_autocast_forward() -> None:
    G = build_generator(GeneratorConfig(image_size=16, width=4, latent_dim=8))
    D = build_discriminator(DiscriminatorConfig(image_size=16, width=4))
    G, D = G.to(memory_format=torch.channels_last), D.to(memory_format=torch.channels_last)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        logits = D(G(torch.randn(2, 8)))
    assert logits.shape == (2,) and torch.isfinite(logits.float()).all()


def test_conv_nets_condition_on_attribute_vectors() -> None:
    g = GeneratorConfig(image_size=16, width=4, latent_dim=6, num_attributes=40)
    d = DiscriminatorConfig(image_size=16, width=4, num_attributes=40)
    G, D = build_generator(g), build_discriminator(d)
    assert G.num_classes == D.num_classes == 40  # what the Trainer reads to pass labels
    attrs = torch.randint(0, 2, (3, 40))
    out = D(G(torch.randn(3, 6), attrs), attrs)
    assert out.shape == (3,)
    out.sum().backward()
    _assert_all_grads(G)
    _assert_all_grads(D)
    with pytest.raises(ValueError, match=r"attribute vectors of shape \(3, 40\)"):
        G(torch.randn(3, 6))
    with pytest.raises(ValueError, match=r"attribute values must be in \[0, 1\]"):
        D(torch.zeros(3, 3, 16, 16), 2 * attrs + 1)
    # The projection term depends on the attributes.
    x = torch.randn(1, 3, 16, 16).expand(2, 3, 16, 16)
    logits = D(x, torch.eye(2, 40))
    assert not torch.allclose(logits[0], logits[1])


def test_class_and_attribute_conditioning_are_exclusive() -> None:
    with pytest.raises(ValueError, match="not both"):
        GeneratorConfig(num_classes=2, num_attributes=40)
    for bad in (-1, 2.5, None):
        with pytest.raises((ValueError, TypeError), match="num_attributes"):
            DiscriminatorConfig(num_attributes=bad)  # type: ignore[arg-type]
