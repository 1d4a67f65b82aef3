"""Frozen, validated configs for the convolutional generator and discriminator.

Both networks are a ladder of ``num_stages`` resolution stages between a small feature map
of ``start_size`` pixels and the image of ``image_size = start_size * 2**num_stages``
pixels. The width (number of feature maps) is ``width`` at the finest hidden stage and
grows by ``width_growth`` per stage towards the coarsest one, capped at ``max_width``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import pairwise
from typing import Literal, get_args

from gankit._validation import (
    MAX_CHANNELS,
    MAX_IMAGE_SIZE,
    MAX_LATENT_DIM,
    MAX_NUM_CLASSES,
    MAX_WIDTH,
    check_bool,
    check_choice,
    check_float,
    check_int,
    check_optional_bool,
    check_optional_int,
    check_parameter_count,
)
from gankit.models.layers import (
    ACTIVATIONS,
    NORMS,
    OUTPUT_ACTIVATIONS,
    ActivationName,
    NormName,
    OutputActivationName,
)

__all__ = [
    "DiscriminatorConfig",
    "DownsampleName",
    "GeneratorConfig",
    "HeadName",
    "ResizeModeName",
    "StemName",
    "UpsampleName",
    "WeightInitName",
]

StemName = Literal["conv", "linear"]
"""How the latent enters the generator: ``"conv"``, a transposed conv from a 1×1 map (as
in DCGAN), or ``"linear"``, a linear layer reshaped to the first feature map."""

HeadName = Literal["conv", "linear"]
"""How the discriminator ends: ``"conv"``, a conv whose kernel covers the last feature map
(as in DCGAN), or ``"linear"``, flatten + linear."""

UpsampleName = Literal["transposed", "resize"]
"""Generator upsampling: ``"transposed"`` (stride-2 transposed conv) or ``"resize"``
(nearest/bilinear resize by 2 followed by a stride-1 conv, Odena et al. 2016)."""

DownsampleName = Literal["strided", "pool"]
"""Discriminator downsampling: ``"strided"`` (stride-2 conv) or ``"pool"`` (stride-1 conv
followed by 2×2 average pooling)."""

ResizeModeName = Literal["nearest", "bilinear"]
"""Interpolation of ``upsample="resize"``: ``"nearest"`` or ``"bilinear"``."""

WeightInitName = Literal["dcgan", "pytorch"]
"""``"dcgan"`` applies :func:`gankit.models.dcgan_init`; ``"pytorch"`` keeps PyTorch's."""

STEMS: tuple[str, ...] = get_args(StemName)
HEADS: tuple[str, ...] = get_args(HeadName)
UPSAMPLES: tuple[str, ...] = get_args(UpsampleName)
DOWNSAMPLES: tuple[str, ...] = get_args(DownsampleName)
RESIZE_MODES: tuple[str, ...] = get_args(ResizeModeName)
WEIGHT_INITS: tuple[str, ...] = get_args(WeightInitName)


def _odd_part(n: int) -> int:
    while n % 2 == 0:
        n //= 2
    return n


def check_geometry(owner: str, size: int, start: int | None, stages: int | None) -> None:
    """Check that ``size = start * 2**stages`` can hold (shared by the conv and ResNet configs).

    Raises:
        ValueError: naming ``owner``'s fields and, where one exists, a start size that works.
    """
    if stages is not None:
        if size % 2**stages:
            raise ValueError(
                f"{owner}.num_stages={stages} needs image_size divisible by 2**{stages}, "
                f"got image_size={size}"
            )
        if start is not None and start * 2**stages != size:
            raise ValueError(
                f"{owner}.start_size={start} and num_stages={stages} give "
                f"{start * 2**stages}, which is not image_size={size}"
            )
    else:
        start = 4 if start is None else start
        ratio = size // start
        if size % start or ratio < 2 or ratio & (ratio - 1):
            odd = _odd_part(size)
            hint = f"e.g. start_size={odd}" if odd < size else "an odd start_size cannot work"
            raise ValueError(
                f"{owner}.image_size must be start_size * 2**k with k >= 1, got "
                f"image_size={size} with start_size={start} ({hint})"
            )


class StageGeometry:
    """Stage arithmetic of configs with ``image_size``, ``start_size`` and ``num_stages``.

    Shared by the conv and ResNet configs, which validate the three fields with
    :func:`check_geometry`.
    """

    image_size: int
    start_size: int | None
    num_stages: int | None

    @property
    def stages(self) -> int:
        """Number of resolution doublings between the coarsest map and the image."""
        if self.num_stages is not None:
            return self.num_stages
        start = 4 if self.start_size is None else self.start_size
        return round(math.log2(self.image_size // start))

    @property
    def first_size(self) -> int:
        """Side of the coarsest feature map (``image_size / 2**stages``)."""
        return self.image_size >> self.stages


@dataclass(frozen=True, kw_only=True)
class _ConvNetConfig(StageGeometry):
    image_size: int = 64
    channels: int = 3
    width: int = 64
    width_growth: float = 2.0
    max_width: int | None = None
    start_size: int | None = None
    num_stages: int | None = None
    norm: NormName = "batch"
    norm_groups: int = 32
    spectral_norm: bool = False
    activation: ActivationName = "relu"
    negative_slope: float = 0.2
    kernel_size: int | None = None
    conv_bias: bool | None = None
    num_classes: int = 0
    num_attributes: int = 0
    weight_init: WeightInitName = "dcgan"

    def __post_init__(self) -> None:
        owner = type(self).__name__
        check_int(owner, "image_size", self.image_size, minimum=2, maximum=MAX_IMAGE_SIZE)
        check_int(owner, "channels", self.channels, minimum=1, maximum=MAX_CHANNELS)
        check_int(owner, "width", self.width, minimum=1, maximum=MAX_WIDTH)
        check_float(owner, "width_growth", self.width_growth, minimum=1.0, maximum=16.0)
        check_optional_int(owner, "max_width", self.max_width, minimum=1, maximum=MAX_WIDTH)
        check_optional_int(owner, "start_size", self.start_size, minimum=1, maximum=MAX_IMAGE_SIZE)
        check_optional_int(owner, "num_stages", self.num_stages, minimum=1, maximum=12)
        if self.norm == "spectral":  # type: ignore[comparison-overlap]
            raise ValueError(
                f"{owner}.norm must be one of {', '.join(map(repr, NORMS))}, got 'spectral'; "
                "spectral normalization is a weight reparametrization: set spectral_norm=True"
            )
        check_choice(owner, "norm", self.norm, NORMS)
        check_int(owner, "norm_groups", self.norm_groups, minimum=1, maximum=MAX_WIDTH)
        check_bool(owner, "spectral_norm", self.spectral_norm)
        check_choice(owner, "activation", self.activation, ACTIVATIONS)
        check_float(
            owner,
            "negative_slope",
            self.negative_slope,
            minimum=0.0,
            maximum=1.0,
            include_max=False,
        )
        check_optional_int(owner, "kernel_size", self.kernel_size, minimum=1, maximum=15)
        check_optional_bool(owner, "conv_bias", self.conv_bias)
        check_int(owner, "num_classes", self.num_classes, minimum=0, maximum=MAX_NUM_CLASSES)
        check_int(owner, "num_attributes", self.num_attributes, minimum=0, maximum=MAX_NUM_CLASSES)
        if self.num_classes and self.num_attributes:
            raise ValueError(
                f"{owner}: set num_classes (class labels) or num_attributes (multi-label "
                f"attribute vectors), not both; got num_classes={self.num_classes}, "
                f"num_attributes={self.num_attributes}"
            )
        check_choice(owner, "weight_init", self.weight_init, WEIGHT_INITS)
        self._check_geometry(owner)

    def _check_geometry(self, owner: str) -> None:
        check_geometry(owner, self.image_size, self.start_size, self.num_stages)
        if self.norm == "group":
            for w in self.widths:
                if w % self.norm_groups:
                    raise ValueError(
                        f"{owner}.norm_groups must divide every stage width {self.widths} "
                        f"when norm='group', got norm_groups={self.norm_groups}"
                    )
        if self.norm in ("group", "layer") and self.first_size == 1:
            groups = self.norm_groups if self.norm == "group" else 1
            if self.widths[-1] // groups == 1:
                raise ValueError(
                    f"{owner}.norm={self.norm!r} would normalize single values: the coarsest "
                    f"stage is 1x1 with {self.widths[-1]} channel(s) in {groups} group(s); use "
                    "fewer groups, a wider net or start_size >= 2"
                )
        if self.norm == "instance" and self.first_size < 2:
            raise ValueError(
                f"{owner}.norm='instance' needs feature maps of at least 2x2, but the "
                f"coarsest stage is {self.first_size}x{self.first_size}"
            )

    def _check_size(self, owner: str, kernel: int, ends: int, embedding: int, **more: int) -> None:
        """Refuse a net of more than ``MAX_PARAMETERS`` parameters (an upper estimate)."""
        ws, s = self.widths, self.first_size
        chain = (self.channels, *ws)
        body = sum(kernel * kernel * a * b + a + b for a, b in pairwise(chain))
        bound = body + (ends + 1) * ws[-1] * s * s + 1 + 4 * sum(ws) + embedding
        fields = {
            "image_size": self.image_size,
            "channels": self.channels,
            "width": self.width,
            "width_growth": self.width_growth,
            "max_width": self.max_width,
            "num_stages": self.stages,
            "kernel_size": kernel,
            "num_classes": self.num_classes,
            **more,
        }
        check_parameter_count(owner, bound, fields)

    @property
    def widths(self) -> tuple[int, ...]:
        """Hidden widths from the finest stage (next to the image) to the coarsest."""
        out = []
        for k in range(self.stages):
            w = max(1, round(self.width * self.width_growth**k))
            out.append(w if self.max_width is None else min(w, self.max_width))
        return tuple(out)


@dataclass(frozen=True, kw_only=True)
class GeneratorConfig(_ConvNetConfig):
    """Architecture of a convolutional generator ``G(z) -> (B, C, H, W)``.

    Defaults are the DCGAN generator of Radford et al. (2016, arXiv:1511.06434) at 64×64
    (use :func:`gankit.models.dcgan` for the exact canonical nets).

    Args:
        image_size: output side; ``start_size * 2**k`` with ``k >= 1`` (any power of two
            from 8 up with the default ``start_size=4``; 48 with ``start_size=3``).
        channels: output image channels.
        latent_dim: size of the latent vector ``z``.
        width: feature maps in the finest hidden stage (``ngf`` in DCGAN).
        width_growth: factor by which the width grows per coarser stage.
        max_width: cap on any stage width, or ``None``.
        start_size: side of the first feature map; default 4 unless ``num_stages`` is set.
        num_stages: number of upsampling stages; derived from ``image_size`` by default.
        norm: normalization after every hidden conv (:data:`~gankit.models.NormName`).
        norm_groups: groups for ``norm="group"``; must divide every stage width.
        spectral_norm: wrap every conv/linear weight in spectral normalization.
        activation: hidden activation (:data:`~gankit.models.ActivationName`).
        negative_slope: slope for ``"leaky_relu"``, in ``[0, 1)``.
        kernel_size: conv kernel; default 4 for ``"transposed"`` (must be even), 3 for
            ``"resize"`` (must be odd).
        conv_bias: ``None`` gives every conv a bias unless a norm follows it; ``True`` or
            ``False`` forces it for every conv (the canonical DCGAN uses ``False``).
        num_classes: if positive, ``G(z, labels)`` is conditional: a learned label
            embedding is concatenated to ``z`` (Mirza & Osindero, 2014).
        num_attributes: if positive, ``G(z, attributes)`` is conditional on multi-label
            attribute vectors ``(B, num_attributes)`` of 0/1 values (e.g. CelebA's 40):
            their learned linear embedding is concatenated to ``z`` (see
            :mod:`gankit.models.conditioning`). Not together with ``num_classes``.
        class_embedding_dim: size of that embedding; default ``num_classes`` (or
            ``num_attributes``).
        stem: how ``z`` enters (:data:`~gankit.models.StemName`).
        stem_norm_act: apply norm and activation after the stem (DCGAN: yes; the 32×32
            seed nets: no).
        upsample: :data:`~gankit.models.UpsampleName`.
        resize_mode: interpolation for ``upsample="resize"``.
        output_activation: ``"tanh"`` (images in [-1, 1]), ``"sigmoid"`` or ``"none"``.
        weight_init: ``"dcgan"`` (normal(0, 0.02) weights) or ``"pytorch"``.

    Sizes are bounded so that a config (also one read from a file) never asks for an
    unreasonable allocation: ``image_size`` and ``start_size`` <= 8192, ``channels`` <=
    1024, ``width``, ``max_width``, ``norm_groups`` and ``class_embedding_dim`` <= 16384,
    ``latent_dim`` <= 65536, ``num_classes`` <= 2**20, and the built net at most 2**30
    parameters.

    Raises:
        TypeError: for a field of the wrong type, naming the field and the value.
        ValueError: for a bad value, naming the field, the value and what is allowed.

    Example:
        >>> cfg = GeneratorConfig(image_size=32, width=8)
        >>> cfg.stages, cfg.first_size, cfg.widths
        (3, 4, (8, 16, 32))

    """

    latent_dim: int = 100
    class_embedding_dim: int | None = None
    stem: StemName = "conv"
    stem_norm_act: bool = True
    upsample: UpsampleName = "transposed"
    resize_mode: ResizeModeName = "nearest"
    output_activation: OutputActivationName = "tanh"

    def __post_init__(self) -> None:
        super().__post_init__()
        owner = type(self).__name__
        check_int(owner, "latent_dim", self.latent_dim, minimum=1, maximum=MAX_LATENT_DIM)
        check_optional_int(
            owner, "class_embedding_dim", self.class_embedding_dim, minimum=1, maximum=MAX_WIDTH
        )
        check_choice(owner, "stem", self.stem, STEMS)
        check_bool(owner, "stem_norm_act", self.stem_norm_act)
        check_choice(owner, "upsample", self.upsample, UPSAMPLES)
        check_choice(owner, "resize_mode", self.resize_mode, RESIZE_MODES)
        check_choice(owner, "output_activation", self.output_activation, OUTPUT_ACTIVATIONS)
        k = self.kernel_size
        if k is not None:
            if self.upsample == "transposed" and k % 2:
                raise ValueError(
                    f"{owner}.kernel_size must be even (2, 4, 6, ...) for upsample='transposed' "
                    f"so that each stage exactly doubles the size, got {k}"
                )
            if self.upsample == "resize" and not k % 2:
                raise ValueError(
                    f"{owner}.kernel_size must be odd (1, 3, 5, ...) for upsample='resize', got {k}"
                )
        emb = (self.class_embedding_dim or self.num_classes) if self.num_classes else 0
        self._check_size(
            owner,
            self.kernel,
            self.latent_dim + emb,
            self.num_classes * emb,
            latent_dim=self.latent_dim,
            class_embedding_dim=emb,
        )

    @property
    def kernel(self) -> int:
        """The conv kernel size in effect."""
        if self.kernel_size is not None:
            return self.kernel_size
        return 4 if self.upsample == "transposed" else 3


@dataclass(frozen=True, kw_only=True)
class DiscriminatorConfig(_ConvNetConfig):
    """Architecture of a convolutional discriminator ``D(x) -> (B,)`` raw logits.

    Defaults are the DCGAN discriminator of Radford et al. (2016) at 64×64 (use
    :func:`gankit.models.dcgan` for the exact canonical nets). There is no Sigmoid at the
    end: the losses in ``gankit.losses`` work on logits.

    The fields ``image_size``, ``channels``, ``width``, ``width_growth``, ``max_width``,
    ``start_size``, ``num_stages``, ``norm``, ``norm_groups``, ``spectral_norm``,
    ``negative_slope``, ``conv_bias``, ``num_classes`` and ``weight_init`` mean what they
    mean in :class:`GeneratorConfig`; here ``start_size`` is the side of the last feature
    map, which the head reduces to one logit.

    Args:
        activation: hidden activation; default ``"leaky_relu"`` with slope 0.2.
        kernel_size: default 4 for ``"strided"``, 3 for ``"pool"`` (must be odd).
        input_norm: normalize the first block too (DCGAN: no).
        downsample: :data:`~gankit.models.DownsampleName`.
        head: :data:`~gankit.models.HeadName`.
        head_bias: give the final conv/linear a bias.

    If ``num_classes`` (or ``num_attributes``) is positive, ``D(x, labels)`` adds a
    projection term ``<embed(labels), sum_pool(h)>`` to the logit (Miyato & Koyama, 2018);
    attribute vectors are embedded by a learned linear map.

    Sizes are bounded so that a config (also one read from a file) never asks for an
    unreasonable allocation: ``image_size`` and ``start_size`` <= 8192, ``channels`` <=
    1024, ``width``, ``max_width``, ``norm_groups`` and ``class_embedding_dim`` <= 16384,
    ``latent_dim`` <= 65536, ``num_classes`` <= 2**20, and the built net at most 2**30
    parameters.

    Raises:
        TypeError: for a field of the wrong type, naming the field and the value.
        ValueError: for a bad value, naming the field, the value and what is allowed.

    Example:
        >>> DiscriminatorConfig(image_size=32, width=8).widths
        (8, 16, 32)

    """

    activation: ActivationName = "leaky_relu"
    input_norm: bool = False
    downsample: DownsampleName = "strided"
    head: HeadName = "conv"
    head_bias: bool = True

    def __post_init__(self) -> None:
        super().__post_init__()
        owner = type(self).__name__
        check_bool(owner, "input_norm", self.input_norm)
        check_choice(owner, "downsample", self.downsample, DOWNSAMPLES)
        check_choice(owner, "head", self.head, HEADS)
        check_bool(owner, "head_bias", self.head_bias)
        k = self.kernel_size
        if k is not None:
            if self.downsample == "strided" and k < 2:
                raise ValueError(
                    f"{owner}.kernel_size must be >= 2 for downsample='strided', got {k}"
                )
            if self.downsample == "pool" and not k % 2:
                raise ValueError(
                    f"{owner}.kernel_size must be odd (1, 3, 5, ...) for downsample='pool', got {k}"
                )
        self._check_size(owner, self.kernel, 1, self.num_classes * self.widths[-1])

    @property
    def kernel(self) -> int:
        """The conv kernel size in effect."""
        if self.kernel_size is not None:
            return self.kernel_size
        return 4 if self.downsample == "strided" else 3
