"""Configs to and from plain dictionaries, so checkpoints can rebuild their nets safely."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from torch import nn

from gankit._validation import show
from gankit.models.config import DiscriminatorConfig, GeneratorConfig
from gankit.models.conv import build_discriminator, build_generator
from gankit.models.mlp import (
    MLPDiscriminatorConfig,
    MLPGeneratorConfig,
    build_mlp_discriminator,
    build_mlp_generator,
)
from gankit.models.r3gan import build_r3gan_discriminator, build_r3gan_generator
from gankit.models.r3gan_config import R3GANDiscriminatorConfig, R3GANGeneratorConfig
from gankit.models.resnet import build_resnet_discriminator, build_resnet_generator
from gankit.models.resnet_config import ResNetDiscriminatorConfig, ResNetGeneratorConfig

__all__ = ["ModelConfig", "build", "config_from_dict", "config_to_dict"]

ModelConfig = (
    GeneratorConfig
    | DiscriminatorConfig
    | MLPGeneratorConfig
    | MLPDiscriminatorConfig
    | ResNetGeneratorConfig
    | ResNetDiscriminatorConfig
    | R3GANGeneratorConfig
    | R3GANDiscriminatorConfig
)
"""Any of the architecture configs (conv, MLP, ResNet, R3GAN; generator or discriminator)."""

_TYPES: dict[str, type[Any]] = {
    c.__name__: c
    for c in (
        GeneratorConfig,
        DiscriminatorConfig,
        MLPGeneratorConfig,
        MLPDiscriminatorConfig,
        ResNetGeneratorConfig,
        ResNetDiscriminatorConfig,
        R3GANGeneratorConfig,
        R3GANDiscriminatorConfig,
    )
}


def config_to_dict(config: ModelConfig) -> dict[str, Any]:
    """Return ``config`` as plain values (lists for tuples) plus its ``"type"`` name.

    Args:
        config: any gankit model config.

    Returns:
        A dictionary that ``torch.load(weights_only=True)`` and JSON can both hold.

    Example:
        >>> config_to_dict(MLPGeneratorConfig(hidden_dims=(8,)))["hidden_dims"]
        [8]
    """
    out: dict[str, Any] = {"type": type(config).__name__}
    for f in dataclasses.fields(config):
        value = getattr(config, f.name)
        out[f.name] = list(value) if isinstance(value, tuple) else value
    return out


def config_from_dict(data: Mapping[str, Any]) -> ModelConfig:
    """Rebuild and validate a config saved by :func:`config_to_dict`.

    Only the gankit config types are accepted (looked up by name, never imported
    from the data), and every field is validated as in the constructor, with the same
    upper bounds on sizes, before anything is allocated.

    Args:
        data: a dictionary from :func:`config_to_dict`.

    Returns:
        The validated config.

    Raises:
        TypeError: if ``data`` is not a mapping, or a field has the wrong type.
        ValueError: for an unknown ``type``, unknown fields or invalid values.

    Example:
        >>> cfg = config_from_dict(config_to_dict(GeneratorConfig(image_size=32)))
        >>> cfg.image_size, type(cfg).__name__
        (32, 'GeneratorConfig')
    """
    if not isinstance(data, Mapping):
        raise TypeError(
            f"config_from_dict expects a mapping such as config_to_dict returns, got "
            f"{show(data)} ({type(data).__name__})"
        )
    kind = data.get("type")
    allowed = ", ".join(sorted(_TYPES))
    if kind is None:
        raise ValueError(f"config type must be one of {allowed}, got no 'type' entry")
    if not isinstance(kind, str):
        raise TypeError(f"config type must be one of {allowed}, got {show(kind)}")
    cls = _TYPES.get(kind)
    if cls is None:
        raise ValueError(f"config type must be one of {allowed}, got {show(kind)}")
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(map(str, set(data) - names - {"type"}))
    if unknown:
        raise ValueError(f"{kind} has no fields {unknown}")
    kwargs = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items() if k != "type"}
    config: ModelConfig = cls(**kwargs)
    return config


def build(config: ModelConfig) -> nn.Module:
    """Build the net that any gankit model config describes.

    Args:
        config: a conv, MLP, ResNet or R3GAN generator or discriminator config.

    Returns:
        The module its ``build_*`` function returns.

    Raises:
        TypeError: for anything else.

    Example:
        >>> type(build(MLPDiscriminatorConfig())).__name__
        'MLPDiscriminator'
    """
    if isinstance(config, GeneratorConfig):
        return build_generator(config)
    if isinstance(config, DiscriminatorConfig):
        return build_discriminator(config)
    if isinstance(config, MLPGeneratorConfig):
        return build_mlp_generator(config)
    if isinstance(config, MLPDiscriminatorConfig):
        return build_mlp_discriminator(config)
    if isinstance(config, ResNetGeneratorConfig):
        return build_resnet_generator(config)
    if isinstance(config, ResNetDiscriminatorConfig):
        return build_resnet_discriminator(config)
    if isinstance(config, R3GANGeneratorConfig):
        return build_r3gan_generator(config)
    if isinstance(config, R3GANDiscriminatorConfig):
        return build_r3gan_discriminator(config)
    raise TypeError(f"build expects a gankit model config, got {type(config).__name__}")
