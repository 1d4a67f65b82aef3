"""Tiny end-to-end check per loss: a 1-D Gaussian is learnt by small MLPs on CPU."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import torch
from torch import nn

from gankit.losses import (
    AdversarialLoss,
    GradientPenalty,
    NonSaturating,
    R1Penalty,
    R2Penalty,
    Regularizer,
)
from tests.losses.cases import LossCase, all_cases

DATA_MEAN, DATA_STD = 2.0, 0.5


@pytest.fixture(autouse=True)
def _single_thread() -> Iterator[None]:
    # Thread hand-offs dominate for nets this small; one thread is several times faster.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _train(
    loss: AdversarialLoss, penalty: Regularizer | None = None, steps: int = 300
) -> tuple[float, float]:
    """Alternate one D and one G step; return the generated mean before and after."""
    torch.manual_seed(0)
    generator = nn.Sequential(nn.Linear(4, 16), nn.LeakyReLU(0.2), nn.Linear(16, 1))
    discriminator = nn.Sequential(nn.Linear(1, 16), nn.LeakyReLU(0.2), nn.Linear(16, 1))
    opt_g = torch.optim.Adam(generator.parameters(), lr=1e-3, betas=(0.5, 0.9))
    opt_d = torch.optim.Adam(discriminator.parameters(), lr=1e-3, betas=(0.5, 0.9))
    z_eval = torch.randn(1000, 4)
    with torch.no_grad():
        before = generator(z_eval).mean().item()
    for _ in range(steps):
        real = DATA_MEAN + DATA_STD * torch.randn(64, 1)
        fake = generator(torch.randn(64, 4))
        d_loss = loss.discriminator(discriminator(real), discriminator(fake.detach()))
        if penalty is not None:
            d_loss = d_loss + penalty(
                discriminator, real, fake.detach() if penalty.needs_fake else None
            )
        opt_d.zero_grad()
        d_loss.backward()
        opt_d.step()

        real_logits = discriminator(real) if loss.needs_real_logits_for_generator else None
        g_loss = loss.generator(discriminator(fake), real_logits)
        opt_g.zero_grad()
        g_loss.backward()
        opt_g.step()
    with torch.no_grad():
        after = generator(z_eval).mean().item()
    return before, after


def _assert_moved_towards_data(before: float, after: float) -> None:
    assert abs(before - DATA_MEAN) > 1.5  # the generator starts far from the data
    assert abs(after - DATA_MEAN) < 0.5 * abs(before - DATA_MEAN), (before, after)


@all_cases
def test_generated_mean_moves_towards_the_data_mean(case: LossCase) -> None:
    # WGAN needs a Lipschitz critic; the one-sided penalty (Petzka et al.) avoids the
    # barrier the two-sided one puts between critic slopes -1 and +1 in one dimension.
    penalty = GradientPenalty(one_sided=True) if case.name == "wasserstein" else None
    _assert_moved_towards_data(*_train(case.make("mean"), penalty))


@pytest.mark.parametrize(
    "penalty",
    [R1Penalty(gamma=1.0), R2Penalty(gamma=1.0)],
    ids=["r1", "r2"],
)
def test_training_with_a_penalty(penalty: Regularizer) -> None:
    _assert_moved_towards_data(*_train(NonSaturating(), penalty))
