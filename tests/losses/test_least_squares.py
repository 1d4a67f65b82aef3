"""LSGAN losses: closed forms, minimizers, moving towards the targets, validation."""

from __future__ import annotations

import re

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from gankit.losses import (
    LeastSquares,
    least_squares_discriminator_loss,
    least_squares_generator_loss,
)
from tests.strategies import logit_lists

targets = st.floats(-3.0, 3.0)


@given(real=logit_lists(), fake=logit_lists(), a=targets, b=targets, c=targets)
def test_closed_form(real: list[float], fake: list[float], a: float, b: float, c: float) -> None:
    r = torch.tensor(real, dtype=torch.float64)
    f = torch.tensor(fake, dtype=torch.float64)
    expected_d = 0.5 * sum((x - b) ** 2 for x in real) / len(real) + 0.5 * sum(
        (x - a) ** 2 for x in fake
    ) / len(fake)
    expected_g = 0.5 * sum((x - c) ** 2 for x in fake) / len(fake)
    loss = LeastSquares(a=a, b=b, c=c)
    assert loss.discriminator(r, f).item() == pytest.approx(expected_d, rel=1e-9, abs=1e-12)
    assert loss.generator(f).item() == pytest.approx(expected_g, rel=1e-9, abs=1e-12)


@given(a=targets, b=targets, c=targets)
def test_zero_loss_and_zero_gradient_at_the_targets(a: float, b: float, c: float) -> None:
    real = torch.full((4,), b, dtype=torch.float64, requires_grad=True)
    fake = torch.full((3,), a, dtype=torch.float64, requires_grad=True)
    d_loss = least_squares_discriminator_loss(real, fake, a=a, b=b)
    assert d_loss.item() == 0.0
    assert all(g.abs().max() == 0 for g in torch.autograd.grad(d_loss, (real, fake)))
    assert least_squares_generator_loss(torch.full((3,), c), c=c).item() == 0.0


@given(
    real=logit_lists(),
    fake=logit_lists(),
    shrink=st.floats(0.0, 0.99),
)
def test_discriminator_loss_decreases_as_outputs_move_to_their_targets(
    real: list[float], fake: list[float], shrink: float
) -> None:
    # The LSGAN losses are not monotone in the logits; they are in the distance to targets.
    a, b = 0.0, 1.0
    r = torch.tensor(real, dtype=torch.float64)
    f = torch.tensor(fake, dtype=torch.float64)
    closer_r = b + shrink * (r - b)
    closer_f = a + shrink * (f - a)
    before = least_squares_discriminator_loss(r, f)
    assert least_squares_discriminator_loss(closer_r, closer_f) <= before
    assert least_squares_generator_loss(1.0 + shrink * (f - 1.0)) <= least_squares_generator_loss(f)


def test_pearson_chi2_setting_of_the_paper() -> None:
    # a=-1, b=1, c=0 (Mao et al., Eq. 8) at zero logits: D = 0.5 + 0.5, G = 0.
    loss = LeastSquares(a=-1.0, b=1.0, c=0.0)
    assert loss.discriminator(torch.zeros(4), torch.zeros(4)).item() == pytest.approx(1.0)
    assert loss.generator(torch.zeros(4)).item() == 0.0


@pytest.mark.parametrize("name", ["a", "b", "c"])
@pytest.mark.parametrize("value", [float("nan"), float("inf"), -float("inf")])
def test_rejects_non_finite_targets(name: str, value: float) -> None:
    with pytest.raises(ValueError, match=re.escape(f"{name} must be a finite number, got {value}")):
        LeastSquares(**{name: value})


def test_repr() -> None:
    assert repr(LeastSquares(a=-1.0)) == "LeastSquares(a=-1.0, b=1.0, c=1.0, reduction='mean')"
