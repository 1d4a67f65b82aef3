"""Ready-made architectures after DCGAN: SNGAN, SAGAN and an R3GAN-style baseline.

Each preset returns ``(generator_config, discriminator_config)`` like
:func:`gankit.models.dcgan`; build them with :func:`gankit.models.build`. Parameter
counts in the docstrings are for the unconditional nets with 3 channels; they are pinned
by ``tests/models/test_zoo.py`` against counts computed layer by layer from the source
configurations.
"""

from __future__ import annotations

from typing import Any

from gankit.models.r3gan_config import R3GANDiscriminatorConfig, R3GANGeneratorConfig
from gankit.models.resnet_config import ResNetDiscriminatorConfig, ResNetGeneratorConfig

__all__ = ["r3gan", "sagan", "sngan"]

_SNGAN_SIZES = (32, 48, 64, 128)
_R3GAN_SIZES = (32, 64)


def _check_size(name: str, image_size: object, allowed: tuple[int, ...]) -> int:
    if isinstance(image_size, bool) or not isinstance(image_size, int) or image_size not in allowed:
        raise ValueError(
            f"{name}(image_size=...) must be one of {', '.join(map(str, allowed))}, "
            f"got {image_size!r}"
        )
    return image_size


def sngan(
    image_size: int = 64,
    *,
    channels: int = 3,
    num_classes: int = 0,
    num_attributes: int = 0,
) -> tuple[ResNetGeneratorConfig, ResNetDiscriminatorConfig]:
    """The ResNet SNGAN of Miyato et al. (2018, arXiv:1802.05957) and Miyato & Koyama (2018).

    Spectral norm in every discriminator layer, batch norm in the generator, 128-d
    latent, pre-activation residual blocks with nearest upsampling and average-pool
    downsampling, learned 1×1 shortcuts wherever width or resolution changes, ReLU,
    global sum pooling and Xavier initialization, as in the authors' Chainer code.

    - ``32``: Table 4 of arXiv:1802.05957 (CIFAR-10): G dense 4×4×256, three up blocks of
      256; D down 128, down 128, 128, 128. G 4,276,739 and D 1,053,825 parameters.
    - ``48``: Table 5 (STL-10): G dense 6×6×512, up 256, 128, 64; D down 64, 128, 256,
      512, then a block of 1024. G 4,878,083 and D 10,141,441 parameters.
    - ``64``: the 64×64 projection-discriminator nets of Miyato & Koyama (2018,
      arXiv:1802.05637; their ``snresnet_64`` / ``resnet_64``, also Mimicry's SNGAN-64):
      G dense 4×4×1024, up 512, 256, 128, 64; D down 64, 128, 256, 512, 1024.
      G 12,220,675 and D 10,141,441 parameters.
    - ``128``: Table 6 (ImageNet): G dense 4×4×1024, up 1024, 512, 256, 128, 64; D down
      64, 128, 256, 512, 1024, then a block of 1024. G 32,150,787 and D 29,017,857
      parameters (the conditional nets of the paper add per-class gains and biases and
      the projection embedding).

    Args:
        image_size: 32, 48, 64 or 128.
        channels: image channels.
        num_classes: class-conditional BN in G and a projection D on this many classes.
        num_attributes: the same for multi-label attribute vectors (e.g. 40 for CelebA).

    Returns:
        ``(ResNetGeneratorConfig, ResNetDiscriminatorConfig)``.

    Raises:
        ValueError: for another ``image_size``.

    Example:
        >>> g_cfg, d_cfg = sngan(32)
        >>> g_cfg.latent_dim, d_cfg.spectral_norm, d_cfg.extra_blocks
        (128, True, 2)
    """
    size = _check_size("sngan", image_size, _SNGAN_SIZES)
    common: dict[str, Any] = {
        "channels": channels,
        "num_classes": num_classes,
        "num_attributes": num_attributes,
    }
    if size == 32:
        g = ResNetGeneratorConfig(image_size=32, width=256, width_growth=1.0, **common)
        d = ResNetDiscriminatorConfig(
            image_size=32, width=128, width_growth=1.0, start_size=8, extra_blocks=2, **common
        )
    elif size == 48:
        g = ResNetGeneratorConfig(image_size=48, width=64, start_size=6, **common)
        d = ResNetDiscriminatorConfig(
            image_size=48, width=64, start_size=3, extra_blocks=1, **common
        )
    elif size == 64:
        g = ResNetGeneratorConfig(image_size=64, width=64, start_size=4, **common)
        d = ResNetDiscriminatorConfig(image_size=64, width=64, start_size=2, **common)
    else:
        g = ResNetGeneratorConfig(image_size=128, width=64, max_width=1024, **common)
        d = ResNetDiscriminatorConfig(
            image_size=128, width=64, max_width=1024, start_size=4, extra_blocks=1, **common
        )
    return g, d


def sagan(
    image_size: int = 128,
    *,
    channels: int = 3,
    num_classes: int = 0,
    num_attributes: int = 0,
) -> tuple[ResNetGeneratorConfig, ResNetDiscriminatorConfig]:
    """The Self-Attention GAN of Zhang et al. (2019, arXiv:1805.08318).

    The authors' released 128×128 ImageNet nets: spectral norm in both nets, 128-d
    latent, base width 64 (G dense 4×4×1024, up 1024, 512, 256, 128, 64; D down 64, 128,
    256, 512, 1024, then a block of 1024; the discriminator's blocks widen in their first
    conv), self-attention after G's 64×64 block and D's 32×32 block, orthogonal
    initialization; class-conditional BN and a projection discriminator when
    conditional. Other sizes keep the attention at ``image_size / 2`` in G and
    ``image_size / 4`` in D and drop or add stages of width 1024 at the coarse end.
    At 128×128: G 32,171,268 and D 38,439,618 parameters (unconditional).

    Args:
        image_size: ``4 * 2**k`` with ``k >= 3`` (32, 64, 128, 256, ...).
        channels: image channels.
        num_classes: class-conditional BN in G and a projection D on this many classes.
        num_attributes: the same for multi-label attribute vectors.

    Returns:
        ``(ResNetGeneratorConfig, ResNetDiscriminatorConfig)``.

    Raises:
        ValueError: for an image size that is not ``4 * 2**k`` with ``k >= 3``.

    Example:
        >>> g_cfg, d_cfg = sagan(64)
        >>> g_cfg.attention, d_cfg.attention
        ((32,), (16,))
    """
    allowed = tuple(4 * 2**k for k in range(3, 12))
    size = _check_size("sagan", image_size, allowed)
    common: dict[str, Any] = {
        "channels": channels,
        "num_classes": num_classes,
        "num_attributes": num_attributes,
    }
    g = ResNetGeneratorConfig(
        image_size=size,
        width=64,
        max_width=1024,
        spectral_norm=True,
        attention=(size // 2,),
        weight_init="orthogonal",
        **common,
    )
    d = ResNetDiscriminatorConfig(
        image_size=size,
        width=64,
        max_width=1024,
        start_size=4,
        extra_blocks=1,
        attention=(size // 4,),
        block_hidden="output",
        weight_init="orthogonal",
        **common,
    )
    return g, d


def r3gan(
    image_size: int = 64,
    *,
    channels: int = 3,
    num_classes: int = 0,
    num_attributes: int = 0,
) -> tuple[R3GANGeneratorConfig, R3GANDiscriminatorConfig]:
    """The R3GAN baseline of Huang et al. (NeurIPS 2024, arXiv:2501.05441).

    Normalization-free residual nets (see :class:`R3GANGeneratorConfig`) with two blocks
    per stage, expansion 2 and a 64-d latent; train them with
    :class:`~gankit.losses.RelativisticPairing` and :class:`~gankit.losses.R1R2Penalty`
    (see the ``r3gan32`` / ``r3gan64`` recipes in :mod:`gankit.recipes`).

    - ``64``: the ``FFHQ-64`` preset of the authors' ``train.py`` (as listed in a public
      copy of that file): widths 768, 768, 768, 768, 384 (4×4 to 64×64), cardinalities
      96, 96, 96, 96, 48.
      G 22,429,824 and D 22,381,440 parameters.
    - ``32``: the ``CIFAR10`` preset as listed in the same copy:
      four stages of width 192 with cardinality 96. G 1,312,320 and D 1,300,224
      parameters. (We could not check this copy against the authors' repository; the
      paper's CIFAR-10 model may be wider: pass your own widths to the configs.)

    Args:
        image_size: 32 or 64.
        channels: image channels.
        num_classes: condition both nets on class labels (embedding concatenated to
            ``z`` in G, projection in D, as in the paper's conditional presets).
        num_attributes: the same for multi-label attribute vectors.

    Returns:
        ``(R3GANGeneratorConfig, R3GANDiscriminatorConfig)``.

    Raises:
        ValueError: for another ``image_size``.

    Example:
        >>> g_cfg, d_cfg = r3gan(32)
        >>> g_cfg.widths, g_cfg.num_blocks
        ((192, 192, 192, 192), 8)
    """
    size = _check_size("r3gan", image_size, _R3GAN_SIZES)
    widths: tuple[int, ...]
    groups: tuple[int, ...]
    if size == 64:
        widths, groups = (768, 768, 768, 768, 384), (96, 96, 96, 96, 48)
    else:
        widths, groups = (192, 192, 192, 192), (96, 96, 96, 96)
    common: dict[str, Any] = {
        "image_size": size,
        "channels": channels,
        "widths": widths,
        "cardinalities": groups,
        "blocks_per_stage": 2,
        "expansion": 2,
        "num_classes": num_classes,
        "num_attributes": num_attributes,
    }
    return R3GANGeneratorConfig(latent_dim=64, **common), R3GANDiscriminatorConfig(**common)
