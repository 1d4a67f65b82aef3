"""Frozen, validated configs for the ResNet (SNGAN / SAGAN / BigGAN-style) nets.

Both nets are a ladder of resolution *levels*: level ``k`` holds feature maps of side
``image_size / 2**k`` (generator) or ``image_size / 2**(k + 1)`` (discriminator) and
``width * width_growth**k`` channels, capped at ``max_width``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, get_args

from gankit._validation import (
    MAX_CHANNELS,
    MAX_LATENT_DIM,
    MAX_NUM_CLASSES,
    MAX_WIDTH,
    check_bool,
    check_choice,
    check_float,
    check_int,
    check_optional_int,
    check_parameter_count,
)
from gankit.models.config import StageGeometry, check_geometry
from gankit.models.layers import NORMS, OUTPUT_ACTIVATIONS, NormName, OutputActivationName

__all__ = [
    "BlockHiddenName",
    "ClassEmbeddingName",
    "ResNetDiscriminatorConfig",
    "ResNetGeneratorConfig",
    "ResNetInitName",
    "ShortcutName",
]

ShortcutName = Literal["resample", "width"]
"""When a residual block's shortcut is a learned 1×1 conv: ``"resample"`` whenever the
width or the resolution changes (SNGAN, Miyato et al. 2018), ``"width"`` only when the
width changes (BigGAN, Brock et al. 2019); otherwise it is the identity (resampled)."""

ClassEmbeddingName = Literal["per_class", "shared"]
"""Class-conditional batch norm in the generator: ``"per_class"`` learns a gain and a bias
per class in every layer (SNGAN projection / SAGAN); ``"shared"`` embeds the class once
(``embedding_dim``) and maps it linearly to each layer's gain and bias (BigGAN)."""

BlockHiddenName = Literal["input", "output"]
"""Width of the first conv's output in a discriminator block: ``"input"`` (the block's
input width, as in the SNGAN code) or ``"output"`` (its output width, as in SAGAN's)."""

ResNetInitName = Literal["xavier", "orthogonal", "pytorch"]
"""``"xavier"``: Xavier-uniform weights, gain √2 in the residual 3×3 convs and 1
elsewhere (as in the SNGAN code); ``"orthogonal"``: orthogonal weights (BigGAN, SAGAN);
``"pytorch"``: PyTorch's defaults."""

SHORTCUTS: tuple[str, ...] = get_args(ShortcutName)
CLASS_EMBEDDINGS: tuple[str, ...] = get_args(ClassEmbeddingName)
RESNET_INITS: tuple[str, ...] = get_args(ResNetInitName)
BLOCK_HIDDENS: tuple[str, ...] = get_args(BlockHiddenName)


def check_attention(owner: str, attention: Any, allowed: tuple[int, ...]) -> None:
    """Raise unless ``attention`` is a tuple of distinct resolutions from ``allowed``."""
    if not isinstance(attention, tuple):
        raise ValueError(
            f"{owner}.attention must be a tuple of resolutions from {allowed}, got {attention!r}"
        )
    for r in attention:
        if isinstance(r, bool) or not isinstance(r, int) or r not in allowed:
            raise ValueError(
                f"{owner}.attention must hold resolutions from {allowed}, got {attention!r}"
            )
    if len(set(attention)) != len(attention):
        raise ValueError(f"{owner}.attention lists a resolution twice: {attention!r}")


@dataclass(frozen=True, kw_only=True)
class _ResNetConfig(StageGeometry):
    image_size: int = 64
    channels: int = 3
    width: int = 64
    width_growth: float = 2.0
    max_width: int | None = None
    start_size: int | None = None
    num_stages: int | None = None
    spectral_norm: bool = False
    attention: tuple[int, ...] = ()
    num_classes: int = 0
    num_attributes: int = 0
    shortcut: ShortcutName = "resample"
    weight_init: ResNetInitName = "xavier"

    def __post_init__(self) -> None:
        owner = type(self).__name__
        check_int(owner, "image_size", self.image_size, minimum=2, maximum=8192)
        check_int(owner, "channels", self.channels, minimum=1, maximum=MAX_CHANNELS)
        check_int(owner, "width", self.width, minimum=1, maximum=MAX_WIDTH)
        check_float(owner, "width_growth", self.width_growth, minimum=1.0, maximum=16.0)
        check_optional_int(owner, "max_width", self.max_width, minimum=1, maximum=MAX_WIDTH)
        check_optional_int(owner, "start_size", self.start_size, minimum=1)
        check_optional_int(owner, "num_stages", self.num_stages, minimum=1, maximum=12)
        check_bool(owner, "spectral_norm", self.spectral_norm)
        check_int(owner, "num_classes", self.num_classes, minimum=0, maximum=MAX_NUM_CLASSES)
        check_int(owner, "num_attributes", self.num_attributes, minimum=0, maximum=MAX_NUM_CLASSES)
        if self.num_classes and self.num_attributes:
            raise ValueError(
                f"{owner}: set num_classes (class labels) or num_attributes (multi-label "
                f"attribute vectors), not both; got num_classes={self.num_classes}, "
                f"num_attributes={self.num_attributes}"
            )
        check_choice(owner, "shortcut", self.shortcut, SHORTCUTS)
        check_choice(owner, "weight_init", self.weight_init, RESNET_INITS)
        check_geometry(owner, self.image_size, self.start_size, self.num_stages)
        check_attention(owner, self.attention, self.attention_sizes)
        # An upper estimate of the parameters (two 3x3 convs and a 1x1 shortcut per stage at
        # the widest width, plus per-class tables), refused before anything is allocated.
        widest = min(self.max_width or MAX_WIDTH, int(self.width * self.width_growth**self.stages))
        labels = self.num_classes + self.num_attributes
        estimate = (self.stages + 1) * 19 * widest**2 + 4 * (labels + 1) * widest * (
            self.stages + 1
        )
        check_parameter_count(owner, estimate, {"width": self.width, "image_size": self.image_size})

    def level_width(self, k: int) -> int:
        """Channels at level ``k``: ``width * width_growth**k``, capped at ``max_width``."""
        w = max(1, round(self.width * self.width_growth**k))
        return w if self.max_width is None else min(w, self.max_width)

    @property
    def conditional(self) -> bool:
        """Whether the net takes labels (class labels or attribute vectors)."""
        return bool(self.num_classes or self.num_attributes)

    @property
    def attention_sizes(self) -> tuple[int, ...]:
        """Resolutions at which ``attention`` may place a self-attention block."""
        raise NotImplementedError


@dataclass(frozen=True, kw_only=True)
class ResNetGeneratorConfig(_ResNetConfig):
    """Architecture of a ResNet generator ``G(z[, labels]) -> (B, C, H, W)``.

    A linear layer maps ``z`` to a ``first_size`` × ``first_size`` map of
    ``level_width(stages)`` channels; ``stages`` pre-activation residual up blocks
    (BN, ReLU, nearest ×2, 3×3 conv, BN, ReLU, 3×3 conv, plus a shortcut) each double the
    side, going from level ``k`` to ``k - 1``; BN, ReLU, a 3×3 conv to ``channels`` and the
    output activation end it (Miyato et al., 2018, arXiv:1802.05957, appendix B; Gulrajani
    et al., 2017). Defaults: the 64×64 SNGAN generator of Miyato & Koyama (2018).

    Args:
        image_size: output side, ``start_size * 2**k`` with ``k >= 1``.
        channels: image channels.
        latent_dim: size of ``z`` (128 in SNGAN).
        width: channels at level 0 (the finest stage); ``ch`` in the SNGAN code.
        width_growth: factor per coarser level.
        max_width: cap on any level's width, or ``None``.
        start_size: side of the first map (default 4 unless ``num_stages`` is set).
        num_stages: number of up blocks; derived from ``image_size`` by default.
        spectral_norm: spectral norm on every conv and linear weight (SAGAN, BigGAN).
        attention: resolutions after whose block a :class:`SelfAttention2d` is inserted
            (from :attr:`attention_sizes`).
        num_classes: class-conditional batch norm on this many classes.
        num_attributes: condition on multi-label attribute vectors of this size (their
            learned ``embedding_dim`` embedding drives the batch norm gains and biases).
        class_embedding: :data:`~gankit.models.ClassEmbeddingName` (with ``num_classes``).
        embedding_dim: size of the shared class embedding or the attribute embedding.
        shortcut: :data:`~gankit.models.ShortcutName`.
        output_activation: ``"tanh"`` (images in [-1, 1]), ``"sigmoid"`` or ``"none"``.
        weight_init: :data:`~gankit.models.ResNetInitName`.

    Raises:
        ValueError: naming the field, the value and what is allowed.

    Example:
        >>> cfg = ResNetGeneratorConfig(image_size=32, width=16)
        >>> cfg.stages, [cfg.level_width(k) for k in range(cfg.stages + 1)]
        (3, [16, 32, 64, 128])
    """

    latent_dim: int = 128
    class_embedding: ClassEmbeddingName = "per_class"
    embedding_dim: int = 128
    output_activation: OutputActivationName = "tanh"

    def __post_init__(self) -> None:
        super().__post_init__()
        owner = type(self).__name__
        check_int(owner, "latent_dim", self.latent_dim, minimum=1, maximum=MAX_LATENT_DIM)
        check_choice(owner, "class_embedding", self.class_embedding, CLASS_EMBEDDINGS)
        check_int(owner, "embedding_dim", self.embedding_dim, minimum=1, maximum=MAX_WIDTH)
        check_choice(owner, "output_activation", self.output_activation, OUTPUT_ACTIVATIONS)

    @property
    def attention_sizes(self) -> tuple[int, ...]:
        """The side ``first_size * 2**k`` (``k >= 1``) of the map after each up block."""
        return tuple(self.first_size * 2**k for k in range(1, self.stages + 1))


@dataclass(frozen=True, kw_only=True)
class ResNetDiscriminatorConfig(_ResNetConfig):
    """Architecture of a ResNet discriminator ``D(x[, labels]) -> (B,)`` raw logits.

    ``stages`` residual down blocks halve the side from ``image_size`` to ``first_size``
    (the first is SNGAN's "optimized" block: conv, ReLU, conv, average pool, with a pooled
    1×1 shortcut); block ``k`` outputs ``level_width(k)`` channels. ``extra_blocks``
    blocks without downsampling follow at ``level_width(stages)`` channels. Then ReLU,
    optional minibatch standard deviation, a global sum pool and a linear layer to one
    logit; conditional nets add the projection ``<embed(y), h>`` (Miyato & Koyama, 2018,
    arXiv:1802.05637). Blocks are pre-activation (norm, ReLU, 3×3 conv, norm, ReLU, 3×3
    conv, average pool; the hidden width is the input width as in the SNGAN code).
    Defaults: the 64×64 SNGAN projection discriminator.

    The fields shared with :class:`ResNetGeneratorConfig` mean the same; ``start_size``
    is the side of the last feature map and ``spectral_norm`` defaults to True.

    Args:
        extra_blocks: blocks without downsampling after the last down block.
        norm: normalization inside the blocks (:data:`~gankit.models.NormName`; the
            SNGAN discriminator uses none and relies on spectral norm).
        norm_groups: groups for ``norm="group"``.
        minibatch_std: group size of a :class:`MinibatchStdDev` before the head, or 0
            for none.
        block_hidden: :data:`~gankit.models.BlockHiddenName`.

    Raises:
        ValueError: naming the field, the value and what is allowed.

    Example:
        >>> cfg = ResNetDiscriminatorConfig(image_size=32, width=8, start_size=8)
        >>> cfg.stages, cfg.attention_sizes
        (2, (16, 8))
    """

    spectral_norm: bool = True
    extra_blocks: int = 0
    norm: NormName = "none"
    norm_groups: int = 32
    minibatch_std: int = 0
    block_hidden: BlockHiddenName = "input"

    def __post_init__(self) -> None:
        super().__post_init__()
        owner = type(self).__name__
        check_int(owner, "extra_blocks", self.extra_blocks, minimum=0, maximum=16)
        check_choice(owner, "norm", self.norm, NORMS)
        check_int(owner, "norm_groups", self.norm_groups, minimum=1)
        check_int(owner, "minibatch_std", self.minibatch_std, minimum=0)
        check_choice(owner, "block_hidden", self.block_hidden, BLOCK_HIDDENS)
        if self.norm == "group":
            widths = self.normalized_widths
            bad = sorted(w for w in widths if w % self.norm_groups)
            if bad:
                raise ValueError(
                    f"{owner}.norm_groups must divide every normalized width "
                    f"{sorted(widths)} when norm='group', got norm_groups={self.norm_groups}"
                )
        if self.norm == "instance" and self.first_size < 2:
            raise ValueError(
                f"{owner}.norm='instance' needs feature maps of at least 2x2, but the "
                f"last stage is {self.first_size}x{self.first_size}"
            )

    @property
    def normalized_widths(self) -> set[int]:
        """Widths that a block's norm layers see (block inputs, except the image, and hiddens)."""
        out: set[int] = set()
        cin = self.channels
        outs = [self.level_width(k) for k in range(self.stages)]
        outs += [self.level_width(self.stages)] * self.extra_blocks
        for i, cout in enumerate(outs):
            hidden = cout if i == 0 or self.block_hidden == "output" else cin
            out |= {hidden} if i == 0 else {cin, hidden}
            cin = cout
        return out

    @property
    def attention_sizes(self) -> tuple[int, ...]:
        """The side ``image_size / 2**k`` (``k >= 1``) of the map after each down block."""
        return tuple(self.image_size >> k for k in range(1, self.stages + 1))

    @property
    def final_width(self) -> int:
        """Channels of the last feature map (before any minibatch-std channel)."""
        return self.level_width(self.stages if self.extra_blocks else self.stages - 1)
