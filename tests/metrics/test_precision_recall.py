from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from gankit.metrics import precision_recall


def _reference(
    real: npt.NDArray[np.float64], fake: npt.NDArray[np.float64], k: int
) -> tuple[float, float]:
    """Kynkäänniemi et al. (2019) by brute force: sorted distances, k-th neighbour radii."""

    def radii(points: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        out = []
        for p in points:
            distances = np.sort(np.sqrt(((points - p) ** 2).sum(1)))
            out.append(distances[k])  # distances[0] is the point itself
        return np.array(out)

    def coverage(queries: npt.NDArray[np.float64], centres: npt.NDArray[np.float64]) -> float:
        r = radii(centres)
        hits = [
            any(np.sqrt(((q - c) ** 2).sum()) <= rc for c, rc in zip(centres, r, strict=True))
            for q in queries
        ]
        return float(np.mean(hits))

    return coverage(fake, real), coverage(real, fake)


def test_identical_sets_have_full_precision_and_recall() -> None:
    x = torch.randn(200, 32, generator=torch.Generator().manual_seed(0))
    result = precision_recall(x, x.clone())
    assert (result.precision, result.recall) == (1.0, 1.0)
    assert (result.k, result.num_real, result.num_fake) == (3, 200, 200)


def test_far_apart_sets_have_zero_precision_and_recall() -> None:
    x = torch.randn(200, 32, generator=torch.Generator().manual_seed(0))
    result = precision_recall(x, x + 50.0, k=5)
    assert (result.precision, result.recall) == (0.0, 0.0)


def test_collapsed_generator_has_precision_but_little_recall() -> None:
    g = torch.Generator().manual_seed(1)
    real = torch.randn(300, 8, generator=g)
    fake = real[:10].repeat(30, 1) + 1e-3 * torch.randn(300, 8, generator=g)  # mode collapse
    result = precision_recall(real, fake)
    assert result.precision > 0.95 and result.recall < 0.2


@given(
    st.integers(5, 25),
    st.integers(5, 25),
    st.integers(1, 4),
    st.integers(1, 30),
    st.integers(0, 2**31 - 1),
)
def test_matches_brute_force_for_any_batch_size(
    n_real: int, n_fake: int, k: int, batch_size: int, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    real, fake = rng.standard_normal((n_real, 3)), rng.standard_normal((n_fake, 3)) + 0.7
    result = precision_recall(real, fake, k=k, batch_size=batch_size)
    assert (result.precision, result.recall) == pytest.approx(_reference(real, fake, k))


def test_validation() -> None:
    x = np.zeros((3, 2))
    with pytest.raises(ValueError, match="real_features needs more than k=3 rows, got 3"):
        precision_recall(x, np.ones((10, 2)))
    with pytest.raises(ValueError, match="same feature dimension, got 2 and 3"):
        precision_recall(np.ones((10, 2)), np.ones((10, 3)))
    with pytest.raises(ValueError, match="k must be an int >= 1, got 0"):
        precision_recall(x, x, k=0)
    with pytest.raises(TypeError, match="batch_size must be an int"):
        precision_recall(x, x, batch_size=None)  # type: ignore[arg-type]
