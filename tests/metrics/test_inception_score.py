from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from gankit.metrics import inception_score


def _reference(probs: npt.NDArray[np.float64], splits: int) -> list[float]:
    """Per-split scores straight from the definition, with numpy."""
    n, scores = len(probs), []
    for s in range(splits):
        part = probs[s * n // splits : (s + 1) * n // splits]
        py = part.mean(axis=0)
        with np.errstate(divide="ignore", invalid="ignore"):
            terms = np.where(part > 0, part * (np.log(part) - np.log(py)), 0.0)
        scores.append(float(np.exp(terms.sum(axis=1).mean())))
    return scores


def test_uniform_predictions_score_one() -> None:
    result = inception_score(torch.zeros(50, 1008), splits=5)
    assert result.mean == pytest.approx(1.0, abs=1e-12) and result.std == pytest.approx(
        0.0, abs=1e-12
    )
    uniform = inception_score(np.full((10, 4), 0.25), splits=2, input_kind="probabilities")
    assert uniform.mean == pytest.approx(1.0)


@pytest.mark.parametrize(("classes", "splits"), [(1, 1), (3, 1), (10, 2), (7, 7)])
def test_confident_distinct_classes_score_number_of_classes(classes: int, splits: int) -> None:
    one_hot = np.tile(np.eye(classes), (splits, 1))  # every split holds each class once
    result = inception_score(one_hot, splits=splits, input_kind="probabilities")
    assert result.mean == pytest.approx(classes, rel=1e-12)
    assert (result.splits, result.num_samples) == (splits, classes * splits)
    logits = inception_score(torch.from_numpy(one_hot) * 100.0, splits=splits)
    assert logits.mean == pytest.approx(classes, rel=1e-9)


@given(st.integers(1, 30), st.integers(2, 6), st.integers(1, 5), st.integers(0, 2**31 - 1))
def test_matches_reference_and_stays_in_bounds(
    n: int, classes: int, splits: int, seed: int
) -> None:
    splits = min(splits, n)
    logits = np.random.default_rng(seed).standard_normal((n, classes)) * 3
    probs = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    scores = _reference(probs, splits)
    result = inception_score(logits, splits=splits)
    assert result.mean == pytest.approx(np.mean(scores), rel=1e-9)
    assert result.std == pytest.approx(np.std(scores), rel=1e-6, abs=1e-9)
    assert 1 - 1e-9 <= result.mean <= classes + 1e-9
    permuted = inception_score(logits[:, ::-1].copy(), splits=splits)
    assert permuted.mean == pytest.approx(result.mean, rel=1e-9)


def test_split_assignment_is_contiguous() -> None:
    """First half confident on 2 classes, second half uniform: scores 2 and 1."""
    probs = np.vstack([np.tile(np.eye(2), (3, 1)), np.full((6, 2), 0.5)])
    result = inception_score(probs, splits=2, input_kind="probabilities")
    assert result.mean == pytest.approx(1.5) and result.std == pytest.approx(0.5)


def test_validation() -> None:
    good = np.full((4, 2), 0.5)
    with pytest.raises(
        ValueError, match="splits must be <= the number of predictions \\(4\\), got 5"
    ):
        inception_score(good, splits=5, input_kind="probabilities")
    with pytest.raises(ValueError, match="non-negative with rows summing to 1"):
        inception_score(np.full((4, 2), 0.6), splits=1, input_kind="probabilities")
    with pytest.raises(ValueError, match="non-negative"):
        inception_score(np.array([[1.5, -0.5]]), splits=1, input_kind="probabilities")
    with pytest.raises(
        ValueError, match="input_kind must be 'logits' or 'probabilities', got 'probs'"
    ):
        inception_score(good, input_kind="probs")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="predictions contains non-finite"):
        inception_score(np.array([[np.inf, 0.0]]), splits=1)
