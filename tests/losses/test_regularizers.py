"""Regularizer classes: paper weights, agreement with the functions, fake handling."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
import torch
from torch import Tensor, nn

from gankit.losses import (
    DRAGANPenalty,
    GradientPenalty,
    R1Penalty,
    R1R2Penalty,
    R2Penalty,
    Regularizer,
    dragan_penalty,
    gradient_penalty,
    r1_penalty,
    r2_penalty,
)


def _setup() -> tuple[nn.Module, Tensor, Tensor, Tensor]:
    torch.manual_seed(0)
    d = nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 1))
    return d, torch.randn(8, 3), torch.randn(8, 3), torch.randint(0, 2, (8,))


def _seeded() -> torch.Generator:
    return torch.Generator().manual_seed(7)


def test_gradient_penalty_class_matches_function_with_gulrajani_weight() -> None:
    d, real, fake, _ = _setup()
    assert GradientPenalty().weight == 10.0
    for one_sided in (False, True):
        value = GradientPenalty(one_sided=one_sided, generator=_seeded())(d, real, fake)
        expected = gradient_penalty(
            d, real, fake, weight=10.0, one_sided=one_sided, generator=_seeded()
        )
        torch.testing.assert_close(value, expected)


def test_r1_and_r2_classes_use_gamma_over_two() -> None:
    d, real, fake, _ = _setup()
    torch.testing.assert_close(R1Penalty()(d, real, None), r1_penalty(d, real, weight=5.0))
    torch.testing.assert_close(R1Penalty(gamma=1.0)(d, real), r1_penalty(d, real, weight=0.5))
    torch.testing.assert_close(R2Penalty()(d, real, fake), r2_penalty(d, fake, weight=5.0))


def test_dragan_class_matches_function_with_kodali_defaults() -> None:
    d, real, _, _ = _setup()
    penalty = DRAGANPenalty(generator=_seeded())
    assert (penalty.weight, penalty.scale, penalty.target) == (10.0, 0.5, 1.0)
    expected = dragan_penalty(d, real, weight=10.0, scale=0.5, generator=_seeded())
    torch.testing.assert_close(penalty(d, real, None), expected)


def test_penalties_that_do_not_need_fakes_ignore_them() -> None:
    d, real, fake, _ = _setup()
    for penalty in (R1Penalty(), DRAGANPenalty(generator=_seeded())):
        assert not penalty.needs_fake
        without = penalty(d, real, None)
        if isinstance(penalty, DRAGANPenalty):
            penalty.generator = _seeded()
        torch.testing.assert_close(penalty(d, real, fake), without)


def test_r2_ignores_the_real_samples() -> None:
    d, real, fake, _ = _setup()
    torch.testing.assert_close(R2Penalty()(d, real, fake), R2Penalty()(d, 100 * real, fake))


@pytest.mark.parametrize("penalty", [GradientPenalty(), R2Penalty()], ids=["gp", "r2"])
def test_penalties_that_need_fakes_reject_none(penalty: Regularizer) -> None:
    d, real, _, _ = _setup()
    assert penalty.needs_fake
    name = type(penalty).__name__
    with pytest.raises(ValueError, match=re.escape(f"fake must be a Tensor for {name}, got None")):
        penalty(d, real, None)


def test_conditional_inputs_pass_through_the_uniform_call() -> None:
    _, real, fake, labels = _setup()
    embedding = torch.tensor([[0.0, 0.0, 1.0], [0.0, 3.0, 4.0]])

    def conditional(x: Tensor, y: Tensor) -> Tensor:
        return (x * embedding[y]).sum(dim=1)

    norms = torch.linalg.vector_norm(embedding[labels], dim=1)
    penalties: list[Regularizer] = [GradientPenalty(), R1Penalty(), R2Penalty(), DRAGANPenalty()]
    expected = [
        10 * (norms - 1).square().mean(),
        5 * norms.square().mean(),
        5 * norms.square().mean(),
        10 * (norms - 1).square().mean(),
    ]
    for penalty, value in zip(penalties, expected, strict=True):
        torch.testing.assert_close(penalty(conditional, real, fake, labels), value)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: GradientPenalty(weight=-1.0), "weight must be a finite number >= 0, got -1.0"),
        (lambda: GradientPenalty(target=float("nan")), "target must be a finite number >= 0"),
        (lambda: R1Penalty(gamma=-0.1), "gamma must be a finite number >= 0, got -0.1"),
        (lambda: R2Penalty(gamma=float("inf")), "gamma must be a finite number >= 0, got inf"),
        (lambda: DRAGANPenalty(scale=-1.0), "scale must be a finite number > 0, got -1.0"),
    ],
)
def test_bad_arguments_raise(make: Callable[[], object], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        make()


def test_reprs() -> None:
    assert repr(GradientPenalty()) == "GradientPenalty(weight=10.0, target=1.0, one_sided=False)"
    assert repr(R1Penalty(gamma=0.1)) == "R1Penalty(gamma=0.1)"
    assert repr(R2Penalty()) == "R2Penalty(gamma=10.0)"
    assert repr(DRAGANPenalty()) == "DRAGANPenalty(weight=10.0, scale=0.5, target=1.0)"


def test_r1r2_is_r1_plus_r2_with_one_gamma() -> None:
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 1))
    real, fake = torch.randn(6, 3), torch.randn(6, 3)
    penalty = R1R2Penalty(gamma=3.0)
    expected = r1_penalty(net, real, weight=1.5) + r2_penalty(net, fake, weight=1.5)
    torch.testing.assert_close(penalty(net, real, fake), expected)
    w = torch.tensor([3.0, 4.0])
    # A linear critic has ||grad||^2 = 25 everywhere: gamma / 2 * (25 + 25).
    torch.testing.assert_close(
        penalty(lambda x: x @ w, real[:, :2], fake[:, :2]), torch.tensor(75.0)
    )
    penalty.gamma = 0.2  # what a schedule does between steps
    torch.testing.assert_close(
        penalty(lambda x: x @ w, real[:, :2], fake[:, :2]), torch.tensor(5.0)
    )


def test_r1r2_needs_fakes_and_a_valid_gamma() -> None:
    assert R1R2Penalty.needs_fake and isinstance(R1R2Penalty(), Regularizer)
    with pytest.raises(ValueError, match="fake must be a Tensor for R1R2Penalty"):
        R1R2Penalty()(lambda x: x.sum(1), torch.randn(2, 2), None)
    with pytest.raises(ValueError, match="gamma must be a finite number >= 0, got -1"):
        R1R2Penalty(gamma=-1.0)
    assert repr(R1R2Penalty()) == "R1R2Penalty(gamma=2.0)"
