r"""Inception Score (Salimans et al., "Improved Techniques for Training GANs", 2016).

.. math::

    \mathrm{IS} = \exp\Bigl(\mathbb{E}_x\, \mathrm{KL}\bigl(p(y \mid x) \,\|\, p(y)\bigr)\Bigr),
    \qquad p(y) = \mathbb{E}_x\, p(y \mid x),

computed on each of ``splits`` consecutive, equally sized (up to one sample) chunks of
the predictions; the mean and the standard deviation over chunks are reported, as in the
original evaluation. With gankit's Inception extractor the predictions are the softmax of
the 1008 logits of :meth:`gankit.metrics.InceptionFeatureExtractor.logits`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import torch

from gankit._validation import ArrayLike, as_float64, check_positive_int

__all__ = ["InceptionScoreResult", "inception_score"]


@dataclass(frozen=True)
class InceptionScoreResult:
    """Inception Score over splits.

    Args:
        mean: Mean of the per-split scores.
        std: Population standard deviation (``ddof=0``) of the per-split scores.
        splits: Number of splits.
        num_samples: Number of predictions.

    Example:
        >>> InceptionScoreResult(9.1, 0.1, 10, 50000).splits
        10
    """

    mean: float
    std: float
    splits: int
    num_samples: int


def inception_score(
    predictions: ArrayLike,
    *,
    splits: int = 10,
    input_kind: Literal["logits", "probabilities"] = "logits",
) -> InceptionScoreResult:
    r"""Inception Score of class predictions (see the module docstring).

    Per split :math:`S`: :math:`\exp(\frac{1}{|S|}\sum_{x \in S} \sum_y p(y|x)
    (\log p(y|x) - \log \bar p_S(y)))` with :math:`\bar p_S = \frac{1}{|S|}\sum_{x\in S}
    p(\cdot|x)` and :math:`0 \log 0 = 0`; computed in float64. Sample ``i`` of ``n`` is in
    split ``floor(i * splits / n)``.

    Args:
        predictions: Logits or class probabilities, one row per image.
        splits: Number of splits (at least 1, at most ``n``).
        input_kind: ``"logits"`` (softmax is applied) or ``"probabilities"`` (rows must be
            non-negative and sum to 1 within ``1e-4``).

    Returns:
        An :class:`InceptionScoreResult`; each split's score lies in ``[1, classes]``.

    Shape:
        - predictions: ``(n, classes)``

    Raises:
        TypeError: If ``splits`` is not an int.
        ValueError: If ``input_kind`` is unknown, ``splits > n``, entries are not finite,
            or probabilities are negative or do not sum to 1.

    Example:
        >>> import torch
        >>> one_hot = torch.eye(4).repeat(5, 1)  # 20 confident predictions, 4 classes
        >>> result = inception_score(one_hot, splits=5, input_kind="probabilities")
        >>> round(result.mean, 6), round(result.std, 6)
        (4.0, 0.0)
    """
    splits = check_positive_int("splits", splits)
    if input_kind not in ("logits", "probabilities"):
        raise ValueError(f"input_kind must be 'logits' or 'probabilities', got {input_kind!r}")
    values = as_float64("predictions", predictions, ndim=2)
    n = values.shape[0]
    if splits > n:
        raise ValueError(f"splits must be <= the number of predictions ({n}), got {splits}")
    if input_kind == "logits":
        probs = torch.softmax(values, dim=1)
    else:
        probs = values
        if bool((probs < 0).any()) or not torch.allclose(
            probs.sum(1), torch.ones_like(probs[:, 0]), atol=1e-4, rtol=0
        ):
            raise ValueError(
                "predictions with input_kind='probabilities' must be non-negative with rows "
                "summing to 1"
            )
    scores = torch.empty(splits, dtype=torch.float64)
    for s in range(splits):
        part = probs[s * n // splits : (s + 1) * n // splits]
        marginal = part.mean(0, keepdim=True)
        kl = torch.xlogy(part, part) - torch.xlogy(part, marginal.expand_as(part))
        scores[s] = torch.exp(kl.sum(1).mean())
    return InceptionScoreResult(
        mean=float(scores.mean()),
        std=float(scores.std(correction=0)),
        splits=splits,
        num_samples=int(n),
    )
