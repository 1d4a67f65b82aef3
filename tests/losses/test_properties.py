"""Properties every built-in adversarial loss shares (see ``cases.py`` for the list)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from torch import nn

import gankit.losses
from tests.losses.cases import CASES, LossCase, all_cases
from tests.strategies import logit_lists, logits_and_steps


def t64(values: list[float]) -> torch.Tensor:
    return torch.tensor(values, dtype=torch.float64)


def _cases(attr: str, *allowed: str) -> list[LossCase]:
    return [c for c in CASES if getattr(c, attr) in allowed]


def _ids(cases: list[LossCase]) -> list[str]:
    return [c.name for c in cases]


# ---------------------------------------------------------------- closed forms and shapes


@all_cases
@pytest.mark.parametrize("shape", [(4,), (3, 1), (2, 3, 2)])
def test_closed_form_at_zero_logits_both_forms(case: LossCase, shape: tuple[int, ...]) -> None:
    zeros = torch.zeros(shape)
    loss = case.make("mean")
    values = [
        (loss.discriminator(zeros, zeros), case.d_zero),
        (case.d_fn(zeros, zeros, "mean"), case.d_zero),
        (loss.generator(zeros, zeros), case.g_zero),
        (case.g_fn(zeros, zeros, "mean"), case.g_zero),
    ]
    for value, expected in values:
        assert value.shape == ()
        assert value.dtype == torch.float32
        assert value.item() == pytest.approx(expected, abs=1e-6)


@all_cases
@given(data=st.data())
def test_sum_is_batch_size_times_mean_for_equal_batches(
    case: LossCase, data: st.DataObject
) -> None:
    real = data.draw(logit_lists())
    fake = data.draw(logit_lists(min_size=len(real), max_size=len(real)))
    r, f, n = t64(real), t64(fake), len(real)
    assert case.d_fn(r, f, "sum").item() == pytest.approx(n * case.d_fn(r, f, "mean").item())
    assert case.g_fn(f, r, "sum").item() == pytest.approx(n * case.g_fn(f, r, "mean").item())


@all_cases
@pytest.mark.parametrize("reduction", ["mean", "sum"])
@given(real=logit_lists(), fake=logit_lists())
def test_class_and_function_forms_agree(
    case: LossCase, reduction: gankit.losses.Reduction, real: list[float], fake: list[float]
) -> None:
    r, f = t64(real), t64(fake)
    loss = case.make(reduction)
    torch.testing.assert_close(loss.discriminator(r, f), case.d_fn(r, f, reduction))
    torch.testing.assert_close(loss.generator(f, r), case.g_fn(f, r, reduction))


DETERMINISTIC = [c for c in CASES if c.name != "non_saturating_flipped"]  # flips are per sample


@pytest.mark.parametrize("case", DETERMINISTIC, ids=_ids(DETERMINISTIC))
def test_logits_are_reduced_over_every_dimension(case: LossCase) -> None:
    gen = torch.Generator().manual_seed(0)
    real = torch.randn(4, 3, 2, generator=gen, dtype=torch.float64)
    fake = torch.randn(5, 3, 2, generator=gen, dtype=torch.float64)
    flat = case.make("mean")
    torch.testing.assert_close(
        flat.discriminator(real, fake), flat.discriminator(real.flatten(), fake.flatten())
    )
    torch.testing.assert_close(
        flat.generator(fake, real), flat.generator(fake.flatten(), real.flatten())
    )


# ---------------------------------------------------------------- monotonicity

D_MONOTONE = _cases("d_monotone", "strict", "weak")
D_STRICT = _cases("d_monotone", "strict")
G_MONOTONE = _cases("g_monotone", "strict", "weak")
G_STRICT = _cases("g_monotone", "strict")


@pytest.mark.parametrize("case", D_MONOTONE, ids=_ids(D_MONOTONE))
@given(real=logits_and_steps(), fake=logits_and_steps())
def test_discriminator_loss_does_not_increase_when_real_up_and_fake_down(
    case: LossCase,
    real: tuple[list[float], list[float]],
    fake: tuple[list[float], list[float]],
) -> None:
    (r, dr), (f, df) = real, fake
    before = case.d_fn(t64(r), t64(f), "mean")
    after = case.d_fn(t64(r) + t64(dr), t64(f) - t64(df), "mean")
    assert after <= before + 1e-12


@pytest.mark.parametrize("case", D_STRICT, ids=_ids(D_STRICT))
@given(real=logits_and_steps(min_step=0.01), fake=logits_and_steps(min_step=0.01))
def test_discriminator_loss_strictly_decreases(
    case: LossCase,
    real: tuple[list[float], list[float]],
    fake: tuple[list[float], list[float]],
) -> None:
    (r, dr), (f, df) = real, fake
    before = case.d_fn(t64(r), t64(f), "mean")
    assert case.d_fn(t64(r) + t64(dr), t64(f), "mean") < before
    assert case.d_fn(t64(r), t64(f) - t64(df), "mean") < before


@pytest.mark.parametrize("case", G_MONOTONE, ids=_ids(G_MONOTONE))
@given(fake=logits_and_steps(), real=logit_lists())
def test_generator_loss_does_not_increase_when_fake_up(
    case: LossCase, fake: tuple[list[float], list[float]], real: list[float]
) -> None:
    f, df = fake
    before = case.g_fn(t64(f), t64(real), "mean")
    assert case.g_fn(t64(f) + t64(df), t64(real), "mean") <= before + 1e-12


@pytest.mark.parametrize("case", G_STRICT, ids=_ids(G_STRICT))
@given(fake=logits_and_steps(min_step=0.01), real=logit_lists())
def test_generator_loss_strictly_decreases_when_fake_up(
    case: LossCase, fake: tuple[list[float], list[float]], real: list[float]
) -> None:
    f, df = fake
    before = case.g_fn(t64(f), t64(real), "mean")
    assert case.g_fn(t64(f) + t64(df), t64(real), "mean") < before


# ---------------------------------------------------------------- gradients


@all_cases
def test_gradcheck_float64(case: LossCase) -> None:
    gen = torch.Generator().manual_seed(0)
    real = (3 * torch.randn(6, generator=gen, dtype=torch.float64)).requires_grad_()
    fake = (3 * torch.randn(5, generator=gen, dtype=torch.float64)).requires_grad_()
    for reduction in ("mean", "sum"):
        assert torch.autograd.gradcheck(
            lambda r, f, red=reduction: case.d_fn(r, f, red), (real, fake)
        )
        assert torch.autograd.gradcheck(
            lambda f, r, red=reduction: case.g_fn(f, r, red), (fake, real)
        )


EXTREME = [1e4, -1e4, 0.0, 5e3, -1.0]


def _losses_and_grads(
    case: LossCase, dtype: torch.dtype, autocast: bool
) -> tuple[torch.Tensor, torch.Tensor, tuple[torch.Tensor, ...]]:
    real = torch.tensor(EXTREME, dtype=dtype, requires_grad=True)
    fake = torch.tensor(EXTREME[::-1], dtype=dtype, requires_grad=True)
    loss = case.make("mean")
    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=autocast):
        d_loss = loss.discriminator(real, fake)
        g_loss = loss.generator(fake, real)
    grads = torch.autograd.grad(d_loss + g_loss, (real, fake))
    return d_loss, g_loss, grads


@all_cases
@pytest.mark.parametrize(
    ("dtype", "autocast"),
    [(torch.float32, False), (torch.bfloat16, False), (torch.bfloat16, True)],
    ids=["float32", "bfloat16", "bfloat16-autocast"],
)
def test_extreme_logits_give_finite_losses_and_gradients(
    case: LossCase, dtype: torch.dtype, autocast: bool
) -> None:
    d_loss, g_loss, grads = _losses_and_grads(case, dtype, autocast)
    for value in (d_loss, g_loss):
        assert value.dtype == torch.float32
        assert torch.isfinite(value)
    for grad in grads:
        assert torch.isfinite(grad).all()


@all_cases
def test_logits_from_an_autocast_network_train_without_overflow(case: LossCase) -> None:
    net = nn.Linear(2, 1)
    with torch.no_grad():
        net.weight.fill_(5e3)
        net.bias.zero_()
    x = torch.tensor([[1.0, 1.0], [-1.0, -1.0], [0.5, -0.5]])
    loss = case.make("mean")
    with torch.autocast("cpu", dtype=torch.bfloat16):
        logits = net(x)
        assert logits.dtype == torch.bfloat16
        total = loss.discriminator(logits, -logits) + loss.generator(-logits, logits)
    total.backward()
    assert torch.isfinite(total)
    assert net.weight.grad is not None
    assert torch.isfinite(net.weight.grad).all()


# ---------------------------------------------------------------- hygiene


def test_no_sigmoid_followed_by_bce_in_the_sources() -> None:
    sources = Path(gankit.losses.__file__).parent.glob("*.py")
    forbidden = ("BCELoss", "binary_cross_entropy(", "sigmoid(", "Sigmoid(")
    for path in sources:
        text = path.read_text()
        for token in forbidden:
            assert token not in text, f"{token} in {path.name}"


def test_ln2_reference_value() -> None:
    # The closed forms in cases.py use log(2) = softplus(0) = BCE(0, y) for y in {0, 1}.
    assert math.log(2.0) == pytest.approx(torch.nn.functional.softplus(torch.tensor(0.0)).item())
