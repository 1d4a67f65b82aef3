from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from gankit.metrics import kernel_inception_distance, polynomial_mmd2


def _naive_mmd2(x: npt.NDArray[np.float64], y: npt.NDArray[np.float64]) -> float:
    """The unbiased MMD² of Bińkowski et al. (2018), with explicit loops over pairs."""
    d = x.shape[1]

    def k(a: npt.NDArray[np.float64], b: npt.NDArray[np.float64]) -> float:
        return float((a @ b / d + 1) ** 3)

    m, n = len(x), len(y)
    xx = sum(k(x[i], x[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    yy = sum(k(y[i], y[j]) for i in range(n) for j in range(n) if i != j) / (n * (n - 1))
    xy = sum(k(x[i], y[j]) for i in range(m) for j in range(n)) / (m * n)
    return xx + yy - 2 * xy


@given(st.integers(2, 9), st.integers(2, 9), st.integers(1, 5), st.integers(0, 2**31 - 1))
def test_mmd2_matches_naive_double_sum(m: int, n: int, d: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    x, y = rng.standard_normal((m, d)), rng.standard_normal((n, d)) + 0.5
    assert polynomial_mmd2(x, y) == pytest.approx(_naive_mmd2(x, y), rel=1e-9, abs=1e-9)
    assert polynomial_mmd2(y, x) == pytest.approx(polynomial_mmd2(x, y), rel=1e-12, abs=1e-12)


def _mmd2_rounding_bound(x: torch.Tensor, y: torch.Tensor) -> float:
    """How far two float64 evaluations of the MMD² of the same sets may differ.

    Rows in another order (a subset that is a permutation) change the order of every
    summation. Each kernel value ``(x.y/d + 1)^3`` carries a relative error of at most
    ``(d + 4) eps`` (a length-d dot product, the division, the +1 and the cube); a mean of
    ``N`` values summed pairwise adds ``log2(N) eps``; the estimate combines three means
    with weights 1, 1 and 2. So the difference is at most
    ``2 * 4 * (d + 4 + log2(N)) * eps * max|k|``, for any BLAS, CPU and thread count.
    """
    d, n = x.shape[1], max(x.shape[0], y.shape[0])
    both = torch.cat([x, y]).double()
    max_k = float(((both @ both.T).abs().max() / d + 1) ** 3)
    eps = float(torch.finfo(torch.float64).eps)
    return 2 * 4 * (d + 4 + 2 * np.log2(n)) * eps * max_k


def _features(seed: int, n: int = 400, d: int = 16, shift: float = 0.0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.rand(n, d, generator=g) + shift  # non-negative like pool3 features


def test_halves_of_one_sample_give_kid_near_zero() -> None:
    x = _features(0, n=600)
    same = kernel_inception_distance(x[:300], x[300:], num_subsets=20, subset_size=100)
    other = _features(1, n=300, shift=0.3)
    different = kernel_inception_distance(x[:300], other, num_subsets=20, subset_size=100)
    assert abs(same.mean) < 3 * same.std + 1e-3
    assert different.mean > 20 * max(abs(same.mean), same.std)
    assert different.mean - 3 * different.std > 0


def test_result_is_seeded_and_records_sizes() -> None:
    x, y = _features(0, n=120), _features(1, n=100)
    a = kernel_inception_distance(x, y, num_subsets=7, subset_size=50, seed=3)
    b = kernel_inception_distance(x, y, num_subsets=7, subset_size=50, seed=3)
    c = kernel_inception_distance(x, y, num_subsets=7, subset_size=50, seed=4)
    assert a == b and a.mean != c.mean
    assert (a.num_subsets, a.subset_size, a.num_real, a.num_fake) == (7, 50, 120, 100)
    full = kernel_inception_distance(x[:50], y[:50], num_subsets=3, subset_size=50)
    bound = _mmd2_rounding_bound(x[:50], y[:50])
    assert full.std == pytest.approx(0.0, abs=bound)  # every subset is the whole set
    assert full.mean == pytest.approx(polynomial_mmd2(x[:50], y[:50]), abs=bound)


def test_accepts_numpy_and_validates() -> None:
    x = np.random.default_rng(0).random((30, 4))
    assert isinstance(kernel_inception_distance(x, x, subset_size=10).mean, float)
    with pytest.raises(
        ValueError, match="subset_size must be <= the smaller number of samples \\(30\\), got 31"
    ):
        kernel_inception_distance(x, x, subset_size=31)
    with pytest.raises(ValueError, match="same feature dimension, got 4 and 3"):
        kernel_inception_distance(x, x[:, :3], subset_size=10)
    with pytest.raises(ValueError, match="subset_size must be an int >= 2, got 1"):
        kernel_inception_distance(x, x, subset_size=1)
    with pytest.raises(TypeError, match="num_subsets must be an int"):
        kernel_inception_distance(x, x, num_subsets=2.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="seed must be an int"):
        kernel_inception_distance(x, x, seed=None)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="at least 2 rows each, got 1 and 30"):
        polynomial_mmd2(x[:1], x)
    with pytest.raises(ValueError, match="fake_features contains non-finite"):
        kernel_inception_distance(x, np.full((30, 4), np.nan), subset_size=10)
