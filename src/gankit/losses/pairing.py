r"""Relativistic pairing GAN loss (RpGAN; Jolicoeur-Martineau, 2018; Huang et al., 2024).

Each real sample is paired with one fake sample and the critic is asked that the real
one look *more realistic than its partner*. With :math:`C_r = C(x_i)`,
:math:`C_f = C(G(z_i))` for the ``i``-th pair:

.. math::

    \mathcal{L}_D = \mathbb{E}_i\big[\operatorname{softplus}(C_f - C_r)\big], \qquad
    \mathcal{L}_G = \mathbb{E}_i\big[\operatorname{softplus}(C_r - C_f)\big].

Unlike the relativistic *average* loss (:class:`~gankit.losses.RelativisticAverage`),
which compares each sample with the batch mean of the other kind, the pairing loss
compares sample with sample, so real and fake logits must have the same shape. It is
the loss of R3GAN (Huang et al., "The GAN is dead; long live the GAN!", NeurIPS 2024,
arXiv:2501.05441), who pair it with R1 + R2 (:class:`~gankit.losses.R1R2Penalty`).
"""

from __future__ import annotations

from typing import ClassVar

import torch.nn.functional as F
from torch import Tensor

from gankit._validation import as_logits, check_reduction
from gankit.losses._common import reduce_values
from gankit.losses.base import GANLoss, Reduction

__all__ = [
    "RelativisticPairing",
    "relativistic_pairing_discriminator_loss",
    "relativistic_pairing_generator_loss",
]


def _pairs(winner_name: str, winner: Tensor, loser_name: str, loser: Tensor) -> Tensor:
    w, lo = as_logits(winner_name, winner), as_logits(loser_name, loser)
    if w.shape != lo.shape:
        raise ValueError(
            "relativistic pairing compares real and fake samples pairwise: "
            f"{winner_name} and {loser_name} must have the same shape, got "
            f"{tuple(winner.shape)} and {tuple(loser.shape)}"
        )
    return lo - w


def relativistic_pairing_discriminator_loss(
    real_logits: Tensor, fake_logits: Tensor, *, reduction: Reduction = "mean"
) -> Tensor:
    r"""Compute :math:`\mathbb{E}_i[\operatorname{softplus}(C(\tilde x_i) - C(x_i))]`.

    Jolicoeur-Martineau, 2018, arXiv:1807.00734 (RpGAN); Huang et al., 2024,
    arXiv:2501.05441, eq. 2.

    Args:
        real_logits: Critic outputs on real samples.
        fake_logits: Critic outputs on generated samples, same shape (pairs).
        reduction: ``"mean"`` or ``"sum"``.

    Returns:
        Scalar loss.

    Raises:
        ValueError: If the shapes differ or ``reduction`` is invalid.

    Shape:
        - real_logits, fake_logits: :math:`(B, *)`; output: :math:`()`.

    Example:
        >>> import torch
        >>> from gankit.losses import relativistic_pairing_discriminator_loss
        >>> relativistic_pairing_discriminator_loss(torch.zeros(4), torch.zeros(4))
        tensor(0.6931)

    """
    reduction = check_reduction(reduction)
    return reduce_values(
        F.softplus(_pairs("real_logits", real_logits, "fake_logits", fake_logits)), reduction
    )


def relativistic_pairing_generator_loss(
    fake_logits: Tensor, real_logits: Tensor, *, reduction: Reduction = "mean"
) -> Tensor:
    r"""Compute :math:`\mathbb{E}_i[\operatorname{softplus}(C(x_i) - C(\tilde x_i))]`.

    The mirror of :func:`relativistic_pairing_discriminator_loss` (arXiv:2501.05441).
    Note the argument order: fake first, matching
    :meth:`gankit.losses.AdversarialLoss.generator`.

    Args:
        fake_logits: Critic outputs on generated samples.
        real_logits: Critic outputs on real samples, same shape (pairs).
        reduction: ``"mean"`` or ``"sum"``.

    Returns:
        Scalar loss.

    Raises:
        ValueError: If the shapes differ or ``reduction`` is invalid.

    Shape:
        - fake_logits, real_logits: :math:`(B, *)`; output: :math:`()`.

    Example:
        >>> import torch
        >>> from gankit.losses import relativistic_pairing_generator_loss
        >>> relativistic_pairing_generator_loss(torch.zeros(2), torch.zeros(2))
        tensor(0.6931)

    """
    reduction = check_reduction(reduction)
    return reduce_values(
        F.softplus(_pairs("fake_logits", fake_logits, "real_logits", real_logits)), reduction
    )


class RelativisticPairing(GANLoss):
    r"""Relativistic pairing GAN loss (RpGAN), the loss of R3GAN.

    :math:`\mathcal{L}_D = \mathbb{E}[\operatorname{softplus}(C_f - C_r)]`,
    :math:`\mathcal{L}_G = \mathbb{E}[\operatorname{softplus}(C_r - C_f)]` over pairs of
    one real and one fake sample (Huang et al., 2024, arXiv:2501.05441). The generator loss
    needs ``real_logits`` (``needs_real_logits_for_generator`` is True); real and fake
    batches must have the same size.

    Args:
        reduction: ``"mean"`` or ``"sum"``.

    Raises:
        ValueError: If :meth:`generator` gets no ``real_logits`` or shapes differ.

    Example:
        >>> import torch
        >>> from gankit.losses import RelativisticPairing
        >>> loss = RelativisticPairing()
        >>> real, fake = torch.tensor([2.0, 0.0]), torch.tensor([0.0, 0.0])
        >>> loss.discriminator(real, fake) < loss.generator(fake, real)
        tensor(True)

    """

    needs_real_logits_for_generator: ClassVar[bool] = True

    def discriminator(self, real_logits: Tensor, fake_logits: Tensor) -> Tensor:
        """Return :func:`relativistic_pairing_discriminator_loss`."""
        return relativistic_pairing_discriminator_loss(
            real_logits, fake_logits, reduction=self.reduction
        )

    def generator(self, fake_logits: Tensor, real_logits: Tensor | None = None) -> Tensor:
        """Return :func:`relativistic_pairing_generator_loss`; ``real_logits`` is required."""
        if real_logits is None:
            raise ValueError(
                "real_logits must be a Tensor for RelativisticPairing.generator (the "
                "pairing loss compares each fake with a real sample), got None"
            )
        return relativistic_pairing_generator_loss(
            fake_logits, real_logits, reduction=self.reduction
        )
