r"""Least-squares GAN (LSGAN) losses: Mao et al., 2017, arXiv:1611.04076.

With targets :math:`a` (what the discriminator outputs for fakes), :math:`b` (for real
samples) and :math:`c` (what the generator wants the discriminator to output for fakes):

.. math::

    \mathcal{L}_D = \tfrac12\,\mathbb{E}_x[(D(x) - b)^2]
        + \tfrac12\,\mathbb{E}_z[(D(G(z)) - a)^2], \qquad
    \mathcal{L}_G = \tfrac12\,\mathbb{E}_z[(D(G(z)) - c)^2].

The defaults ``a=0, b=1, c=1`` are the "0-1 binary coding" of the paper (Eq. 9); the
Pearson :math:`\chi^2` setting of Eq. 8 is ``a=-1, b=1, c=0``. The losses are not
monotone in the logits: they decrease as outputs move towards their targets.
"""

from __future__ import annotations

from torch import Tensor

from gankit._validation import as_logits, check_finite, check_reduction
from gankit.losses._common import reduce_values
from gankit.losses.base import GANLoss, Reduction

__all__ = ["LeastSquares", "least_squares_discriminator_loss", "least_squares_generator_loss"]


def least_squares_discriminator_loss(
    real_logits: Tensor,
    fake_logits: Tensor,
    *,
    a: float = 0.0,
    b: float = 1.0,
    reduction: Reduction = "mean",
) -> Tensor:
    r"""Compute the LSGAN discriminator loss (Mao et al., 2017, arXiv:1611.04076).

    .. math::

        \mathcal{L}_D = \tfrac12\,\mathbb{E}_x[(D(x) - b)^2]
            + \tfrac12\,\mathbb{E}_z[(D(G(z)) - a)^2].

    Args:
        real_logits: Discriminator outputs on real samples.
        fake_logits: Discriminator outputs on generated samples.
        a: Target for generated samples (finite).
        b: Target for real samples (finite).
        reduction: ``"mean"`` or ``"sum"`` for each expectation.

    Returns:
        Scalar loss (>= 0, zero exactly when every output equals its target).

    Raises:
        ValueError: If ``a`` or ``b`` is not finite or ``reduction`` is invalid.

    Shape:
        - real_logits: :math:`(B, *)`; fake_logits: :math:`(B', *)`; output: :math:`()`.

    Example:
        >>> import torch
        >>> from gankit.losses import least_squares_discriminator_loss
        >>> least_squares_discriminator_loss(torch.zeros(4), torch.zeros(4))  # 0.5 * 1
        tensor(0.5000)

    """
    reduction = check_reduction(reduction)
    check_finite("a", a)
    check_finite("b", b)
    real = as_logits("real_logits", real_logits)
    fake = as_logits("fake_logits", fake_logits)
    real_term = reduce_values((real - b).square(), reduction)
    fake_term = reduce_values((fake - a).square(), reduction)
    return 0.5 * (real_term + fake_term)


def least_squares_generator_loss(
    fake_logits: Tensor, *, c: float = 1.0, reduction: Reduction = "mean"
) -> Tensor:
    r"""Compute the LSGAN generator loss (Mao et al., 2017, arXiv:1611.04076).

    .. math::

        \mathcal{L}_G = \tfrac12\,\mathbb{E}_z[(D(G(z)) - c)^2].

    Args:
        fake_logits: Discriminator outputs on generated samples.
        c: The value the generator wants the discriminator to output (finite).
        reduction: ``"mean"`` or ``"sum"``.

    Returns:
        Scalar loss (>= 0).

    Raises:
        ValueError: If ``c`` is not finite or ``reduction`` is invalid.

    Shape:
        - fake_logits: :math:`(B, *)`; output: :math:`()`.

    Example:
        >>> import torch
        >>> from gankit.losses import least_squares_generator_loss
        >>> least_squares_generator_loss(torch.zeros(4))
        tensor(0.5000)

    """
    reduction = check_reduction(reduction)
    check_finite("c", c)
    fake = as_logits("fake_logits", fake_logits)
    return 0.5 * reduce_values((fake - c).square(), reduction)


class LeastSquares(GANLoss):
    r"""Least-squares GAN loss (LSGAN; Mao et al., 2017, arXiv:1611.04076).

    .. math::

        \mathcal{L}_D = \tfrac12\,\mathbb{E}[(D(x) - b)^2]
            + \tfrac12\,\mathbb{E}[(D(G(z)) - a)^2], \qquad
        \mathcal{L}_G = \tfrac12\,\mathbb{E}[(D(G(z)) - c)^2].

    Args:
        a: Discriminator target for generated samples.
        b: Discriminator target for real samples.
        c: Value the generator wants the discriminator to output for its samples.
        reduction: ``"mean"`` or ``"sum"``.

    Raises:
        ValueError: If a target is not finite.

    Example:
        >>> import torch
        >>> from gankit.losses import LeastSquares
        >>> loss = LeastSquares()
        >>> loss.discriminator(torch.ones(4), torch.zeros(4))  # perfect discriminator
        tensor(0.)
        >>> loss.generator(torch.zeros(4))
        tensor(0.5000)

    """

    def __init__(
        self, a: float = 0.0, b: float = 1.0, c: float = 1.0, reduction: Reduction = "mean"
    ) -> None:
        super().__init__(reduction)
        self.a = check_finite("a", a)
        self.b = check_finite("b", b)
        self.c = check_finite("c", c)

    def discriminator(self, real_logits: Tensor, fake_logits: Tensor) -> Tensor:
        """Return :func:`least_squares_discriminator_loss` with targets ``a`` and ``b``."""
        return least_squares_discriminator_loss(
            real_logits, fake_logits, a=self.a, b=self.b, reduction=self.reduction
        )

    def generator(self, fake_logits: Tensor, real_logits: Tensor | None = None) -> Tensor:
        """Return :func:`least_squares_generator_loss` with target ``c``."""
        return least_squares_generator_loss(fake_logits, c=self.c, reduction=self.reduction)

    def _repr_fields(self) -> dict[str, object]:
        return {"a": self.a, "b": self.b, "c": self.c, **super()._repr_fields()}
