"""R3GAN-style normalization-free residual generator and discriminator."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from gankit.models.conditioning import LabelEncoder, check_condition
from gankit.models.layers import make_output_activation
from gankit.models.r3gan_config import R3GANDiscriminatorConfig, R3GANGeneratorConfig

__all__ = [
    "R3GANBlock",
    "R3GANDiscriminator",
    "R3GANGenerator",
    "build_r3gan_discriminator",
    "build_r3gan_generator",
]

_SLOPE = 0.2


def _he(layer: nn.Conv2d | nn.Linear, gain: float = 1.0) -> None:
    """Normal init with std ``gain / sqrt(fan_in)`` (He et al., 2015); no bias."""
    fan_in = layer.weight[0].numel()
    nn.init.normal_(layer.weight, 0.0, gain / math.sqrt(fan_in))


def _conv1x1(cin: int, cout: int) -> nn.Conv2d:
    conv = nn.Conv2d(cin, cout, 1, bias=False)
    _he(conv)
    return conv


class _BiasedLeakyReLU(nn.Module):
    """A learned per-channel bias followed by LeakyReLU(0.2)."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.bias = nn.Parameter(torch.zeros(channels))

    def forward(self, x: Tensor) -> Tensor:
        return F.leaky_relu(x + self.bias.to(x.dtype)[:, None, None], _SLOPE)


class R3GANBlock(nn.Module):
    r"""Normalization-free bottleneck residual block of R3GAN (arXiv:2501.05441, §3).

    :math:`y = x + W_3\,\phi(W_2 * \phi(W_1 x))` with :math:`W_1` a 1×1 conv to
    ``expansion * C`` channels, :math:`W_2` a grouped 3×3 conv with ``cardinality``
    groups, :math:`W_3` a 1×1 conv back to ``C`` and :math:`\phi` bias + LeakyReLU(0.2).
    :math:`W_1, W_2` are He-initialized with gain :math:`g\,L^{-1/4}` (``L`` blocks in
    the net, :math:`g` the LeakyReLU gain; fix-up initialization, Zhang et al. 2019);
    :math:`W_3` starts at zero, so every block starts as the identity.

    Args:
        channels: ``C``.
        cardinality: groups of the 3×3 conv; must divide ``expansion * C``.
        expansion: width factor inside the block.
        num_blocks: ``L``, the number of residual blocks in the whole net.

    Example:
        >>> block = R3GANBlock(8, cardinality=4, expansion=2, num_blocks=4)
        >>> x = torch.randn(2, 8, 5, 5)
        >>> torch.equal(block(x), x)  # zero-initialized last conv
        True
    """

    def __init__(self, channels: int, *, cardinality: int, expansion: int, num_blocks: int) -> None:
        super().__init__()
        inner = channels * expansion
        gain = nn.init.calculate_gain("leaky_relu", _SLOPE) * num_blocks ** (-1 / 4)
        self.expand = nn.Conv2d(channels, inner, 1, bias=False)
        self.act1 = _BiasedLeakyReLU(inner)
        self.grouped = nn.Conv2d(inner, inner, 3, 1, 1, groups=cardinality, bias=False)
        self.act2 = _BiasedLeakyReLU(inner)
        self.project = nn.Conv2d(inner, channels, 1, bias=False)
        _he(self.expand, gain)
        _he(self.grouped, gain)
        nn.init.zeros_(self.project.weight)

    def forward(self, x: Tensor) -> Tensor:
        """Return ``x`` plus the residual branch."""
        h = self.grouped(self.act1(self.expand(x)))
        out: Tensor = x + self.project(self.act2(h))
        return out


def _stage_blocks(c: R3GANGeneratorConfig | R3GANDiscriminatorConfig, k: int) -> list[nn.Module]:
    return [
        R3GANBlock(
            c.widths[k],
            cardinality=c.cardinalities[k],
            expansion=c.expansion,
            num_blocks=c.num_blocks,
        )
        for _ in range(c.blocks_per_stage)
    ]


class _Upsample(nn.Module):
    def forward(self, x: Tensor) -> Tensor:
        return F.interpolate(x, scale_factor=2.0, mode="bilinear", align_corners=False)


class _Downsample(nn.Module):
    def forward(self, x: Tensor) -> Tensor:
        return F.avg_pool2d(x, 2)


class R3GANGenerator(nn.Module):
    r"""R3GAN-style generator; see :class:`R3GANGeneratorConfig`.

    Build it with :func:`build_r3gan_generator`. Submodules: ``encoder`` (label
    embedding, or ``None``), ``linear`` and ``basis`` (the 4×4 stem), ``stages`` (one
    ``nn.Sequential`` per resolution) and ``to_image``.

    Args:
        config: the architecture; ``latent_dim`` and ``num_classes`` are attributes too
            (``num_classes`` is ``num_attributes`` for a multi-label net, as in
            :class:`ResNetGenerator`).

    Shape:
        - z: :math:`(B, \text{latent\_dim})`; labels: :math:`(B,)` or :math:`(B, A)`.
        - output: :math:`(B, C, H, W)`.

    Example:
        >>> cfg = R3GANGeneratorConfig(image_size=8, widths=(8, 4), cardinalities=(2, 1))
        >>> R3GANGenerator(cfg)(torch.randn(2, 64)).shape
        torch.Size([2, 3, 8, 8])
    """

    def __init__(self, config: R3GANGeneratorConfig) -> None:
        super().__init__()
        c = self.config = config
        self.latent_dim = c.latent_dim
        self.num_classes = c.num_classes or c.num_attributes
        self.num_attributes = c.num_attributes
        in_dim = c.latent_dim
        self.encoder: LabelEncoder | None = None
        if c.conditional:
            dim = c.embedding_dim or c.latent_dim
            self.encoder = LabelEncoder(
                dim, num_classes=c.num_classes, num_attributes=c.num_attributes
            )
            in_dim += dim
        self.linear = nn.Linear(in_dim, c.widths[0], bias=False)
        _he(self.linear)
        self.basis = nn.Parameter(torch.randn(c.widths[0], 4, 4))
        stages: list[nn.Module] = [nn.Sequential(*_stage_blocks(c, 0))]
        for k in range(1, len(c.widths)):
            cin, cout = c.widths[k - 1], c.widths[k]
            transition = [_conv1x1(cin, cout)] if cin != cout else []
            stages.append(nn.Sequential(*transition, _Upsample(), *_stage_blocks(c, k)))
        self.stages = nn.Sequential(*stages)
        self.to_image = nn.Sequential(
            _conv1x1(c.widths[-1], c.channels), make_output_activation(c.output_activation)
        )

    def forward(self, z: Tensor, labels: Tensor | None = None) -> Tensor:
        """Map latents (and labels, if conditional) to images."""
        if z.ndim != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(
                f"R3GANGenerator expects z of shape (B, {self.latent_dim}), got {tuple(z.shape)}"
            )
        c = self.config
        check_condition("R3GANGenerator", c.num_classes, c.num_attributes, labels, z.shape[0])
        if self.encoder is not None and labels is not None:
            z = torch.cat([z, self.encoder(labels).to(z.dtype)], dim=1)
        h = self.linear(z)[:, :, None, None] * self.basis.to(z.dtype)
        out: Tensor = self.to_image(self.stages(h))
        return out


class R3GANDiscriminator(nn.Module):
    r"""R3GAN-style discriminator; see :class:`R3GANDiscriminatorConfig`.

    Build it with :func:`build_r3gan_discriminator`. Submodules: ``from_image``,
    ``stages`` (finest first), ``basis`` (depthwise 4×4 conv), ``head`` and ``encoder``
    (projection embedding, or ``None``).

    Args:
        config: the architecture.

    Shape:
        - x: :math:`(B, C, H, W)`; labels: :math:`(B,)` or :math:`(B, A)`.
        - output: :math:`(B,)` raw logits.

    Example:
        >>> cfg = R3GANDiscriminatorConfig(image_size=8, widths=(8, 4), cardinalities=(2, 1))
        >>> R3GANDiscriminator(cfg)(torch.randn(2, 3, 8, 8)).shape
        torch.Size([2])
    """

    def __init__(self, config: R3GANDiscriminatorConfig) -> None:
        super().__init__()
        c = self.config = config
        self.num_classes = c.num_classes or c.num_attributes
        self.num_attributes = c.num_attributes
        self.from_image = _conv1x1(c.channels, c.widths[-1])
        stages: list[nn.Module] = []
        for k in range(len(c.widths) - 1, 0, -1):
            cin, cout = c.widths[k], c.widths[k - 1]
            transition = [_conv1x1(cin, cout)] if cin != cout else []
            stages.append(nn.Sequential(*_stage_blocks(c, k), _Downsample(), *transition))
        stages.append(nn.Sequential(*_stage_blocks(c, 0)))
        self.stages = nn.Sequential(*stages)
        w = c.widths[0]
        self.basis = nn.Conv2d(w, w, 4, groups=w, bias=False)
        _he(self.basis)
        out_dim = (c.embedding_dim or w) if c.conditional else 1
        self.head = nn.Linear(w, out_dim, bias=False)
        _he(self.head)
        self.encoder: LabelEncoder | None = None
        if c.conditional:
            self.encoder = LabelEncoder(
                out_dim, num_classes=c.num_classes, num_attributes=c.num_attributes
            )
            nn.init.normal_(self.encoder.embed.weight, 0.0, 1.0 / math.sqrt(out_dim))

    def forward(self, x: Tensor, labels: Tensor | None = None) -> Tensor:
        """Return one raw logit per image."""
        c = self.config
        expected = (c.channels, c.image_size, c.image_size)
        if x.ndim != 4 or tuple(x.shape[1:]) != expected:
            raise ValueError(
                f"R3GANDiscriminator expects images of shape (B, {c.channels}, "
                f"{c.image_size}, {c.image_size}), got {tuple(x.shape)}"
            )
        check_condition("R3GANDiscriminator", c.num_classes, c.num_attributes, labels, x.shape[0])
        h = self.basis(self.stages(self.from_image(x))).flatten(1)
        out: Tensor = self.head(h)
        if self.encoder is not None and labels is not None:
            embedding: Tensor = self.encoder(labels)
            return (out * embedding.to(out.dtype)).sum(dim=1)
        return out.flatten(0)


def build_r3gan_generator(config: R3GANGeneratorConfig) -> R3GANGenerator:
    """Build the R3GAN-style generator described by ``config``.

    Args:
        config: an :class:`R3GANGeneratorConfig`.

    Returns:
        A plain ``nn.Module``.

    Raises:
        TypeError: if ``config`` is not an :class:`R3GANGeneratorConfig`.

    Example:
        >>> cfg = R3GANGeneratorConfig(image_size=8, widths=(8, 4), cardinalities=(2, 1))
        >>> len(build_r3gan_generator(cfg).stages)
        2
    """
    if not isinstance(config, R3GANGeneratorConfig):
        raise TypeError(
            f"build_r3gan_generator expects an R3GANGeneratorConfig, got {type(config).__name__}"
        )
    return R3GANGenerator(config)


def build_r3gan_discriminator(config: R3GANDiscriminatorConfig) -> R3GANDiscriminator:
    """Build the R3GAN-style discriminator described by ``config``.

    Args:
        config: an :class:`R3GANDiscriminatorConfig`.

    Returns:
        A plain ``nn.Module``.

    Raises:
        TypeError: if ``config`` is not an :class:`R3GANDiscriminatorConfig`.

    Example:
        >>> cfg = R3GANDiscriminatorConfig(image_size=8, widths=(8, 4), cardinalities=(2, 1))
        >>> len(build_r3gan_discriminator(cfg).stages)
        2
    """
    if not isinstance(config, R3GANDiscriminatorConfig):
        raise TypeError(
            "build_r3gan_discriminator expects an R3GANDiscriminatorConfig, got "
            f"{type(config).__name__}"
        )
    return R3GANDiscriminator(config)
