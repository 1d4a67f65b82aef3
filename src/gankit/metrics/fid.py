"""Fréchet Inception Distance: results that carry their sample counts, and a one-call API.

FID (Heusel et al., 2017) is the :func:`~gankit.metrics.frechet_distance` between the
Gaussian statistics of real and generated Inception features. Its estimate depends on the
number of samples (it is biased upwards for small ``n``), so every result records the
counts and the feature protocol.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

import torch

from gankit._validation import ArrayLike, check_positive_int, module_device
from gankit.metrics.cache import StatisticsKey, compute_or_load_statistics
from gankit.metrics.extraction import (
    FeatureExtractor,
    ImageBatches,
    compute_statistics,
    generate_statistics,
)
from gankit.metrics.fingerprint import images_fingerprint, weights_fingerprint
from gankit.metrics.statistics import GaussianStatistics, statistics_from_features

__all__ = ["FID", "FIDResult", "fid_from_features", "fid_from_statistics"]


@dataclass(frozen=True)
class FIDResult:
    """An FID value with the sample counts and the protocol it was computed under.

    Args:
        value: The Fréchet distance.
        num_real: Number of real samples behind the real statistics (``None``: not
            recorded, e.g. a pytorch-fid/TTUR statistics file).
        num_fake: Number of generated samples (``None``: not recorded).
        protocol: Feature protocol, e.g. :data:`gankit.metrics.INCEPTION_PROTOCOL`.

    Example:
        >>> result = FIDResult(12.5, 50000, 10000, "custom")
        >>> float(result), result.num_fake
        (12.5, 10000)
    """

    value: float
    num_real: int | None
    num_fake: int | None
    protocol: str

    def __float__(self) -> float:
        """The FID value."""
        return self.value


def _protocol_of(extractor: object, protocol: str | None) -> str:
    if protocol is not None:
        return protocol
    named = getattr(extractor, "protocol", None)
    return named if isinstance(named, str) else "custom"


def fid_from_statistics(
    real: GaussianStatistics,
    fake: GaussianStatistics,
    *,
    protocol: str = "custom",
    device: torch.device | str | None = None,
) -> FIDResult:
    """FID between two sets of feature statistics.

    Args:
        real: Statistics of real features.
        fake: Statistics of generated features.
        protocol: Name of the feature protocol to record.
        device: Where to compute the distance (default CPU).

    Returns:
        An :class:`FIDResult` with both sample counts.

    Raises:
        ValueError: If the feature dimensions differ.

    Example:
        >>> import numpy as np
        >>> real = GaussianStatistics(np.zeros(2), np.eye(2), 100)
        >>> fake = GaussianStatistics(np.ones(2), np.eye(2), 50)
        >>> fid_from_statistics(real, fake)
        FIDResult(value=2.0, num_real=100, num_fake=50, protocol='custom')
    """
    value = real.frechet_distance(fake, device=device)
    return FIDResult(value, real.num_samples, fake.num_samples, protocol)


def fid_from_features(
    real_features: ArrayLike, fake_features: ArrayLike, *, protocol: str = "custom"
) -> FIDResult:
    """FID between two feature matrices.

    Args:
        real_features: Real features, one row per sample.
        fake_features: Generated features.
        protocol: Name of the feature protocol to record.

    Returns:
        An :class:`FIDResult`.

    Shape:
        - real_features: ``(n_real, d)``
        - fake_features: ``(n_fake, d)``

    Raises:
        ValueError: If the features are not 2-D, finite and of equal ``d``.

    Warns:
        UserWarning: If a set has no more rows than ``d``.

    Example:
        >>> import torch
        >>> x = torch.randn(400, 3)
        >>> round(fid_from_features(x, x).value, 9)
        0.0
    """
    return fid_from_statistics(
        statistics_from_features(real_features),
        statistics_from_features(fake_features),
        protocol=protocol,
    )


class FID:
    """FID of generators against fixed real statistics, in one call per evaluation.

    Holds the extractor and the real statistics (typically cached, see
    :meth:`from_images`); calling it streams ``num_samples`` generated images through the
    extractor (no features are kept; the float64 accumulators and the final
    eigendecompositions run on ``device``) and returns an :class:`FIDResult`. Put the
    generator in eval mode first if its output depends on the mode; it runs under
    ``torch.no_grad()``.

    Args:
        extractor: Feature extractor, e.g. from :func:`gankit.metrics.load_inception`.
        real_statistics: Statistics of real features under the same extractor.
        batch_size: Images per generator call.
        device: Where images and statistics go (default: the extractor's device).
        protocol: Protocol name for results (default: ``extractor.protocol`` if it is a
            string, else ``"custom"``).

    Raises:
        TypeError: If ``real_statistics`` is not :class:`GaussianStatistics`.

    Example:
        >>> import torch
        >>> g = torch.Generator().manual_seed(0)
        >>> real = torch.randn(500, 4, generator=g)
        >>> fid = FID(torch.nn.Identity(), statistics_from_features(real))
        >>> result = fid(lambda b: torch.randn(b, 4, generator=g) + 1.0, num_samples=500)
        >>> 3.0 < result.value < 5.0, result.num_real, result.num_fake
        (True, 500, 500)
    """

    def __init__(
        self,
        extractor: FeatureExtractor,
        real_statistics: GaussianStatistics,
        *,
        batch_size: int = 50,
        device: torch.device | str | None = None,
        protocol: str | None = None,
    ) -> None:
        if not isinstance(real_statistics, GaussianStatistics):
            raise TypeError(
                f"real_statistics must be GaussianStatistics, got {type(real_statistics).__name__}"
            )
        self.extractor = extractor
        self.real_statistics = real_statistics
        self.batch_size = check_positive_int("batch_size", batch_size)
        self.device = None if device is None else torch.device(device)
        self.protocol = _protocol_of(extractor, protocol)

    @classmethod
    def from_images(
        cls,
        extractor: FeatureExtractor,
        real_images: ImageBatches,
        *,
        key: str | None = None,
        cache_dir: str | os.PathLike[str] | None = None,
        max_real: int | None = None,
        batch_size: int = 50,
        device: torch.device | str | None = None,
        protocol: str | None = None,
        data_fingerprint: str | None = None,
    ) -> FID:
        """Compute (or load from the cache) the real statistics and build an :class:`FID`.

        With ``cache_dir`` the statistics are cached under a
        :class:`~gankit.metrics.StatisticsKey` made of a content fingerprint of the
        images (:func:`~gankit.metrics.images_fingerprint`, or ``data_fingerprint``), the
        extractor's weights (:func:`~gankit.metrics.weights_fingerprint`), the protocol,
        the extractor's ``value_range`` (if it has one), ``max_real`` and ``key``, so
        other images, weights or settings are never served from the cache. Fingerprinting
        an iterable (e.g. a ``DataLoader``) reads it once more; pass ``data_fingerprint``
        (e.g. :func:`~gankit.metrics.folder_fingerprint` of the files) to skip that pass.

        Args:
            extractor: Feature extractor.
            real_images: Image tensor or iterable of batches (e.g. a ``DataLoader``).
            key: A readable data set name stored in the cache key, e.g.
                ``"celeba-64-train"`` (optional).
            cache_dir: Cache directory; ``None`` disables caching.
            max_real: Use at most this many real images (``None``: all).
            batch_size: Images per batch (also for the generator later).
            device: Where images go (default: the extractor's device).
            protocol: Protocol name (default: ``extractor.protocol`` or ``"custom"``).
            data_fingerprint: Your own content fingerprint of ``real_images``.

        Returns:
            The :class:`FID` evaluator.

        Raises:
            ValueError: If ``key`` or ``data_fingerprint`` is given without ``cache_dir``.

        Example:
            >>> import torch, tempfile
            >>> cache = tempfile.mkdtemp()
            >>> fid = FID.from_images(torch.nn.Identity(), torch.rand(64, 3), cache_dir=cache)
            >>> fid.real_statistics.num_samples
            64
            >>> other = FID.from_images(torch.nn.Identity(), torch.rand(64, 3), cache_dir=cache)
            >>> other.real_statistics.mu.tolist() == fid.real_statistics.mu.tolist()  # recomputed
            False
        """
        if cache_dir is None and (key is not None or data_fingerprint is not None):
            raise ValueError(
                f"key and data_fingerprint need cache_dir, got key={key!r}, "
                f"data_fingerprint={data_fingerprint!r} and cache_dir=None"
            )
        name = _protocol_of(extractor, protocol)

        def compute() -> GaussianStatistics:
            return compute_statistics(
                real_images, extractor, device=device, batch_size=batch_size, max_samples=max_real
            )

        if cache_dir is None:
            real = compute()
        else:
            value_range = getattr(extractor, "value_range", None)
            statistics_key = StatisticsKey(
                data=data_fingerprint or images_fingerprint(real_images, max_samples=max_real),
                weights=weights_fingerprint(extractor),
                protocol=name,
                value_range=None if value_range is None else tuple(value_range),
                max_samples=max_real,
                label=key or "",
            )
            real = compute_or_load_statistics(statistics_key, cache_dir, compute)
        return cls(extractor, real, batch_size=batch_size, device=device, protocol=name)

    def __call__(self, generator_fn: Callable[[int], torch.Tensor], num_samples: int) -> FIDResult:
        """FID of ``num_samples`` images from ``generator_fn`` against the real statistics.

        Args:
            generator_fn: ``generator_fn(b)`` returns ``b`` images (e.g. in ``[-1, 1]``).
            num_samples: Number of generated images.

        Returns:
            An :class:`FIDResult` with ``num_fake == num_samples``.

        Raises:
            ValueError: If the generated features' dimension differs from the real one.
        """
        fake = generate_statistics(
            generator_fn,
            num_samples,
            self.extractor,
            batch_size=self.batch_size,
            device=self.device,
        )
        device = self.device if self.device is not None else module_device(self.extractor)
        return fid_from_statistics(
            self.real_statistics, fake, protocol=self.protocol, device=device
        )
