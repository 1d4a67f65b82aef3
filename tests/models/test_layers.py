from __future__ import annotations

import pytest
from torch import nn

from gankit.models.layers import (
    ACTIVATIONS,
    MLP_NORMS,
    NORMS,
    OUTPUT_ACTIVATIONS,
    make_activation,
    make_norm1d,
    make_norm2d,
    make_output_activation,
)


@pytest.mark.parametrize("name", NORMS)
def test_every_norm_name_builds(name: str) -> None:
    layer = make_norm2d(name, 8, groups=4)  # type: ignore[arg-type]
    assert (layer is None) == (name == "none")
    if name == "layer":
        assert isinstance(layer, nn.GroupNorm) and layer.num_groups == 1
    if name == "group":
        assert isinstance(layer, nn.GroupNorm) and layer.num_groups == 4
    if name == "instance":
        assert isinstance(layer, nn.InstanceNorm2d) and layer.affine


@pytest.mark.parametrize("name", MLP_NORMS)
def test_every_mlp_norm_name_builds(name: str) -> None:
    assert (make_norm1d(name, 8) is None) == (name == "none")  # type: ignore[arg-type]


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_every_activation_builds_fresh(name: str) -> None:
    a, b = make_activation(name), make_activation(name)  # type: ignore[arg-type]
    assert a is not b and isinstance(a, nn.Module)


def test_leaky_relu_uses_the_slope() -> None:
    act = make_activation("leaky_relu", negative_slope=0.1)
    assert isinstance(act, nn.LeakyReLU) and act.negative_slope == 0.1


@pytest.mark.parametrize("name", OUTPUT_ACTIVATIONS)
def test_output_activations(name: str) -> None:
    expected = {"tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "none": nn.Identity}[name]
    assert isinstance(make_output_activation(name), expected)  # type: ignore[arg-type]


def test_unknown_names_raise_value_error_listing_choices() -> None:
    with pytest.raises(ValueError, match=r"norm must be one of 'batch'.*got 'bn'"):
        make_norm2d("bn", 4)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"activation must be one of .*got 'swish'"):
        make_activation("swish")  # type: ignore[arg-type]


def test_names_of_the_wrong_type_raise_type_error() -> None:
    with pytest.raises(TypeError, match=r"norm must be one of 'batch'.*got None \(NoneType\)"):
        make_norm2d(None, 4)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"activation must be one of .*got 1 \(int\)"):
        make_activation(1)  # type: ignore[arg-type]
