"""Ready-made architectures: the canonical DCGAN and the 32×32 nets of the seed write-ups."""

from __future__ import annotations

from gankit.models.config import DiscriminatorConfig, GeneratorConfig

__all__ = ["celeba32", "dcgan"]


def dcgan(
    image_size: int = 64,
    *,
    channels: int = 3,
    latent_dim: int = 100,
    g_width: int = 64,
    d_width: int = 64,
    num_classes: int = 0,
    num_attributes: int = 0,
) -> tuple[GeneratorConfig, DiscriminatorConfig]:
    """The DCGAN of Radford, Metz & Chintala (2016, arXiv:1511.06434).

    At 64×64 this is layer for layer the canonical network (as in the paper's reference
    code and the PyTorch ``examples/dcgan``): 4×4 kernels with stride 2, no conv biases,
    BatchNorm everywhere except the discriminator's input block and the generator's
    output, ReLU in G, LeakyReLU(0.2) in D, Tanh output, a 4×4 transposed conv from the
    1×1 latent and a 4×4 conv to one logit (the Sigmoid is left to the loss). Widths
    are ``width * 2**k``: G 512-256-128-64-3, D 64-128-256-512-1. Other image sizes
    add or remove stages (``image_size`` must be ``4 * 2**k``).

    Args:
        image_size: output side, ``4 * 2**k`` with ``k >= 1`` (8, 16, 32, 64, 128, ...).
        channels: image channels.
        latent_dim: size of ``z`` (100 in the paper).
        g_width: generator width in the finest hidden stage (``ngf``).
        d_width: discriminator width in the first stage (``ndf``).
        num_classes: make both nets conditional on this many classes.
        num_attributes: make both nets conditional on multi-label attribute vectors of
            this size (e.g. 40 for CelebA; see :mod:`gankit.models.conditioning`).

    Returns:
        ``(GeneratorConfig, DiscriminatorConfig)``; build them with
        :func:`~gankit.models.build_generator` and :func:`~gankit.models.build_discriminator`.

    Example:
        >>> g_cfg, d_cfg = dcgan(image_size=64)
        >>> g_cfg.widths[::-1], d_cfg.widths
        ((512, 256, 128, 64), (64, 128, 256, 512))

    """
    g = GeneratorConfig(
        image_size=image_size,
        channels=channels,
        latent_dim=latent_dim,
        width=g_width,
        start_size=4,
        norm="batch",
        activation="relu",
        kernel_size=4,
        conv_bias=False,
        stem="conv",
        upsample="transposed",
        output_activation="tanh",
        num_classes=num_classes,
        num_attributes=num_attributes,
        weight_init="dcgan",
    )
    d = DiscriminatorConfig(
        image_size=image_size,
        channels=channels,
        width=d_width,
        start_size=4,
        norm="batch",
        input_norm=False,
        activation="leaky_relu",
        negative_slope=0.2,
        kernel_size=4,
        conv_bias=False,
        downsample="strided",
        head="conv",
        head_bias=False,
        num_classes=num_classes,
        num_attributes=num_attributes,
        weight_init="dcgan",
    )
    return g, d


def celeba32(
    *,
    channels: int = 3,
    latent_dim: int = 100,
    width: int = 32,
    num_classes: int = 0,
    num_attributes: int = 0,
) -> tuple[GeneratorConfig, DiscriminatorConfig]:
    """The 32×32 CelebA face nets of the seed write-ups (Udacity face-generation project).

    Discriminator: four stride-2 4×4 convs (32→16→8→4→2) with LeakyReLU(0.2), BatchNorm
    on the last three, then one linear layer to a logit. Generator: one linear layer from
    ``z`` reshaped to a 2×2 map (no norm or activation after it), then four stride-2 4×4
    transposed convs (2→4→8→16→32) with BatchNorm and ReLU after the first three and Tanh
    at the end. Convs have no bias (as in the project's conv helpers); the linear layers
    do. Widths: D ``width``-2w-4w-8w, G 8w-4w-2w-w-3.

    Args:
        channels: image channels.
        latent_dim: size of ``z``.
        width: the project's ``conv_dim`` (32 by default).
        num_classes: make both nets conditional on this many classes.
        num_attributes: make both nets conditional on multi-label attribute vectors of
            this size (e.g. 40 for CelebA; see :mod:`gankit.models.conditioning`).

    Returns:
        ``(GeneratorConfig, DiscriminatorConfig)`` at ``image_size=32``.

    Example:
        >>> g_cfg, d_cfg = celeba32()
        >>> g_cfg.stem, g_cfg.first_size, d_cfg.head
        ('linear', 2, 'linear')

    """
    g = GeneratorConfig(
        image_size=32,
        channels=channels,
        latent_dim=latent_dim,
        width=width,
        start_size=2,
        norm="batch",
        activation="relu",
        kernel_size=4,
        conv_bias=False,
        stem="linear",
        stem_norm_act=False,
        upsample="transposed",
        output_activation="tanh",
        num_classes=num_classes,
        num_attributes=num_attributes,
    )
    d = DiscriminatorConfig(
        image_size=32,
        channels=channels,
        width=width,
        start_size=2,
        norm="batch",
        input_norm=False,
        activation="leaky_relu",
        negative_slope=0.2,
        kernel_size=4,
        conv_bias=False,
        downsample="strided",
        head="linear",
        head_bias=True,
        num_classes=num_classes,
        num_attributes=num_attributes,
    )
    return g, d
