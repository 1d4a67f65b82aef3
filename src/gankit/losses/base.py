"""Shared types for adversarial losses and penalties: protocols, base class, reduction."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import ClassVar, Literal, Protocol, TypeAlias, runtime_checkable

from torch import Tensor

from gankit._validation import check_reduction
from gankit.losses._common import format_repr

__all__ = ["AdversarialLoss", "DiscriminatorFn", "GANLoss", "Reduction", "Regularizer"]

Reduction: TypeAlias = Literal["mean", "sum"]
"""How per-element loss terms are reduced to a scalar: ``"mean"`` or ``"sum"``."""

DiscriminatorFn: TypeAlias = Callable[..., Tensor]
"""A discriminator (critic): called as ``discriminator(x, *inputs)``, returns logits.

Any :class:`torch.nn.Module` or plain function fits. The output has the batch dimension
first, shape ``(B,)`` or ``(B, ...)``; extra ``inputs`` (labels, embeddings, ...) are
passed through unchanged for conditional discriminators.
"""


@runtime_checkable
class AdversarialLoss(Protocol):
    """What a Trainer needs from an adversarial loss.

    Any object with these two methods and the ``needs_real_logits_for_generator``
    attribute qualifies; subclassing :class:`GANLoss` is optional.

    Example:
        >>> import torch
        >>> from gankit.losses import AdversarialLoss, Hinge
        >>> isinstance(Hinge(), AdversarialLoss)
        True

    """

    @property
    def needs_real_logits_for_generator(self) -> bool:
        """Whether :meth:`generator` uses ``real_logits`` (only relativistic losses do).

        A Trainer may skip computing ``D(real)`` during the generator step when False.
        """
        ...

    def discriminator(self, real_logits: Tensor, fake_logits: Tensor) -> Tensor:
        """Return the scalar loss the discriminator minimizes."""
        ...

    def generator(self, fake_logits: Tensor, real_logits: Tensor | None = None) -> Tensor:
        """Return the scalar loss the generator minimizes."""
        ...


@runtime_checkable
class Regularizer(Protocol):
    """What a Trainer needs from a discriminator penalty (gradient penalty, R1, ...).

    The penalty is called as ``regularizer(discriminator, real, fake, *inputs)`` and
    returns a scalar that is *added* to the discriminator loss (it already carries its
    weight). ``fake`` may be ``None`` when ``needs_fake`` is False.

    Example:
        >>> from gankit.losses import R1Penalty, Regularizer
        >>> isinstance(R1Penalty(), Regularizer)
        True

    """

    @property
    def needs_fake(self) -> bool:
        """Whether the penalty uses generated samples (False lets a Trainer pass None)."""
        ...

    def __call__(
        self,
        discriminator: DiscriminatorFn,
        real: Tensor,
        fake: Tensor | None,
        *inputs: object,
    ) -> Tensor:
        """Return the weighted scalar penalty."""
        ...


class GANLoss(ABC):
    """Abstract base class of the built-in adversarial losses.

    Holds the ``reduction`` and provides a readable ``__repr__``. Subclasses implement
    :meth:`discriminator` and :meth:`generator` and satisfy :class:`AdversarialLoss`.

    Args:
        reduction: ``"mean"`` averages each expectation over its elements, ``"sum"``
            sums them.

    Raises:
        ValueError: If ``reduction`` is not ``"mean"`` or ``"sum"``.

    Example:
        >>> from gankit.losses import Wasserstein
        >>> Wasserstein(reduction="sum")
        Wasserstein(reduction='sum')

    """

    needs_real_logits_for_generator: ClassVar[bool] = False

    def __init__(self, reduction: Reduction = "mean") -> None:
        self.reduction: Reduction = check_reduction(reduction)

    @abstractmethod
    def discriminator(self, real_logits: Tensor, fake_logits: Tensor) -> Tensor:
        """Return the scalar loss the discriminator minimizes.

        Args:
            real_logits: Discriminator outputs on real samples, shape ``(B, ...)``.
            fake_logits: Discriminator outputs on generated samples, shape ``(B', ...)``.

        Returns:
            A scalar tensor.

        """

    @abstractmethod
    def generator(self, fake_logits: Tensor, real_logits: Tensor | None = None) -> Tensor:
        """Return the scalar loss the generator minimizes.

        Args:
            fake_logits: Discriminator outputs on generated samples, shape ``(B, ...)``.
            real_logits: Discriminator outputs on real samples; only used when
                ``needs_real_logits_for_generator`` is True.

        Returns:
            A scalar tensor.

        """

    def _repr_fields(self) -> dict[str, object]:
        """Return the constructor arguments shown by ``repr``, in order."""
        return {"reduction": self.reduction}

    def __repr__(self) -> str:
        return format_repr(type(self).__name__, self._repr_fields())
