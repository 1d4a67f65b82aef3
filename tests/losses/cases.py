"""The built-in adversarial losses as parametrization cases shared by the loss tests."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import pytest
import torch
from torch import Tensor

import gankit.losses as L
from gankit.losses import GANLoss, Reduction

Monotone = Literal["strict", "weak", "none"]
LN2 = math.log(2.0)


def _seeded() -> torch.Generator:
    return torch.Generator().manual_seed(1234)


@dataclass(frozen=True)
class LossCase:
    """A loss in class form and function form, with its known properties.

    ``make(reduction)`` builds the class; ``d_fn(real, fake, reduction)`` and
    ``g_fn(fake, real, reduction)`` are the function forms with the same settings.
    ``d_zero`` / ``g_zero`` are the closed-form values at all-zero logits (mean reduction).
    """

    name: str
    make: Callable[[Reduction], GANLoss]
    d_fn: Callable[[Tensor, Tensor, Reduction], Tensor]
    g_fn: Callable[[Tensor, Tensor, Reduction], Tensor]
    d_zero: float
    g_zero: float
    d_monotone: Monotone
    g_monotone: Monotone


CASES = [
    LossCase(
        "minimax",
        lambda r: L.Minimax(reduction=r),
        lambda real, fake, r: L.minimax_discriminator_loss(real, fake, reduction=r),
        lambda fake, real, r: L.minimax_generator_loss(fake, reduction=r),
        2 * LN2,
        -LN2,
        "strict",
        "strict",
    ),
    LossCase(
        "non_saturating",
        lambda r: L.NonSaturating(reduction=r),
        lambda real, fake, r: L.non_saturating_discriminator_loss(real, fake, reduction=r),
        lambda fake, real, r: L.non_saturating_generator_loss(fake, reduction=r),
        2 * LN2,
        LN2,
        "strict",
        "strict",
    ),
    LossCase(
        "non_saturating_smoothed",
        lambda r: L.NonSaturating(real_target=0.9, fake_target=0.1, reduction=r),
        lambda real, fake, r: L.non_saturating_discriminator_loss(
            real, fake, real_target=0.9, fake_target=0.1, reduction=r
        ),
        lambda fake, real, r: L.non_saturating_generator_loss(fake, reduction=r),
        2 * LN2,
        LN2,
        "none",
        "strict",
    ),
    LossCase(
        "non_saturating_flipped",
        lambda r: L.NonSaturating(flip_prob=0.3, generator=_seeded(), reduction=r),
        lambda real, fake, r: L.non_saturating_discriminator_loss(
            real, fake, flip_prob=0.3, generator=_seeded(), reduction=r
        ),
        lambda fake, real, r: L.non_saturating_generator_loss(fake, reduction=r),
        2 * LN2,
        LN2,
        "none",
        "strict",
    ),
    LossCase(
        "least_squares",
        lambda r: L.LeastSquares(reduction=r),
        lambda real, fake, r: L.least_squares_discriminator_loss(real, fake, reduction=r),
        lambda fake, real, r: L.least_squares_generator_loss(fake, reduction=r),
        0.5,
        0.5,
        "none",
        "none",
    ),
    LossCase(
        "least_squares_chi2",
        lambda r: L.LeastSquares(a=-1.0, b=1.0, c=0.0, reduction=r),
        lambda real, fake, r: L.least_squares_discriminator_loss(
            real, fake, a=-1.0, b=1.0, reduction=r
        ),
        lambda fake, real, r: L.least_squares_generator_loss(fake, c=0.0, reduction=r),
        1.0,
        0.0,
        "none",
        "none",
    ),
    LossCase(
        "wasserstein",
        lambda r: L.Wasserstein(reduction=r),
        lambda real, fake, r: L.wasserstein_discriminator_loss(real, fake, reduction=r),
        lambda fake, real, r: L.wasserstein_generator_loss(fake, reduction=r),
        0.0,
        0.0,
        "strict",
        "strict",
    ),
    LossCase(
        "hinge",
        lambda r: L.Hinge(reduction=r),
        lambda real, fake, r: L.hinge_discriminator_loss(real, fake, reduction=r),
        lambda fake, real, r: L.hinge_generator_loss(fake, reduction=r),
        2.0,
        0.0,
        "weak",
        "strict",
    ),
    LossCase(
        "relativistic_standard",
        lambda r: L.RelativisticAverage(reduction=r),
        lambda real, fake, r: L.relativistic_average_discriminator_loss(real, fake, reduction=r),
        lambda fake, real, r: L.relativistic_average_generator_loss(fake, real, reduction=r),
        2 * LN2,
        2 * LN2,
        "strict",
        "strict",
    ),
    LossCase(
        "relativistic_least_squares",
        lambda r: L.RelativisticAverage("least_squares", reduction=r),
        lambda real, fake, r: L.relativistic_average_discriminator_loss(
            real, fake, flavour="least_squares", reduction=r
        ),
        lambda fake, real, r: L.relativistic_average_generator_loss(
            fake, real, flavour="least_squares", reduction=r
        ),
        2.0,
        2.0,
        "none",
        "none",
    ),
]

all_cases = pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
