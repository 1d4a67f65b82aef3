"""Protocols, the GANLoss base class and the shared argument checks."""

from __future__ import annotations

import re

import pytest
import torch
from torch import Tensor

import gankit.losses as L
from tests.losses.cases import CASES, LossCase, all_cases


class UserLoss:
    """A loss written from scratch: it only has to satisfy the protocol."""

    needs_real_logits_for_generator = False

    def discriminator(self, real_logits: Tensor, fake_logits: Tensor) -> Tensor:
        return (fake_logits - real_logits).mean()

    def generator(self, fake_logits: Tensor, real_logits: Tensor | None = None) -> Tensor:
        return -fake_logits.mean()


class UserPenalty:
    needs_fake = False

    def __call__(
        self, discriminator: L.DiscriminatorFn, real: Tensor, fake: Tensor | None, *inputs: object
    ) -> Tensor:
        return discriminator(real, *inputs).square().mean()


@all_cases
def test_builtin_losses_satisfy_the_protocol(case: LossCase) -> None:
    loss = case.make("mean")
    assert isinstance(loss, L.AdversarialLoss)
    assert isinstance(loss, L.GANLoss)
    expected = isinstance(loss, L.RelativisticAverage)
    assert loss.needs_real_logits_for_generator is expected
    assert type(loss).needs_real_logits_for_generator is expected


def test_user_classes_satisfy_the_protocols_without_subclassing() -> None:
    assert isinstance(UserLoss(), L.AdversarialLoss)
    assert isinstance(UserPenalty(), L.Regularizer)
    assert not isinstance(object(), L.AdversarialLoss)
    assert not isinstance(L.Hinge(), L.Regularizer)


def test_penalty_classes_satisfy_the_regularizer_protocol() -> None:
    needs_fake = {
        L.GradientPenalty(): True,
        L.R1Penalty(): False,
        L.R2Penalty(): True,
        L.DRAGANPenalty(): False,
    }
    for penalty, expected in needs_fake.items():
        assert isinstance(penalty, L.Regularizer)
        assert penalty.needs_fake is expected


def test_gan_loss_is_abstract() -> None:
    with pytest.raises(TypeError):
        L.GANLoss()  # type: ignore[abstract]

    class Halved(L.GANLoss):
        def discriminator(self, real_logits: Tensor, fake_logits: Tensor) -> Tensor:
            return 0.5 * L.hinge_discriminator_loss(real_logits, fake_logits)

        def generator(self, fake_logits: Tensor, real_logits: Tensor | None = None) -> Tensor:
            return 0.5 * L.hinge_generator_loss(fake_logits)

    loss = Halved(reduction="sum")
    assert repr(loss) == "Halved(reduction='sum')"
    assert isinstance(loss, L.AdversarialLoss)
    assert loss.discriminator(torch.zeros(2), torch.zeros(2)).item() == 1.0


@all_cases
@pytest.mark.parametrize(
    ("reduction", "error"),
    [("none", ValueError), ("MEAN", ValueError), ("", ValueError), (None, TypeError)],
)
def test_bad_reduction_raises_everywhere(
    case: LossCase, reduction: object, error: type[Exception]
) -> None:
    message = re.escape(f"reduction must be one of ('mean', 'sum'), got {reduction!r}")
    with pytest.raises(error, match=message):
        case.make(reduction)  # type: ignore[arg-type]
    with pytest.raises(error, match=message):
        case.d_fn(torch.zeros(2), torch.zeros(2), reduction)  # type: ignore[arg-type]
    with pytest.raises(error, match=message):
        case.g_fn(torch.zeros(2), torch.zeros(2), reduction)  # type: ignore[arg-type]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_logits_raise(case: LossCase) -> None:
    loss = case.make("mean")
    with pytest.raises(
        ValueError, match=re.escape("real_logits must be non-empty, got shape (0,)")
    ):
        loss.discriminator(torch.zeros(0), torch.zeros(2))
    with pytest.raises(TypeError, match="fake_logits must be a floating-point tensor"):
        loss.discriminator(torch.zeros(2), torch.zeros(2, dtype=torch.long))
    with pytest.raises(TypeError, match=r"fake_logits must be a torch\.Tensor, got list"):
        loss.generator([0.0], torch.zeros(2))  # type: ignore[arg-type]


def test_public_names() -> None:
    for name in L.__all__:
        assert hasattr(L, name), name
    assert sorted(L.__all__) == L.__all__
