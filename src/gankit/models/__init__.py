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

from gankit.models.attention import MinibatchStdDev, SelfAttention2d
from gankit.models.conditioning import ConditionalBatchNorm2d, LabelEncoder, check_condition
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
from gankit.models.r3gan import (
    R3GANBlock,
    R3GANDiscriminator,
    R3GANGenerator,
    build_r3gan_discriminator,
    build_r3gan_generator,
)
from gankit.models.r3gan_config import R3GANDiscriminatorConfig, R3GANGeneratorConfig
from gankit.models.resnet import (
    ResNetDiscriminator,
    ResNetGenerator,
    build_resnet_discriminator,
    build_resnet_generator,
)
from gankit.models.resnet_config import (
    BlockHiddenName,
    ClassEmbeddingName,
    ResNetDiscriminatorConfig,
    ResNetGeneratorConfig,
    ResNetInitName,
    ShortcutName,
)
from gankit.models.serialize import ModelConfig, build, config_from_dict, config_to_dict
from gankit.models.zoo import r3gan, sagan, sngan

__all__ = [
    "ActivationName",
    "BlockHiddenName",
    "ClassEmbeddingName",
    "ConditionalBatchNorm2d",
    "ConvDiscriminator",
    "ConvGenerator",
    "DiscriminatorConfig",
    "DownsampleName",
    "GeneratorConfig",
    "HeadName",
    "LabelEncoder",
    "MLPDiscriminator",
    "MLPDiscriminatorConfig",
    "MLPGenerator",
    "MLPGeneratorConfig",
    "MLPNormName",
    "MinibatchStdDev",
    "ModelConfig",
    "NormName",
    "OutputActivationName",
    "R3GANBlock",
    "R3GANDiscriminator",
    "R3GANDiscriminatorConfig",
    "R3GANGenerator",
    "R3GANGeneratorConfig",
    "ResNetDiscriminator",
    "ResNetDiscriminatorConfig",
    "ResNetGenerator",
    "ResNetGeneratorConfig",
    "ResNetInitName",
    "ResizeModeName",
    "SelfAttention2d",
    "ShortcutName",
    "StemName",
    "UpsampleName",
    "WeightInitName",
    "build",
    "build_discriminator",
    "build_generator",
    "build_mlp_discriminator",
    "build_mlp_generator",
    "build_r3gan_discriminator",
    "build_r3gan_generator",
    "build_resnet_discriminator",
    "build_resnet_generator",
    "celeba32",
    "check_condition",
    "config_from_dict",
    "config_to_dict",
    "dcgan",
    "dcgan_init",
    "r3gan",
    "sagan",
    "sngan",
]
