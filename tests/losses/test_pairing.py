"""Relativistic pairing loss (RpGAN) against its closed form and its invariances."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from gankit.losses import (
    AdversarialLoss,
    RelativisticPairing,
    relativistic_pairing_discriminator_loss,
    relativistic_pairing_generator_loss,
)
from tests.strategies import LOGIT_BOUND, logit_lists


@st.composite
def pairs(draw: st.DrawFn) -> tuple[list[float], list[float]]:
    real = draw(logit_lists())
    fake = draw(logit_lists(min_size=len(real), max_size=len(real)))
    return real, fake


def t64(values: list[float]) -> torch.Tensor:
    return torch.tensor(values, dtype=torch.float64)


def softplus(x: float) -> float:
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


@given(pairs())
def test_matches_the_closed_form(pair: tuple[list[float], list[float]]) -> None:
    real, fake = pair
    n = len(real)
    d = sum(softplus(f - r) for r, f in zip(real, fake, strict=True)) / n
    g = sum(softplus(r - f) for r, f in zip(real, fake, strict=True)) / n
    # float64 with |logits| <= 10: both sides are accurate to a few ulps of values <= 21.
    assert float(relativistic_pairing_discriminator_loss(t64(real), t64(fake))) == pytest.approx(
        d, rel=1e-12, abs=1e-12
    )
    assert float(relativistic_pairing_generator_loss(t64(fake), t64(real))) == pytest.approx(
        g, rel=1e-12, abs=1e-12
    )
    loss = RelativisticPairing(reduction="sum")
    assert float(loss.discriminator(t64(real), t64(fake))) == pytest.approx(n * d, rel=1e-12)
    assert float(loss.generator(t64(fake), t64(real))) == pytest.approx(n * g, rel=1e-12)


@given(pairs(), st.floats(-LOGIT_BOUND, LOGIT_BOUND))
def test_only_the_differences_matter_and_the_generator_is_the_mirror(
    pair: tuple[list[float], list[float]], shift: float
) -> None:
    real, fake = t64(pair[0]), t64(pair[1])
    base = relativistic_pairing_discriminator_loss(real, fake)
    torch.testing.assert_close(
        relativistic_pairing_discriminator_loss(real + shift, fake + shift), base
    )
    torch.testing.assert_close(relativistic_pairing_generator_loss(real, fake), base)


@given(pairs())
def test_gradients_push_real_up_and_fake_down(pair: tuple[list[float], list[float]]) -> None:
    real = t64(pair[0]).requires_grad_(True)
    fake = t64(pair[1]).requires_grad_(True)
    relativistic_pairing_discriminator_loss(real, fake).backward()
    assert real.grad is not None and fake.grad is not None
    expected = torch.sigmoid(fake.detach() - real.detach()) / len(pair[0])
    torch.testing.assert_close(fake.grad, expected)
    torch.testing.assert_close(real.grad, -expected)
    assert bool((real.grad < 0).all()) and bool((fake.grad > 0).all())


def test_values_at_zero_and_low_precision() -> None:
    zeros = torch.zeros(4)
    assert float(relativistic_pairing_discriminator_loss(zeros, zeros)) == pytest.approx(
        math.log(2)
    )
    big = torch.full((3,), 1e4, dtype=torch.bfloat16)
    out = relativistic_pairing_discriminator_loss(big, -big)
    assert out.dtype == torch.float32 and float(out) == 0.0
    assert float(relativistic_pairing_generator_loss(-big, big)) == pytest.approx(2e4, rel=1e-2)


def test_errors() -> None:
    loss = RelativisticPairing()
    assert isinstance(loss, AdversarialLoss) and loss.needs_real_logits_for_generator
    with pytest.raises(ValueError, match=r"same shape, got \(4,\) and \(3,\)"):
        loss.discriminator(torch.zeros(4), torch.zeros(3))
    with pytest.raises(ValueError, match="real_logits must be a Tensor"):
        loss.generator(torch.zeros(4))
    with pytest.raises(ValueError, match="reduction"):
        RelativisticPairing(reduction="max")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="floating-point"):
        loss.discriminator(torch.zeros(2, dtype=torch.long), torch.zeros(2))
    assert repr(loss) == "RelativisticPairing(reduction='mean')"
