"""Layer factories shared by the conv and MLP builders.

Normalization, activation and spectral normalization, each chosen by a ``Literal`` name.
"""

from __future__ import annotations

from typing import Literal, get_args

from torch import nn
from torch.nn.utils import parametrizations

from gankit._validation import choice_error

__all__ = ["ActivationName", "MLPNormName", "NormName", "OutputActivationName"]

NormName = Literal["batch", "instance", "group", "layer", "none"]
"""Normalization after a conv layer: ``"batch"`` (BatchNorm2d), ``"instance"``
(InstanceNorm2d with affine scale and shift), ``"group"`` (GroupNorm with ``norm_groups``
groups), ``"layer"`` (GroupNorm with one group: layer norm over C, H, W) or ``"none"``."""

MLPNormName = Literal["batch", "layer", "none"]
"""Normalization after a linear layer: ``"batch"`` (BatchNorm1d), ``"layer"`` (LayerNorm)
or ``"none"``."""

ActivationName = Literal["relu", "leaky_relu", "silu", "gelu", "elu"]
"""Hidden activation; ``"leaky_relu"`` uses the config's ``negative_slope``."""

OutputActivationName = Literal["tanh", "sigmoid", "none"]
"""Activation applied to the generator output; ``"tanh"`` maps to [-1, 1]."""

NORMS: tuple[str, ...] = get_args(NormName)
MLP_NORMS: tuple[str, ...] = get_args(MLPNormName)
ACTIVATIONS: tuple[str, ...] = get_args(ActivationName)
OUTPUT_ACTIVATIONS: tuple[str, ...] = get_args(OutputActivationName)


def make_norm2d(name: NormName, channels: int, *, groups: int = 32) -> nn.Module | None:
    """Return the 2-D normalization layer ``name`` for ``channels`` maps, or ``None``.

    Args:
        name: one of :data:`~gankit.models.NormName`.
        channels: number of feature maps.
        groups: number of groups for ``"group"``; must divide ``channels``.

    Returns:
        A fresh module, or ``None`` for ``"none"``.

    Example:
        >>> norm = make_norm2d("layer", 8)
        >>> type(norm).__name__, norm.num_groups
        ('GroupNorm', 1)

    """
    if name == "batch":
        return nn.BatchNorm2d(channels)
    if name == "instance":
        return nn.InstanceNorm2d(channels, affine=True)
    if name == "group":
        return nn.GroupNorm(groups, channels)
    if name == "layer":
        return nn.GroupNorm(1, channels)
    if name == "none":
        return None
    raise choice_error("", "norm", name, NORMS)


def make_norm1d(name: MLPNormName, features: int) -> nn.Module | None:
    """Return the 1-D normalization layer ``name`` for ``features`` units, or ``None``.

    Example:
        >>> type(make_norm1d("batch", 4)).__name__
        'BatchNorm1d'

    """
    if name == "batch":
        return nn.BatchNorm1d(features)
    if name == "layer":
        return nn.LayerNorm(features)
    if name == "none":
        return None
    raise choice_error("", "norm", name, MLP_NORMS)


def make_activation(name: ActivationName, *, negative_slope: float = 0.2) -> nn.Module:
    """Return a fresh activation module.

    Example:
        >>> make_activation("leaky_relu", negative_slope=0.2)
        LeakyReLU(negative_slope=0.2)

    """
    if name == "relu":
        return nn.ReLU()
    if name == "leaky_relu":
        return nn.LeakyReLU(negative_slope)
    if name == "silu":
        return nn.SiLU()
    if name == "gelu":
        return nn.GELU()
    if name == "elu":
        return nn.ELU()
    raise choice_error("", "activation", name, ACTIVATIONS)


def make_output_activation(name: OutputActivationName) -> nn.Module:
    """Return the generator output activation (``nn.Identity`` for ``"none"``).

    Example:
        >>> make_output_activation("tanh")
        Tanh()

    """
    if name == "tanh":
        return nn.Tanh()
    if name == "sigmoid":
        return nn.Sigmoid()
    if name == "none":
        return nn.Identity()
    raise choice_error("", "output_activation", name, OUTPUT_ACTIVATIONS)


def spectral_norm_all(module: nn.Module) -> nn.Module:
    """Wrap every conv, linear and embedding weight of ``module`` in spectral norm.

    Spectral normalization: Miyato et al., 2018, arXiv:1802.05957.

    Uses :func:`torch.nn.utils.parametrizations.spectral_norm` (which normalizes
    transposed convs along their output dimension), so the state dict holds
    ``parametrizations.weight.original`` instead of ``weight``. Apply it after the
    weights are initialized so the power iteration starts from the final weights.

    Returns:
        ``module``, modified in place.

    Example:
        >>> net = spectral_norm_all(nn.Sequential(nn.Linear(3, 2), nn.ReLU()))
        >>> hasattr(net[0], "parametrizations")
        True

    """
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear, nn.Embedding)):
            parametrizations.spectral_norm(m)
    return module


def conv_block(
    layers: list[nn.Module], norm: nn.Module | None, activation: nn.Module | None
) -> nn.Sequential:
    """Return ``nn.Sequential(*layers, norm, activation)`` leaving out the ``None`` parts.

    Example:
        >>> block = conv_block([nn.Conv2d(3, 8, 3)], nn.BatchNorm2d(8), None)
        >>> [type(m).__name__ for m in block]
        ['Conv2d', 'BatchNorm2d']
    """
    parts = [*layers]
    if norm is not None:
        parts.append(norm)
    if activation is not None:
        parts.append(activation)
    return nn.Sequential(*parts)
