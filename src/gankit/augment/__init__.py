"""Differentiable augmentation for the discriminator: DiffAugment and ADA's adaptive probability.

Give one to the training step, ``gk.train.TrainingStep(augment=...)``: the step then
shows the discriminator augmented images in both updates and in the penalty, and feeds
an :class:`AdaptiveAugment` the discriminator's outputs on real images.

Example:
    >>> import torch
    >>> import gankit as gk
    >>> augment = gk.augment.DiffAugment("translation,cutout")
    >>> augment(torch.zeros(2, 3, 16, 16)).shape
    torch.Size([2, 3, 16, 16])
"""

from __future__ import annotations

from gankit.augment.adaptive import AdaptiveAugment
from gankit.augment.diffaugment import POLICIES, DiffAugment, color, cutout, translation

__all__ = ["POLICIES", "AdaptiveAugment", "DiffAugment", "color", "cutout", "translation"]
