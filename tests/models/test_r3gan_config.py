"""R3GAN configs: validation and derived properties."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from hypothesis import given

from gankit.models import R3GANDiscriminatorConfig, R3GANGeneratorConfig
from tests.strategies import INVALID_R3GAN_VALUES, invalid_overrides

CONFIG_ERRORS = (ValueError, TypeError)


@pytest.mark.parametrize("cls", [R3GANGeneratorConfig, R3GANDiscriminatorConfig])
@given(bad=invalid_overrides(INVALID_R3GAN_VALUES))
def test_invalid_values_name_the_field(cls: type[Any], bad: dict[str, Any]) -> None:
    ((field, value),) = bad.items()
    with pytest.raises(CONFIG_ERRORS, match=field) as err:
        cls(**bad)
    assert _mentions(str(err.value), value)


def _mentions(message: str, value: object) -> bool:
    """Whether ``message`` quotes ``value``, its length or (for tuples) the bad element."""
    if repr(value) in message or f"={value}" in message:
        return True
    if isinstance(value, (tuple, list)):
        return f"got {len(value)}" in message or any(
            f"got {v!r}" in message or f"={v!r} " in message for v in value
        )
    return False


def test_generator_only_fields() -> None:
    for field, value in (("latent_dim", 0), ("output_activation", "relu")):
        with pytest.raises(CONFIG_ERRORS, match=field):
            R3GANGeneratorConfig(**{field: value})


def test_cross_field_errors() -> None:
    with pytest.raises(ValueError, match=r"widths must have 3 entries for image_size=16"):
        R3GANGeneratorConfig(image_size=16, widths=(8, 8), cardinalities=(1, 1))
    with pytest.raises(
        ValueError, match=r"cardinalities\[1\]=3 must divide widths\[1\] \* expansion = 16"
    ):
        R3GANGeneratorConfig(image_size=8, widths=(8, 8), cardinalities=(1, 3))
    with pytest.raises(ValueError, match="not both"):
        R3GANDiscriminatorConfig(num_classes=2, num_attributes=2)


def test_derived_properties() -> None:
    cfg = R3GANGeneratorConfig()
    assert (cfg.stages, cfg.num_blocks, cfg.conditional) == (4, 10, False)
    assert dataclasses.replace(cfg, num_classes=10).conditional
