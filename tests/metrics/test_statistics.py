from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from gankit.metrics import FeatureStatistics, GaussianStatistics, statistics_from_features
from tests.metrics.bounds import covariance_rounding_bound
from tests.strategies import batch_splits


def test_gaussian_statistics_coerces_to_float64_numpy() -> None:
    stats = GaussianStatistics(torch.zeros(3), torch.eye(3, dtype=torch.float32), 5)  # type: ignore[arg-type]
    assert isinstance(stats.mu, np.ndarray) and stats.mu.dtype == np.float64
    assert stats.sigma.dtype == np.float64 and stats.num_features == 3
    mu = np.zeros(3)
    copied = GaussianStatistics(mu, np.eye(3), 5)
    mu[0] = 1.0
    assert copied.mu[0] == 0.0 and not copied.mu.flags.writeable


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (
            {"sigma": np.eye(2)},
            ValueError,
            r"sigma must have shape \(3, 3\) to match mu, got \(2, 2\)",
        ),
        ({"num_samples": 1}, ValueError, "num_samples must be an int >= 2, got 1"),
        ({"num_samples": 3.0}, TypeError, "num_samples must be an int"),
        ({"mu": np.array([0.0, np.nan, 0.0])}, ValueError, "mu contains non-finite"),
        ({"mu": np.zeros((3, 1))}, ValueError, "mu must have 1 dimension"),
    ],
)
def test_gaussian_statistics_validation(kwargs: dict[str, object], error: type, match: str) -> None:
    base: dict[str, object] = {"mu": np.zeros(3), "sigma": np.eye(3), "num_samples": 10}
    with pytest.raises(error, match=match):
        GaussianStatistics(**{**base, **kwargs})  # type: ignore[arg-type]


def test_statistics_from_features_matches_numpy() -> None:
    x = np.random.default_rng(0).standard_normal((50, 4)) * [1, 2, 3, 4] + 10
    stats = statistics_from_features(x)
    eps = float(np.finfo(np.float64).eps)
    np.testing.assert_allclose(stats.mu, x.mean(0), rtol=4 * 50 * eps)
    bound = covariance_rounding_bound(x)
    assert np.all(np.abs(stats.sigma - np.cov(x, rowvar=False)) <= bound)
    assert stats.num_samples == 50


def test_statistics_from_features_warns_when_singular() -> None:
    with pytest.warns(UserWarning, match="only 4 samples for 8 feature dimensions"):
        statistics_from_features(torch.randn(4, 8))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        statistics_from_features(torch.randn(9, 8))
    with pytest.raises(ValueError, match="features must have at least 2 rows, got 1"):
        statistics_from_features(torch.randn(1, 8))


@given(st.data(), st.integers(2, 40), st.integers(1, 5), st.integers(0, 2**31 - 1))
def test_streaming_equals_batch_statistics(data: st.DataObject, n: int, d: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, d)) * rng.uniform(0.1, 10, d) + rng.uniform(-100, 100, d)
    sizes = data.draw(batch_splits(n))
    acc = FeatureStatistics(d)
    for chunk in torch.from_numpy(x).float().split(sizes):
        acc.update(chunk)
    expected = x.astype(np.float32).astype(np.float64)
    assert acc.num_samples == n
    np.testing.assert_allclose(acc.mean().numpy(), expected.mean(0), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(
        acc.covariance().numpy(), np.cov(expected, rowvar=False).reshape(d, d), rtol=1e-8, atol=1e-9
    )


@given(st.integers(1, 30), st.integers(1, 30), st.integers(0, 2**31 - 1))
def test_merge_equals_concatenation(n_a: int, n_b: int, seed: int) -> None:
    g = torch.Generator().manual_seed(seed)
    a_x, b_x = torch.randn(n_a, 3, generator=g), torch.randn(n_b, 3, generator=g) + 5
    a, b, both = FeatureStatistics(3), FeatureStatistics(3), FeatureStatistics(3)
    a.update(a_x)
    b.update(b_x)
    both.update(torch.cat([a_x, b_x]))
    a.merge(b)
    assert a.num_samples == n_a + n_b and b.num_samples == n_b
    torch.testing.assert_close(a.mean(), both.mean(), rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(a.covariance(), both.covariance(), rtol=1e-10, atol=1e-10)


def test_merge_with_empty_and_into_empty() -> None:
    x = torch.randn(10, 2)
    full, empty = FeatureStatistics(2), FeatureStatistics(2)
    full.update(x)
    full.merge(empty)
    assert full.num_samples == 10
    empty.merge(full)
    torch.testing.assert_close(empty.covariance(), full.covariance())


def test_large_offset_keeps_covariance_accurate() -> None:
    """Chan's centred updates avoid the cancellation of raw sums of outer products."""
    x = torch.randn(1000, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    acc = FeatureStatistics(3)
    for chunk in (x + 1e8).split(7):
        acc.update(chunk)
    torch.testing.assert_close(acc.covariance(), torch.cov(x.T), rtol=1e-6, atol=1e-6)


def test_state_dict_round_trip_and_reset() -> None:
    acc = FeatureStatistics(3)
    acc.update(torch.randn(20, 3))
    restored = FeatureStatistics(3)
    restored.load_state_dict(acc.state_dict())
    assert restored.num_samples == 20
    torch.testing.assert_close(restored.covariance(), acc.covariance())
    restored.update(torch.randn(5, 3))
    assert acc.num_samples == 20  # state_dict holds copies
    restored.reset()
    assert restored.num_samples == 0
    with pytest.raises(ValueError, match=r"mean\(\) needs at least 1 sample, got 0"):
        restored.mean()
    with pytest.raises(ValueError, match="state_dict must hold"):
        FeatureStatistics(4).load_state_dict(acc.state_dict())


def test_compute_returns_frozen_statistics_and_warns_when_singular() -> None:
    acc = FeatureStatistics(4)
    acc.update(torch.randn(3, 4))
    with pytest.warns(UserWarning, match="singular"):
        stats = acc.compute()
    assert stats.num_samples == 3 and stats.sigma.shape == (4, 4)
    one = FeatureStatistics(4)
    one.update(torch.randn(1, 4))
    with pytest.raises(ValueError, match="covariance\\(\\) needs at least 2 samples, got 1"):
        one.compute()


def test_update_and_merge_validation() -> None:
    acc = FeatureStatistics(3)
    with pytest.raises(ValueError, match=r"features must have shape \(batch, 3\), got \(4, 2\)"):
        acc.update(torch.zeros(4, 2))
    with pytest.raises(TypeError, match=r"features must be a torch\.Tensor"):
        acc.update(np.zeros((4, 3)))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"other\.num_features must equal 3, got 2"):
        acc.merge(FeatureStatistics(2))
    with pytest.raises(ValueError, match=r"num_features must be an int in \[1, 16384\], got 0"):
        FeatureStatistics(0)
    with pytest.raises(
        ValueError, match=r"num_features must be an int in \[1, 16384\], got 1048576"
    ):
        FeatureStatistics(2**20)  # its covariance would need 8 TiB
    acc.update(torch.zeros(0, 3))
    assert acc.num_samples == 0


@pytest.mark.gpu
def test_cuda_accumulator_matches_cpu() -> None:
    if not torch.cuda.is_available():
        pytest.skip("needs CUDA")
    x = torch.randn(500, 16)
    cpu, gpu = FeatureStatistics(16), FeatureStatistics(16, device="cuda")
    for chunk in x.split(64):
        cpu.update(chunk)
        gpu.update(chunk.cuda())
    assert gpu.covariance().device.type == "cuda"
    torch.testing.assert_close(gpu.covariance().cpu(), cpu.covariance(), rtol=1e-9, atol=1e-12)
