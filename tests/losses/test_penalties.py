"""Gradient penalties: closed forms, Lipschitz/constant critics, conditioning, autocast."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from torch import Tensor, nn

from gankit.losses import dragan_penalty, gradient_penalty, r1_penalty, r2_penalty

dims = st.integers(1, 5)
batches = st.integers(1, 6)
seeds = st.integers(0, 2**31 - 1)


def _randn(seed: int, *shape: int) -> Tensor:
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed))


def _linear(w: Tensor) -> Callable[[Tensor], Tensor]:
    """D(x) = <w, x> per sample, for any sample shape equal to ``w.shape``."""
    return lambda x: (x * w).flatten(1).sum(dim=1)


def _quadratic(x: Tensor) -> Tensor:
    """D(x) = ||x||^2 / 2 per sample: its gradient is x itself."""
    return 0.5 * x.flatten(1).square().sum(dim=1)


def _mlp(seed: int = 0, data_dim: int = 3) -> nn.Module:
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(data_dim, 8), nn.Tanh(), nn.Linear(8, 1))


def _penalties(
    d: nn.Module | Callable[..., Tensor], real: Tensor, fake: Tensor
) -> dict[str, Tensor]:
    gen = torch.Generator().manual_seed(0)
    return {
        "gp": gradient_penalty(d, real, fake, generator=gen),
        "gp_one_sided": gradient_penalty(d, real, fake, one_sided=True, generator=gen),
        "r1": r1_penalty(d, real),
        "r2": r2_penalty(d, fake),
        "dragan": dragan_penalty(d, real, generator=gen),
    }


# ---------------------------------------------------------------- closed forms


@given(seed=seeds, batch=batches, shape=st.sampled_from([(3,), (1,), (2, 3, 3)]))
def test_gp_and_dragan_vanish_for_a_unit_gradient_critic(
    seed: int, batch: int, shape: tuple[int, ...]
) -> None:
    w = _randn(seed, *shape)
    w = w / torch.linalg.vector_norm(w)
    real, fake = _randn(seed + 1, batch, *shape), _randn(seed + 2, batch, *shape)
    for one_sided in (False, True):
        assert gradient_penalty(_linear(w), real, fake, one_sided=one_sided).item() < 1e-10
    assert dragan_penalty(_linear(w), real).item() < 1e-10


@given(
    seed=seeds,
    dim=dims,
    norm=st.floats(0.0, 3.0),
    target=st.floats(0.0, 2.0),
    weight=st.floats(0.0, 20.0),
)
def test_closed_forms_for_a_linear_critic(
    seed: int, dim: int, norm: float, target: float, weight: float
) -> None:
    w = _randn(seed, dim).double()
    w = norm * w / torch.linalg.vector_norm(w)
    real, fake = _randn(seed + 1, 4, dim).double(), _randn(seed + 2, 4, dim).double()
    d = _linear(w)
    two_sided = weight * (norm - target) ** 2
    one_sided = weight * max(0.0, norm - target) ** 2
    kw = {"weight": weight, "target": target}
    assert gradient_penalty(d, real, fake, **kw).item() == pytest.approx(two_sided, abs=1e-9)
    assert gradient_penalty(d, real, fake, one_sided=True, **kw).item() == pytest.approx(
        one_sided, abs=1e-9
    )
    assert dragan_penalty(d, real, **kw).item() == pytest.approx(two_sided, abs=1e-9)
    assert r1_penalty(d, real, weight=weight).item() == pytest.approx(weight * norm**2, abs=1e-9)
    assert r2_penalty(d, fake, weight=weight).item() == pytest.approx(weight * norm**2, abs=1e-9)


@given(seed=seeds, batch=batches, dim=dims)
def test_gp_at_coinciding_samples_for_a_quadratic_critic(seed: int, batch: int, dim: int) -> None:
    # With real == fake every interpolate is x, where grad D = x.
    x = _randn(seed, batch, dim).double()
    expected = (torch.linalg.vector_norm(x, dim=1) - 1).square().mean()
    torch.testing.assert_close(gradient_penalty(_quadratic, x, x.clone()), expected)
    torch.testing.assert_close(r1_penalty(_quadratic, x), x.square().sum(dim=1).mean())


def test_dragan_on_a_constant_batch_is_unperturbed() -> None:
    # std(x) = 0, so x_p = x and grad D(x_p) = x for the quadratic critic.
    x = torch.full((4, 2), 2.0)
    expected = (torch.linalg.vector_norm(x, dim=1) - 1).square().mean()
    torch.testing.assert_close(dragan_penalty(_quadratic, x), expected)


@given(constant=st.floats(-1e3, 1e3), seed=seeds, batch=batches)
def test_r1_and_r2_vanish_for_a_constant_critic(constant: float, seed: int, batch: int) -> None:
    x = _randn(seed, batch, 3)
    critics: list[Callable[[Tensor], Tensor]] = [
        lambda x: torch.full((x.shape[0],), constant),  # no graph to x at all
        lambda x: 0.0 * x.sum(dim=1) + constant,  # graph to x, zero gradient
    ]
    zero_linear = nn.Linear(3, 1)
    nn.init.zeros_(zero_linear.weight)
    nn.init.constant_(zero_linear.bias, constant)
    critics.append(zero_linear)
    for d in critics:
        assert r1_penalty(d, x).item() == 0.0
        assert r2_penalty(d, x).item() == 0.0


# ---------------------------------------------------------------- interpolation


def test_interpolation_is_one_uniform_draw_per_sample() -> None:
    seen: list[Tensor] = []

    def recorder(x: Tensor) -> Tensor:
        seen.append(x)
        return x.flatten(1).sum(dim=1)

    real, fake = torch.ones(256, 2, 3, 3), torch.zeros(256, 2, 3, 3)
    gradient_penalty(recorder, real, fake, generator=torch.Generator().manual_seed(0))
    (x_hat,) = seen
    alpha = x_hat.flatten(1)
    assert x_hat.requires_grad and x_hat.is_leaf
    assert (alpha == alpha[:, :1]).all()  # one alpha per sample
    assert alpha.min() >= 0 and alpha.max() < 1
    assert alpha[:, 0].std() > 0.2  # ~ 1/sqrt(12) for U[0, 1)


def test_random_draws_follow_the_generator() -> None:
    d = _mlp()
    real, fake = _randn(1, 16, 3), _randn(2, 16, 3)

    def gp(seed: int) -> Tensor:
        return gradient_penalty(d, real, fake, generator=torch.Generator().manual_seed(seed))

    def dragan(seed: int) -> Tensor:
        return dragan_penalty(d, real, generator=torch.Generator().manual_seed(seed))

    for fn in (gp, dragan):
        torch.testing.assert_close(fn(5), fn(5))
        assert fn(5).item() != fn(6).item()


# ---------------------------------------------------------------- training behaviour


def test_penalties_train_the_discriminator_through_create_graph() -> None:
    d = _mlp()
    real, fake = _randn(1, 16, 3), _randn(2, 16, 3)
    steep = lambda x: 10.0 * d(x)  # noqa: E731  (gradient norms > 1: one-sided GP is active)
    for name, penalty in _penalties(steep, real, fake).items():
        d.zero_grad()
        penalty.backward()
        # Every parameter but the output bias (which does not change grad_x D) is trained.
        for param in (d[0].weight, d[0].bias, d[2].weight):
            assert param.grad is not None, name
            assert torch.isfinite(param.grad).all(), name
            assert param.grad.abs().sum() > 0, name


def test_penalties_send_no_gradient_to_the_generator() -> None:
    generator = nn.Linear(2, 3)
    d = _mlp()
    fake = generator(_randn(0, 16, 2))
    real = _randn(1, 16, 3)
    for penalty in _penalties(d, real, fake).values():
        penalty.backward()
    assert generator.weight.grad is None


@pytest.mark.parametrize("name", ["gp", "gp_one_sided", "r1", "r2", "dragan"])
def test_gradcheck_with_respect_to_discriminator_parameters(name: str) -> None:
    real = _randn(1, 5, 3).double()
    fake = _randn(2, 5, 3).double()
    w1 = (0.5 * _randn(3, 3, 4)).double().requires_grad_()
    w2 = _randn(4, 4).double().requires_grad_()

    def penalty(w1: Tensor, w2: Tensor) -> Tensor:
        d = lambda x: torch.tanh(x @ w1) @ w2  # noqa: E731
        return _penalties(d, real, fake)[name]

    assert torch.autograd.gradcheck(penalty, (w1, w2))


def test_penalties_work_inside_no_grad() -> None:
    d = _mlp()
    real, fake = _randn(1, 8, 3), _randn(2, 8, 3)
    expected = _penalties(d, real, fake)
    with torch.no_grad():
        inside = _penalties(d, real, fake)
    for name, value in expected.items():
        torch.testing.assert_close(inside[name], value.detach(), msg=name)


def test_penalties_under_bf16_autocast() -> None:
    d = _mlp()
    real, fake = _randn(1, 16, 3), _randn(2, 16, 3)
    reference = _penalties(d, real, fake)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        assert d(real).dtype == torch.bfloat16
        mixed = _penalties(d, real, fake)
    for name, value in mixed.items():
        assert value.dtype == torch.float32, name
        assert torch.isfinite(value), name
        torch.testing.assert_close(value, reference[name].detach(), rtol=0.1, atol=1e-2, msg=name)
        d.zero_grad()
        value.backward()
        grads = [p.grad for p in d.parameters() if p.grad is not None]
        assert len(grads) == 3 and all(torch.isfinite(g).all() for g in grads), name


# ---------------------------------------------------------------- conditional critics and shapes


def test_conditional_discriminator_receives_the_extra_inputs() -> None:
    # D(x, y) = <e_y, x>: the gradient at a sample of class y is e_y.
    embedding = torch.tensor([[0.6, 0.8], [3.0, 4.0], [0.0, 2.0]])
    labels = torch.tensor([0, 1, 2, 1])

    def conditional(x: Tensor, y: Tensor) -> Tensor:
        return (x * embedding[y]).sum(dim=1)

    real, fake = _randn(1, 4, 2), _randn(2, 4, 2)
    norms = torch.linalg.vector_norm(embedding[labels], dim=1)
    torch.testing.assert_close(
        gradient_penalty(conditional, real, fake, labels), (norms - 1).square().mean()
    )
    torch.testing.assert_close(
        dragan_penalty(conditional, real, labels), (norms - 1).square().mean()
    )
    torch.testing.assert_close(r1_penalty(conditional, real, labels), norms.square().mean())
    torch.testing.assert_close(r2_penalty(conditional, fake, labels), norms.square().mean())


def test_discriminator_output_shape_b1_equals_b() -> None:
    d = _mlp()
    real, fake = _randn(1, 8, 3), _randn(2, 8, 3)
    flat = _penalties(lambda x: d(x).squeeze(1), real, fake)
    column = _penalties(d, real, fake)
    for name, value in column.items():
        torch.testing.assert_close(value, flat[name], msg=name)


def test_one_dimensional_samples() -> None:
    x = torch.tensor([1.0, -2.0, 3.0])
    assert r1_penalty(lambda x: 2 * x, x).item() == pytest.approx(4.0)
    assert gradient_penalty(lambda x: 3 * x, x, -x).item() == pytest.approx(4.0)


# ---------------------------------------------------------------- validation


def test_shape_mismatch_names_both_shapes() -> None:
    message = "real and fake must have the same shape, got real.shape=(4, 3) and fake.shape=(4, 2)"
    with pytest.raises(ValueError, match=re.escape(message)):
        gradient_penalty(_quadratic, torch.zeros(4, 3), torch.zeros(4, 2))


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: gradient_penalty(_quadratic, torch.ones(2, 1), torch.ones(2, 1), weight=-1.0),
            "weight must be a finite number >= 0, got -1.0",
        ),
        (
            lambda: gradient_penalty(_quadratic, torch.ones(2, 1), torch.ones(2, 1), target=-0.5),
            "target must be a finite number >= 0, got -0.5",
        ),
        (
            lambda: r1_penalty(_quadratic, torch.ones(2, 1), weight=float("nan")),
            "weight must be a finite number >= 0, got nan",
        ),
        (
            lambda: r2_penalty(_quadratic, torch.ones(2, 1), weight=float("inf")),
            "weight must be a finite number >= 0, got inf",
        ),
        (
            lambda: dragan_penalty(_quadratic, torch.ones(2, 1), scale=0.0),
            "scale must be a finite number > 0, got 0.0",
        ),
        (
            lambda: r1_penalty(_quadratic, torch.tensor(1.0)),
            "real must have a non-empty leading batch dimension, got shape ()",
        ),
        (
            lambda: r2_penalty(_quadratic, torch.zeros(0, 3)),
            "fake must have a non-empty leading batch dimension, got shape (0, 3)",
        ),
    ],
)
def test_bad_arguments_raise_value_error(call: Callable[[], Tensor], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        call()


def test_bad_types_raise_type_error() -> None:
    with pytest.raises(TypeError, match="real must be a floating-point tensor"):
        r1_penalty(_quadratic, torch.ones(2, 3, dtype=torch.long))
    with pytest.raises(TypeError, match=r"discriminator must return a torch\.Tensor, got float"):
        r1_penalty(lambda x: 1.0, torch.ones(2, 3))  # type: ignore[arg-type, return-value]
