"""MLP generator and discriminator for low-dimensional data (2-D toys, tabular features)."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import torch
from torch import Tensor, nn

from gankit._validation import (
    MAX_DATA_DIM,
    MAX_LATENT_DIM,
    MAX_NUM_CLASSES,
    MAX_WIDTH,
    check_bool,
    check_choice,
    check_float,
    check_int,
    check_int_tuple,
    check_parameter_count,
)
from gankit.models.config import WEIGHT_INITS, WeightInitName
from gankit.models.conv import check_labels
from gankit.models.init import dcgan_init
from gankit.models.layers import (
    ACTIVATIONS,
    MLP_NORMS,
    OUTPUT_ACTIVATIONS,
    ActivationName,
    MLPNormName,
    OutputActivationName,
    conv_block,
    make_activation,
    make_norm1d,
    make_output_activation,
    spectral_norm_all,
)

__all__ = [
    "MLPDiscriminator",
    "MLPDiscriminatorConfig",
    "MLPGenerator",
    "MLPGeneratorConfig",
    "build_mlp_discriminator",
    "build_mlp_generator",
]


@dataclass(frozen=True, kw_only=True)
class _MLPConfig:
    data_dim: int = 2
    hidden_dims: tuple[int, ...] = (128, 128)
    norm: MLPNormName = "none"
    spectral_norm: bool = False
    negative_slope: float = 0.2
    num_classes: int = 0
    weight_init: WeightInitName = "dcgan"

    def __post_init__(self) -> None:
        owner = type(self).__name__
        check_int(owner, "data_dim", self.data_dim, minimum=1, maximum=MAX_DATA_DIM)
        check_int_tuple(
            owner, "hidden_dims", self.hidden_dims, minimum=1, maximum=MAX_WIDTH, max_length=64
        )
        check_choice(owner, "norm", self.norm, MLP_NORMS)
        check_bool(owner, "spectral_norm", self.spectral_norm)
        check_float(
            owner,
            "negative_slope",
            self.negative_slope,
            minimum=0.0,
            maximum=1.0,
            include_max=False,
        )
        check_int(owner, "num_classes", self.num_classes, minimum=0, maximum=MAX_NUM_CLASSES)
        check_choice(owner, "weight_init", self.weight_init, WEIGHT_INITS)


def _chain_bound(first: int, cfg: _MLPConfig, last: int) -> int:
    """Upper estimate of the parameters of the linear layers and norms (size check)."""
    chain = (first, *cfg.hidden_dims, last)
    return sum(a * b + a + b for a, b in pairwise(chain)) + 2 * sum(cfg.hidden_dims)


def _size_fields(cfg: _MLPConfig) -> dict[str, object]:
    return {
        "data_dim": cfg.data_dim,
        "hidden_dims": cfg.hidden_dims,
        "num_classes": cfg.num_classes,
    }


@dataclass(frozen=True, kw_only=True)
class MLPGeneratorConfig(_MLPConfig):
    """Architecture of an MLP generator ``G(z) -> (B, data_dim)``.

    Args:
        latent_dim: size of ``z``.
        data_dim: size of a data point.
        hidden_dims: widths of the hidden layers.
        norm: normalization after each hidden linear (:data:`~gankit.models.MLPNormName`).
        spectral_norm: spectral normalization on every linear weight.
        activation: hidden activation (default ``"relu"``).
        negative_slope: slope for ``"leaky_relu"``.
        output_activation: default ``"none"`` (unbounded data).
        num_classes: if positive, a label embedding is concatenated to ``z``.
        weight_init: ``"dcgan"`` (normal(0, 0.02) weights) or ``"pytorch"``.

    Sizes are bounded: ``data_dim`` <= 2**20, 1 to 64 ``hidden_dims`` each <= 16384,
    ``latent_dim`` <= 65536, ``num_classes`` <= 2**20, and the built net at most 2**30
    parameters.

    Raises:
        TypeError: for a field of the wrong type, naming the field and the value.
        ValueError: for a bad value, naming the field, the value and what is allowed.

    Example:
        >>> MLPGeneratorConfig(latent_dim=4, data_dim=2).hidden_dims
        (128, 128)

    """

    latent_dim: int = 2
    activation: ActivationName = "relu"
    output_activation: OutputActivationName = "none"

    def __post_init__(self) -> None:
        super().__post_init__()
        owner = type(self).__name__
        check_int(owner, "latent_dim", self.latent_dim, minimum=1, maximum=MAX_LATENT_DIM)
        check_choice(owner, "activation", self.activation, ACTIVATIONS)
        check_choice(owner, "output_activation", self.output_activation, OUTPUT_ACTIVATIONS)
        n = self.num_classes
        bound = n * n + _chain_bound(self.latent_dim + n, self, self.data_dim)
        check_parameter_count(owner, bound, {"latent_dim": self.latent_dim, **_size_fields(self)})


@dataclass(frozen=True, kw_only=True)
class MLPDiscriminatorConfig(_MLPConfig):
    """Architecture of an MLP discriminator ``D(x) -> (B,)`` raw logits.

    ``data_dim``, ``hidden_dims``, ``norm``, ``spectral_norm``, ``negative_slope``,
    ``num_classes`` and ``weight_init`` are as in :class:`MLPGeneratorConfig`.

    Args:
        activation: hidden activation (default ``"leaky_relu"``, slope 0.2).

    Conditional discriminators (``num_classes > 0``) add a projection term on the last
    hidden layer (Miyato & Koyama, 2018). Sizes are bounded as in
    :class:`MLPGeneratorConfig`.

    Raises:
        TypeError: for a field of the wrong type, naming the field and the value.
        ValueError: for a bad value, naming the field, the value and what is allowed.

    Example:
        >>> MLPDiscriminatorConfig(data_dim=3).activation
        'leaky_relu'

    """

    activation: ActivationName = "leaky_relu"

    def __post_init__(self) -> None:
        super().__post_init__()
        owner = type(self).__name__
        check_choice(owner, "activation", self.activation, ACTIVATIONS)
        bound = self.num_classes * self.hidden_dims[-1] + _chain_bound(self.data_dim, self, 1)
        check_parameter_count(owner, bound, _size_fields(self))


def _hidden(cfg: _MLPConfig, in_dim: int, activation: ActivationName) -> nn.Sequential:
    layers = []
    for h in cfg.hidden_dims:
        norm = make_norm1d(cfg.norm, h)
        linear = nn.Linear(in_dim, h, bias=norm is None)
        layers.append(
            conv_block(
                [linear], norm, make_activation(activation, negative_slope=cfg.negative_slope)
            )
        )
        in_dim = h
    return nn.Sequential(*layers)


def _finish(module: nn.Module, cfg: _MLPConfig) -> None:
    if cfg.weight_init == "dcgan":
        dcgan_init(module)
    if cfg.spectral_norm:
        spectral_norm_all(module)


class MLPGenerator(nn.Module):
    r"""Fully connected generator; build it with :func:`build_mlp_generator`.

    Args:
        config: the architecture; kept as ``self.config``, with ``latent_dim`` and
            ``num_classes`` also as attributes.

    Shape:
        - z: :math:`(B, \text{latent\_dim})`; labels: :math:`(B,)` if conditional.
        - output: :math:`(B, \text{data\_dim})`.

    Example:
        >>> import torch
        >>> G = MLPGenerator(MLPGeneratorConfig(latent_dim=2, data_dim=3, num_classes=2))
        >>> G(torch.randn(4, 2), torch.tensor([0, 1, 1, 0])).shape
        torch.Size([4, 3])
    """

    def __init__(self, config: MLPGeneratorConfig) -> None:
        super().__init__()
        self.config = config
        self.latent_dim = config.latent_dim
        self.num_classes = config.num_classes
        in_dim = config.latent_dim
        self.embed: nn.Embedding | None = None
        if config.num_classes:
            self.embed = nn.Embedding(config.num_classes, config.num_classes)
            in_dim += config.num_classes
        self.hidden = _hidden(config, in_dim, config.activation)
        self.out = nn.Sequential(
            nn.Linear(config.hidden_dims[-1], config.data_dim),
            make_output_activation(config.output_activation),
        )
        _finish(self, config)

    def forward(self, z: Tensor, labels: Tensor | None = None) -> Tensor:
        """Map latents (and labels, if conditional) to data points."""
        if z.ndim != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(
                f"MLPGenerator expects z of shape (B, {self.latent_dim}), got {tuple(z.shape)}"
            )
        check_labels("MLPGenerator", self.num_classes, labels, z.shape[0])
        if self.embed is not None and labels is not None:
            z = torch.cat([z, self.embed(labels).to(z.dtype)], dim=1)
        out: Tensor = self.out(self.hidden(z))
        return out


class MLPDiscriminator(nn.Module):
    r"""Fully connected discriminator; build it with :func:`build_mlp_discriminator`.

    Args:
        config: the architecture; kept as ``self.config``.

    Shape:
        - x: :math:`(B, \text{data\_dim})`; labels: :math:`(B,)` if conditional.
        - output: :math:`(B,)` raw logits.

    Example:
        >>> import torch
        >>> D = MLPDiscriminator(MLPDiscriminatorConfig(data_dim=3, hidden_dims=(8,)))
        >>> D(torch.randn(4, 3)).shape
        torch.Size([4])
    """

    def __init__(self, config: MLPDiscriminatorConfig) -> None:
        super().__init__()
        self.config = config
        self.num_classes = config.num_classes
        self.hidden = _hidden(config, config.data_dim, config.activation)
        last = config.hidden_dims[-1]
        self.out = nn.Sequential(nn.Linear(last, 1), nn.Flatten(0))
        self.embed: nn.Embedding | None = None
        if config.num_classes:
            self.embed = nn.Embedding(config.num_classes, last)
        _finish(self, config)

    def forward(self, x: Tensor, labels: Tensor | None = None) -> Tensor:
        """Return one raw logit per data point."""
        if x.ndim != 2 or x.shape[1] != self.config.data_dim:
            raise ValueError(
                f"MLPDiscriminator expects x of shape (B, {self.config.data_dim}), "
                f"got {tuple(x.shape)}"
            )
        check_labels("MLPDiscriminator", self.num_classes, labels, x.shape[0])
        h = self.hidden(x)
        logits: Tensor = self.out(h)
        if self.embed is not None and labels is not None:
            logits = logits + (self.embed(labels).to(h.dtype) * h).sum(dim=1)
        return logits


def build_mlp_generator(config: MLPGeneratorConfig) -> MLPGenerator:
    """Build the MLP generator described by ``config``.

    Args:
        config: an :class:`MLPGeneratorConfig`.

    Returns:
        A plain ``nn.Module``; ``G(z)`` maps ``(B, latent_dim)`` to ``(B, data_dim)``.

    Raises:
        TypeError: if ``config`` is not an :class:`MLPGeneratorConfig`.

    Example:
        >>> import torch
        >>> G = build_mlp_generator(MLPGeneratorConfig(latent_dim=4, data_dim=2, hidden_dims=(16,)))
        >>> G(torch.randn(5, 4)).shape
        torch.Size([5, 2])

    """
    if not isinstance(config, MLPGeneratorConfig):
        raise TypeError(
            f"build_mlp_generator expects an MLPGeneratorConfig, got {type(config).__name__}"
        )
    return MLPGenerator(config)


def build_mlp_discriminator(config: MLPDiscriminatorConfig) -> MLPDiscriminator:
    """Build the MLP discriminator described by ``config``.

    Args:
        config: an :class:`MLPDiscriminatorConfig`.

    Returns:
        A plain ``nn.Module``; ``D(x)`` maps ``(B, data_dim)`` to ``(B,)`` raw logits.

    Raises:
        TypeError: if ``config`` is not an :class:`MLPDiscriminatorConfig`.

    Example:
        >>> import torch
        >>> D = build_mlp_discriminator(MLPDiscriminatorConfig(data_dim=2, hidden_dims=(16,)))
        >>> D(torch.randn(5, 2)).shape
        torch.Size([5])

    """
    if not isinstance(config, MLPDiscriminatorConfig):
        raise TypeError(
            f"build_mlp_discriminator expects an MLPDiscriminatorConfig, got {type(config).__name__}"
        )
    return MLPDiscriminator(config)
