from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from gankit.metrics import (
    FeatureExtractor,
    compute_statistics,
    extract_features,
    generate_features,
    generate_statistics,
    statistics_from_features,
)
from tests.metrics.bounds import covariance_rounding_bound
from tests.strategies import batch_splits


class Counting(nn.Module):
    """Linear features of flattened images; counts the images it sees."""

    def __init__(self, in_features: int = 12, out_features: int = 3) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.linear = nn.Linear(in_features, out_features)
        self.seen = 0

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        self.seen += images.shape[0]
        out: torch.Tensor = self.linear(images.flatten(1))
        return out


def _images(n: int, seed: int = 0) -> torch.Tensor:
    return torch.rand(n, 3, 2, 2, generator=torch.Generator().manual_seed(seed)) * 2 - 1


def test_any_callable_is_a_feature_extractor() -> None:
    assert isinstance(nn.Flatten(), FeatureExtractor)
    assert isinstance(lambda images: images.flatten(1), FeatureExtractor)
    assert not isinstance(3, FeatureExtractor)


@given(st.data(), st.integers(2, 30))
def test_streaming_statistics_equal_one_shot_for_any_batching(data: st.DataObject, n: int) -> None:
    extractor = Counting()
    images = _images(n)
    sizes = data.draw(batch_splits(n))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # tiny n: singular covariance warning
        batches = list(images.split(sizes))
        streamed = compute_statistics(batches, extractor)
        with torch.no_grad():  # same float32 features, gathered in one matrix
            features = torch.cat([extractor(b) for b in batches])
            expected = statistics_from_features(features)
    assert streamed.num_samples == n
    eps = float(np.finfo(np.float64).eps)
    mean_bound = 4 * n * eps * np.abs(features.double().numpy()).max(0)
    assert np.all(np.abs(streamed.mu - expected.mu) <= mean_bound)
    bound = covariance_rounding_bound(features.double().numpy())
    assert np.all(np.abs(streamed.sigma - expected.sigma) <= bound)


def test_dataloader_tuples_tensor_input_and_max_samples() -> None:
    images = _images(40)
    loader = DataLoader(TensorDataset(images, torch.zeros(40)), batch_size=16)
    from_loader = compute_statistics(loader, Counting(), max_samples=25)
    extractor = Counting()
    from_tensor = compute_statistics(images[:25], extractor, batch_size=7)
    assert from_loader.num_samples == from_tensor.num_samples == extractor.seen == 25
    with torch.no_grad():
        bound = covariance_rounding_bound(Counting()(images[:25]).double().numpy())
    assert np.all(np.abs(from_loader.sigma - from_tensor.sigma) <= bound)  # other batching
    features = extract_features(loader, Counting(), max_samples=33)
    assert features.shape == (33, 3) and not features.requires_grad


def test_generated_batches_sum_to_num_samples() -> None:
    calls: list[int] = []

    def generator_fn(b: int) -> torch.Tensor:
        calls.append(b)
        return _images(b, seed=len(calls))

    stats = generate_statistics(generator_fn, 23, Counting(), batch_size=10)
    assert calls == [10, 10, 3] and stats.num_samples == 23
    calls.clear()
    assert generate_features(generator_fn, 5, Counting(), batch_size=2).shape == (5, 3)
    assert calls == [2, 2, 1]


def test_default_device_follows_the_extractor() -> None:
    seen: list[torch.device] = []

    class Spy(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.register_buffer("anchor", torch.zeros(1, dtype=torch.float64))

        def forward(self, images: torch.Tensor) -> torch.Tensor:
            seen.append(images.device)
            return images.flatten(1)

    extract_features(_images(3), Spy())
    extract_features(_images(3), lambda x: x.flatten(1), device="cpu")
    assert seen == [torch.device("cpu")]


def test_errors() -> None:
    with pytest.raises(ValueError, match=r"extractor must return features of shape \(4, d\)"):
        extract_features(_images(4), lambda x: x.flatten())
    with pytest.raises(
        ValueError, match=r"generator_fn\(4\) must return 4 images, got \(3, 3, 2, 2\)"
    ):
        generate_statistics(lambda b: _images(3), 8, Counting(), batch_size=4)
    with pytest.raises(ValueError, match="at least 2 images, got none"):
        compute_statistics([], Counting())
    with pytest.raises(ValueError, match="at least 1 image, got none"):
        extract_features(_images(0), Counting())
    with pytest.raises(TypeError, match="images must yield tensors"):
        extract_features([("not a tensor",)], Counting())  # type: ignore[list-item]
    with pytest.raises(ValueError, match="max_samples must be an int >= 1, got 0"):
        compute_statistics(_images(4), Counting(), max_samples=0)
    with pytest.raises(ValueError, match="num_samples must be an int >= 2, got 1"):
        generate_statistics(_images, 1, Counting())
