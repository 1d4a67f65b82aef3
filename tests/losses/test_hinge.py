"""Hinge losses: closed forms and the flat region past the margin."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from gankit.losses import Hinge, hinge_discriminator_loss, hinge_generator_loss
from tests.strategies import logit_lists


@given(real=logit_lists(), fake=logit_lists())
def test_closed_form(real: list[float], fake: list[float]) -> None:
    r = torch.tensor(real, dtype=torch.float64)
    f = torch.tensor(fake, dtype=torch.float64)
    expected = sum(max(0.0, 1 - x) for x in real) / len(real) + sum(
        max(0.0, 1 + x) for x in fake
    ) / len(fake)
    assert hinge_discriminator_loss(r, f).item() == pytest.approx(expected, abs=1e-9)
    assert hinge_generator_loss(f).item() == pytest.approx(-sum(fake) / len(fake), abs=1e-9)


@given(margin=st.floats(0.0, 100.0))
def test_discriminator_loss_is_zero_and_flat_past_the_margin(margin: float) -> None:
    real = torch.full((4,), 1.0 + margin, dtype=torch.float64, requires_grad=True)
    fake = torch.full((4,), -1.0 - margin, dtype=torch.float64, requires_grad=True)
    loss = hinge_discriminator_loss(real, fake)
    assert loss.item() == 0.0
    if margin > 0:
        grads = torch.autograd.grad(loss, (real, fake))
        assert all(g.abs().max() == 0 for g in grads)


def test_known_values() -> None:
    real = torch.tensor([2.0, 0.5, -1.0])  # hinge terms 0, 0.5, 2
    fake = torch.tensor([-3.0, 0.0])  # hinge terms 0, 1
    assert Hinge().discriminator(real, fake).item() == pytest.approx(2.5 / 3 + 0.5)
    assert Hinge(reduction="sum").discriminator(real, fake).item() == pytest.approx(3.5)


def test_repr() -> None:
    assert repr(Hinge(reduction="sum")) == "Hinge(reduction='sum')"
