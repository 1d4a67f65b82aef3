"""Relativistic average losses: closed forms, symmetry, shift invariance, validation."""

from __future__ import annotations

import math
import re

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from gankit.losses import (
    RelativisticAverage,
    relativistic_average_discriminator_loss,
    relativistic_average_generator_loss,
)
from tests.strategies import logit_lists

FLAVOURS = ["standard", "least_squares"]


def _softplus(x: float) -> float:
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


@given(real=logit_lists(), fake=logit_lists())
def test_standard_closed_form(real: list[float], fake: list[float]) -> None:
    mr, mf = sum(real) / len(real), sum(fake) / len(fake)
    expected_d = sum(_softplus(-(x - mf)) for x in real) / len(real) + sum(
        _softplus(x - mr) for x in fake
    ) / len(fake)
    expected_g = sum(_softplus(-(x - mr)) for x in fake) / len(fake) + sum(
        _softplus(x - mf) for x in real
    ) / len(real)
    r = torch.tensor(real, dtype=torch.float64)
    f = torch.tensor(fake, dtype=torch.float64)
    loss = RelativisticAverage()
    assert loss.discriminator(r, f).item() == pytest.approx(expected_d, rel=1e-9)
    assert loss.generator(f, r).item() == pytest.approx(expected_g, rel=1e-9)


@given(real=logit_lists(), fake=logit_lists())
def test_least_squares_closed_form(real: list[float], fake: list[float]) -> None:
    mr, mf = sum(real) / len(real), sum(fake) / len(fake)
    expected_d = sum((x - mf - 1) ** 2 for x in real) / len(real) + sum(
        (x - mr + 1) ** 2 for x in fake
    ) / len(fake)
    expected_g = sum((x - mr - 1) ** 2 for x in fake) / len(fake) + sum(
        (x - mf + 1) ** 2 for x in real
    ) / len(real)
    r = torch.tensor(real, dtype=torch.float64)
    f = torch.tensor(fake, dtype=torch.float64)
    loss = RelativisticAverage("least_squares")
    assert loss.discriminator(r, f).item() == pytest.approx(expected_d, rel=1e-9, abs=1e-12)
    assert loss.generator(f, r).item() == pytest.approx(expected_g, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("flavour", FLAVOURS)
@given(real=logit_lists(), fake=logit_lists(), shift=st.floats(-50.0, 50.0))
def test_invariant_to_a_common_shift_of_all_logits(
    flavour: str, real: list[float], fake: list[float], shift: float
) -> None:
    r = torch.tensor(real, dtype=torch.float64)
    f = torch.tensor(fake, dtype=torch.float64)
    loss = RelativisticAverage(flavour)  # type: ignore[arg-type]
    torch.testing.assert_close(loss.discriminator(r + shift, f + shift), loss.discriminator(r, f))
    torch.testing.assert_close(loss.generator(f + shift, r + shift), loss.generator(f, r))


@pytest.mark.parametrize("flavour", FLAVOURS)
@given(real=logit_lists(), fake=logit_lists())
def test_generator_loss_is_discriminator_loss_with_roles_swapped(
    flavour: str, real: list[float], fake: list[float]
) -> None:
    r = torch.tensor(real, dtype=torch.float64)
    f = torch.tensor(fake, dtype=torch.float64)
    torch.testing.assert_close(
        relativistic_average_generator_loss(f, r, flavour=flavour),  # type: ignore[arg-type]
        relativistic_average_discriminator_loss(f, r, flavour=flavour),  # type: ignore[arg-type]
    )


def test_least_squares_minimum() -> None:
    # D is optimal when real logits exceed the mean fake logit by 1 and vice versa.
    loss = RelativisticAverage("least_squares")
    assert loss.discriminator(torch.full((3,), 0.5), torch.full((2,), -0.5)).item() == 0.0
    assert loss.generator(torch.full((3,), 0.5), torch.full((2,), -0.5)).item() == 0.0


def test_generator_uses_the_real_logits() -> None:
    loss = RelativisticAverage()
    assert loss.needs_real_logits_for_generator
    fake = torch.zeros(4)
    assert loss.generator(fake, torch.zeros(4)) != loss.generator(fake, torch.ones(4))


def test_generator_without_real_logits_raises() -> None:
    with pytest.raises(ValueError, match=r"real_logits must be a Tensor.*got None"):
        RelativisticAverage().generator(torch.zeros(4))


def test_generator_gradient_reaches_the_fake_logits_through_both_terms() -> None:
    fake = torch.zeros(2, requires_grad=True)
    loss = relativistic_average_generator_loss(fake, torch.zeros(3))
    (grad,) = torch.autograd.grad(loss, fake)
    # d/df_i of mean softplus(-(f - mr)) + mean softplus(mr_j - mean f): -1/4 - 1/4.
    torch.testing.assert_close(grad, torch.full((2,), -0.5))


def test_rejects_unknown_flavour() -> None:
    message = "flavour must be one of ('standard', 'least_squares'), got 'wasserstein'"
    with pytest.raises(ValueError, match=re.escape(message)):
        RelativisticAverage("wasserstein")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=re.escape(message)):
        relativistic_average_discriminator_loss(
            torch.zeros(1),
            torch.zeros(1),
            flavour="wasserstein",  # type: ignore[arg-type]
        )


def test_repr() -> None:
    assert repr(RelativisticAverage("least_squares")) == (
        "RelativisticAverage(flavour='least_squares', reduction='mean')"
    )
