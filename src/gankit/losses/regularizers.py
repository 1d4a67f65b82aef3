r"""Discriminator penalties as :class:`~gankit.losses.Regularizer` objects.

Each class stores its paper's default weight and calls the matching function of
:mod:`gankit.losses.penalties`; a Trainer calls any of them as
``regularizer(discriminator, real, fake, *inputs)`` and adds the result to the
discriminator loss. ``needs_fake`` tells it whether generated samples are used.
"""

from __future__ import annotations

from typing import ClassVar

import torch
from torch import Tensor

from gankit._validation import check_bool, check_non_negative, check_positive
from gankit.losses._common import format_repr
from gankit.losses.base import DiscriminatorFn
from gankit.losses.penalties import dragan_penalty, gradient_penalty, r1_penalty, r2_penalty

__all__ = ["DRAGANPenalty", "GradientPenalty", "R1Penalty", "R1R2Penalty", "R2Penalty"]


class GradientPenalty:
    r"""WGAN-GP gradient penalty as a :class:`~gankit.losses.Regularizer`.

    Returns ``gradient_penalty(discriminator, real, fake, *inputs, weight=weight, ...)``;
    see :func:`gradient_penalty`. Defaults follow Gulrajani et al., 2017,
    arXiv:1704.00028 (:math:`\lambda = 10`, target norm 1).

    Args:
        weight: :math:`\lambda`, finite and ``>= 0``.
        target: Target gradient norm, finite and ``>= 0``.
        one_sided: Penalize only norms above ``target`` (Petzka et al., 2018).
        generator: Random number generator for the interpolation coefficients.

    Example:
        >>> import torch
        >>> from gankit.losses import GradientPenalty
        >>> penalty = GradientPenalty()
        >>> w = torch.tensor([0.0, 2.0])
        >>> penalty(lambda x: x @ w, torch.randn(8, 2), torch.randn(8, 2))  # 10 * (2 - 1)^2
        tensor(10.)

    """

    needs_fake: ClassVar[bool] = True

    def __init__(
        self,
        weight: float = 10.0,
        target: float = 1.0,
        one_sided: bool = False,
        generator: torch.Generator | None = None,
    ) -> None:
        self.weight = check_non_negative("weight", weight)
        self.target = check_non_negative("target", target)
        self.one_sided = check_bool("", "one_sided", one_sided)
        self.generator = generator

    def __call__(
        self, discriminator: DiscriminatorFn, real: Tensor, fake: Tensor | None, *inputs: object
    ) -> Tensor:
        """Return the weighted penalty; ``fake`` is required."""
        if fake is None:
            raise ValueError("fake must be a Tensor for GradientPenalty, got None")
        return gradient_penalty(
            discriminator,
            real,
            fake,
            *inputs,
            weight=self.weight,
            target=self.target,
            one_sided=self.one_sided,
            generator=self.generator,
        )

    def __repr__(self) -> str:
        fields = {"weight": self.weight, "target": self.target, "one_sided": self.one_sided}
        return format_repr(type(self).__name__, fields)


class R1Penalty:
    r"""R1 penalty :math:`\tfrac{\gamma}{2}\,\mathbb{E}_x[\lVert\nabla D(x)\rVert^2]`.

    Mescheder et al., 2018, arXiv:1801.04406. Returns
    ``r1_penalty(discriminator, real, *inputs, weight=gamma / 2)``; ``fake`` is ignored
    (``needs_fake`` is False).

    Args:
        gamma: :math:`\gamma`, finite and ``>= 0``.

    Example:
        >>> import torch
        >>> from gankit.losses import R1Penalty
        >>> w = torch.tensor([3.0, 4.0])
        >>> R1Penalty(gamma=1.0)(lambda x: x @ w, torch.randn(8, 2))  # 0.5 * 25
        tensor(12.5000)

    """

    needs_fake: ClassVar[bool] = False

    def __init__(self, gamma: float = 10.0) -> None:
        self.gamma = check_non_negative("gamma", gamma)

    def __call__(
        self,
        discriminator: DiscriminatorFn,
        real: Tensor,
        fake: Tensor | None = None,
        *inputs: object,
    ) -> Tensor:
        """Return the weighted penalty on ``real``; ``fake`` is ignored."""
        return r1_penalty(discriminator, real, *inputs, weight=0.5 * self.gamma)

    def __repr__(self) -> str:
        return format_repr(type(self).__name__, {"gamma": self.gamma})


class R2Penalty:
    r"""R2 penalty :math:`\tfrac{\gamma}{2}\,\mathbb{E}_z[\lVert\nabla D(G(z))\rVert^2]`.

    Mescheder et al., 2018, arXiv:1801.04406. Returns
    ``r2_penalty(discriminator, fake, *inputs, weight=gamma / 2)``; ``real`` is ignored.

    Args:
        gamma: :math:`\gamma`, finite and ``>= 0``.

    Example:
        >>> import torch
        >>> from gankit.losses import R2Penalty
        >>> w = torch.tensor([3.0, 4.0])
        >>> R2Penalty(gamma=2.0)(lambda x: x @ w, torch.randn(8, 2), torch.randn(8, 2))
        tensor(25.)

    """

    needs_fake: ClassVar[bool] = True

    def __init__(self, gamma: float = 10.0) -> None:
        self.gamma = check_non_negative("gamma", gamma)

    def __call__(
        self, discriminator: DiscriminatorFn, real: Tensor, fake: Tensor | None, *inputs: object
    ) -> Tensor:
        """Return the weighted penalty on ``fake``; ``real`` is ignored."""
        if fake is None:
            raise ValueError("fake must be a Tensor for R2Penalty, got None")
        return r2_penalty(discriminator, fake, *inputs, weight=0.5 * self.gamma)

    def __repr__(self) -> str:
        return format_repr(type(self).__name__, {"gamma": self.gamma})


class R1R2Penalty:
    r"""R1 and R2 with one :math:`\gamma`: the regularizer of R3GAN.

    .. math::

        \frac{\gamma}{2}\Big(\mathbb{E}_x\big[\lVert\nabla_x D(x)\rVert^2\big]
            + \mathbb{E}_z\big[\lVert\nabla_{\tilde x} D(\tilde x)\rVert^2\big]\Big),
        \quad \tilde x = G(z).

    Huang et al., 2024, arXiv:2501.05441, section 2 (R1 and R2 of Mescheder et al.,
    2018): with the relativistic pairing loss (:class:`RelativisticPairing`), penalizing
    the gradient on both real and fake data gives local convergence. ``gamma`` is a
    plain attribute, so a schedule (e.g. :class:`gankit.train.hooks.R3GANSchedule`) may
    change it between steps.

    Args:
        gamma: :math:`\gamma`, finite and ``>= 0``.

    Example:
        >>> import torch
        >>> from gankit.losses import R1R2Penalty
        >>> w = torch.tensor([3.0, 4.0])
        >>> R1R2Penalty(gamma=1.0)(lambda x: x @ w, torch.randn(8, 2), torch.randn(8, 2))
        tensor(25.)

    """

    needs_fake: ClassVar[bool] = True

    def __init__(self, gamma: float = 2.0) -> None:
        self.gamma = check_non_negative("gamma", gamma)

    def __call__(
        self, discriminator: DiscriminatorFn, real: Tensor, fake: Tensor | None, *inputs: object
    ) -> Tensor:
        """Return the weighted sum of R1 on ``real`` and R2 on ``fake`` (required)."""
        if fake is None:
            raise ValueError("fake must be a Tensor for R1R2Penalty, got None")
        weight = 0.5 * check_non_negative("gamma", self.gamma)
        return r1_penalty(discriminator, real, *inputs, weight=weight) + r2_penalty(
            discriminator, fake, *inputs, weight=weight
        )

    def __repr__(self) -> str:
        return format_repr(type(self).__name__, {"gamma": self.gamma})


class DRAGANPenalty:
    r"""DRAGAN penalty as a :class:`~gankit.losses.Regularizer` (Kodali et al., 2017).

    Returns ``dragan_penalty(discriminator, real, *inputs, weight=weight, ...)``; see
    :func:`dragan_penalty`. Defaults follow arXiv:1705.07215 (:math:`\lambda = 10`,
    :math:`c = 0.5`, target norm 1). ``fake`` is ignored (``needs_fake`` is False).

    Args:
        weight: :math:`\lambda`, finite and ``>= 0``.
        scale: Perturbation scale :math:`c`, finite and ``> 0``.
        target: Target gradient norm, finite and ``>= 0``.
        generator: Random number generator for the perturbations.

    Example:
        >>> import torch
        >>> from gankit.losses import DRAGANPenalty
        >>> w = torch.tensor([0.0, 2.0])
        >>> DRAGANPenalty()(lambda x: x @ w, torch.randn(8, 2))  # 10 * (2 - 1)^2
        tensor(10.)

    """

    needs_fake: ClassVar[bool] = False

    def __init__(
        self,
        weight: float = 10.0,
        scale: float = 0.5,
        target: float = 1.0,
        generator: torch.Generator | None = None,
    ) -> None:
        self.weight = check_non_negative("weight", weight)
        self.scale = check_positive("scale", scale)
        self.target = check_non_negative("target", target)
        self.generator = generator

    def __call__(
        self,
        discriminator: DiscriminatorFn,
        real: Tensor,
        fake: Tensor | None = None,
        *inputs: object,
    ) -> Tensor:
        """Return the weighted penalty around ``real``; ``fake`` is ignored."""
        return dragan_penalty(
            discriminator,
            real,
            *inputs,
            weight=self.weight,
            scale=self.scale,
            target=self.target,
            generator=self.generator,
        )

    def __repr__(self) -> str:
        fields = {"weight": self.weight, "scale": self.scale, "target": self.target}
        return format_repr(type(self).__name__, fields)
