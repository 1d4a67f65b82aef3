r"""Gaussian feature statistics: a frozen result type and a streaming accumulator.

FID compares the mean :math:`\mu` and covariance :math:`\Sigma` of Inception features
(Heusel et al., 2017). :class:`FeatureStatistics` accumulates them batch by batch on the
device in float64 with the pairwise update of Chan, Golub & LeVeque ("Algorithms for
computing the sample variance", 1983): for parts :math:`A, B` with counts :math:`n_A, n_B`,
means :math:`\bar x_A, \bar x_B` and centred scatter matrices :math:`M_A, M_B`,

.. math::

    \delta = \bar x_B - \bar x_A,\quad
    \bar x = \bar x_A + \delta\, n_B / n,\quad
    M = M_A + M_B + \delta\delta^\top n_A n_B / n,

and :math:`\Sigma = M / (n - 1)`. Accumulators are therefore mergeable (for example across
processes) and equal to the one-shot statistics up to round-off.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import torch

from gankit._validation import MAX_FEATURES, ArrayLike, as_float64, check_int, check_positive_int
from gankit.metrics.frechet import frechet_distance

__all__ = ["FeatureStatistics", "GaussianStatistics", "statistics_from_features"]


def _warn_if_singular(num_samples: int, num_features: int) -> None:
    if num_samples <= num_features:
        warnings.warn(
            f"only {num_samples} samples for {num_features} feature dimensions: the covariance "
            "has rank < num_features (singular), so the Fréchet distance is biased and noisy; "
            "use more samples than feature dimensions",
            UserWarning,
            stacklevel=3,
        )


@dataclass(frozen=True, eq=False)
class GaussianStatistics:
    r"""Mean and covariance of a feature set, with the number of samples they came from.

    .. math::

        \mu = \frac{1}{n} \sum_i x_i, \qquad
        \Sigma = \frac{1}{n - 1} \sum_i (x_i - \mu)(x_i - \mu)^\top

    Args:
        mu: Mean, stored as a read-only float64 numpy copy.
        sigma: Unbiased covariance, stored as a read-only float64 numpy copy.
        num_samples: Number of feature vectors ``n`` (at least 2), or ``None`` when it is
            not known (statistics files of pytorch-fid and TTUR do not record it).

    Shape:
        - mu: ``(d,)``
        - sigma: ``(d, d)``

    Raises:
        TypeError: If ``num_samples`` is not an int or ``mu``/``sigma`` are not arrays.
        ValueError: If shapes do not match, entries are not finite or ``num_samples < 2``.

    Example:
        >>> import numpy as np
        >>> stats = GaussianStatistics(np.zeros(2), np.eye(2), num_samples=100)
        >>> stats.num_features
        2
        >>> stats.frechet_distance(GaussianStatistics(np.ones(2), np.eye(2), 100))
        2.0
    """

    mu: npt.NDArray[np.float64]
    sigma: npt.NDArray[np.float64]
    num_samples: int | None

    def __post_init__(self) -> None:
        mu = as_float64("GaussianStatistics.mu", self.mu, ndim=1)
        sigma = as_float64("GaussianStatistics.sigma", self.sigma, ndim=2)
        d = mu.shape[0]
        if sigma.shape != (d, d):
            raise ValueError(
                f"GaussianStatistics.sigma must have shape ({d}, {d}) to match mu, "
                f"got {tuple(sigma.shape)}"
            )
        if self.num_samples is not None:
            check_positive_int("GaussianStatistics.num_samples", self.num_samples, minimum=2)
        for name, value in (("mu", mu), ("sigma", sigma)):
            array = value.cpu().clone().numpy()
            array.setflags(write=False)  # frozen: no aliasing of the caller's array either
            object.__setattr__(self, name, array)

    @property
    def num_features(self) -> int:
        """Feature dimension ``d``."""
        return int(self.mu.shape[0])

    def frechet_distance(
        self, other: GaussianStatistics, *, device: torch.device | str | None = None
    ) -> float:
        """Fréchet distance to ``other``; see :func:`gankit.metrics.frechet_distance`.

        Args:
            other: Statistics of the second feature set.
            device: Where to compute (default CPU).

        Returns:
            The squared Fréchet distance as a float.

        Example:
            >>> import numpy as np
            >>> a = GaussianStatistics(np.zeros(2), np.eye(2), 10)
            >>> a.frechet_distance(a)
            0.0
        """
        return frechet_distance(self.mu, self.sigma, other.mu, other.sigma, device=device)


def statistics_from_features(features: ArrayLike) -> GaussianStatistics:
    r"""Mean and unbiased covariance of a feature matrix in float64.

    .. math::

        \mu = \frac{1}{n}\sum_i x_i,\qquad
        \Sigma = \frac{1}{n-1}\sum_i (x_i-\mu)(x_i-\mu)^\top

    Args:
        features: Feature matrix, one row per sample.

    Returns:
        The :class:`GaussianStatistics` of the rows.

    Shape:
        - features: ``(n, d)`` with ``n >= 2``

    Raises:
        ValueError: If ``features`` is not 2-D, has fewer than 2 rows or non-finite values.

    Warns:
        UserWarning: If ``n <= d``: the covariance is then singular.

    Example:
        >>> import torch
        >>> stats = statistics_from_features(torch.randn(500, 4))
        >>> stats.mu.shape, stats.sigma.shape, stats.num_samples
        ((4,), (4, 4), 500)
    """
    x = as_float64("features", features, ndim=2)
    n, d = x.shape
    if n < 2:
        raise ValueError(f"features must have at least 2 rows, got {n}")
    _warn_if_singular(n, d)
    mean = x.mean(0)
    centred = x - mean
    return GaussianStatistics(
        mean.cpu().numpy(), (centred.T @ centred / (n - 1)).cpu().numpy(), int(n)
    )


class FeatureStatistics:
    r"""Streaming, mergeable mean and covariance of feature batches (float64, on device).

    Keeps the count :math:`n`, the mean :math:`\bar x` and the centred scatter matrix
    :math:`M = \sum_i (x_i - \bar x)(x_i - \bar x)^\top`; each batch and each
    :meth:`merge` uses the pairwise update of Chan et al. (1983) given in the module
    docstring, so no raw sums of outer products (prone to cancellation) are formed.

    Args:
        num_features: Feature dimension ``d``.
        device: Where the float64 accumulators live (default CPU); batches are moved there.

    Raises:
        TypeError: If ``num_features`` is not an int.
        ValueError: If ``num_features`` is not in ``[1, 2**14]`` (the covariance would not fit).

    Example:
        >>> import torch
        >>> acc = FeatureStatistics(3)
        >>> x = torch.randn(100, 3)
        >>> acc.update(x[:60]); acc.update(x[60:])
        >>> torch.allclose(acc.covariance(), torch.cov(x.T).double())
        True
        >>> acc.compute().num_samples
        100
    """

    def __init__(self, num_features: int, *, device: torch.device | str | None = None) -> None:
        self.num_features = check_int(
            "", "num_features", num_features, minimum=1, maximum=MAX_FEATURES
        )
        self.device = torch.device("cpu" if device is None else device)
        self.reset()

    def reset(self) -> None:
        """Forget all samples.

        Example:
            >>> import torch
            >>> acc = FeatureStatistics(2)
            >>> acc.update(torch.ones(4, 2)); acc.reset(); acc.num_samples
            0
        """
        d = self.num_features
        self._count = 0
        self._mean = torch.zeros(d, dtype=torch.float64, device=self.device)
        self._scatter = torch.zeros(d, d, dtype=torch.float64, device=self.device)

    @property
    def num_samples(self) -> int:
        """Number of feature vectors seen so far."""
        return self._count

    def _combine(self, count: int, mean: torch.Tensor, scatter: torch.Tensor) -> None:
        total = self._count + count
        delta = mean - self._mean
        self._scatter += scatter + torch.outer(delta, delta) * (self._count * count / total)
        self._mean += delta * (count / total)
        self._count = total

    def update(self, features: torch.Tensor) -> None:
        """Add a batch of feature vectors.

        Args:
            features: Feature batch (any float dtype, any device).

        Shape:
            - features: ``(batch, num_features)``

        Raises:
            TypeError: If ``features`` is not a tensor.
            ValueError: If the shape does not match ``(batch, num_features)``.

        Example:
            >>> import torch
            >>> acc = FeatureStatistics(2)
            >>> acc.update(torch.zeros(5, 2)); acc.num_samples
            5
        """
        if not isinstance(features, torch.Tensor):
            raise TypeError(f"features must be a torch.Tensor, got {type(features).__name__}")
        if features.ndim != 2 or features.shape[1] != self.num_features:
            raise ValueError(
                f"features must have shape (batch, {self.num_features}), "
                f"got {tuple(features.shape)}"
            )
        if features.shape[0] == 0:
            return
        x = features.detach().to(device=self.device, dtype=torch.float64)
        mean = x.mean(0)
        centred = x - mean
        self._combine(int(x.shape[0]), mean, centred.T @ centred)

    def merge(self, other: FeatureStatistics) -> None:
        """Add all samples of ``other`` to this accumulator (in place; ``other`` unchanged).

        Args:
            other: Accumulator with the same ``num_features``.

        Raises:
            TypeError: If ``other`` is not a :class:`FeatureStatistics`.
            ValueError: If the feature dimensions differ.

        Example:
            >>> import torch
            >>> a, b = FeatureStatistics(2), FeatureStatistics(2)
            >>> a.update(torch.randn(10, 2)); b.update(torch.randn(5, 2))
            >>> a.merge(b); a.num_samples
            15
        """
        if not isinstance(other, FeatureStatistics):
            raise TypeError(f"other must be a FeatureStatistics, got {type(other).__name__}")
        if other.num_features != self.num_features:
            raise ValueError(
                f"other.num_features must equal {self.num_features}, got {other.num_features}"
            )
        if other._count == 0:
            return
        self._combine(other._count, other._mean.to(self.device), other._scatter.to(self.device))

    def mean(self) -> torch.Tensor:
        """Mean of the features seen so far (float64, shape ``(num_features,)``).

        Raises:
            ValueError: If no samples were added.

        Example:
            >>> import torch
            >>> acc = FeatureStatistics(2)
            >>> acc.update(torch.tensor([[0.0, 1.0], [2.0, 3.0]])); acc.mean()
            tensor([1., 2.], dtype=torch.float64)
        """
        if self._count == 0:
            raise ValueError("mean() needs at least 1 sample, got 0")
        return self._mean.clone()

    def covariance(self) -> torch.Tensor:
        r"""Unbiased covariance :math:`M / (n - 1)` (float64, ``(num_features, num_features)``).

        Raises:
            ValueError: If fewer than 2 samples were added.

        Example:
            >>> import torch
            >>> acc = FeatureStatistics(1)
            >>> acc.update(torch.tensor([[0.0], [2.0]])); acc.covariance()
            tensor([[2.]], dtype=torch.float64)
        """
        if self._count < 2:
            raise ValueError(f"covariance() needs at least 2 samples, got {self._count}")
        scatter = (self._scatter + self._scatter.T) / 2
        return scatter / (self._count - 1)

    def compute(self) -> GaussianStatistics:
        """Freeze the current statistics as numpy :class:`GaussianStatistics`.

        Returns:
            Mean, covariance and sample count.

        Raises:
            ValueError: If fewer than 2 samples were added or the statistics are not finite.

        Warns:
            UserWarning: If ``num_samples <= num_features`` (singular covariance).

        Example:
            >>> import torch
            >>> acc = FeatureStatistics(2)
            >>> acc.update(torch.randn(50, 2)); acc.compute().num_samples
            50
        """
        covariance = self.covariance()
        _warn_if_singular(self._count, self.num_features)
        return GaussianStatistics(self._mean.cpu().numpy(), covariance.cpu().numpy(), self._count)

    def state_dict(self) -> dict[str, torch.Tensor]:
        """Tensors that fully describe the accumulator (for checkpoints).

        Returns:
            ``{"num_samples": int64 scalar, "mean": (d,), "scatter": (d, d)}``, float64.

        Example:
            >>> import torch
            >>> acc = FeatureStatistics(2); acc.update(torch.randn(3, 2))
            >>> sorted(acc.state_dict())
            ['mean', 'num_samples', 'scatter']
        """
        return {
            "num_samples": torch.tensor(self._count, dtype=torch.int64),
            "mean": self._mean.clone(),
            "scatter": self._scatter.clone(),
        }

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore from :meth:`state_dict` output (tensors are moved to ``self.device``).

        Args:
            state_dict: Mapping with ``num_samples``, ``mean`` and ``scatter``.

        Raises:
            KeyError: If an entry is missing.
            ValueError: If the shapes do not match ``num_features`` or the count is negative.

        Example:
            >>> import torch
            >>> a = FeatureStatistics(2); a.update(torch.randn(4, 2))
            >>> b = FeatureStatistics(2); b.load_state_dict(a.state_dict()); b.num_samples
            4
        """
        d = self.num_features
        count = int(state_dict["num_samples"])
        mean = torch.as_tensor(state_dict["mean"], dtype=torch.float64, device=self.device)
        scatter = torch.as_tensor(state_dict["scatter"], dtype=torch.float64, device=self.device)
        if count < 0 or mean.shape != (d,) or scatter.shape != (d, d):
            raise ValueError(
                f"state_dict must hold num_samples >= 0, mean ({d},) and scatter ({d}, {d}), "
                f"got {count}, {tuple(mean.shape)} and {tuple(scatter.shape)}"
            )
        self._count = count
        self._mean = mean.clone()
        self._scatter = scatter.clone()
