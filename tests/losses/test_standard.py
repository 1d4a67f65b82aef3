"""Minimax and non-saturating losses: closed forms, smoothing, flipping, validation."""

from __future__ import annotations

import math
import re

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from gankit.losses import (
    Minimax,
    NonSaturating,
    minimax_discriminator_loss,
    minimax_generator_loss,
    non_saturating_discriminator_loss,
    non_saturating_generator_loss,
)
from tests.strategies import logit_lists


def _log_sigmoid(x: float) -> float:
    return -math.log1p(math.exp(-x))


def _log_one_minus_sigmoid(x: float) -> float:
    return -math.log1p(math.exp(x))


@given(real=logit_lists(), fake=logit_lists())
def test_minimax_matches_the_log_likelihood_of_goodfellow_et_al(
    real: list[float], fake: list[float]
) -> None:
    expected_d = -sum(map(_log_sigmoid, real)) / len(real) - sum(
        map(_log_one_minus_sigmoid, fake)
    ) / len(fake)
    expected_g = sum(map(_log_one_minus_sigmoid, fake)) / len(fake)
    r = torch.tensor(real, dtype=torch.float64)
    f = torch.tensor(fake, dtype=torch.float64)
    assert minimax_discriminator_loss(r, f).item() == pytest.approx(expected_d, rel=1e-9)
    assert minimax_generator_loss(f).item() == pytest.approx(expected_g, rel=1e-9, abs=1e-12)


@given(fake=logit_lists())
def test_non_saturating_generator_is_minus_log_sigmoid(fake: list[float]) -> None:
    expected = -sum(map(_log_sigmoid, fake)) / len(fake)
    f = torch.tensor(fake, dtype=torch.float64)
    assert non_saturating_generator_loss(f).item() == pytest.approx(expected, rel=1e-9, abs=1e-12)


@given(real=logit_lists(), fake=logit_lists())
def test_default_non_saturating_discriminator_equals_minimax(
    real: list[float], fake: list[float]
) -> None:
    r = torch.tensor(real, dtype=torch.float64)
    f = torch.tensor(fake, dtype=torch.float64)
    torch.testing.assert_close(
        non_saturating_discriminator_loss(r, f), minimax_discriminator_loss(r, f)
    )


def test_minimax_generator_saturates_where_non_saturating_does_not() -> None:
    fake = torch.tensor([-10.0], requires_grad=True)
    (g_minimax,) = torch.autograd.grad(minimax_generator_loss(fake), fake)
    (g_non_sat,) = torch.autograd.grad(non_saturating_generator_loss(fake), fake)
    assert abs(g_minimax.item()) < 1e-4
    assert g_non_sat.item() == pytest.approx(-1.0, abs=1e-4)


@pytest.mark.parametrize(("real_target", "fake_target"), [(0.9, 0.0), (0.8, 0.2), (1.0, 0.3)])
def test_label_smoothing_closed_form(real_target: float, fake_target: float) -> None:
    x = torch.tensor([-2.0, 0.5, 3.0], dtype=torch.float64)

    def bce(t: float, y: float) -> float:
        return math.log1p(math.exp(t)) - y * t

    expected = (
        sum(bce(v, real_target) for v in x.tolist()) / 3
        + sum(bce(v, fake_target) for v in (-x).tolist()) / 3
    )
    loss = NonSaturating(real_target=real_target, fake_target=fake_target)
    assert loss.discriminator(x, -x).item() == pytest.approx(expected, rel=1e-12)


def test_smoothed_discriminator_is_minimized_at_the_target_logit() -> None:
    # d/dt BCE(t, 0.9) = sigmoid(t) - 0.9 = 0 at t = logit(0.9).
    optimum = math.log(0.9 / 0.1)
    real = torch.full((3,), optimum, dtype=torch.float64, requires_grad=True)
    loss = NonSaturating(real_target=0.9).discriminator(real, torch.zeros(3, dtype=torch.float64))
    (grad,) = torch.autograd.grad(loss, real)
    assert grad.abs().max().item() < 1e-12


def test_flip_prob_one_swaps_the_targets() -> None:
    gen = torch.Generator().manual_seed(0)
    real = torch.randn(8, 3, generator=gen)
    fake = torch.randn(6, 3, generator=gen)
    flipped = NonSaturating(real_target=0.9, fake_target=0.1, flip_prob=1.0)
    swapped = NonSaturating(real_target=0.1, fake_target=0.9)
    torch.testing.assert_close(flipped.discriminator(real, fake), swapped.discriminator(real, fake))


def test_flip_rate_matches_flip_prob() -> None:
    # With logits +-20 a kept sample costs ~0 and a flipped one ~20, so the loss
    # is ~20 * (fraction of flipped real + fraction of flipped fake samples).
    n, p = 20_000, 0.3
    loss = NonSaturating(flip_prob=p, generator=torch.Generator().manual_seed(0))
    value = loss.discriminator(torch.full((n, 2), 20.0), torch.full((n, 2), -20.0))
    assert value.item() / 20.0 == pytest.approx(2 * p, abs=0.02)


def test_flips_are_per_sample_not_per_element() -> None:
    # Every element of a sample shares the flip: each sample's mean loss is 0 or 20.
    torch.manual_seed(0)
    real = torch.full((64, 5), 20.0, requires_grad=True)
    loss = non_saturating_discriminator_loss(real, torch.full((64,), -20.0), flip_prob=0.5)
    (grad,) = torch.autograd.grad(loss, real)
    per_sample = grad.abs() > 0
    assert (per_sample.all(dim=1) | ~per_sample.any(dim=1)).all()
    assert per_sample.any() and not per_sample.all()


def test_flips_are_reproducible_with_a_generator() -> None:
    real, fake = torch.randn(32), torch.randn(32)

    def run(seed: int) -> torch.Tensor:
        gen = torch.Generator().manual_seed(seed)
        return non_saturating_discriminator_loss(real, fake, flip_prob=0.5, generator=gen)

    torch.testing.assert_close(run(3), run(3))
    assert not torch.equal(run(3), run(4))


def test_non_saturating_keeps_the_generator_argument_apart_from_the_method() -> None:
    gen = torch.Generator()
    loss = NonSaturating(flip_prob=0.1, generator=gen)
    assert loss.flip_generator is gen
    assert loss.generator(torch.zeros(2)).item() == pytest.approx(math.log(2.0))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"real_target": 1.5}, "real_target must be in [0, 1], got 1.5"),
        ({"fake_target": -0.1}, "fake_target must be in [0, 1], got -0.1"),
        ({"flip_prob": 2.0}, "flip_prob must be in [0, 1], got 2.0"),
        ({"flip_prob": float("nan")}, "flip_prob must be in [0, 1], got nan"),
    ],
)
def test_non_saturating_rejects_out_of_range_arguments(
    kwargs: dict[str, float], message: str
) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        NonSaturating(**kwargs)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=re.escape(message)):
        non_saturating_discriminator_loss(torch.zeros(2), torch.zeros(2), **kwargs)  # type: ignore[arg-type]


@given(value=st.floats(0.0, 1.0))
def test_non_saturating_accepts_targets_in_the_unit_interval(value: float) -> None:
    loss = NonSaturating(real_target=value, fake_target=value, flip_prob=value)
    assert loss.real_target == value


def test_repr() -> None:
    assert repr(Minimax()) == "Minimax(reduction='mean')"
    assert repr(NonSaturating(real_target=0.9, reduction="sum")) == (
        "NonSaturating(real_target=0.9, fake_target=0.0, flip_prob=0.0, reduction='sum')"
    )
