r"""Two GAN variants written as training steps, using only the public step API.

- :class:`AuxiliaryClassifierStep`: ACGAN (Odena, Olah & Shlens, 2017, arXiv:1610.09585).
  The discriminator also predicts the class of what it sees (it is not given the label);
  both updates add the cross-entropy of that prediction.
- :class:`ConsistencyStep`: consistency regularization (Zhang, Zhang, Odena & Lee, 2020,
  arXiv:1910.12027). The discriminator's output on a real image and on an augmented copy
  should agree: :math:`\lambda\,\lVert D(x) - D(T(x))\rVert^2` joins its loss
  (:math:`\lambda = 10` in the paper).

Each is a few lines on top of :class:`~gankit.train.TrainingStep`, and keeps everything
the Trainer offers (AMP, channels_last, compile, CUDA graphs, DDP, EMA, exact resume).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from gankit._validation import check_float, check_int
from gankit.losses import AdversarialLoss, Regularizer
from gankit.train.step import Batch, Logs, TrainingStep

__all__ = ["AuxiliaryClassifier", "AuxiliaryClassifierStep", "ConsistencyStep", "random_flip"]


class AuxiliaryClassifier(nn.Module):
    """Give a gankit conv discriminator a class head: ``x -> (logits, class_logits)``.

    The class head is one linear layer on the discriminator's last feature map, beside its
    adversarial head (the ACGAN layout).

    Args:
        discriminator: an unconditional :class:`~gankit.models.ConvDiscriminator`.
        num_classes: the number of classes to predict.

    Example:
        >>> import gankit as gk
        >>> D = gk.models.build_discriminator(gk.models.DiscriminatorConfig(image_size=16, width=4))
        >>> logits, classes = AuxiliaryClassifier(D, 3)(torch.randn(2, 3, 16, 16))
        >>> logits.shape, classes.shape
        (torch.Size([2]), torch.Size([2, 3]))
    """

    def __init__(self, discriminator: nn.Module, num_classes: int) -> None:
        super().__init__()
        config = getattr(discriminator, "config", None)
        if config is None or not all(hasattr(discriminator, a) for a in ("from_image", "blocks")):
            raise TypeError(
                "AuxiliaryClassifier wraps a gankit ConvDiscriminator (build_discriminator), "
                f"got {type(discriminator).__name__}"
            )
        if getattr(discriminator, "num_classes", 0):
            raise ValueError(
                "AuxiliaryClassifier needs an unconditional discriminator (num_classes=0)"
            )
        check_int("AuxiliaryClassifier", "num_classes", num_classes, minimum=2)
        self.body = discriminator
        features = config.widths[-1] * config.first_size**2
        self.classify = nn.Sequential(nn.Flatten(1), nn.Linear(features, num_classes))

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor]:
        """Return the adversarial logits ``(B,)`` and the class logits ``(B, num_classes)``."""
        body: Any = self.body
        h = body.blocks(body.from_image(x))
        logits: Tensor = body.head(h)
        return logits, self.classify(h)


class AuxiliaryClassifierStep(TrainingStep):
    r"""ACGAN: D predicts the class of real and fake images; G makes images of their class.

    The discriminator returns ``(logits, class_logits)`` (e.g. :class:`AuxiliaryClassifier`)
    and is not given labels; the generator is conditional and makes each fake image for
    the label of the real image in the same batch position. The discriminator adds
    ``weight * (CE(real) + CE(fake))`` (logged as ``d_class``), the generator adds
    ``weight * CE(fake)`` (``g_class``).

    Args:
        loss: the adversarial loss (default: the Trainer's).
        regularizer: a penalty on the adversarial logits (default: the Trainer's).
        weight: the weight of the class terms (1 in the paper).

    Example:
        >>> AuxiliaryClassifierStep(weight=0.5).weight
        0.5
    """

    def __init__(
        self,
        loss: AdversarialLoss | None = None,
        regularizer: Regularizer | None = None,
        *,
        weight: float = 1.0,
    ) -> None:
        super().__init__(loss, regularizer)
        self.weight = check_float(
            "AuxiliaryClassifierStep", "weight", weight, minimum=0.0, maximum=1e6
        )

    def discriminator_inputs(self, labels: Tensor | None) -> list[Tensor]:
        """None: the discriminator predicts the class instead of being told."""
        return []

    def logits(self, outputs: Any) -> Tensor:
        """The adversarial half of D's ``(logits, class_logits)``."""
        logits: Tensor = outputs[0]
        return logits

    def discriminator_loss(self, real_out: Any, fake_out: Any, batch: Batch) -> Logs:
        """The adversarial loss plus the class loss on real and fake images."""
        terms = super().discriminator_loss(real_out, fake_out, batch)
        labels = _labels(batch)
        ce = F.cross_entropy(real_out[1].float(), labels) + F.cross_entropy(
            fake_out[1].float(), labels
        )
        terms["d_class"] = self.weight * ce
        return terms

    def generator_loss(self, fake_out: Any, real_out: Any | None, batch: Batch) -> Logs:
        """The adversarial loss plus the class loss of the fake images."""
        terms = super().generator_loss(fake_out, real_out, batch)
        terms["g_class"] = self.weight * F.cross_entropy(fake_out[1].float(), _labels(batch))
        return terms


def _labels(batch: Batch) -> Tensor:
    if batch.labels is None:
        raise ValueError("AuxiliaryClassifierStep needs (images, labels) batches")
    return batch.labels


def random_flip(images: Tensor) -> Tensor:
    """Flip each image left-right with probability 1/2 (default augmentation of CR).

    Example:
        >>> random_flip(torch.zeros(4, 3, 8, 8)).shape
        torch.Size([4, 3, 8, 8])
    """
    flip = torch.rand(images.shape[0], device=images.device) < 0.5
    return torch.where(flip.view(-1, *([1] * (images.ndim - 1))), images.flip(-1), images)


class ConsistencyStep(TrainingStep):
    r"""Consistency regularization: D(x) and D(T(x)) agree on real images.

    Adds :math:`\lambda\,\mathbb{E}_x\lVert D(x) - D(T(x))\rVert^2` (logged as
    ``consistency``) to the discriminator's loss. Only D is trained on it; ``T`` may be
    any batch transform (flips and translations in the paper).

    Args:
        augment: the transform ``T``; default :func:`random_flip`.
        weight: :math:`\lambda` (10 in the paper).
        loss: the adversarial loss (default: the Trainer's).
        regularizer: a penalty (default: the Trainer's).

    Example:
        >>> ConsistencyStep(weight=5.0).weight
        5.0
    """

    def __init__(
        self,
        augment: Callable[[Tensor], Tensor] = random_flip,
        *,
        weight: float = 10.0,
        loss: AdversarialLoss | None = None,
        regularizer: Regularizer | None = None,
    ) -> None:
        super().__init__(loss, regularizer)
        self.transform = augment
        self.weight = check_float("ConsistencyStep", "weight", weight, minimum=0.0, maximum=1e6)

    def discriminator_loss(self, real_out: Any, fake_out: Any, batch: Batch) -> Logs:
        """The adversarial loss plus the consistency term on the real batch."""
        terms = super().discriminator_loss(real_out, fake_out, batch)
        augmented = self.logits(self.discriminate(self.transform(batch.real), batch.labels))
        gap = augmented.float() - self.logits(real_out).float()
        terms["consistency"] = self.weight * gap.square().mean()
        return terms
