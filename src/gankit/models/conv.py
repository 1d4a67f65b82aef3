"""Convolutional generator and discriminator built from a config."""

from __future__ import annotations

from itertools import pairwise

import torch
from torch import Tensor, nn

from gankit.models.conditioning import LabelEncoder, check_condition
from gankit.models.config import DiscriminatorConfig, GeneratorConfig
from gankit.models.init import dcgan_init
from gankit.models.layers import (
    conv_block,
    make_activation,
    make_norm2d,
    make_output_activation,
    spectral_norm_all,
)

__all__ = ["ConvDiscriminator", "ConvGenerator", "build_discriminator", "build_generator"]


def check_labels(owner: str, num_classes: int, labels: Tensor | None, batch: int) -> None:
    """Raise ``ValueError`` unless ``labels`` fit a net with ``num_classes`` classes.

    See :func:`gankit.models.conditioning.check_condition` (class labels only).
    """
    check_condition(owner, num_classes, 0, labels, batch)


class ConvGenerator(nn.Module):
    r"""DCGAN-style generator: latent stem, upsampling stages, output conv.

    Build it with :func:`build_generator`. Submodules: ``embed`` (conditional only),
    ``stem``, ``blocks`` (one ``nn.Sequential`` per hidden stage) and ``to_image``.

    Args:
        config: the architecture; kept as ``self.config``, with ``latent_dim`` and
            ``num_classes`` also as attributes (the :class:`~gankit.Trainer` reads them).

    Shape:
        - z: :math:`(B, \text{latent\_dim})`; labels: :math:`(B,)` int64 if conditional.
        - output: :math:`(B, C, H, W)` with ``H = W = image_size``.

    Example:
        >>> import torch
        >>> G = ConvGenerator(GeneratorConfig(image_size=8, width=2, latent_dim=4))
        >>> [type(m).__name__ for m in G.to_image]
        ['ConvTranspose2d', 'Tanh']
    """

    def __init__(self, config: GeneratorConfig) -> None:
        super().__init__()
        self.config = config
        self.latent_dim = config.latent_dim
        self.num_classes = config.num_classes or config.num_attributes
        self.num_attributes = config.num_attributes
        c = config
        widths = c.widths[::-1]  # coarsest first
        in_dim = c.latent_dim
        self.embed: nn.Embedding | LabelEncoder | None = None
        if c.num_classes:
            emb_dim = c.class_embedding_dim or c.num_classes
            self.embed = nn.Embedding(c.num_classes, emb_dim)
            in_dim += emb_dim
        elif c.num_attributes:
            emb_dim = c.class_embedding_dim or c.num_attributes
            self.embed = LabelEncoder(emb_dim, num_attributes=c.num_attributes)
            in_dim += emb_dim

        def bias(norm_follows: bool) -> bool:
            return (not norm_follows) if c.conv_bias is None else c.conv_bias

        def norm(ch: int) -> nn.Module | None:
            return make_norm2d(c.norm, ch, groups=c.norm_groups)

        def act() -> nn.Module:
            return make_activation(c.activation, negative_slope=c.negative_slope)

        s0, w0 = c.first_size, widths[0]
        stem_post = c.stem_norm_act and c.norm != "none"
        first: list[nn.Module]
        if c.stem == "conv":
            first = [nn.ConvTranspose2d(in_dim, w0, s0, 1, 0, bias=bias(stem_post))]
        else:
            linear = nn.Linear(in_dim, w0 * s0 * s0, bias=not stem_post)
            first = [linear, nn.Unflatten(1, (w0, s0, s0))]
        self.stem = conv_block(
            first,
            norm(w0) if c.stem_norm_act else None,
            act() if c.stem_norm_act else None,
        )

        def up(cin: int, cout: int, has_bias: bool) -> list[nn.Module]:
            k = c.kernel
            if c.upsample == "transposed":
                return [nn.ConvTranspose2d(cin, cout, k, 2, (k - 2) // 2, bias=has_bias)]
            return [
                nn.Upsample(scale_factor=2, mode=c.resize_mode),
                nn.Conv2d(cin, cout, k, 1, k // 2, bias=has_bias),
            ]

        has_norm = c.norm != "none"
        self.blocks = nn.Sequential(
            *(
                conv_block(up(cin, cout, bias(has_norm)), norm(cout), act())
                for cin, cout in pairwise(widths)
            )
        )
        self.to_image = nn.Sequential(
            *up(widths[-1], c.channels, bias(False)),
            make_output_activation(c.output_activation),
        )
        if c.weight_init == "dcgan":
            dcgan_init(self)
        if c.spectral_norm:
            spectral_norm_all(self)

    def forward(self, z: Tensor, labels: Tensor | None = None) -> Tensor:
        """Map latents (and labels, if conditional) to images."""
        if z.ndim != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(
                f"ConvGenerator expects z of shape (B, {self.latent_dim}), got {tuple(z.shape)}"
            )
        c = self.config
        check_condition("ConvGenerator", c.num_classes, c.num_attributes, labels, z.shape[0])
        if self.embed is not None and labels is not None:
            z = torch.cat([z, self.embed(labels).to(z.dtype)], dim=1)
        if self.config.stem == "conv":
            z = z[:, :, None, None]
        out: Tensor = self.to_image(self.blocks(self.stem(z)))
        return out


class ConvDiscriminator(nn.Module):
    """DCGAN-style discriminator: downsampling stages and a head producing one logit.

    Build it with :func:`build_discriminator`. Submodules: ``from_image``, ``blocks``,
    ``head`` and ``embed`` (conditional only: projection discriminator).

    Args:
        config: the architecture; kept as ``self.config``.

    Shape:
        - x: :math:`(B, C, H, W)` with ``H = W = image_size``; labels: :math:`(B,)`.
        - output: :math:`(B,)` raw logits (no Sigmoid).

    Example:
        >>> import torch
        >>> D = ConvDiscriminator(DiscriminatorConfig(image_size=8, width=2, num_classes=3))
        >>> D(torch.randn(2, 3, 8, 8), torch.tensor([0, 2])).shape
        torch.Size([2])
    """

    def __init__(self, config: DiscriminatorConfig) -> None:
        super().__init__()
        self.config = config
        self.num_classes = config.num_classes or config.num_attributes
        self.num_attributes = config.num_attributes
        c = config
        widths = c.widths

        def bias(norm_follows: bool) -> bool:
            return (not norm_follows) if c.conv_bias is None else c.conv_bias

        def down(cin: int, cout: int, has_bias: bool) -> list[nn.Module]:
            k = c.kernel
            if c.downsample == "strided":
                return [nn.Conv2d(cin, cout, k, 2, (k - 1) // 2, bias=has_bias)]
            return [nn.Conv2d(cin, cout, k, 1, k // 2, bias=has_bias), nn.AvgPool2d(2)]

        def act() -> nn.Module:
            return make_activation(c.activation, negative_slope=c.negative_slope)

        has_norm = c.norm != "none"
        first_norm = make_norm2d(c.norm, widths[0], groups=c.norm_groups) if c.input_norm else None
        self.from_image = conv_block(
            down(c.channels, widths[0], bias(first_norm is not None)), first_norm, act()
        )
        self.blocks = nn.Sequential(
            *(
                conv_block(
                    down(cin, cout, bias(has_norm)),
                    make_norm2d(c.norm, cout, groups=c.norm_groups),
                    act(),
                )
                for cin, cout in pairwise(widths)
            )
        )
        s, w = c.first_size, widths[-1]
        if c.head == "conv":
            self.head = nn.Sequential(nn.Conv2d(w, 1, s, 1, 0, bias=c.head_bias), nn.Flatten(0))
        else:
            self.head = nn.Sequential(
                nn.Flatten(1), nn.Linear(w * s * s, 1, bias=c.head_bias), nn.Flatten(0)
            )
        self.embed: nn.Embedding | LabelEncoder | None = None
        if c.num_classes:
            self.embed = nn.Embedding(c.num_classes, w)
        elif c.num_attributes:
            self.embed = LabelEncoder(w, num_attributes=c.num_attributes)
        if c.weight_init == "dcgan":
            dcgan_init(self)
        if c.spectral_norm:
            spectral_norm_all(self)

    def forward(self, x: Tensor, labels: Tensor | None = None) -> Tensor:
        """Return one raw logit per image."""
        c = self.config
        expected = (c.channels, c.image_size, c.image_size)
        if x.ndim != 4 or tuple(x.shape[1:]) != expected:
            raise ValueError(
                f"ConvDiscriminator expects images of shape (B, {c.channels}, {c.image_size}, "
                f"{c.image_size}), got {tuple(x.shape)}"
            )
        check_condition("ConvDiscriminator", c.num_classes, c.num_attributes, labels, x.shape[0])
        h = self.blocks(self.from_image(x))
        logits: Tensor = self.head(h)
        if self.embed is not None and labels is not None:
            logits = logits + (self.embed(labels).to(h.dtype) * h.sum(dim=(2, 3))).sum(dim=1)
        return logits


def build_generator(config: GeneratorConfig) -> ConvGenerator:
    """Build the convolutional generator described by ``config``.

    Args:
        config: a :class:`GeneratorConfig`.

    Returns:
        A plain ``nn.Module``; ``G(z)`` maps ``(B, latent_dim)`` to ``(B, C, H, W)``.

    Raises:
        TypeError: if ``config`` is not a :class:`GeneratorConfig`.

    Example:
        >>> import torch
        >>> G = build_generator(GeneratorConfig(image_size=16, width=4, latent_dim=8))
        >>> G(torch.randn(2, 8)).shape
        torch.Size([2, 3, 16, 16])

    """
    if not isinstance(config, GeneratorConfig):
        raise TypeError(
            f"build_generator expects a GeneratorConfig, got {type(config).__name__}; "
            "for MLP configs use build_mlp_generator"
        )
    return ConvGenerator(config)


def build_discriminator(config: DiscriminatorConfig) -> ConvDiscriminator:
    """Build the convolutional discriminator described by ``config``.

    Args:
        config: a :class:`DiscriminatorConfig`.

    Returns:
        A plain ``nn.Module``; ``D(x)`` maps ``(B, C, H, W)`` to ``(B,)`` raw logits.

    Raises:
        TypeError: if ``config`` is not a :class:`DiscriminatorConfig`.

    Example:
        >>> import torch
        >>> D = build_discriminator(DiscriminatorConfig(image_size=16, width=4))
        >>> D(torch.randn(2, 3, 16, 16)).shape
        torch.Size([2])

    """
    if not isinstance(config, DiscriminatorConfig):
        raise TypeError(
            f"build_discriminator expects a DiscriminatorConfig, got {type(config).__name__}; "
            "for MLP configs use build_mlp_discriminator"
        )
    return ConvDiscriminator(config)
