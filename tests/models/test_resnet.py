"""The ResNet generator and discriminator: shapes, gradients, labels and the fast paths."""

from __future__ import annotations

import dataclasses

import pytest
import torch
from hypothesis import given
from torch import nn
from torch.nn.utils import parametrize

import gankit as gk
from gankit.models import (
    ConditionalBatchNorm2d,
    ResNetDiscriminator,
    ResNetDiscriminatorConfig,
    ResNetGenerator,
    ResNetGeneratorConfig,
    SelfAttention2d,
    build_resnet_discriminator,
    build_resnet_generator,
)
from tests.models.netcheck import (
    all_finite,
    faces,
    labels_for,
    parameters_with_zero_gradient,
    parameters_without_gradient,
    run_pair,
    wake_up,
)
from tests.strategies import resnet_discriminator_configs, resnet_generator_configs


def _discriminator_for(g: ResNetGeneratorConfig, **kwargs: object) -> ResNetDiscriminator:
    cfg = ResNetDiscriminatorConfig(
        image_size=g.image_size,
        channels=g.channels,
        width=4,
        start_size=g.first_size,
        num_classes=g.num_classes,
        num_attributes=g.num_attributes,
        **kwargs,  # type: ignore[arg-type]
    )
    return build_resnet_discriminator(cfg)


@given(resnet_generator_configs())
def test_generator_output_shape(cfg: ResNetGeneratorConfig) -> None:
    G = build_resnet_generator(cfg)
    z = torch.randn(3, cfg.latent_dim)
    y = labels_for(G, 3)
    out = G(z) if y is None else G(z, y)
    assert out.shape == (3, cfg.channels, cfg.image_size, cfg.image_size)
    assert bool(torch.isfinite(out).all())
    if cfg.output_activation == "tanh":
        assert bool(out.abs().max() <= 1)
    assert len(G.blocks) == cfg.stages
    assert sum(isinstance(m, SelfAttention2d) for m in G.modules()) == len(cfg.attention)


@given(resnet_discriminator_configs())
def test_discriminator_output_shape(cfg: ResNetDiscriminatorConfig) -> None:
    D = build_resnet_discriminator(cfg)
    x = torch.randn(4, cfg.channels, cfg.image_size, cfg.image_size)
    y = labels_for(D, 4)
    out = D(x) if y is None else D(x, y)
    assert out.shape == (4,)
    assert bool(torch.isfinite(out).all())
    assert len(D.blocks) == cfg.stages + cfg.extra_blocks
    assert sum(isinstance(m, SelfAttention2d) for m in D.modules()) == len(cfg.attention)


@given(resnet_generator_configs(), resnet_discriminator_configs())
def test_every_parameter_gets_a_finite_gradient(
    g_cfg: ResNetGeneratorConfig, d_cfg: ResNetDiscriminatorConfig
) -> None:
    G = build_resnet_generator(g_cfg)
    D = _discriminator_for(g_cfg, spectral_norm=d_cfg.spectral_norm, norm=d_cfg.norm)
    wake_up(G)
    _, logits = run_pair(G, D, batch=4)
    logits.sum().backward()
    assert parameters_without_gradient(G) == []
    assert parameters_without_gradient(D) == []
    D2 = build_resnet_discriminator(d_cfg)
    wake_up(D2)
    x = torch.randn(4, d_cfg.channels, d_cfg.image_size, d_cfg.image_size)
    y = labels_for(D2, 4)
    (D2(x) if y is None else D2(x, y)).sum().backward()
    assert parameters_without_gradient(D2) == []


@pytest.mark.parametrize("conditioning", ["none", "per_class", "shared", "attributes"])
def test_gradients_reach_every_parameter(conditioning: str) -> None:
    kw: dict[str, object] = {}
    if conditioning in ("per_class", "shared"):
        kw = {"num_classes": 3, "class_embedding": conditioning}
    elif conditioning == "attributes":
        kw = {"num_attributes": 5}
    g = ResNetGeneratorConfig(image_size=16, width=4, latent_dim=6, attention=(8,), **kw)  # type: ignore[arg-type]
    G = build_resnet_generator(g)
    D = _discriminator_for(g, attention=(8,), minibatch_std=2, extra_blocks=1)
    wake_up(G)
    wake_up(D)
    z = torch.randn(6, 6)
    y = {"none": None, "attributes": torch.eye(6, 5)}.get(conditioning, torch.tensor([0, 1, 2] * 2))
    args = [] if y is None else [y]
    D(G(z, *args), *args).square().sum().backward()
    assert parameters_with_zero_gradient(G) == []
    assert parameters_with_zero_gradient(D) == []
    assert parameters_without_gradient(G) == parameters_without_gradient(D) == []


@given(resnet_generator_configs())
def test_eval_mode_works_at_batch_one(cfg: ResNetGeneratorConfig) -> None:
    G = build_resnet_generator(cfg).eval()
    D = _discriminator_for(cfg, minibatch_std=4).eval()
    with torch.no_grad():
        images, logits = run_pair(G, D, batch=1)
    assert images.shape[0] == 1 and logits.shape == (1,)


def test_the_shortcut_rule() -> None:
    # "resample": a 1x1 conv wherever width or resolution changes (SNGAN); "width": only
    # where the width changes (BigGAN).
    same = dict(image_size=16, width=4, width_growth=1.0)
    G = build_resnet_generator(ResNetGeneratorConfig(**same))  # type: ignore[arg-type]
    assert all(b.shortcut is not None for b in G.blocks)
    G = build_resnet_generator(ResNetGeneratorConfig(**same, shortcut="width"))  # type: ignore[arg-type]
    assert all(b.shortcut is None for b in G.blocks)
    D = build_resnet_discriminator(
        ResNetDiscriminatorConfig(**same, shortcut="width", channels=4, extra_blocks=1)  # type: ignore[arg-type]
    )
    assert [b.shortcut is None for b in D.blocks] == [True, True, True]


def test_spectral_norm_covers_every_discriminator_weight() -> None:
    cfg = ResNetDiscriminatorConfig(image_size=16, width=4, num_classes=3, attention=(8,))
    weighted = (nn.Conv2d, nn.Linear, nn.Embedding)
    D = build_resnet_discriminator(cfg)
    layers = [m for m in D.modules() if isinstance(m, weighted)]
    assert layers and all(parametrize.is_parametrized(m, "weight") for m in layers)
    plain = build_resnet_discriminator(dataclasses.replace(cfg, spectral_norm=False))
    assert not any(parametrize.is_parametrized(m) for m in plain.modules())
    # In G, spectral norm (SAGAN, BigGAN) leaves the conditional-BN gains alone: they
    # start at one per class, a matrix spectral norm would rescale them.
    G = build_resnet_generator(
        ResNetGeneratorConfig(image_size=16, width=4, num_classes=3, spectral_norm=True)
    )
    for m in G.modules():
        if isinstance(m, ConditionalBatchNorm2d):
            assert not parametrize.is_parametrized(m.gain)
        elif isinstance(m, (nn.Conv2d, nn.Linear)):
            assert parametrize.is_parametrized(m, "weight")


def test_label_errors_are_clear() -> None:
    g = ResNetGeneratorConfig(image_size=8, width=4, latent_dim=4, num_classes=3)
    G = build_resnet_generator(g)
    z = torch.randn(2, 4)
    with pytest.raises(ValueError, match=r"conditional \(num_classes=3\): pass labels"):
        G(z)
    with pytest.raises(ValueError, match=r"class indices in \[0, 3\), got values in \[0, 3\]"):
        G(z, torch.tensor([0, 3]))
    with pytest.raises(ValueError, match=r"got values in \[-1, 0\]"):
        G(z, torch.tensor([-1, 0]))
    with pytest.raises(ValueError, match=r"labels of shape \(2,\), got shape \(2, 1\)"):
        G(z, torch.tensor([[0], [1]]))
    with pytest.raises(TypeError, match="integer class labels"):
        G(z, torch.tensor([0.0, 1.0]))
    D = _discriminator_for(ResNetGeneratorConfig(image_size=8, width=4, num_attributes=4))
    x = torch.randn(2, 3, 8, 8)
    with pytest.raises(ValueError, match=r"num_attributes=4\): pass labels"):
        D(x)
    with pytest.raises(ValueError, match=r"attribute values must be in \[0, 1\]"):
        D(x, torch.tensor([[0, 1, 2, 0], [0, 0, 0, 0]]))
    with pytest.raises(ValueError, match=r"shape \(2, 4\), got shape \(2, 5\)"):
        D(x, torch.zeros(2, 5))
    with pytest.raises(ValueError, match=r"class indices in \[0, 4\)"):
        D(x, torch.tensor([0, 4]))  # one-hot style indices are range-checked too
    U = build_resnet_discriminator(ResNetDiscriminatorConfig(image_size=8, width=4))
    with pytest.raises(ValueError, match="unconditional"):
        U(x, torch.tensor([0, 1]))
    with pytest.raises(ValueError, match=r"images of shape \(B, 3, 8, 8\)"):
        U(torch.randn(2, 3, 16, 16))
    with pytest.raises(ValueError, match=r"z of shape \(B, 128\)"):
        build_resnet_generator(ResNetGeneratorConfig(image_size=8, width=4))(torch.randn(2, 3))


def test_one_hot_indices_equal_attribute_vectors() -> None:
    g = ResNetGeneratorConfig(image_size=8, width=4, latent_dim=4, num_attributes=5)
    G = build_resnet_generator(g).eval()
    z = torch.randn(2, 4)
    with torch.no_grad():
        a = G(z, torch.tensor([1, 4]))
        b = G(z, torch.nn.functional.one_hot(torch.tensor([1, 4]), 5))
    torch.testing.assert_close(a, b, rtol=0, atol=0)


def test_conditional_batch_norm_converts_to_sync_batch_norm() -> None:
    G = build_resnet_generator(
        ResNetGeneratorConfig(image_size=16, width=4, num_classes=3, spectral_norm=True)
    )
    conditional = [m for m in G.modules() if isinstance(m, ConditionalBatchNorm2d)]
    plain = sum(isinstance(m, nn.BatchNorm2d) for m in G.modules())
    assert conditional and plain == len(conditional) + 1  # + the plain BN before to_image
    converted = nn.SyncBatchNorm.convert_sync_batchnorm(G)  # type: ignore[no-untyped-call]
    assert sum(isinstance(m, nn.SyncBatchNorm) for m in converted.modules()) == plain
    assert all(isinstance(m.bn, nn.SyncBatchNorm) for m in conditional)


def test_builders_reject_other_configs() -> None:
    with pytest.raises(TypeError, match="ResNetGeneratorConfig"):
        build_resnet_generator(ResNetDiscriminatorConfig())  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="ResNetDiscriminatorConfig"):
        build_resnet_discriminator(gk.models.DiscriminatorConfig())  # type: ignore[arg-type]
    assert isinstance(
        gk.models.build(ResNetGeneratorConfig(image_size=8, width=2)), ResNetGenerator
    )


@pytest.mark.parametrize("conditional", [False, True])
def test_trains_with_channels_last_and_bf16_on_cpu(conditional: bool) -> None:
    g = ResNetGeneratorConfig(
        image_size=16, width=4, latent_dim=8, attention=(8,), num_classes=3 if conditional else 0
    )
    G = build_resnet_generator(g)
    D = _discriminator_for(g, attention=(8,), minibatch_std=2)
    data: list[object] = list(faces(16, 16, 8))
    if conditional:
        data = [(x, torch.arange(len(x)) % 3) for x in data]
    cfg = gk.TrainerConfig(device="cpu", channels_last=True, precision="bf16", log_every=1)
    trainer = gk.Trainer(G, D, loss=gk.losses.Hinge(), config=cfg)
    trainer.fit(data, steps=3)
    assert trainer.state.step == 3
    assert all_finite(G) and all_finite(D)
    assert trainer.sample(3, seed=0).shape == (3, 3, 16, 16)


def test_compiles_without_graph_breaks() -> None:
    # fullgraph=True fails on any graph break: the label checks must not read values
    # while compiling (the same property keeps CUDA-graph capture free of host syncs).
    g = ResNetGeneratorConfig(image_size=8, width=4, latent_dim=4, num_classes=3, attention=(8,))
    G = build_resnet_generator(g).eval()  # eval: no power-iteration or BN-statistics updates
    D = _discriminator_for(g, attention=(4,), minibatch_std=2).eval()
    z, y = torch.randn(2, 4), torch.tensor([0, 2])
    fake = torch.compile(G, backend="eager", fullgraph=True)(z, y)
    logits = torch.compile(D, backend="eager", fullgraph=True)(fake, y)
    torch.testing.assert_close(logits, D(G(z, y), y))


def test_trainer_feeds_attribute_vectors_and_samples_with_one_hot_labels() -> None:
    g = ResNetGeneratorConfig(image_size=16, width=4, latent_dim=8, num_attributes=40)
    G = build_resnet_generator(g)
    D = _discriminator_for(g)
    data = [(x, torch.randint(0, 2, (len(x), 40))) for x in faces(16, 16, 8)]
    trainer = gk.Trainer(G, D, loss=gk.losses.Hinge(), config=gk.TrainerConfig(device="cpu"))
    assert trainer.num_classes == 40  # the trainer passes the batches' attribute vectors
    trainer.fit(data, steps=2)
    assert trainer.sample(5, seed=0).shape == (5, 3, 16, 16)  # cycling labels read as one-hot
