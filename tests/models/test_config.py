from __future__ import annotations

import dataclasses
from typing import Any
from unittest import mock

import pytest
import torch
from hypothesis import given, settings

from gankit import _validation as V
from gankit.models import (
    DiscriminatorConfig,
    GeneratorConfig,
    build_discriminator,
    build_generator,
)
from tests.strategies import (
    INVALID_DISCRIMINATOR_VALUES,
    INVALID_GENERATOR_VALUES,
    discriminator_configs,
    expected_error,
    generator_configs,
    invalid_overrides,
)


@given(cfg=generator_configs(), bad=invalid_overrides(INVALID_GENERATOR_VALUES))
def test_invalid_generator_configs_raise_type_or_value_error(
    cfg: GeneratorConfig, bad: dict[str, Any]
) -> None:
    ((field, value),) = bad.items()
    with pytest.raises(expected_error(GeneratorConfig, field, value), match=field) as err:
        dataclasses.replace(cfg, **bad)
    assert repr(value) in str(err.value) or f"={value}" in str(err.value)


@given(cfg=discriminator_configs(), bad=invalid_overrides(INVALID_DISCRIMINATOR_VALUES))
def test_invalid_discriminator_configs_raise_type_or_value_error(
    cfg: DiscriminatorConfig, bad: dict[str, Any]
) -> None:
    ((field, value),) = bad.items()
    with pytest.raises(expected_error(DiscriminatorConfig, field, value), match=field) as err:
        dataclasses.replace(cfg, **bad)
    assert repr(value) in str(err.value) or f"={value}" in str(err.value)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"image_size": 100},
            r"GeneratorConfig.image_size must be start_size \* 2\*\*k.*got image_size=100.*start_size=25",
        ),
        ({"image_size": 48}, r"e\.g\. start_size=3"),
        ({"width": 0}, r"GeneratorConfig.width must be an int in \[1, 16384\], got 0"),
        ({"norm": "spectral"}, r"spectral_norm=True"),
        (
            {"norm": "bn"},
            r"GeneratorConfig.norm must be one of 'batch', 'instance', 'group', 'layer', 'none', got 'bn'",
        ),
        ({"kernel_size": 3}, r"kernel_size must be even .* got 3"),
        ({"upsample": "resize", "kernel_size": 4}, r"kernel_size must be odd .* got 4"),
        (
            {"norm": "group", "width": 6},
            r"norm_groups must divide every stage width \(6, 12, 24, 48\).*got norm_groups=32",
        ),
        (
            {"start_size": 4, "num_stages": 3},
            r"start_size=4 and num_stages=3 give 32, which is not image_size=64",
        ),
        (
            {"num_stages": 7},
            r"num_stages=7 needs image_size divisible by 2\*\*7, got image_size=64",
        ),
        (
            {"image_size": 8, "start_size": 1, "norm": "instance"},
            r"norm='instance' needs feature maps of at least 2x2",
        ),
        (
            {"image_size": 16, "start_size": 1, "width": 4, "width_growth": 1.0, "norm": "layer"},
            None,
        ),
        (
            {"image_size": 8, "start_size": 1, "width": 1, "width_growth": 1.0, "norm": "layer"},
            r"norm='layer' would normalize single values",
        ),
        ({"negative_slope": 1.0}, r"negative_slope must be a number in \[0.0, 1.0\), got 1.0"),
    ],
)
def test_error_messages_name_field_value_and_allowed(
    kwargs: dict[str, Any], message: str | None
) -> None:
    if message is None:  # the valid neighbour of an invalid case
        GeneratorConfig(**kwargs)
        return
    with pytest.raises(ValueError, match=message):
        GeneratorConfig(**kwargs)


def test_discriminator_kernel_parity_for_pooling() -> None:
    with pytest.raises(ValueError, match=r"DiscriminatorConfig.kernel_size must be odd .* got 4"):
        DiscriminatorConfig(downsample="pool", kernel_size=4)


def test_geometry_is_derived_from_size() -> None:
    cfg = GeneratorConfig(image_size=128)
    assert (cfg.first_size, cfg.stages) == (4, 5)
    cfg = GeneratorConfig(image_size=128, num_stages=3)
    assert (cfg.first_size, cfg.stages) == (16, 3)
    cfg = GeneratorConfig(image_size=96, start_size=3)
    assert (cfg.first_size, cfg.stages) == (3, 5)


def test_widths_grow_and_are_capped() -> None:
    assert GeneratorConfig(image_size=256, width=64).widths == (64, 128, 256, 512, 1024, 2048)
    assert GeneratorConfig(image_size=256, width=64, max_width=512).widths == (
        64,
        128,
        256,
        512,
        512,
        512,
    )
    assert GeneratorConfig(image_size=32, width=10, width_growth=1.5).widths == (10, 15, 22)


def test_configs_are_frozen() -> None:
    cfg = GeneratorConfig()
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.width = 3  # type: ignore[misc]


def _parameters(module: torch.nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


@settings(max_examples=40, deadline=None)
@given(g_cfg=generator_configs(), d_cfg=discriminator_configs())
def test_parameter_bound_covers_the_built_net(
    g_cfg: GeneratorConfig, d_cfg: DiscriminatorConfig
) -> None:
    """The size check estimates from above, and not by much (issue 16.6)."""
    for cfg, net in ((g_cfg, build_generator(g_cfg)), (d_cfg, build_discriminator(d_cfg))):
        n = _parameters(net)
        refused = rf"{type(cfg).__name__} with .*width=.*more than"
        with (
            mock.patch.object(V, "MAX_PARAMETERS", n - 1),
            pytest.raises(ValueError, match=refused),
        ):
            dataclasses.replace(cfg)
        with mock.patch.object(V, "MAX_PARAMETERS", 2 * n + 64):
            dataclasses.replace(cfg)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"width": 2**14 + 1}, r"GeneratorConfig\.width must be an int in \[1, 16384\], got 16385"),
        ({"channels": 2**10 + 1}, r"channels must be an int in \[1, 1024\], got 1025"),
        ({"latent_dim": 2**16 + 1}, r"latent_dim must be an int in \[1, 65536\], got 65537"),
        ({"num_classes": 2**20 + 1}, r"num_classes must be an int in \[0, 2\*\*20\], got 1048577"),
        ({"image_size": 2**14}, r"image_size must be an int in \[2, 8192\], got 16384"),
        ({"max_width": 2**63}, r"max_width must be None or an int in \[1, 16384\], got 92233"),
        ({"class_embedding_dim": 10**400}, r"class_embedding_dim must be None or an int in \[1, 1"),
        ({"negative_slope": 10**400}, r"negative_slope must be a number in \[0\.0, 1\.0\), got 1"),
        ({"width_growth": 10**400}, r"width_growth must be a number in \[1\.0, 16\.0\], got 1"),
        ({"width": 2**14}, r"GeneratorConfig with .*width=16384.* describes a net of about"),
        (
            {"num_classes": 2**20},
            r"GeneratorConfig with .*num_classes=1048576.* describes a net of about 1\.1",
        ),
    ],
)
def test_sizes_are_bounded(kwargs: dict[str, Any], message: str) -> None:
    """Issue 16.6: huge ints were accepted and failed at build; huge floats overflowed."""
    with pytest.raises(ValueError, match=message):
        GeneratorConfig(**kwargs)


def test_the_bounds_themselves_are_accepted() -> None:
    # Each bound is allowed where the whole net stays within MAX_PARAMETERS.
    GeneratorConfig(image_size=8192, width=1, width_growth=1.0)
    GeneratorConfig(latent_dim=2**16, width=8)
    DiscriminatorConfig(channels=2**10, width=8, num_classes=2**20, max_width=8)
