"""Adversarial losses and discriminator penalties for GAN training.

Every loss comes as pure functions of logits (``*_discriminator_loss`` /
``*_generator_loss``) and as a small class with ``discriminator(real_logits,
fake_logits)`` and ``generator(fake_logits, real_logits=None)`` methods satisfying
:class:`AdversarialLoss`. Penalties come as functions (``gradient_penalty``,
``r1_penalty``, ...) and as :class:`Regularizer` classes carrying the papers' weights.
Losses are computed in at least float32 from logits (no sigmoid followed by BCE), so they
are safe under ``torch.autocast``.

Example:
    >>> import torch
    >>> import gankit.losses
    >>> loss = gankit.losses.NonSaturating()
    >>> loss.discriminator(torch.zeros(4), torch.zeros(4))
    tensor(1.3863)

"""

from __future__ import annotations

from gankit.losses.base import AdversarialLoss, DiscriminatorFn, GANLoss, Reduction, Regularizer
from gankit.losses.hinge import Hinge, hinge_discriminator_loss, hinge_generator_loss
from gankit.losses.least_squares import (
    LeastSquares,
    least_squares_discriminator_loss,
    least_squares_generator_loss,
)
from gankit.losses.pairing import (
    RelativisticPairing,
    relativistic_pairing_discriminator_loss,
    relativistic_pairing_generator_loss,
)
from gankit.losses.penalties import dragan_penalty, gradient_penalty, r1_penalty, r2_penalty
from gankit.losses.regularizers import (
    DRAGANPenalty,
    GradientPenalty,
    R1Penalty,
    R1R2Penalty,
    R2Penalty,
)
from gankit.losses.relativistic import (
    RelativisticAverage,
    RelativisticFlavour,
    relativistic_average_discriminator_loss,
    relativistic_average_generator_loss,
)
from gankit.losses.standard import (
    Minimax,
    NonSaturating,
    minimax_discriminator_loss,
    minimax_generator_loss,
    non_saturating_discriminator_loss,
    non_saturating_generator_loss,
)
from gankit.losses.wasserstein import (
    Wasserstein,
    wasserstein_discriminator_loss,
    wasserstein_generator_loss,
)

__all__ = [
    "AdversarialLoss",
    "DRAGANPenalty",
    "DiscriminatorFn",
    "GANLoss",
    "GradientPenalty",
    "Hinge",
    "LeastSquares",
    "Minimax",
    "NonSaturating",
    "R1Penalty",
    "R1R2Penalty",
    "R2Penalty",
    "Reduction",
    "Regularizer",
    "RelativisticAverage",
    "RelativisticFlavour",
    "RelativisticPairing",
    "Wasserstein",
    "dragan_penalty",
    "gradient_penalty",
    "hinge_discriminator_loss",
    "hinge_generator_loss",
    "least_squares_discriminator_loss",
    "least_squares_generator_loss",
    "minimax_discriminator_loss",
    "minimax_generator_loss",
    "non_saturating_discriminator_loss",
    "non_saturating_generator_loss",
    "r1_penalty",
    "r2_penalty",
    "relativistic_average_discriminator_loss",
    "relativistic_average_generator_loss",
    "relativistic_pairing_discriminator_loss",
    "relativistic_pairing_generator_loss",
    "wasserstein_discriminator_loss",
    "wasserstein_generator_loss",
]
