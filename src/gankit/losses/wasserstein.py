r"""Wasserstein GAN losses (Arjovsky et al., 2017, arXiv:1701.07875).

The critic :math:`D` estimates the Kantorovich-Rubinstein dual of the Wasserstein-1
distance, which is only meaningful when :math:`D` is (approximately) 1-Lipschitz: pair
these losses with :func:`gankit.losses.gradient_penalty` (WGAN-GP), spectral
normalization or weight clipping.
"""

from __future__ import annotations

from torch import Tensor

from gankit._validation import as_logits, check_reduction
from gankit.losses._common import reduce_values
from gankit.losses.base import GANLoss, Reduction

__all__ = ["Wasserstein", "wasserstein_discriminator_loss", "wasserstein_generator_loss"]


def wasserstein_discriminator_loss(
    real_logits: Tensor, fake_logits: Tensor, *, reduction: Reduction = "mean"
) -> Tensor:
    r"""Compute the Wasserstein critic loss (Arjovsky et al., 2017, arXiv:1701.07875).

    .. math::

        \mathcal{L}_D = \mathbb{E}_z[D(G(z))] - \mathbb{E}_x[D(x)].

    Strictly decreasing in every real output and increasing in every fake output.

    Args:
        real_logits: Critic outputs on real samples.
        fake_logits: Critic outputs on generated samples.
        reduction: ``"mean"`` or ``"sum"`` for each expectation.

    Returns:
        Scalar loss (unbounded).

    Shape:
        - real_logits: :math:`(B, *)`; fake_logits: :math:`(B', *)`; output: :math:`()`.

    Example:
        >>> import torch
        >>> from gankit.losses import wasserstein_discriminator_loss
        >>> wasserstein_discriminator_loss(torch.tensor([2.0, 4.0]), torch.tensor([1.0, -1.0]))
        tensor(-3.)

    """
    reduction = check_reduction(reduction)
    real = as_logits("real_logits", real_logits)
    fake = as_logits("fake_logits", fake_logits)
    return reduce_values(fake, reduction) - reduce_values(real, reduction)


def wasserstein_generator_loss(fake_logits: Tensor, *, reduction: Reduction = "mean") -> Tensor:
    r"""Compute the Wasserstein generator loss (Arjovsky et al., 2017, arXiv:1701.07875).

    .. math::

        \mathcal{L}_G = -\mathbb{E}_z[D(G(z))].

    Strictly decreasing in every fake output.

    Args:
        fake_logits: Critic outputs on generated samples.
        reduction: ``"mean"`` or ``"sum"``.

    Returns:
        Scalar loss.

    Shape:
        - fake_logits: :math:`(B, *)`; output: :math:`()`.

    Example:
        >>> import torch
        >>> from gankit.losses import wasserstein_generator_loss
        >>> wasserstein_generator_loss(torch.tensor([1.0, 2.0]))
        tensor(-1.5000)

    """
    reduction = check_reduction(reduction)
    fake = as_logits("fake_logits", fake_logits)
    return -reduce_values(fake, reduction)


class Wasserstein(GANLoss):
    r"""Wasserstein GAN loss (WGAN; Arjovsky et al., 2017, arXiv:1701.07875).

    .. math::

        \mathcal{L}_D = \mathbb{E}[D(G(z))] - \mathbb{E}[D(x)], \qquad
        \mathcal{L}_G = -\mathbb{E}[D(G(z))].

    Needs a Lipschitz constraint on the critic, e.g. :class:`gankit.losses.GradientPenalty`
    (Gulrajani et al., 2017, arXiv:1704.00028).

    Args:
        reduction: ``"mean"`` or ``"sum"``.

    Example:
        >>> import torch
        >>> from gankit.losses import Wasserstein
        >>> loss = Wasserstein()
        >>> loss.discriminator(torch.ones(4), torch.zeros(4))
        tensor(-1.)
        >>> loss.generator(torch.ones(4))
        tensor(-1.)

    """

    def discriminator(self, real_logits: Tensor, fake_logits: Tensor) -> Tensor:
        """Return :func:`wasserstein_discriminator_loss` with this loss's reduction."""
        return wasserstein_discriminator_loss(real_logits, fake_logits, reduction=self.reduction)

    def generator(self, fake_logits: Tensor, real_logits: Tensor | None = None) -> Tensor:
        """Return :func:`wasserstein_generator_loss`; ``real_logits`` is ignored."""
        return wasserstein_generator_loss(fake_logits, reduction=self.reduction)
