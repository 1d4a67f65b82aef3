r"""Hinge GAN losses (Lim & Ye, 2017, arXiv:1705.02894; Miyato et al., 2018, arXiv:1802.05957).

The discriminator minimizes a margin loss that ignores samples already classified with
margin 1; the generator minimizes :math:`-\mathbb{E}[D(G(z))]` as in WGAN.
"""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor

from gankit._validation import as_logits, check_reduction
from gankit.losses._common import reduce_values
from gankit.losses.base import GANLoss, Reduction
from gankit.losses.wasserstein import wasserstein_generator_loss

__all__ = ["Hinge", "hinge_discriminator_loss", "hinge_generator_loss"]


def hinge_discriminator_loss(
    real_logits: Tensor, fake_logits: Tensor, *, reduction: Reduction = "mean"
) -> Tensor:
    r"""Compute the hinge discriminator loss (Lim & Ye, 2017; Miyato et al., 2018).

    .. math::

        \mathcal{L}_D = \mathbb{E}_x[\max(0, 1 - D(x))]
            + \mathbb{E}_z[\max(0, 1 + D(G(z)))].

    Monotone but not strictly: non-increasing in real outputs and non-decreasing in fake
    outputs, flat once a sample is past its margin (:math:`D(x) \ge 1`,
    :math:`D(G(z)) \le -1`).

    Args:
        real_logits: Discriminator outputs on real samples.
        fake_logits: Discriminator outputs on generated samples.
        reduction: ``"mean"`` or ``"sum"`` for each expectation.

    Returns:
        Scalar loss (>= 0).

    Shape:
        - real_logits: :math:`(B, *)`; fake_logits: :math:`(B', *)`; output: :math:`()`.

    Example:
        >>> import torch
        >>> from gankit.losses import hinge_discriminator_loss
        >>> hinge_discriminator_loss(torch.zeros(4), torch.zeros(4))
        tensor(2.)

    """
    reduction = check_reduction(reduction)
    real = as_logits("real_logits", real_logits)
    fake = as_logits("fake_logits", fake_logits)
    return reduce_values(F.relu(1.0 - real), reduction) + reduce_values(
        F.relu(1.0 + fake), reduction
    )


def hinge_generator_loss(fake_logits: Tensor, *, reduction: Reduction = "mean") -> Tensor:
    r"""Compute the hinge-GAN generator loss (Lim & Ye, 2017; Miyato et al., 2018).

    .. math::

        \mathcal{L}_G = -\mathbb{E}_z[D(G(z))].

    Strictly decreasing in every fake output.

    Args:
        fake_logits: Discriminator outputs on generated samples.
        reduction: ``"mean"`` or ``"sum"``.

    Returns:
        Scalar loss.

    Shape:
        - fake_logits: :math:`(B, *)`; output: :math:`()`.

    Example:
        >>> import torch
        >>> from gankit.losses import hinge_generator_loss
        >>> hinge_generator_loss(torch.tensor([0.5, 1.5]))
        tensor(-1.)

    """
    return wasserstein_generator_loss(fake_logits, reduction=reduction)  # the same objective


class Hinge(GANLoss):
    r"""Hinge GAN loss as used by SNGAN, SAGAN and BigGAN.

    .. math::

        \mathcal{L}_D = \mathbb{E}[\max(0, 1 - D(x))] + \mathbb{E}[\max(0, 1 + D(G(z)))],
        \qquad \mathcal{L}_G = -\mathbb{E}[D(G(z))].

    Lim & Ye, "Geometric GAN", 2017, arXiv:1705.02894; Miyato et al., "Spectral
    Normalization for Generative Adversarial Networks", 2018, arXiv:1802.05957.

    Args:
        reduction: ``"mean"`` or ``"sum"``.

    Example:
        >>> import torch
        >>> from gankit.losses import Hinge
        >>> loss = Hinge()
        >>> loss.discriminator(torch.zeros(4), torch.zeros(4))
        tensor(2.)
        >>> loss.generator(torch.ones(4))
        tensor(-1.)

    """

    def discriminator(self, real_logits: Tensor, fake_logits: Tensor) -> Tensor:
        """Return :func:`hinge_discriminator_loss` with this loss's reduction."""
        return hinge_discriminator_loss(real_logits, fake_logits, reduction=self.reduction)

    def generator(self, fake_logits: Tensor, real_logits: Tensor | None = None) -> Tensor:
        """Return :func:`hinge_generator_loss`; ``real_logits`` is ignored."""
        return hinge_generator_loss(fake_logits, reduction=self.reduction)
