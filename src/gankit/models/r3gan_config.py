"""Frozen, validated configs for the R3GAN-style normalization-free residual nets."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gankit._validation import (
    MAX_CHANNELS,
    MAX_NUM_CLASSES,
    MAX_WIDTH,
    check_choice,
    check_int,
    check_optional_int,
    check_parameter_count,
)
from gankit.models.layers import OUTPUT_ACTIVATIONS, OutputActivationName

__all__ = ["R3GANDiscriminatorConfig", "R3GANGeneratorConfig"]


def _check_tuple(owner: str, field: str, value: Any) -> tuple[int, ...]:
    if not isinstance(value, tuple) or not value:
        error = TypeError if not isinstance(value, tuple) else ValueError
        raise error(
            f"{owner}.{field} must be a non-empty tuple of ints >= 1 (one per stage, "
            f"coarsest first), got {value!r}"
        )
    for i, v in enumerate(value):
        check_int(owner, f"{field}[{i}]", v, minimum=1)
    return value


@dataclass(frozen=True, kw_only=True)
class _R3GANConfig:
    image_size: int = 64
    channels: int = 3
    widths: tuple[int, ...] = (768, 768, 768, 768, 384)
    cardinalities: tuple[int, ...] = (96, 96, 96, 96, 48)
    blocks_per_stage: int = 2
    expansion: int = 2
    num_classes: int = 0
    num_attributes: int = 0
    embedding_dim: int | None = None

    def __post_init__(self) -> None:
        owner = type(self).__name__
        check_int(owner, "image_size", self.image_size, minimum=8, maximum=8192)
        check_int(owner, "channels", self.channels, minimum=1, maximum=MAX_CHANNELS)
        _check_tuple(owner, "widths", self.widths)
        _check_tuple(owner, "cardinalities", self.cardinalities)
        check_int(owner, "blocks_per_stage", self.blocks_per_stage, minimum=1, maximum=64)
        check_int(owner, "expansion", self.expansion, minimum=1, maximum=16)
        check_int(owner, "num_classes", self.num_classes, minimum=0, maximum=MAX_NUM_CLASSES)
        check_int(owner, "num_attributes", self.num_attributes, minimum=0, maximum=MAX_NUM_CLASSES)
        check_optional_int(owner, "embedding_dim", self.embedding_dim, minimum=1, maximum=MAX_WIDTH)
        if any(w > MAX_WIDTH for w in self.widths):
            raise ValueError(f"{owner}.widths must be at most {MAX_WIDTH}, got {self.widths!r}")
        if self.num_classes and self.num_attributes:
            raise ValueError(
                f"{owner}: set num_classes or num_attributes, not both; got num_classes="
                f"{self.num_classes}, num_attributes={self.num_attributes}"
            )
        ratio = self.image_size // 4
        if self.image_size % 4 or ratio & (ratio - 1):
            raise ValueError(
                f"{owner}.image_size must be 4 * 2**k with k >= 1 (the nets start from a 4x4 "
                f"basis), got {self.image_size}"
            )
        if len(self.widths) != self.stages + 1:
            raise ValueError(
                f"{owner}.widths must have {self.stages + 1} entries for image_size="
                f"{self.image_size} (sides 4 to {self.image_size}), got {len(self.widths)}"
            )
        if len(self.cardinalities) != len(self.widths):
            raise ValueError(
                f"{owner}.cardinalities must have one entry per stage ({len(self.widths)}), "
                f"got {len(self.cardinalities)}"
            )
        for i, (w, g) in enumerate(zip(self.widths, self.cardinalities, strict=True)):
            if (w * self.expansion) % g:
                raise ValueError(
                    f"{owner}.cardinalities[{i}]={g} must divide widths[{i}] * expansion = "
                    f"{w * self.expansion} (the grouped 3x3 conv's channels)"
                )
        # Upper estimate: per block 1x1 expand, grouped 3x3, 1x1 project; transitions; tables.
        per_stage = [
            self.blocks_per_stage * (2 * self.expansion * w * w + 9 * w * self.expansion * w // g)
            + 4 * w * w
            for w, g in zip(self.widths, self.cardinalities, strict=True)
        ]
        labels = self.num_classes + self.num_attributes
        estimate = sum(per_stage) + (labels + 1) * max(self.widths) * 4
        check_parameter_count(owner, estimate, {"widths": self.widths, "expansion": self.expansion})

    @property
    def stages(self) -> int:
        """Number of resolution doublings from the 4×4 basis to the image."""
        return (self.image_size // 4).bit_length() - 1

    @property
    def num_blocks(self) -> int:
        """Residual blocks in the whole net (the variance-scaling ``L`` of the init)."""
        return self.blocks_per_stage * len(self.widths)

    @property
    def conditional(self) -> bool:
        """Whether the net takes labels (class labels or attribute vectors)."""
        return bool(self.num_classes or self.num_attributes)


@dataclass(frozen=True, kw_only=True)
class R3GANGeneratorConfig(_R3GANConfig):
    """Architecture of an R3GAN-style generator ``G(z[, labels]) -> (B, C, H, W)``.

    Huang et al., "The GAN is dead; long live the GAN! A Modern GAN Baseline", NeurIPS
    2024, arXiv:2501.05441: no normalization; ``z`` (concatenated with a label embedding if
    conditional) scales a learned 4×4 basis per channel; each stage is a transition (1×1
    conv where the width changes, then ×2 bilinear upsampling) followed by
    ``blocks_per_stage`` residual blocks (1×1 conv expanding by ``expansion``, bias +
    LeakyReLU(0.2), grouped 3×3 conv with ``cardinalities[k]`` groups, bias + LeakyReLU,
    1×1 conv back, zero-initialized); a 1×1 conv maps to ``channels``. Weights are
    He-initialized with the residual branch scaled by ``num_blocks**-1/4`` per layer
    (fix-up style, so the output variance does not grow with depth). Defaults: the paper's
    FFHQ-64 configuration.

    Args:
        image_size: output side, ``4 * 2**k``.
        channels: image channels.
        latent_dim: size of ``z`` (64 in the paper).
        widths: channels per stage, from the 4×4 stage to the image resolution.
        cardinalities: groups of each stage's 3×3 conv.
        blocks_per_stage: residual blocks per stage.
        expansion: width factor inside a block.
        num_classes: condition on class labels.
        num_attributes: condition on multi-label attribute vectors.
        embedding_dim: size of the label embedding concatenated to ``z``; default
            ``latent_dim`` (as in the paper's conditional configs).
        output_activation: the paper uses ``"none"`` (raw output).

    Raises:
        ValueError: naming the field, the value and what is allowed.

    Example:
        >>> cfg = R3GANGeneratorConfig(image_size=16, widths=(8, 8, 4), cardinalities=(2, 2, 1))
        >>> cfg.stages, cfg.num_blocks
        (2, 6)
    """

    latent_dim: int = 64
    output_activation: OutputActivationName = "none"

    def __post_init__(self) -> None:
        super().__post_init__()
        owner = type(self).__name__
        check_int(owner, "latent_dim", self.latent_dim, minimum=1)
        check_choice(owner, "output_activation", self.output_activation, OUTPUT_ACTIVATIONS)


@dataclass(frozen=True, kw_only=True)
class R3GANDiscriminatorConfig(_R3GANConfig):
    """Architecture of an R3GAN-style discriminator ``D(x[, labels]) -> (B,)`` raw logits.

    The generator's mirror (arXiv:2501.05441): a 1×1 conv from the image to
    ``widths[-1]``; per stage, from the image resolution down, ``blocks_per_stage``
    residual blocks then a transition (2×2 average pooling, then a 1×1 conv where the
    width changes); at 4×4 a depthwise 4×4 conv and a linear layer to one logit, or, if
    conditional, to ``embedding_dim`` features whose dot product with the label
    embedding is the logit (projection). ``widths`` and ``cardinalities`` are listed
    coarsest first, as in :class:`R3GANGeneratorConfig`, so a preset shares them.

    Args:
        embedding_dim: size of the projection embedding; default ``widths[0]``.

    Raises:
        ValueError: naming the field, the value and what is allowed.

    Example:
        >>> R3GANDiscriminatorConfig(image_size=8, widths=(8, 4), cardinalities=(2, 1)).stages
        1
    """
