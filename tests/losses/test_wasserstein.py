"""Wasserstein losses: closed forms and the sign convention."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given

from gankit.losses import Wasserstein, wasserstein_discriminator_loss, wasserstein_generator_loss
from tests.strategies import logit_lists


@given(real=logit_lists(), fake=logit_lists())
def test_closed_form(real: list[float], fake: list[float]) -> None:
    r = torch.tensor(real, dtype=torch.float64)
    f = torch.tensor(fake, dtype=torch.float64)
    mean_r, mean_f = sum(real) / len(real), sum(fake) / len(fake)
    assert wasserstein_discriminator_loss(r, f).item() == pytest.approx(mean_f - mean_r, abs=1e-9)
    assert wasserstein_generator_loss(f).item() == pytest.approx(-mean_f, abs=1e-9)
    sum_r, sum_f = sum(real), sum(fake)
    loss = Wasserstein(reduction="sum")
    assert loss.discriminator(r, f).item() == pytest.approx(sum_f - sum_r, abs=1e-9)


def test_critic_loss_is_minus_the_estimated_distance() -> None:
    # For the 1-Lipschitz critic D(x) = x and point masses at 3 and 1, W1 = 2.
    real, fake = torch.full((5,), 3.0), torch.full((7,), 1.0)
    assert wasserstein_discriminator_loss(real, fake).item() == pytest.approx(-2.0)


def test_generator_gradient_is_constant() -> None:
    fake = torch.tensor([-1e3, 0.0, 1e3], requires_grad=True)
    (grad,) = torch.autograd.grad(wasserstein_generator_loss(fake), fake)
    torch.testing.assert_close(grad, torch.full((3,), -1.0 / 3))


def test_repr() -> None:
    assert repr(Wasserstein()) == "Wasserstein(reduction='mean')"
