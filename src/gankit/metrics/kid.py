r"""Kernel Inception Distance (Bińkowski et al., "Demystifying MMD GANs", ICLR 2018).

KID is the squared maximum mean discrepancy between real features :math:`X` and generated
features :math:`Y` under the cubic polynomial kernel

.. math::

    k(x, y) = \left(\frac{x^\top y}{d} + 1\right)^3,

estimated without bias on random subsets of :math:`m` samples from each set:

.. math::

    \widehat{\mathrm{MMD}}^2 = \frac{\sum_{i \ne j} k(x_i, x_j)}{m(m-1)}
        + \frac{\sum_{i \ne j} k(y_i, y_j)}{m(m-1)}
        - \frac{2}{m^2} \sum_{i, j} k(x_i, y_j).

The mean and the standard deviation over the subsets are reported. Unlike FID, the
estimator is unbiased, so it is meaningful for small sample counts.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from gankit._validation import ArrayLike, as_float64, check_positive_int

__all__ = ["KIDResult", "kernel_inception_distance", "polynomial_mmd2"]


@dataclass(frozen=True)
class KIDResult:
    """KID estimate over subsets.

    Args:
        mean: Mean of the subset MMD² estimates.
        std: Population standard deviation (``ddof=0``) of the subset estimates.
        num_subsets: Number of subsets.
        subset_size: Samples drawn from each set per subset.
        num_real: Number of real feature vectors.
        num_fake: Number of generated feature vectors.

    Example:
        >>> KIDResult(0.01, 0.002, 100, 1000, 5000, 5000).subset_size
        1000
    """

    mean: float
    std: float
    num_subsets: int
    subset_size: int
    num_real: int
    num_fake: int


def _kernel(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return (a @ b.T / a.shape[1] + 1.0) ** 3


def polynomial_mmd2(x: ArrayLike, y: ArrayLike) -> float:
    r"""Unbiased MMD² of two samples under :math:`k(x, y) = (x^\top y / d + 1)^3`.

    See the module docstring for the estimator (Bińkowski et al., 2018). Computed
    in float64.

    Args:
        x: First sample.
        y: Second sample.

    Returns:
        The unbiased estimate (can be slightly negative).

    Shape:
        - x: ``(m, d)`` with ``m >= 2``
        - y: ``(n, d)`` with ``n >= 2``

    Raises:
        ValueError: If the inputs are not 2-D, have fewer than 2 rows, non-finite entries
            or different feature dimensions.

    Example:
        >>> import torch
        >>> g = torch.Generator().manual_seed(0)
        >>> x = torch.randn(200, 8, generator=g)
        >>> polynomial_mmd2(x, x + 3.0) > 1.0
        True
    """
    a = as_float64("x", x, ndim=2)
    b = as_float64("y", y, ndim=2).to(a.device)
    if a.shape[1] != b.shape[1]:
        raise ValueError(
            f"x and y must have the same feature dimension, got {a.shape[1]} and {b.shape[1]}"
        )
    if a.shape[0] < 2 or b.shape[0] < 2:
        raise ValueError(f"x and y need at least 2 rows each, got {a.shape[0]} and {b.shape[0]}")
    return float(_mmd2(a, b))


def _mmd2(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    m, n = a.shape[0], b.shape[0]
    k_xx, k_yy, k_xy = _kernel(a, a), _kernel(b, b), _kernel(a, b)
    xx = (k_xx.sum() - k_xx.diagonal().sum()) / (m * (m - 1))
    yy = (k_yy.sum() - k_yy.diagonal().sum()) / (n * (n - 1))
    return xx + yy - 2 * k_xy.mean()


def kernel_inception_distance(
    real_features: ArrayLike,
    fake_features: ArrayLike,
    *,
    num_subsets: int = 100,
    subset_size: int = 1000,
    seed: int = 0,
) -> KIDResult:
    """KID: mean and std of :func:`polynomial_mmd2` over random subsets.

    Each subset draws ``subset_size`` rows without replacement from each feature set
    (independently per subset) using a ``torch.Generator`` seeded with ``seed``, so the
    result is reproducible (Bińkowski et al., 2018).

    Args:
        real_features: Features of real images.
        fake_features: Features of generated images.
        num_subsets: Number of subsets (at least 1).
        subset_size: Rows per set and subset (at least 2, at most the smaller set size).
        seed: Seed of the subset sampling.

    Returns:
        A :class:`KIDResult`.

    Shape:
        - real_features: ``(n_real, d)``
        - fake_features: ``(n_fake, d)``

    Raises:
        TypeError: If a count is not an int.
        ValueError: If ``subset_size`` exceeds a set size, or the features are invalid.

    Example:
        >>> import torch
        >>> g = torch.Generator().manual_seed(0)
        >>> real = torch.randn(300, 16, generator=g)
        >>> same = kernel_inception_distance(real[:150], real[150:], num_subsets=10, subset_size=100)
        >>> shifted = kernel_inception_distance(real, real + 1.0, num_subsets=10, subset_size=100)
        >>> abs(same.mean) < 0.05 < shifted.mean
        True
    """
    num_subsets = check_positive_int("num_subsets", num_subsets)
    subset_size = check_positive_int("subset_size", subset_size, minimum=2)
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"seed must be an int, got {type(seed).__name__}")
    real = as_float64("real_features", real_features, ndim=2)
    fake = as_float64("fake_features", fake_features, ndim=2).to(real.device)
    if real.shape[1] != fake.shape[1]:
        raise ValueError(
            "real_features and fake_features must have the same feature dimension, "
            f"got {real.shape[1]} and {fake.shape[1]}"
        )
    smallest = min(real.shape[0], fake.shape[0])
    if subset_size > smallest:
        raise ValueError(
            f"subset_size must be <= the smaller number of samples ({smallest}), got {subset_size}"
        )
    generator = torch.Generator().manual_seed(seed)
    estimates = []
    for _ in range(num_subsets):
        real_rows = torch.randperm(real.shape[0], generator=generator)[:subset_size]
        fake_rows = torch.randperm(fake.shape[0], generator=generator)[:subset_size]
        estimates.append(_mmd2(real[real_rows.to(real.device)], fake[fake_rows.to(real.device)]))
    scores = torch.stack(estimates)
    return KIDResult(
        mean=float(scores.mean()),
        std=float(scores.std(correction=0)),
        num_subsets=num_subsets,
        subset_size=subset_size,
        num_real=int(real.shape[0]),
        num_fake=int(fake.shape[0]),
    )
