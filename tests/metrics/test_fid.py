from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from gankit.metrics import (
    FID,
    INCEPTION_PROTOCOL,
    FIDResult,
    GaussianStatistics,
    InceptionFeatureExtractor,
    fid_from_features,
    fid_from_statistics,
    frechet_distance,
    statistics_from_features,
)


class CountingIdentity(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.calls += 1
        return x


def _gaussian(n: int, shift: float, seed: int) -> torch.Tensor:
    return torch.randn(n, 4, generator=torch.Generator().manual_seed(seed)) + shift


def test_fid_from_features_equals_frechet_distance_of_statistics() -> None:
    real, fake = _gaussian(300, 0.0, 0), _gaussian(200, 0.5, 1)
    result = fid_from_features(real, fake, protocol="toy")
    a, b = statistics_from_features(real), statistics_from_features(fake)
    assert result.value == pytest.approx(frechet_distance(a.mu, a.sigma, b.mu, b.sigma))
    assert (result.num_real, result.num_fake, result.protocol) == (300, 200, "toy")
    assert float(result) == result.value
    assert fid_from_statistics(a, b, protocol="toy") == result


def test_result_is_frozen() -> None:
    result = FIDResult(1.0, 10, 10, "custom")
    with pytest.raises(AttributeError):
        result.value = 2.0  # type: ignore[misc]


def test_fid_evaluator_approaches_closed_form() -> None:
    """N(0, I) vs N(1, I) in 4-d: FID = 4 (squared mean shift), up to sampling error."""
    real = GaussianStatistics(np.zeros(4), np.eye(4), 10**6)
    fid = FID(nn.Identity(), real, batch_size=1000)
    g = torch.Generator().manual_seed(0)
    result = fid(lambda b: torch.randn(b, 4, generator=g) + 1.0, num_samples=20_000)
    assert result.value == pytest.approx(4.0, abs=0.1)
    assert (result.num_real, result.num_fake, result.protocol) == (10**6, 20_000, "custom")


def test_protocol_comes_from_the_extractor_or_argument() -> None:
    real = GaussianStatistics(np.zeros(2), np.eye(2), 10)
    extractor = InceptionFeatureExtractor(nn.Identity())
    assert FID(extractor, real).protocol == INCEPTION_PROTOCOL
    assert FID(extractor, real, protocol="mine").protocol == "mine"
    with pytest.raises(TypeError, match="real_statistics must be GaussianStatistics"):
        FID(extractor, {"mu": 0})  # type: ignore[arg-type]


def test_from_images_caches_real_statistics(tmp_path: Path) -> None:
    images = _gaussian(100, 0.0, 0)
    extractor = CountingIdentity()
    first = FID.from_images(extractor, images, key="toy", cache_dir=tmp_path, batch_size=30)
    assert extractor.calls == 4 and first.real_statistics.num_samples == 100
    second = FID.from_images(extractor, images, key="toy", cache_dir=tmp_path)
    assert extractor.calls == 4  # loaded, not recomputed
    np.testing.assert_array_equal(second.real_statistics.sigma, first.real_statistics.sigma)
    capped = FID.from_images(extractor, images, key="toy", cache_dir=tmp_path, max_real=50)
    assert capped.real_statistics.num_samples == 50  # max_real is part of the key
    assert len(list(tmp_path.glob("*.npz"))) == 2
    uncached = FID.from_images(extractor, images)
    assert uncached.real_statistics.num_samples == 100
    with pytest.raises(ValueError, match="key and data_fingerprint need cache_dir"):
        FID.from_images(extractor, images, key="toy")


def test_from_images_recomputes_for_other_images_with_the_same_key(tmp_path: Path) -> None:
    """Issue 18.1: the same key= for different images must not serve the old statistics."""
    extractor = CountingIdentity()
    first = FID.from_images(extractor, _gaussian(100, 0.0, 0), key="toy", cache_dir=tmp_path)
    other_images = _gaussian(100, 3.0, 1)
    second = FID.from_images(extractor, other_images, key="toy", cache_dir=tmp_path)
    assert extractor.calls == 4  # two batches of 50, twice
    np.testing.assert_allclose(second.real_statistics.mu, other_images.double().mean(0))
    assert not np.allclose(second.real_statistics.mu, first.real_statistics.mu)
    loader = [(other_images[:60], None), (other_images[60:], None)]  # a loader: read once more
    FID.from_images(extractor, loader, key="toy", cache_dir=tmp_path)  # type: ignore[arg-type]
    assert extractor.calls == 4  # same content: cache hit


def test_from_images_recomputes_for_other_weights(tmp_path: Path) -> None:
    images = torch.rand(60, 3, 8, 8)
    torch.manual_seed(0)
    a = nn.Sequential(nn.Conv2d(3, 2, 3), nn.AdaptiveAvgPool2d(1), nn.Flatten())
    b = nn.Sequential(nn.Conv2d(3, 2, 3), nn.AdaptiveAvgPool2d(1), nn.Flatten())
    first = FID.from_images(a, images, cache_dir=tmp_path)
    second = FID.from_images(b, images, cache_dir=tmp_path)
    with torch.no_grad():
        expected = b(images).double().mean(0).numpy()
    np.testing.assert_allclose(second.real_statistics.mu, expected, rtol=1e-6)
    assert not np.allclose(first.real_statistics.mu, second.real_statistics.mu)


def test_from_images_recomputes_for_another_input_range(tmp_path: Path) -> None:
    """Statistics made for a (-1, 1) extractor are not served to a (0, 1) one."""

    class Net(nn.Module):
        def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, None]:
            return x.mean((2, 3)), None

    images = torch.rand(50, 3, 4, 4)
    symmetric = InceptionFeatureExtractor(Net(), value_range=(-1.0, 1.0))
    unit = InceptionFeatureExtractor(Net(), value_range=(0.0, 1.0))
    a = FID.from_images(symmetric, images, cache_dir=tmp_path)
    b = FID.from_images(unit, images, cache_dir=tmp_path)
    assert len(list(tmp_path.glob("*.npz"))) == 2
    fresh = FID.from_images(unit, images)  # what the (0, 1) extractor really gives
    np.testing.assert_array_equal(b.real_statistics.mu, fresh.real_statistics.mu)
    assert not np.allclose(a.real_statistics.mu, b.real_statistics.mu)


def test_from_images_recomputes_for_another_convention(tmp_path: Path) -> None:
    images = torch.randint(0, 256, (10, 3, 16, 16), dtype=torch.uint8)

    class Net(nn.Module):
        def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, None]:
            return x[:, :, ::50, ::50].flatten(1), None

    bilinear = InceptionFeatureExtractor(Net())
    bicubic = InceptionFeatureExtractor(Net(), convention="clean-fid")
    a = FID.from_images(bilinear, images, cache_dir=tmp_path)
    b = FID.from_images(bicubic, images, cache_dir=tmp_path)
    assert len(list(tmp_path.glob("*.npz"))) == 2
    assert not np.allclose(a.real_statistics.mu, b.real_statistics.mu)


def test_same_distribution_gives_small_fid_and_warns_for_few_samples() -> None:
    fid = FID(nn.Identity(), statistics_from_features(_gaussian(5000, 0.0, 0)))
    g = torch.Generator().manual_seed(1)
    assert fid(lambda b: torch.randn(b, 4, generator=g), num_samples=5000).value < 0.02
    with pytest.warns(UserWarning, match="only 3 samples for 4 feature dimensions"):
        fid(lambda b: torch.randn(b, 4, generator=g), num_samples=3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fid(lambda b: torch.randn(b, 4, generator=g), num_samples=5)
