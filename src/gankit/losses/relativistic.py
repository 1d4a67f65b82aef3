r"""Relativistic average GAN losses (Jolicoeur-Martineau, 2018, arXiv:1807.00734).

The discriminator judges whether real data is *more realistic than the average fake*
(and vice versa). With :math:`C` the raw critic output, :math:`C_r = C(x)`,
:math:`C_f = C(G(z))` and :math:`\bar C_r, \bar C_f` their batch means:

- ``"standard"`` (RaSGAN):

  .. math::

      \mathcal{L}_D = \mathbb{E}_x[\operatorname{softplus}(-(C_r - \bar C_f))]
          + \mathbb{E}_z[\operatorname{softplus}(C_f - \bar C_r)],

  .. math::

      \mathcal{L}_G = \mathbb{E}_z[\operatorname{softplus}(-(C_f - \bar C_r))]
          + \mathbb{E}_x[\operatorname{softplus}(C_r - \bar C_f)].

- ``"least_squares"`` (RaLSGAN):

  .. math::

      \mathcal{L}_D = \mathbb{E}_x[(C_r - \bar C_f - 1)^2] + \mathbb{E}_z[(C_f - \bar C_r + 1)^2],

  .. math::

      \mathcal{L}_G = \mathbb{E}_z[(C_f - \bar C_r - 1)^2] + \mathbb{E}_x[(C_r - \bar C_f + 1)^2].

The generator loss is the discriminator loss with the roles of real and fake swapped,
so the generator step needs the real logits too. The batch means are always means;
``reduction`` applies to the outer expectations. The standard flavour is strictly
monotone (discriminator loss decreasing in real and increasing in fake logits, generator
loss decreasing in fake logits); the least-squares flavour is not.
"""

from __future__ import annotations

from typing import ClassVar, Literal, TypeAlias

import torch.nn.functional as F
from torch import Tensor

from gankit._validation import as_logits, check_reduction, show
from gankit.losses._common import reduce_values
from gankit.losses.base import GANLoss, Reduction

__all__ = [
    "RelativisticAverage",
    "RelativisticFlavour",
    "relativistic_average_discriminator_loss",
    "relativistic_average_generator_loss",
]

RelativisticFlavour: TypeAlias = Literal["standard", "least_squares"]
"""Which relativistic average loss: ``"standard"`` (RaSGAN) or ``"least_squares"``."""

_FLAVOURS = ("standard", "least_squares")


def _check_flavour(flavour: str) -> RelativisticFlavour:
    if not isinstance(flavour, str):
        raise TypeError(
            f"flavour must be one of {_FLAVOURS}, got {show(flavour)} ({type(flavour).__name__})"
        )
    if flavour == "standard":
        return "standard"
    if flavour == "least_squares":
        return "least_squares"
    raise ValueError(f"flavour must be one of {_FLAVOURS}, got {show(flavour)}")


def _relativistic(
    winner: Tensor, loser: Tensor, flavour: RelativisticFlavour, reduction: Reduction
) -> Tensor:
    """Loss pushing ``winner`` above the mean of ``loser`` and ``loser`` below ``winner``'s."""
    up = winner - loser.mean()
    down = loser - winner.mean()
    if flavour == "standard":
        return reduce_values(F.softplus(-up), reduction) + reduce_values(
            F.softplus(down), reduction
        )
    return reduce_values((up - 1.0).square(), reduction) + reduce_values(
        (down + 1.0).square(), reduction
    )


def relativistic_average_discriminator_loss(
    real_logits: Tensor,
    fake_logits: Tensor,
    *,
    flavour: RelativisticFlavour = "standard",
    reduction: Reduction = "mean",
) -> Tensor:
    r"""Compute the relativistic average discriminator loss (RaSGAN / RaLSGAN).

    ``"standard"``: :math:`\mathbb{E}_x[\operatorname{softplus}(-(C_r - \bar C_f))] +
    \mathbb{E}_z[\operatorname{softplus}(C_f - \bar C_r)]`;
    ``"least_squares"``: :math:`\mathbb{E}_x[(C_r - \bar C_f - 1)^2] +
    \mathbb{E}_z[(C_f - \bar C_r + 1)^2]`.

    Jolicoeur-Martineau, "The relativistic discriminator: a key element missing from
    standard GAN", 2018, arXiv:1807.00734.

    Args:
        real_logits: Critic outputs on real samples.
        fake_logits: Critic outputs on generated samples.
        flavour: ``"standard"`` or ``"least_squares"``.
        reduction: ``"mean"`` or ``"sum"`` for the outer expectations.

    Returns:
        Scalar loss.

    Raises:
        ValueError: If ``flavour`` or ``reduction`` is invalid.

    Shape:
        - real_logits: :math:`(B, *)`; fake_logits: :math:`(B', *)`; output: :math:`()`.

    Example:
        >>> import torch
        >>> from gankit.losses import relativistic_average_discriminator_loss
        >>> relativistic_average_discriminator_loss(torch.zeros(4), torch.zeros(4))
        tensor(1.3863)
        >>> relativistic_average_discriminator_loss(
        ...     torch.full((4,), 0.5), torch.full((4,), -0.5), flavour="least_squares"
        ... )
        tensor(0.)

    """
    flavour = _check_flavour(flavour)
    reduction = check_reduction(reduction)
    real = as_logits("real_logits", real_logits)
    fake = as_logits("fake_logits", fake_logits)
    return _relativistic(real, fake, flavour, reduction)


def relativistic_average_generator_loss(
    fake_logits: Tensor,
    real_logits: Tensor,
    *,
    flavour: RelativisticFlavour = "standard",
    reduction: Reduction = "mean",
) -> Tensor:
    r"""Compute the relativistic average generator loss (RaSGAN / RaLSGAN).

    ``"standard"``: :math:`\mathbb{E}_z[\operatorname{softplus}(-(C_f - \bar C_r))] +
    \mathbb{E}_x[\operatorname{softplus}(C_r - \bar C_f)]`;
    ``"least_squares"``: :math:`\mathbb{E}_z[(C_f - \bar C_r - 1)^2] +
    \mathbb{E}_x[(C_r - \bar C_f + 1)^2]`.

    Jolicoeur-Martineau, 2018, arXiv:1807.00734. Note the argument order: fake first,
    matching :meth:`gankit.losses.AdversarialLoss.generator`.

    Args:
        fake_logits: Critic outputs on generated samples.
        real_logits: Critic outputs on real samples.
        flavour: ``"standard"`` or ``"least_squares"``.
        reduction: ``"mean"`` or ``"sum"`` for the outer expectations.

    Returns:
        Scalar loss.

    Raises:
        ValueError: If ``flavour`` or ``reduction`` is invalid.

    Shape:
        - fake_logits: :math:`(B, *)`; real_logits: :math:`(B', *)`; output: :math:`()`.

    Example:
        >>> import torch
        >>> from gankit.losses import relativistic_average_generator_loss
        >>> relativistic_average_generator_loss(torch.zeros(4), torch.zeros(4))
        tensor(1.3863)

    """
    flavour = _check_flavour(flavour)
    reduction = check_reduction(reduction)
    fake = as_logits("fake_logits", fake_logits)
    real = as_logits("real_logits", real_logits)
    return _relativistic(fake, real, flavour, reduction)


class RelativisticAverage(GANLoss):
    r"""Relativistic average GAN loss (RaGAN; Jolicoeur-Martineau, 2018, arXiv:1807.00734).

    ``flavour="standard"`` gives RaSGAN and ``flavour="least_squares"`` RaLSGAN; see
    :func:`relativistic_average_discriminator_loss` and
    :func:`relativistic_average_generator_loss` for the formulas. The generator loss
    needs ``real_logits`` (``needs_real_logits_for_generator`` is True).

    Args:
        flavour: ``"standard"`` or ``"least_squares"``.
        reduction: ``"mean"`` or ``"sum"``.

    Raises:
        ValueError: If ``flavour`` is invalid, or if :meth:`generator` gets no
            ``real_logits``.

    Example:
        >>> import torch
        >>> from gankit.losses import RelativisticAverage
        >>> loss = RelativisticAverage(flavour="least_squares")
        >>> loss.discriminator(torch.zeros(4), torch.zeros(4))
        tensor(2.)
        >>> loss.generator(torch.zeros(4), torch.zeros(4))
        tensor(2.)

    """

    needs_real_logits_for_generator: ClassVar[bool] = True

    def __init__(
        self, flavour: RelativisticFlavour = "standard", reduction: Reduction = "mean"
    ) -> None:
        super().__init__(reduction)
        self.flavour: RelativisticFlavour = _check_flavour(flavour)

    def discriminator(self, real_logits: Tensor, fake_logits: Tensor) -> Tensor:
        """Return :func:`relativistic_average_discriminator_loss`."""
        return relativistic_average_discriminator_loss(
            real_logits, fake_logits, flavour=self.flavour, reduction=self.reduction
        )

    def generator(self, fake_logits: Tensor, real_logits: Tensor | None = None) -> Tensor:
        """Return :func:`relativistic_average_generator_loss`; ``real_logits`` is required."""
        if real_logits is None:
            raise ValueError(
                "real_logits must be a Tensor for RelativisticAverage.generator "
                "(the relativistic generator loss compares against real samples), got None"
            )
        return relativistic_average_generator_loss(
            fake_logits, real_logits, flavour=self.flavour, reduction=self.reduction
        )

    def _repr_fields(self) -> dict[str, object]:
        return {"flavour": self.flavour, **super()._repr_fields()}
