r"""Improved precision and recall (Kynkäänniemi et al., NeurIPS 2019).

Each feature set defines a manifold: the union of balls around its samples, each with
radius the distance to the sample's :math:`k`-th nearest neighbour in the same set
(excluding itself). Then

.. math::

    \mathrm{precision} = \frac{1}{|Y|} \sum_{y \in Y}
        \mathbb{1}\bigl[\exists x \in X: \lVert y - x \rVert \le r_k(x)\bigr],
    \qquad
    \mathrm{recall} = \frac{1}{|X|} \sum_{x \in X}
        \mathbb{1}\bigl[\exists y \in Y: \lVert x - y \rVert \le r_k(y)\bigr],

for real features :math:`X` and generated features :math:`Y`: precision is the share of
generated samples that look real, recall the share of real samples the generator covers.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from gankit._validation import ArrayLike, as_float64, check_positive_int

__all__ = ["PrecisionRecallResult", "precision_recall"]


@dataclass(frozen=True)
class PrecisionRecallResult:
    """Improved precision and recall.

    Args:
        precision: Share of generated samples inside the real manifold.
        recall: Share of real samples inside the generated manifold.
        k: Neighbourhood size used for the radii.
        num_real: Number of real feature vectors.
        num_fake: Number of generated feature vectors.

    Example:
        >>> PrecisionRecallResult(0.7, 0.5, 3, 1000, 1000).k
        3
    """

    precision: float
    recall: float
    k: int
    num_real: int
    num_fake: int


def _kth_neighbour_radii(points: torch.Tensor, k: int, batch_size: int) -> torch.Tensor:
    radii = []
    for start in range(0, points.shape[0], batch_size):
        distances = torch.cdist(points[start : start + batch_size], points)
        # the k + 1 smallest includes the point itself at distance 0
        radii.append(distances.kthvalue(k + 1, dim=1).values)
    return torch.cat(radii)


def _coverage(
    queries: torch.Tensor, centres: torch.Tensor, radii: torch.Tensor, batch_size: int
) -> float:
    inside = 0
    for start in range(0, queries.shape[0], batch_size):
        distances = torch.cdist(queries[start : start + batch_size], centres)
        inside += int((distances <= radii[None, :]).any(dim=1).sum())
    return inside / queries.shape[0]


def precision_recall(
    real_features: ArrayLike,
    fake_features: ArrayLike,
    *,
    k: int = 3,
    batch_size: int = 1024,
) -> PrecisionRecallResult:
    """Improved precision and recall of generated features against real ones.

    Pairwise Euclidean distances are computed in float64 on the device of
    ``real_features``, ``batch_size`` query rows at a time (memory
    ``batch_size × max(n_real, n_fake)``).

    Args:
        real_features: Features of real images.
        fake_features: Features of generated images.
        k: Neighbour rank that sets each ball's radius (at least 1).
        batch_size: Query rows per distance block (at least 1).

    Returns:
        A :class:`PrecisionRecallResult`.

    Shape:
        - real_features: ``(n_real, d)`` with ``n_real > k``
        - fake_features: ``(n_fake, d)`` with ``n_fake > k``

    Raises:
        TypeError: If ``k`` or ``batch_size`` is not an int.
        ValueError: If a set has at most ``k`` rows, the dimensions differ, or entries are
            not finite.

    Example:
        >>> import torch
        >>> g = torch.Generator().manual_seed(0)
        >>> real = torch.randn(100, 8, generator=g)
        >>> same = precision_recall(real, real)
        >>> far = precision_recall(real, real + 100.0)
        >>> (same.precision, same.recall), (far.precision, far.recall)
        ((1.0, 1.0), (0.0, 0.0))
    """
    k = check_positive_int("k", k)
    batch_size = check_positive_int("batch_size", batch_size)
    real = as_float64("real_features", real_features, ndim=2)
    fake = as_float64("fake_features", fake_features, ndim=2).to(real.device)
    if real.shape[1] != fake.shape[1]:
        raise ValueError(
            "real_features and fake_features must have the same feature dimension, "
            f"got {real.shape[1]} and {fake.shape[1]}"
        )
    for name, points in (("real_features", real), ("fake_features", fake)):
        if points.shape[0] <= k:
            raise ValueError(f"{name} needs more than k={k} rows, got {points.shape[0]}")
    real_radii = _kth_neighbour_radii(real, k, batch_size)
    fake_radii = _kth_neighbour_radii(fake, k, batch_size)
    return PrecisionRecallResult(
        precision=_coverage(fake, real, real_radii, batch_size),
        recall=_coverage(real, fake, fake_radii, batch_size),
        k=k,
        num_real=int(real.shape[0]),
        num_fake=int(fake.shape[0]),
    )
