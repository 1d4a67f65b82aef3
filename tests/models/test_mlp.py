from __future__ import annotations

import dataclasses
from typing import Any
from unittest import mock

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from gankit import _validation as V
from gankit.models import (
    MLPDiscriminatorConfig,
    MLPGeneratorConfig,
    build_mlp_discriminator,
    build_mlp_generator,
)
from tests.strategies import (
    INVALID_MLP_VALUES,
    expected_error,
    invalid_overrides,
    mlp_discriminator_configs,
    mlp_generator_configs,
)


@given(g_cfg=mlp_generator_configs(), d_cfg=mlp_discriminator_configs(), batch=st.integers(2, 5))
def test_mlp_shapes_and_gradients(
    g_cfg: MLPGeneratorConfig, d_cfg: MLPDiscriminatorConfig, batch: int
) -> None:
    G, D = build_mlp_generator(g_cfg), build_mlp_discriminator(d_cfg)
    g_labels = torch.randint(0, 3, (batch,)) if g_cfg.num_classes else None
    d_labels = torch.randint(0, 3, (batch,)) if d_cfg.num_classes else None
    x = G(torch.randn(batch, g_cfg.latent_dim), g_labels)
    assert x.shape == (batch, g_cfg.data_dim) and x.dtype == torch.float32
    if g_cfg.output_activation == "tanh":
        assert x.abs().max() <= 1
    logits = D(torch.randn(batch, d_cfg.data_dim), d_labels)
    assert logits.shape == (batch,)
    (x.square().mean() + logits.square().mean()).backward()
    for net in (G, D):
        for name, p in net.named_parameters():
            assert p.grad is not None and torch.isfinite(p.grad).all(), name
    G.eval(), D.eval()
    with torch.no_grad():
        assert G(
            torch.randn(1, g_cfg.latent_dim), None if g_labels is None else g_labels[:1]
        ).shape == (1, g_cfg.data_dim)
        assert D(
            torch.randn(1, d_cfg.data_dim), None if d_labels is None else d_labels[:1]
        ).shape == (1,)


@given(cfg=mlp_generator_configs(), bad=invalid_overrides(INVALID_MLP_VALUES))
def test_invalid_mlp_configs_raise_type_or_value_error(
    cfg: MLPGeneratorConfig, bad: dict[str, Any]
) -> None:
    ((field, value),) = bad.items()
    with pytest.raises(expected_error(MLPGeneratorConfig, field, value), match=field):
        dataclasses.replace(cfg, **bad)


@given(cfg=mlp_discriminator_configs(), bad=invalid_overrides(INVALID_MLP_VALUES))
def test_invalid_mlp_discriminator_configs_raise(
    cfg: MLPDiscriminatorConfig, bad: dict[str, Any]
) -> None:
    ((field, value),) = bad.items()
    with pytest.raises(expected_error(MLPDiscriminatorConfig, field, value), match=field):
        dataclasses.replace(cfg, **bad)


def test_mlp_input_errors() -> None:
    G = build_mlp_generator(MLPGeneratorConfig(latent_dim=3))
    with pytest.raises(ValueError, match=r"z of shape \(B, 3\), got \(4, 2\)"):
        G(torch.randn(4, 2))
    D = build_mlp_discriminator(MLPDiscriminatorConfig(data_dim=2))
    with pytest.raises(ValueError, match=r"x of shape \(B, 2\), got \(4, 3\)"):
        D(torch.randn(4, 3))


def test_mlp_hidden_bias_follows_norm() -> None:
    G = build_mlp_generator(MLPGeneratorConfig(norm="batch", hidden_dims=(8, 8)))
    linears = [m for m in G.hidden.modules() if isinstance(m, torch.nn.Linear)]
    assert linears and all(m.bias is None for m in linears)
    D = build_mlp_discriminator(MLPDiscriminatorConfig(norm="none", hidden_dims=(8,)))
    assert all(m.bias is not None for m in D.modules() if isinstance(m, torch.nn.Linear))


@settings(max_examples=30, deadline=None)
@given(g_cfg=mlp_generator_configs(), d_cfg=mlp_discriminator_configs())
def test_parameter_bound_covers_the_built_mlp(
    g_cfg: MLPGeneratorConfig, d_cfg: MLPDiscriminatorConfig
) -> None:
    """The size check estimates from above, and not by much (issue 16.6)."""
    for cfg, net in ((g_cfg, build_mlp_generator(g_cfg)), (d_cfg, build_mlp_discriminator(d_cfg))):
        n = sum(p.numel() for p in net.parameters())
        refused = rf"{type(cfg).__name__} with .*hidden_dims=.*more than"
        with (
            mock.patch.object(V, "MAX_PARAMETERS", n - 1),
            pytest.raises(ValueError, match=refused),
        ):
            dataclasses.replace(cfg)
        with mock.patch.object(V, "MAX_PARAMETERS", 2 * n + 64):
            dataclasses.replace(cfg)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        (
            {"hidden_dims": (2**14 + 1,)},
            ValueError,
            r"hidden_dims\[0\] must be an int in \[1, 16384\]",
        ),
        ({"hidden_dims": (8,) * 65}, ValueError, r"hidden_dims must be a tuple of 1 to 64 ints"),
        ({"hidden_dims": [8]}, TypeError, r"hidden_dims must be a tuple .*got \[8\] \(list\)"),
        ({"data_dim": 2**63}, ValueError, r"data_dim must be an int in \[1, 2\*\*20\], got 92"),
        ({"latent_dim": 10**400}, ValueError, r"latent_dim must be an int in \[1, 65536\], got 1"),
        ({"negative_slope": -(10**400)}, ValueError, r"negative_slope must be a number in \[0\.0"),
        ({"num_classes": 2**20}, ValueError, r"MLPGeneratorConfig with .*num_classes=1048576"),
    ],
)
def test_mlp_sizes_are_bounded(
    kwargs: dict[str, Any], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        MLPGeneratorConfig(**kwargs)
