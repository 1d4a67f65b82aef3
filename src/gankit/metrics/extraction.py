"""Running a feature extractor over data sets and generators, batch by batch.

Any callable mapping an image batch to a feature matrix can be used (a
:class:`~gankit.metrics.InceptionFeatureExtractor`, a user ``nn.Module`` or a plain
function); see :class:`FeatureExtractor`. Extraction runs under ``torch.no_grad()``;
put ``nn.Module`` extractors and generators in eval mode yourself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Protocol, runtime_checkable

import torch

from gankit._validation import check_positive_int, module_device
from gankit.metrics.statistics import FeatureStatistics, GaussianStatistics

__all__ = [
    "FeatureExtractor",
    "compute_statistics",
    "extract_features",
    "generate_features",
    "generate_statistics",
]

ImageBatches = torch.Tensor | Iterable[torch.Tensor | Sequence[torch.Tensor]]
"""A tensor of images, or an iterable of batches (or of ``(images, ...)`` tuples)."""


@runtime_checkable
class FeatureExtractor(Protocol):
    """Anything that maps an image batch ``(N, C, H, W)`` to features ``(N, d)``.

    Example:
        >>> import torch
        >>> isinstance(torch.nn.Flatten(), FeatureExtractor)
        True
    """

    def __call__(self, images: torch.Tensor, /) -> torch.Tensor:
        """Return the ``(N, d)`` features of ``images``."""
        ...


def _check_max_samples(max_samples: int | None) -> None:
    if max_samples is not None:
        check_positive_int("max_samples", max_samples)


def _batches(images: ImageBatches, batch_size: int) -> Iterator[torch.Tensor]:
    if isinstance(images, torch.Tensor):
        for start in range(0, images.shape[0], batch_size):
            yield images[start : start + batch_size]
        return
    for item in images:
        batch = item if isinstance(item, torch.Tensor) else item[0]
        if not isinstance(batch, torch.Tensor):
            raise TypeError(
                f"images must yield tensors or (tensor, ...) tuples, got {type(batch).__name__}"
            )
        yield batch


def _features(
    batches: Iterable[torch.Tensor],
    extractor: FeatureExtractor,
    device: torch.device,
    max_samples: int | None,
) -> Iterator[torch.Tensor]:
    seen = 0
    with torch.no_grad():
        for batch in batches:
            if max_samples is not None:
                batch = batch[: max_samples - seen]
            if batch.shape[0] == 0:
                break
            features = extractor(batch.to(device))
            if features.ndim != 2 or features.shape[0] != batch.shape[0]:
                raise ValueError(
                    f"extractor must return features of shape ({batch.shape[0]}, d) for a "
                    f"batch of {batch.shape[0]} images, got {tuple(features.shape)}"
                )
            seen += batch.shape[0]
            yield features
            if max_samples is not None and seen >= max_samples:
                break


def _generated(
    generator_fn: Callable[[int], torch.Tensor], num_samples: int, batch_size: int
) -> Iterator[torch.Tensor]:
    for start in range(0, num_samples, batch_size):
        size = min(batch_size, num_samples - start)
        images = generator_fn(size)
        if not isinstance(images, torch.Tensor) or images.shape[0] != size:
            shape = tuple(images.shape) if isinstance(images, torch.Tensor) else type(images)
            raise ValueError(f"generator_fn({size}) must return {size} images, got {shape}")
        yield images


def _accumulate(features: Iterable[torch.Tensor], device: torch.device) -> GaussianStatistics:
    accumulator: FeatureStatistics | None = None
    for batch in features:
        if accumulator is None:
            accumulator = FeatureStatistics(int(batch.shape[1]), device=device)
        accumulator.update(batch)
    if accumulator is None:
        raise ValueError("images must contain at least 2 images, got none")
    return accumulator.compute()


def _collect(features: Iterable[torch.Tensor]) -> torch.Tensor:
    collected = list(features)
    if not collected:
        raise ValueError("images must contain at least 1 image, got none")
    return torch.cat(collected)


def extract_features(
    images: ImageBatches,
    extractor: FeatureExtractor,
    *,
    device: torch.device | str | None = None,
    batch_size: int = 50,
    max_samples: int | None = None,
) -> torch.Tensor:
    """Features of all images (for KID or precision/recall).

    Args:
        images: An image tensor (split into ``batch_size`` chunks) or an iterable of
            batches, for example a ``DataLoader`` yielding ``(images, labels)``.
        extractor: Feature extractor.
        device: Where batches go (default: the extractor's parameters' device, else CPU).
        batch_size: Chunk size when ``images`` is a tensor.
        max_samples: Stop after this many images (``None``: all).

    Returns:
        Features on ``device``.

    Shape:
        - output: ``(n, d)``

    Raises:
        ValueError: If there are no images or the extractor returns a wrong shape.

    Example:
        >>> import torch
        >>> extract_features(torch.rand(10, 3, 4, 4), torch.nn.Flatten(), batch_size=4).shape
        torch.Size([10, 48])
    """
    batch_size = check_positive_int("batch_size", batch_size)
    _check_max_samples(max_samples)
    target = module_device(extractor) if device is None else torch.device(device)
    return _collect(_features(_batches(images, batch_size), extractor, target, max_samples))


def compute_statistics(
    images: ImageBatches,
    extractor: FeatureExtractor,
    *,
    device: torch.device | str | None = None,
    batch_size: int = 50,
    max_samples: int | None = None,
) -> GaussianStatistics:
    """Streaming feature mean and covariance of a data set (memory ``O(d²)``).

    Args:
        images: An image tensor or an iterable of batches (see :func:`extract_features`).
        extractor: Feature extractor.
        device: Where batches and the float64 accumulators go (default: extractor's).
        batch_size: Chunk size when ``images`` is a tensor.
        max_samples: Stop after this many images (``None``: all).

    Returns:
        :class:`~gankit.metrics.GaussianStatistics` with ``num_samples`` images.

    Raises:
        ValueError: If there are fewer than 2 images or the extractor misbehaves.

    Warns:
        UserWarning: If there are no more images than feature dimensions.

    Example:
        >>> import torch
        >>> stats = compute_statistics(torch.rand(20, 1, 2, 2), torch.nn.Flatten())
        >>> stats.num_samples, stats.num_features
        (20, 4)
    """
    batch_size = check_positive_int("batch_size", batch_size)
    _check_max_samples(max_samples)
    target = module_device(extractor) if device is None else torch.device(device)
    features = _features(_batches(images, batch_size), extractor, target, max_samples)
    return _accumulate(features, target)


def generate_features(
    generator_fn: Callable[[int], torch.Tensor],
    num_samples: int,
    extractor: FeatureExtractor,
    *,
    batch_size: int = 50,
    device: torch.device | str | None = None,
) -> torch.Tensor:
    """Features of ``num_samples`` generated images.

    Args:
        generator_fn: ``generator_fn(b)`` returns ``b`` images, for example
            ``lambda b: G(torch.randn(b, 100, 1, 1, device=dev))``.
        num_samples: Total number of images.
        extractor: Feature extractor.
        batch_size: Images per ``generator_fn`` call.
        device: Where images go (default: the extractor's device).

    Returns:
        Features of shape ``(num_samples, d)``.

    Raises:
        ValueError: If ``generator_fn`` returns the wrong number of images.

    Example:
        >>> import torch
        >>> generate_features(lambda b: torch.zeros(b, 3, 2, 2), 7, torch.nn.Flatten()).shape
        torch.Size([7, 12])
    """
    num_samples = check_positive_int("num_samples", num_samples)
    batch_size = check_positive_int("batch_size", batch_size)
    target = module_device(extractor) if device is None else torch.device(device)
    batches = _generated(generator_fn, num_samples, batch_size)
    return _collect(_features(batches, extractor, target, None))


def generate_statistics(
    generator_fn: Callable[[int], torch.Tensor],
    num_samples: int,
    extractor: FeatureExtractor,
    *,
    batch_size: int = 50,
    device: torch.device | str | None = None,
) -> GaussianStatistics:
    """Streaming feature statistics of ``num_samples`` generated images.

    Args:
        generator_fn: ``generator_fn(b)`` returns ``b`` images.
        num_samples: Total number of images (at least 2).
        extractor: Feature extractor.
        batch_size: Images per ``generator_fn`` call.
        device: Where images and accumulators go (default: the extractor's device).

    Returns:
        :class:`~gankit.metrics.GaussianStatistics` of the generated features.

    Raises:
        ValueError: If ``generator_fn`` returns the wrong number of images.

    Warns:
        UserWarning: If ``num_samples`` does not exceed the feature dimension.

    Example:
        >>> import torch
        >>> stats = generate_statistics(lambda b: torch.rand(b, 2), 30, torch.nn.Identity())
        >>> stats.num_samples
        30
    """
    num_samples = check_positive_int("num_samples", num_samples, minimum=2)
    batch_size = check_positive_int("batch_size", batch_size)
    target = module_device(extractor) if device is None else torch.device(device)
    batches = _generated(generator_fn, num_samples, batch_size)
    return _accumulate(_features(batches, extractor, target, None), target)
