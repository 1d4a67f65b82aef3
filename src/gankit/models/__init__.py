"""Generator and discriminator builders: configs, conv and MLP nets, presets, init.

Example:
    >>> import torch
    >>> import gankit as gk
    >>> g_cfg, d_cfg = gk.models.dcgan(image_size=64)
    >>> G, D = gk.models.build_generator(g_cfg), gk.models.build_discriminator(d_cfg)
    >>> D(G(torch.randn(2, 100))).shape
    torch.Size([2])

"""

from __future__ import annotations

from gankit.models.config import (
    DiscriminatorConfig,
    DownsampleName,
    GeneratorConfig,
    HeadName,
    ResizeModeName,
    StemName,
    UpsampleName,
    WeightInitName,
)
from gankit.models.conv import (
    ConvDiscriminator,
    ConvGenerator,
    build_discriminator,
    build_generator,
)
from gankit.models.init import dcgan_init
from gankit.models.layers import ActivationName, MLPNormName, NormName, OutputActivationName
from gankit.models.mlp import (
    MLPDiscriminator,
    MLPDiscriminatorConfig,
    MLPGenerator,
    MLPGeneratorConfig,
    build_mlp_discriminator,
    build_mlp_generator,
)
from gankit.models.presets import celeba32, dcgan
from gankit.models.serialize import ModelConfig, build, config_from_dict, config_to_dict

__all__ = [
    "ActivationName",
    "ConvDiscriminator",
    "ConvGenerator",
    "DiscriminatorConfig",
    "DownsampleName",
    "GeneratorConfig",
    "HeadName",
    "MLPDiscriminator",
    "MLPDiscriminatorConfig",
    "MLPGenerator",
    "MLPGeneratorConfig",
    "MLPNormName",
    "ModelConfig",
    "NormName",
    "OutputActivationName",
    "ResizeModeName",
    "StemName",
    "UpsampleName",
    "WeightInitName",
    "build",
    "build_discriminator",
    "build_generator",
    "build_mlp_discriminator",
    "build_mlp_generator",
    "celeba32",
    "config_from_dict",
    "config_to_dict",
    "dcgan",
    "dcgan_init",
]
