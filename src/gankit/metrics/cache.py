"""Cache of real-data feature statistics in ``.npz`` files, keyed by everything they depend on.

Real-data statistics are expensive (tens of thousands of Inception forward passes), so
they are computed once and stored as ``.npz`` with the arrays ``mu`` (d,), ``sigma``
(d, d), ``n`` (scalar) and ``key`` (a string). A :class:`StatisticsKey` names everything
the numbers depend on: a content fingerprint of the images, a fingerprint of the
extractor's weights, the feature protocol (including the resize convention), the range
of float input images, the resize and crop applied before the extractor and the sample
cap (see :mod:`gankit.metrics.fingerprint` for how fingerprints are taken). Changing any
of them gives another key, hence another file, so the statistics are recomputed. The file
name contains a SHA-256 hash of the key, and loading checks that the stored key equals
the requested one. Files are written atomically (temporary file + rename) and read with
``allow_pickle=False``.

:func:`~gankit.metrics.load_statistics` also reads the ``.npz`` files of pytorch-fid and
TTUR (Heusel et al., 2017), which hold only ``mu`` and ``sigma``; their sample count is
unknown (``num_samples=None``).
"""

from __future__ import annotations

import hashlib
import math
import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np

from gankit.metrics.statistics import GaussianStatistics

__all__ = [
    "StatisticsKey",
    "compute_or_load_statistics",
    "load_statistics",
    "save_statistics",
    "statistics_cache_path",
]


@dataclass(frozen=True)
class StatisticsKey:
    """Everything cached feature statistics depend on; ``str(key)`` is the stored key.

    Args:
        data: Content fingerprint of the images, e.g. from
            :func:`~gankit.metrics.images_fingerprint` or
            :func:`~gankit.metrics.folder_fingerprint`.
        weights: Fingerprint of the extractor's weights
            (:func:`~gankit.metrics.weights_fingerprint`).
        protocol: Feature protocol, including the resize convention, e.g.
            :data:`~gankit.metrics.INCEPTION_PROTOCOL`.
        value_range: ``(low, high)`` that the extractor assumes for float images
            (``None`` if it has no such setting).
        image_size: Side the images were resized to before the extractor (``None``: their
            own size).
        crop: Crop applied before the extractor (``"none"``, a preset name or a size).
        max_samples: Cap on the number of images (``None``: all).
        label: A readable name (e.g. ``"celeba-64-train"``), also part of the key.

    Raises:
        TypeError: If a field has the wrong type.
        ValueError: If ``data``, ``weights`` or ``protocol`` is empty, ``value_range`` is
            not increasing and finite, or ``image_size``/``max_samples`` is not positive.

    Example:
        >>> key = StatisticsKey("images:2:sha256:ab", "sha256:cd", "p", (-1.0, 1.0))
        >>> for part in str(key).split("|"):
        ...     print(part)
        data=images:2:sha256:ab
        weights=sha256:cd
        protocol=p
        value_range=-1.0,1.0
        image_size=native
        crop=none
        max_samples=all
        label=
        >>> str(key) == str(StatisticsKey("images:2:sha256:ab", "sha256:cd", "p", (0.0, 1.0)))
        False
    """

    data: str
    weights: str
    protocol: str
    value_range: tuple[float, float] | None
    image_size: int | None = None
    crop: str = "none"
    max_samples: int | None = None
    label: str = ""

    def __post_init__(self) -> None:
        for name in ("data", "weights", "protocol", "crop", "label"):
            value = getattr(self, name)
            if not isinstance(value, str):
                raise TypeError(f"StatisticsKey.{name} must be a str, got {type(value).__name__}")
            if not value and name not in ("label",):
                raise ValueError(f"StatisticsKey.{name} must be a non-empty str, got ''")
        if self.value_range is not None:
            low, high = (float(v) for v in self.value_range)
            if not (math.isfinite(low) and math.isfinite(high) and low < high):
                raise ValueError(
                    "StatisticsKey.value_range must be None or finite (low, high) with "
                    f"low < high, got {self.value_range!r}"
                )
            object.__setattr__(self, "value_range", (low, high))
        for name in ("image_size", "max_samples"):
            value = getattr(self, name)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(
                    f"StatisticsKey.{name} must be None or an int, got {type(value).__name__}"
                )
            if value < 1:
                raise ValueError(f"StatisticsKey.{name} must be None or >= 1, got {value}")

    def __str__(self) -> str:
        """The canonical key string: every field, in declaration order."""
        parts = []
        for field in fields(self):
            value = getattr(self, field.name)
            if field.name == "value_range":
                text = "none" if value is None else f"{value[0]!r},{value[1]!r}"
            elif field.name == "image_size":
                text = "native" if value is None else str(value)
            elif field.name == "max_samples":
                text = "all" if value is None else str(value)
            else:
                text = str(value)
            parts.append(f"{field.name}={text}")
        return "|".join(parts)


def _check_key(key: object) -> str:
    if isinstance(key, StatisticsKey):
        return str(key)
    if not isinstance(key, str) or not key:
        raise ValueError(f"key must be a StatisticsKey or a non-empty str, got {key!r}")
    return key


def _slug_source(key: str | StatisticsKey) -> str:
    if isinstance(key, StatisticsKey):
        return key.label or key.protocol
    return key


def statistics_cache_path(cache_dir: str | os.PathLike[str], key: str | StatisticsKey) -> Path:
    """Path of the cache file for ``key`` inside ``cache_dir``.

    The name is ``stats-<slug>-<hash>.npz``: a readable slug (of a string key, or of a
    :class:`StatisticsKey`'s label or protocol; at most 40 of ``[A-Za-z0-9._-]``) and the
    first 16 hex digits of ``sha256(str(key))``.

    Args:
        cache_dir: Directory of the cache (need not exist yet).
        key: A :class:`StatisticsKey` (recommended: it names everything the statistics
            depend on) or a non-empty string you make unique yourself.

    Returns:
        The cache file path.

    Raises:
        ValueError: If ``key`` is empty or not a string.

    Example:
        >>> statistics_cache_path("/tmp/cache", "mnist|pool3").name
        'stats-mnist-pool3-4893a3a9f9092dca.npz'
    """
    text = _check_key(key)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", _slug_source(key)).strip("-.")[:40] or "key"
    return Path(cache_dir) / f"stats-{slug}-{digest}.npz"


def save_statistics(
    path: str | os.PathLike[str], statistics: GaussianStatistics, key: str | StatisticsKey
) -> None:
    """Write statistics and their key to ``path`` as ``.npz`` (atomically).

    Args:
        path: Destination file; parent directories are created.
        statistics: The statistics to store.
        key: Key stored alongside (``str(key)`` of a :class:`StatisticsKey`).

    Raises:
        TypeError: If ``statistics`` is not :class:`GaussianStatistics`.
        ValueError: If ``key`` is empty.

    Example:
        >>> import numpy as np, tempfile, os
        >>> path = os.path.join(tempfile.mkdtemp(), "s.npz")
        >>> save_statistics(path, GaussianStatistics(np.zeros(2), np.eye(2), 10), "k")
        >>> load_statistics(path, key="k").num_samples
        10
    """
    if not isinstance(statistics, GaussianStatistics):
        raise TypeError(f"statistics must be GaussianStatistics, got {type(statistics).__name__}")
    key = _check_key(key)
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=".npz")
    try:
        with os.fdopen(fd, "wb") as handle:
            np.savez(
                handle,
                mu=statistics.mu,
                sigma=statistics.sigma,
                n=np.int64(-1 if statistics.num_samples is None else statistics.num_samples),
                key=np.str_(key),
            )
        os.replace(tmp_name, target)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def load_statistics(
    path: str | os.PathLike[str], *, key: str | StatisticsKey | None = None
) -> GaussianStatistics:
    """Read statistics written by :func:`save_statistics` (checking the key) or pytorch-fid.

    Files of pytorch-fid and TTUR hold only ``mu`` and ``sigma``; they are accepted when
    no ``key`` is asked for, with ``num_samples=None`` (not recorded).

    Args:
        path: The ``.npz`` file.
        key: Expected key; ``None`` skips the check.

    Returns:
        The stored :class:`GaussianStatistics`.

    Raises:
        FileNotFoundError: If ``path`` does not exist.
        ValueError: If the file is not a readable ``.npz``, lacks ``mu`` or ``sigma``
            (or ``key`` when one is expected), or its key differs from ``key``.

    Example:
        >>> import numpy as np, tempfile, os
        >>> path = os.path.join(tempfile.mkdtemp(), "s.npz")
        >>> save_statistics(path, GaussianStatistics(np.zeros(2), np.eye(2), 10), "a")
        >>> load_statistics(path, key="b")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        ValueError: statistics file ... has key 'a', expected 'b'
    """
    file = Path(path)
    if not file.is_file():
        raise FileNotFoundError(f"statistics file {str(file)!r} does not exist")
    expected = None if key is None else _check_key(key)
    try:
        archive = np.load(file, allow_pickle=False)
    except (OSError, ValueError, EOFError) as error:
        raise ValueError(f"statistics file {str(file)!r} is not a readable .npz: {error}") from None
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise ValueError(f"statistics file {str(file)!r} is a .npy array, not a .npz archive")
    with archive as data:
        required = {"mu", "sigma"} | (set() if expected is None else {"key"})
        missing = sorted(required - set(data.files))
        if missing:
            raise ValueError(
                f"statistics file {str(file)!r} lacks {missing}; expected mu and sigma "
                "(pytorch-fid/TTUR format) or mu, sigma, n and key (gankit format)"
            )
        if expected is not None:
            try:
                stored_key = str(data["key"])
            except ValueError as error:  # an object array: never unpickled
                raise ValueError(f"statistics file {str(file)!r}: {error}") from None
            if stored_key != expected:
                raise ValueError(
                    f"statistics file {str(file)!r} has key {stored_key!r}, expected {expected!r}"
                )
        try:  # object arrays (allow_pickle=False), bad shapes, NaN, a bad n
            n = int(data["n"]) if "n" in data.files else -1
            return GaussianStatistics(data["mu"], data["sigma"], None if n < 0 else n)
        except (TypeError, ValueError, OSError) as error:
            raise ValueError(f"statistics file {str(file)!r}: {error}") from None


def compute_or_load_statistics(
    key: str | StatisticsKey,
    cache_dir: str | os.PathLike[str],
    compute_fn: Callable[[], GaussianStatistics],
) -> GaussianStatistics:
    """Load the statistics cached for ``key``, computing and caching them on a miss.

    Args:
        key: A :class:`StatisticsKey` (or a non-empty string); a different key means a
            different file, so changed inputs are recomputed.
        cache_dir: Cache directory (created when needed).
        compute_fn: Called with no arguments on a cache miss, for example
            ``lambda: compute_statistics(loader, extractor)``.

    Returns:
        The cached or freshly computed statistics.

    Raises:
        TypeError: If ``compute_fn`` does not return :class:`GaussianStatistics`.
        ValueError: If ``key`` is empty or the cache file holds another key (a hash
            collision or a hand-edited file).

    Example:
        >>> import numpy as np, tempfile
        >>> cache, calls = tempfile.mkdtemp(), []
        >>> def compute():
        ...     calls.append(1)
        ...     return GaussianStatistics(np.zeros(2), np.eye(2), 10)
        >>> _ = compute_or_load_statistics("toy|pool3", cache, compute)
        >>> _ = compute_or_load_statistics("toy|pool3", cache, compute)
        >>> len(calls)
        1
    """
    path = statistics_cache_path(cache_dir, key)
    if path.is_file():
        return load_statistics(path, key=key)
    statistics = compute_fn()
    save_statistics(path, statistics, key)
    return statistics
