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


def _trace_sqrt_error_bound(s1: Array, s2: Array, inner_eigenvalues: Array) -> float:
    r"""Bound on the round-off error of ``frechet_distance`` (what a test may tolerate).

    The traces and the mean term are sums of ``O(d)`` terms, exact up to ``d eps`` relative.
    The rest is ``2 tr sqrt(M)`` with ``M = S1^{1/2} S2 S1^{1/2}``:

    * The symmetric eigensolver is backward stable: the computed ``S1^{1/2}`` is the exact
      root of ``S1 + E1`` with ``||E1|| <= c d eps ||S1||``, and ``R S2 R`` has the same
      eigenvalues as ``S2^{1/2} R^2 S2^{1/2}``, so that error is a perturbation of ``M`` of
      norm ``<= c d eps ||S1|| ||S2||``. Forming ``R S2 R`` and the second ``eigvalsh`` add
      perturbations of the same order, so every computed eigenvalue of ``M`` is within
      ``delta = C d eps ||S1|| ||S2||`` of an exact one (Weyl). ``C = 16`` covers the three
      steps with room for the constant of the LAPACK eigensolver.
    * ``|sqrt(a + e) - sqrt(a)| <= min(sqrt(|e|), |e| / sqrt(a))`` for ``a >= 0``: an
      eigenvalue below ``delta`` may come out anywhere in ``[0, delta]`` (the square root
      is not Lipschitz at 0), a larger one moves its root by at most ``delta / sqrt(a)``.

    So the error is at most ``2 sum_i min(sqrt(delta), delta / sqrt(mu_i))`` over the exact
    eigenvalues ``mu_i`` of ``M``, plus ``d eps`` times the traces. The bound holds for any
    BLAS, CPU and thread count; the error observed on one machine is far below it.
    """
    eps = float(np.finfo(np.float64).eps)
    d = s1.shape[0]
    delta = 16 * d * eps * float(np.linalg.norm(s1, 2) * np.linalg.norm(s2, 2))
    mu = np.clip(inner_eigenvalues, 0, None)
    lipschitz = np.divide(delta, np.sqrt(mu), out=np.full_like(mu, np.inf), where=mu > 0)
    per_root = np.minimum(np.sqrt(delta), lipschitz)
    return float(2 * per_root.sum() + 4 * d * eps * (np.trace(s1) + np.trace(s2)))


@given(st.integers(1, 12), st.integers(0, 2**31 - 1))
def test_identical_gaussians_have_zero_distance(d: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    mu, sigma = rng.standard_normal(d), _random_spd(rng, d)
    inner = np.linalg.eigvalsh(sigma) ** 2  # S^{1/2} S S^{1/2} = S^2
    bound = _trace_sqrt_error_bound(sigma, sigma, inner)
    assert frechet_distance(mu, sigma, mu, sigma) == pytest.approx(0.0, abs=bound)


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
    s1, s2 = q @ np.diag(a) @ q.T, q @ np.diag(b) @ q.T
    rotated = frechet_distance(mu, s1, mu, s2)
    # zero variances make M singular: the bound (not a fixed rel) says how close it must be
    assert rotated == pytest.approx(expected, abs=_trace_sqrt_error_bound(s1, s2, a * b))


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
    """Eigenvalues from 1e-14 to 1: the answer sum(a) is still found to its error bound.

    ``S2 = 4 S1`` share eigenvectors, so ``d^2 = sum (sqrt(a) - 2 sqrt(a))^2 = sum a`` and
    the eigenvalues of ``M = S1^{1/2} S2 S1^{1/2}`` are ``4 a^2`` (down to ``4e-28``, far
    below the round-off ``delta`` of :func:`_trace_sqrt_error_bound`). The bound is about
    ``2e-6`` here (mostly ``sqrt(delta)`` for the five eigenvalues below ``delta``): a fixed
    ``rel=1e-8`` held on one CPU and failed on another (AVX-512 MKL: an error of 4e-8).
    """
    d = 10
    scales = np.logspace(-14, 0, d)
    q = _random_rotation(np.random.default_rng(3), d)
    s1 = q @ np.diag(scales) @ q.T
    s2 = q @ np.diag(4 * scales) @ q.T
    expected = float(np.sum(scales))  # sum (sqrt(a) - sqrt(4a))^2 = sum a
    bound = _trace_sqrt_error_bound(s1, s2, 4 * scales**2)
    assert bound < 1e-5 * expected  # the test still pins the answer to 5 digits
    got = frechet_distance(np.zeros(d), s1, np.zeros(d), s2)
    assert abs(got - expected) <= bound


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
