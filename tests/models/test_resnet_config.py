"""ResNet configs: validation names the field, the value and what is allowed; geometry."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from hypothesis import given

from gankit.models import ResNetDiscriminatorConfig, ResNetGeneratorConfig
from tests.strategies import (
    INVALID_RESNET_DISCRIMINATOR_VALUES,
    INVALID_RESNET_GENERATOR_VALUES,
    invalid_overrides,
    resnet_discriminator_configs,
    resnet_generator_configs,
)

# Wrong types raise TypeError once gankit._validation distinguishes them; bad values ValueError.
CONFIG_ERRORS = (ValueError, TypeError)


@given(cfg=resnet_generator_configs(), bad=invalid_overrides(INVALID_RESNET_GENERATOR_VALUES))
def test_invalid_generator_configs_name_the_field(
    cfg: ResNetGeneratorConfig, bad: dict[str, Any]
) -> None:
    ((field, value),) = bad.items()
    with pytest.raises(CONFIG_ERRORS, match=field) as err:
        dataclasses.replace(cfg, **bad)
    assert repr(value) in str(err.value) or f"={value}" in str(err.value)


@given(
    cfg=resnet_discriminator_configs(), bad=invalid_overrides(INVALID_RESNET_DISCRIMINATOR_VALUES)
)
def test_invalid_discriminator_configs_name_the_field(
    cfg: ResNetDiscriminatorConfig, bad: dict[str, Any]
) -> None:
    ((field, value),) = bad.items()
    with pytest.raises(CONFIG_ERRORS, match=field) as err:
        dataclasses.replace(cfg, **bad)
    assert repr(value) in str(err.value) or f"={value}" in str(err.value)


@pytest.mark.parametrize(
    ("cls", "kwargs", "message"),
    [
        (ResNetGeneratorConfig, {"image_size": 48}, r"start_size \* 2\*\*k.*e\.g\. start_size=3"),
        (
            ResNetGeneratorConfig,
            {"image_size": 32, "attention": (4,)},
            r"attention must hold resolutions from \(8, 16, 32\), got \(4,\)",
        ),
        (
            ResNetDiscriminatorConfig,
            {"image_size": 32, "attention": (32,)},
            r"attention must hold resolutions from \(16, 8, 4\), got \(32,\)",
        ),
        (
            ResNetGeneratorConfig,
            {"num_classes": 3, "num_attributes": 40},
            r"num_classes .* or num_attributes .*not both.*num_classes=3, num_attributes=40",
        ),
        (
            ResNetDiscriminatorConfig,
            {"norm": "group", "width": 6},
            r"norm_groups must divide every normalized width \[6, 12, 24\].*norm_groups=32",
        ),
        (
            ResNetDiscriminatorConfig,
            {"norm": "instance", "image_size": 8, "start_size": 1},
            r"norm='instance' needs feature maps of at least 2x2",
        ),
        (
            ResNetDiscriminatorConfig,
            {"start_size": 4, "num_stages": 3},
            r"start_size=4 and num_stages=3 give 32, which is not image_size=64",
        ),
    ],
)
def test_cross_field_errors(cls: type[Any], kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        cls(**kwargs)


def test_levels_and_geometry() -> None:
    g = ResNetGeneratorConfig(image_size=48, width=64, start_size=6)
    assert (g.stages, g.first_size) == (3, 6)
    assert [g.level_width(k) for k in range(4)] == [64, 128, 256, 512]
    assert g.attention_sizes == (12, 24, 48)
    capped = ResNetGeneratorConfig(image_size=128, width=64, max_width=1024)
    assert [capped.level_width(k) for k in range(6)] == [64, 128, 256, 512, 1024, 1024]
    d = ResNetDiscriminatorConfig(image_size=32, width=128, width_growth=1.0, start_size=8)
    assert (d.stages, d.attention_sizes, d.final_width) == (2, (16, 8), 128)
    e = ResNetDiscriminatorConfig(image_size=48, width=64, start_size=3, extra_blocks=1)
    assert e.final_width == 1024
    assert not g.conditional and ResNetGeneratorConfig(num_attributes=40).conditional


def test_configs_are_frozen() -> None:
    cfg = ResNetGeneratorConfig()
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.width = 3  # type: ignore[misc]
