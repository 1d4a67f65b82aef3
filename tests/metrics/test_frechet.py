from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from gankit.metrics import frechet_distance

Array = npt.NDArray[np.float64]


def _random_spd(rng: np.random.Generator, d: int, rank: int | None = None) -> Array:
    factor = rng.standard_normal((d, d if rank is None else rank))
    return np.asarray(factor @ factor.T / d, dtype=np.float64)


def _random_rotation(rng: np.random.Generator, d: int) -> Array:
    q, r = np.linalg.qr(rng.standard_normal((d, d)))
    return np.asarray(q * np.sign(np.diag(r)), dtype=np.float64)


def _reference_nonsymmetric(mu1: Array, s1: Array, mu2: Array, s2: Array) -> float:
    """tr sqrt(S1 S2) from the (real, non-negative) eigenvalues of the product S1 S2."""
    eigenvalues = np.linalg.eigvals(s1 @ s2).real.clip(min=0)
    diff = mu1 - mu2
    return float(diff @ diff + np.trace(s1) + np.trace(s2) - 2 * np.sqrt(eigenvalues).sum())


@given(st.integers(1, 12), st.integers(0, 2**31 - 1))
def test_identical_gaussians_have_zero_distance(d: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    mu, sigma = rng.standard_normal(d), _random_spd(rng, d)
    assert frechet_distance(mu, sigma, mu, sigma) == pytest.approx(0.0, abs=1e-9)


@given(
    st.lists(st.floats(-100, 100, allow_nan=False), min_size=1, max_size=10),
    st.integers(0, 2**31 - 1),
)
def test_shifted_means_give_squared_shift(shift: list[float], seed: int) -> None:
    rng = np.random.default_rng(seed)
    d = len(shift)
    mu, sigma = rng.standard_normal(d), _random_spd(rng, d)
    expected = float(np.sum(np.square(shift)))
    got = frechet_distance(mu, sigma, mu + np.array(shift), sigma)
    assert got == pytest.approx(expected, rel=1e-9, abs=1e-8)


@given(
    st.lists(
        st.tuples(st.floats(0, 50, allow_nan=False), st.floats(0, 50, allow_nan=False)),
        min_size=1,
        max_size=10,
    ),
    st.integers(0, 2**31 - 1),
)
def test_commuting_covariances_match_closed_form(
    variances: list[tuple[float, float]], seed: int
) -> None:
    """Diagonal (also singular) covariances, optionally in a shared rotated basis."""
    a, b = (np.array(v, dtype=np.float64) for v in zip(*variances, strict=True))
    expected = float(np.sum(a + b - 2 * np.sqrt(a * b)))
    mu = np.zeros(len(a))
    assert frechet_distance(mu, np.diag(a), mu, np.diag(b)) == pytest.approx(
        expected, rel=1e-9, abs=1e-8
    )
    q = _random_rotation(np.random.default_rng(seed), len(a))
    rotated = frechet_distance(mu, q @ np.diag(a) @ q.T, mu, q @ np.diag(b) @ q.T)
    assert rotated == pytest.approx(expected, rel=1e-7, abs=1e-6)


@pytest.mark.parametrize(("d", "rank1", "rank2"), [(5, None, None), (32, None, 7), (64, 3, 50)])
def test_matches_independent_eigvals_reference(
    d: int, rank1: int | None, rank2: int | None
) -> None:
    rng = np.random.default_rng(d)
    mu1, mu2 = rng.standard_normal(d), rng.standard_normal(d)
    s1, s2 = _random_spd(rng, d, rank1), _random_spd(rng, d, rank2)
    expected = _reference_nonsymmetric(mu1, s1, mu2, s2)
    assert frechet_distance(mu1, s1, mu2, s2) == pytest.approx(expected, rel=1e-6, abs=1e-6)


def test_matches_scipy_sqrtm_reference() -> None:
    linalg = pytest.importorskip("scipy.linalg")
    rng = np.random.default_rng(0)
    d = 40
    mu1, mu2 = rng.standard_normal(d), rng.standard_normal(d)
    s1, s2 = _random_spd(rng, d), _random_spd(rng, d)
    root = linalg.sqrtm(s1 @ s2)
    expected = float(
        np.sum((mu1 - mu2) ** 2) + np.trace(s1) + np.trace(s2) - 2 * np.trace(root).real
    )
    assert frechet_distance(mu1, s1, mu2, s2) == pytest.approx(expected, rel=1e-8)


def test_is_symmetric_and_accepts_torch_and_mixed_inputs() -> None:
    rng = np.random.default_rng(1)
    mu1, mu2 = rng.standard_normal(6), rng.standard_normal(6)
    s1, s2 = _random_spd(rng, 6), _random_spd(rng, 6)
    forward = frechet_distance(mu1, s1, mu2, s2)
    assert frechet_distance(mu2, s2, mu1, s1) == pytest.approx(forward, rel=1e-10)
    tensors = [torch.from_numpy(x) for x in (mu1, s1, mu2, s2)]
    assert frechet_distance(*tensors) == pytest.approx(forward, rel=1e-12)
    mixed = frechet_distance(tensors[0].float(), s1, mu2, tensors[3].float())
    assert mixed == pytest.approx(forward, rel=1e-5)


def test_near_singular_covariances_from_few_samples() -> None:
    """Covariances of n << d samples (rank n - 1) and tiny negative round-off eigenvalues."""
    rng = np.random.default_rng(2)
    d = 128
    x, y = rng.standard_normal((20, d)), rng.standard_normal((30, d)) + 0.1
    s1, s2 = np.cov(x, rowvar=False), np.cov(y, rowvar=False)
    assert abs(np.linalg.eigvalsh(s1).min()) < 1e-10  # singular, possibly "negative" round-off
    got = frechet_distance(x.mean(0), s1, y.mean(0), s2)
    expected = _reference_nonsymmetric(x.mean(0), s1, y.mean(0), s2)
    assert np.isfinite(got) and got > 0
    assert got == pytest.approx(expected, rel=1e-6)
    assert frechet_distance(x.mean(0), s1, x.mean(0), s1) == pytest.approx(0.0, abs=1e-8)


def test_tiny_eigenvalue_spread_stays_accurate() -> None:
    d = 10
    scales = np.logspace(-14, 0, d)
    q = _random_rotation(np.random.default_rng(3), d)
    s1 = q @ np.diag(scales) @ q.T
    s2 = q @ np.diag(4 * scales) @ q.T
    expected = float(np.sum(scales))  # sum (sqrt(a) - sqrt(4a))^2 = sum a
    got = frechet_distance(np.zeros(d), s1, np.zeros(d), s2)
    assert got == pytest.approx(expected, rel=1e-8)


@pytest.mark.parametrize("position", range(4))
def test_non_finite_input_names_argument(position: int) -> None:
    names = ["mu1", "sigma1", "mu2", "sigma2"]
    args = [np.zeros(3), np.eye(3), np.zeros(3), np.eye(3)]
    args[position] = args[position].copy()
    args[position].flat[0] = np.nan
    with pytest.raises(ValueError, match=f"{names[position]} contains non-finite"):
        frechet_distance(*args)


def test_mismatched_shapes_name_arguments() -> None:
    with pytest.raises(
        ValueError, match=r"mu1 and mu2 must have the same shape, got \(3,\) and \(4,\)"
    ):
        frechet_distance(np.zeros(3), np.eye(3), np.zeros(4), np.eye(4))
    with pytest.raises(ValueError, match=r"sigma2 must have shape \(3, 3\).*got \(4, 4\)"):
        frechet_distance(np.zeros(3), np.eye(3), np.zeros(3), np.eye(4))
    with pytest.raises(ValueError, match=r"sigma1 must have shape \(3, 3\).*got \(3, 2\)"):
        frechet_distance(np.zeros(3), np.ones((3, 2)), np.zeros(3), np.eye(3))
    with pytest.raises(ValueError, match="mu1 must have 1 dimension"):
        frechet_distance(np.zeros((3, 1)), np.eye(3), np.zeros(3), np.eye(3))
    with pytest.raises(TypeError, match="sigma2 must be a numpy array or torch tensor"):
        frechet_distance(np.zeros(3), np.eye(3), np.zeros(3), [[1.0]])


def test_device_argument_moves_the_computation() -> None:
    rng = np.random.default_rng(4)
    mu1, mu2 = rng.standard_normal(5), rng.standard_normal(5)
    s1, s2 = _random_spd(rng, 5), _random_spd(rng, 5)
    expected = frechet_distance(mu1, s1, mu2, s2)
    assert frechet_distance(mu1, s1, mu2, s2, device="cpu") == pytest.approx(expected, rel=1e-12)


@pytest.mark.gpu
def test_cuda_matches_cpu() -> None:
    if not torch.cuda.is_available():
        pytest.skip("needs CUDA")
    rng = np.random.default_rng(5)
    d = 256
    mu1, mu2 = rng.standard_normal(d), rng.standard_normal(d)
    s1, s2 = _random_spd(rng, d, 100), _random_spd(rng, d)
    expected = frechet_distance(mu1, s1, mu2, s2)
    assert frechet_distance(mu1, s1, mu2, s2, device="cuda") == pytest.approx(expected, rel=1e-9)
