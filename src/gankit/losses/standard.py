r"""The original GAN losses on logits: the minimax game and its non-saturating variant.

Both follow Goodfellow et al., "Generative Adversarial Networks", 2014 (arXiv:1406.2661).
Everything is written with :func:`torch.nn.functional.softplus` and
:func:`torch.nn.functional.binary_cross_entropy_with_logits` on the raw logits
:math:`D(\cdot)` (never a sigmoid followed by a BCE), using

.. math::

    -\log \sigma(t) = \operatorname{softplus}(-t), \qquad
    -\log(1 - \sigma(t)) = \operatorname{softplus}(t).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from gankit._validation import as_logits, check_range, check_reduction
from gankit.losses._common import reduce_values
from gankit.losses.base import GANLoss, Reduction

__all__ = [
    "Minimax",
    "NonSaturating",
    "minimax_discriminator_loss",
    "minimax_generator_loss",
    "non_saturating_discriminator_loss",
    "non_saturating_generator_loss",
]


def minimax_discriminator_loss(
    real_logits: Tensor, fake_logits: Tensor, *, reduction: Reduction = "mean"
) -> Tensor:
    r"""Compute the discriminator loss of the original minimax GAN.

    The discriminator maximizes :math:`\mathbb{E}[\log \sigma(D(x))] +
    \mathbb{E}[\log(1 - \sigma(D(G(z))))]`, i.e. it minimizes

    .. math::

        \mathcal{L}_D = \mathbb{E}_x[\operatorname{softplus}(-D(x))]
            + \mathbb{E}_z[\operatorname{softplus}(D(G(z)))].

    Goodfellow et al., "Generative Adversarial Networks", 2014, arXiv:1406.2661.
    Strictly decreasing in every real logit and increasing in every fake logit.

    Args:
        real_logits: Discriminator logits on real samples.
        fake_logits: Discriminator logits on generated samples.
        reduction: ``"mean"`` or ``"sum"`` for each expectation.

    Returns:
        Scalar loss, float32 (float64 for float64 logits).

    Shape:
        - real_logits: :math:`(B, *)`; fake_logits: :math:`(B', *)`; output: :math:`()`.

    Example:
        >>> import torch
        >>> from gankit.losses import minimax_discriminator_loss
        >>> minimax_discriminator_loss(torch.zeros(4), torch.zeros(4))  # 2 log 2
        tensor(1.3863)

    """
    reduction = check_reduction(reduction)
    real = as_logits("real_logits", real_logits)
    fake = as_logits("fake_logits", fake_logits)
    return reduce_values(F.softplus(-real), reduction) + reduce_values(F.softplus(fake), reduction)


def minimax_generator_loss(fake_logits: Tensor, *, reduction: Reduction = "mean") -> Tensor:
    r"""Compute the generator loss of the original (saturating) minimax GAN.

    The generator minimizes :math:`\mathbb{E}[\log(1 - \sigma(D(G(z))))]`, computed
    stably as

    .. math::

        \mathcal{L}_G = -\mathbb{E}_z[\operatorname{softplus}(D(G(z)))].

    Goodfellow et al., "Generative Adversarial Networks", 2014, arXiv:1406.2661. Its
    gradient vanishes when the discriminator confidently rejects fakes (the reason for
    :func:`non_saturating_generator_loss`). Strictly decreasing in every fake logit.

    Args:
        fake_logits: Discriminator logits on generated samples.
        reduction: ``"mean"`` or ``"sum"``.

    Returns:
        Scalar loss (always <= 0).

    Shape:
        - fake_logits: :math:`(B, *)`; output: :math:`()`.

    Example:
        >>> import torch
        >>> from gankit.losses import minimax_generator_loss
        >>> minimax_generator_loss(torch.zeros(4))  # -log 2
        tensor(-0.6931)

    """
    reduction = check_reduction(reduction)
    fake = as_logits("fake_logits", fake_logits)
    return -reduce_values(F.softplus(fake), reduction)


def _targets(
    logits: Tensor,
    target: float,
    flipped_target: float,
    flip_prob: float,
    generator: torch.Generator | None,
) -> Tensor:
    """Per-element BCE targets; each *sample* gets ``flipped_target`` with ``flip_prob``."""
    if flip_prob == 0.0:
        return torch.full_like(logits, target)
    shape = (logits.shape[0],) + (1,) * (logits.ndim - 1) if logits.ndim > 0 else ()
    device = generator.device if generator is not None else logits.device
    draws = torch.rand(shape, generator=generator, device=device).to(logits.device)
    flip = (draws < flip_prob).expand_as(logits)
    return torch.where(flip, flipped_target, target).to(logits.dtype)


def non_saturating_discriminator_loss(
    real_logits: Tensor,
    fake_logits: Tensor,
    *,
    real_target: float = 1.0,
    fake_target: float = 0.0,
    flip_prob: float = 0.0,
    generator: torch.Generator | None = None,
    reduction: Reduction = "mean",
) -> Tensor:
    r"""Compute the BCE discriminator loss, with label smoothing and label flipping.

    With targets :math:`t_r` (``real_target``) and :math:`t_f` (``fake_target``) and
    :math:`\operatorname{BCE}(t, y) = \operatorname{softplus}(t) - y\,t`:

    .. math::

        \mathcal{L}_D = \mathbb{E}_x[\operatorname{BCE}(D(x), t_r)]
            + \mathbb{E}_z[\operatorname{BCE}(D(G(z)), t_f)].

    With the defaults this equals :func:`minimax_discriminator_loss` (Goodfellow et al.,
    2014, arXiv:1406.2661). One-sided label smoothing (``real_target=0.9``) follows
    Salimans et al., "Improved Techniques for Training GANs", 2016, arXiv:1606.03498.
    With ``flip_prob > 0`` each sample's target is swapped (real gets :math:`t_f`, fake
    gets :math:`t_r`) independently with that probability. Strictly monotone (decreasing
    in real logits, increasing in fake logits) only for ``real_target=1``,
    ``fake_target=0`` and ``flip_prob=0``.

    Args:
        real_logits: Discriminator logits on real samples.
        fake_logits: Discriminator logits on generated samples.
        real_target: Target for real samples, in ``[0, 1]``.
        fake_target: Target for generated samples, in ``[0, 1]``.
        flip_prob: Probability, in ``[0, 1]``, of swapping a sample's target.
        generator: Random number generator for the flips (for reproducibility).
        reduction: ``"mean"`` or ``"sum"`` for each expectation.

    Returns:
        Scalar loss.

    Raises:
        ValueError: If a target or ``flip_prob`` is outside ``[0, 1]`` or ``reduction`` is
            invalid.

    Shape:
        - real_logits: :math:`(B, *)`; fake_logits: :math:`(B', *)`; output: :math:`()`.

    Example:
        >>> import torch
        >>> from gankit.losses import non_saturating_discriminator_loss
        >>> non_saturating_discriminator_loss(torch.zeros(4), torch.zeros(4))
        tensor(1.3863)

    """
    reduction = check_reduction(reduction)
    check_range("real_target", real_target, 0.0, 1.0)
    check_range("fake_target", fake_target, 0.0, 1.0)
    check_range("flip_prob", flip_prob, 0.0, 1.0)
    real = as_logits("real_logits", real_logits)
    fake = as_logits("fake_logits", fake_logits)
    real_y = _targets(real, real_target, fake_target, flip_prob, generator)
    fake_y = _targets(fake, fake_target, real_target, flip_prob, generator)
    real_term = F.binary_cross_entropy_with_logits(real, real_y, reduction=reduction)
    fake_term = F.binary_cross_entropy_with_logits(fake, fake_y, reduction=reduction)
    return real_term + fake_term


def non_saturating_generator_loss(fake_logits: Tensor, *, reduction: Reduction = "mean") -> Tensor:
    r"""Compute the non-saturating generator loss (G maximizes :math:`\log \sigma(D(G(z)))`).

    .. math::

        \mathcal{L}_G = \mathbb{E}_z[\operatorname{softplus}(-D(G(z)))].

    Goodfellow et al., "Generative Adversarial Networks", 2014, arXiv:1406.2661,
    Section 3. Strictly decreasing in every fake logit.

    Args:
        fake_logits: Discriminator logits on generated samples.
        reduction: ``"mean"`` or ``"sum"``.

    Returns:
        Scalar loss (always >= 0).

    Shape:
        - fake_logits: :math:`(B, *)`; output: :math:`()`.

    Example:
        >>> import torch
        >>> from gankit.losses import non_saturating_generator_loss
        >>> non_saturating_generator_loss(torch.zeros(4))  # log 2
        tensor(0.6931)

    """
    reduction = check_reduction(reduction)
    fake = as_logits("fake_logits", fake_logits)
    return reduce_values(F.softplus(-fake), reduction)


class Minimax(GANLoss):
    r"""The original saturating minimax GAN loss (Goodfellow et al., 2014, arXiv:1406.2661).

    .. math::

        \mathcal{L}_D = \mathbb{E}[\operatorname{softplus}(-D(x))]
            + \mathbb{E}[\operatorname{softplus}(D(G(z)))], \qquad
        \mathcal{L}_G = -\mathbb{E}[\operatorname{softplus}(D(G(z)))].

    See :func:`minimax_discriminator_loss` and :func:`minimax_generator_loss`.

    Args:
        reduction: ``"mean"`` or ``"sum"``.

    Example:
        >>> import torch
        >>> from gankit.losses import Minimax
        >>> loss = Minimax()
        >>> loss.discriminator(torch.zeros(4), torch.zeros(4))
        tensor(1.3863)
        >>> loss.generator(torch.zeros(4))
        tensor(-0.6931)

    """

    def discriminator(self, real_logits: Tensor, fake_logits: Tensor) -> Tensor:
        """Return :func:`minimax_discriminator_loss` with this loss's reduction."""
        return minimax_discriminator_loss(real_logits, fake_logits, reduction=self.reduction)

    def generator(self, fake_logits: Tensor, real_logits: Tensor | None = None) -> Tensor:
        """Return :func:`minimax_generator_loss`; ``real_logits`` is ignored."""
        return minimax_generator_loss(fake_logits, reduction=self.reduction)


class NonSaturating(GANLoss):
    r"""Non-saturating GAN loss: BCE on logits, with optional label smoothing and flipping.

    .. math::

        \mathcal{L}_D = \mathbb{E}[\operatorname{BCE}(D(x), t_r)]
            + \mathbb{E}[\operatorname{BCE}(D(G(z)), t_f)], \qquad
        \mathcal{L}_G = \mathbb{E}[\operatorname{softplus}(-D(G(z)))].

    Goodfellow et al., 2014, arXiv:1406.2661; one-sided label smoothing from Salimans et
    al., 2016, arXiv:1606.03498. Smoothing and flipping only affect the discriminator.
    See :func:`non_saturating_discriminator_loss` and
    :func:`non_saturating_generator_loss`.

    Args:
        real_target: Discriminator target for real samples, in ``[0, 1]`` (e.g. 0.9).
        fake_target: Discriminator target for generated samples, in ``[0, 1]``.
        flip_prob: Probability, in ``[0, 1]``, of swapping a sample's target.
        generator: Random number generator for the flips, stored as
            ``flip_generator`` (the name ``generator`` is the loss method).
        reduction: ``"mean"`` or ``"sum"``.

    Raises:
        ValueError: If an argument is out of range.

    Example:
        >>> import torch
        >>> from gankit.losses import NonSaturating
        >>> loss = NonSaturating()
        >>> loss.discriminator(torch.zeros(4), torch.zeros(4))
        tensor(1.3863)
        >>> loss.generator(torch.zeros(4))
        tensor(0.6931)
        >>> NonSaturating(real_target=0.9)
        NonSaturating(real_target=0.9, fake_target=0.0, flip_prob=0.0, reduction='mean')

    """

    def __init__(
        self,
        real_target: float = 1.0,
        fake_target: float = 0.0,
        flip_prob: float = 0.0,
        generator: torch.Generator | None = None,
        reduction: Reduction = "mean",
    ) -> None:
        super().__init__(reduction)
        self.real_target = check_range("real_target", real_target, 0.0, 1.0)
        self.fake_target = check_range("fake_target", fake_target, 0.0, 1.0)
        self.flip_prob = check_range("flip_prob", flip_prob, 0.0, 1.0)
        self.flip_generator = generator

    def discriminator(self, real_logits: Tensor, fake_logits: Tensor) -> Tensor:
        """Return :func:`non_saturating_discriminator_loss` with this loss's settings."""
        return non_saturating_discriminator_loss(
            real_logits,
            fake_logits,
            real_target=self.real_target,
            fake_target=self.fake_target,
            flip_prob=self.flip_prob,
            generator=self.flip_generator,
            reduction=self.reduction,
        )

    def generator(self, fake_logits: Tensor, real_logits: Tensor | None = None) -> Tensor:
        """Return :func:`non_saturating_generator_loss`; ``real_logits`` is ignored."""
        return non_saturating_generator_loss(fake_logits, reduction=self.reduction)

    def _repr_fields(self) -> dict[str, object]:
        return {
            "real_target": self.real_target,
            "fake_target": self.fake_target,
            "flip_prob": self.flip_prob,
            **super()._repr_fields(),
        }
