"""Cache of real-data feature statistics in ``.npz`` files keyed by dataset and protocol.

Real-data statistics are expensive (tens of thousands of Inception forward passes) and
depend only on the data set and the feature protocol, so they are computed once and stored
as ``.npz`` with the arrays ``mu`` (d,), ``sigma`` (d, d), ``n`` (scalar) and ``key`` (a
string). The file name contains a SHA-256 hash of the key, and loading checks that the
stored key equals the requested one, so statistics from another data set or protocol are
never used by mistake. Files are written atomically (temporary file + rename) and read
with ``allow_pickle=False``.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

from gankit.metrics.statistics import GaussianStatistics

__all__ = [
    "compute_or_load_statistics",
    "load_statistics",
    "save_statistics",
    "statistics_cache_path",
]


def _check_key(key: object) -> str:
    if not isinstance(key, str) or not key:
        raise ValueError(f"key must be a non-empty str, got {key!r}")
    return key


def statistics_cache_path(cache_dir: str | os.PathLike[str], key: str) -> Path:
    """Path of the cache file for ``key`` inside ``cache_dir``.

    The name is ``stats-<slug>-<hash>.npz``: a readable slug of the key (at most 40 of
    ``[A-Za-z0-9._-]``) and the first 16 hex digits of ``sha256(key)``.

    Args:
        cache_dir: Directory of the cache (need not exist yet).
        key: Non-empty string naming data set and protocol, for example
            ``"celeba-64-train|inception-v3-pool3"``.

    Returns:
        The cache file path.

    Raises:
        ValueError: If ``key`` is empty or not a string.

    Example:
        >>> statistics_cache_path("/tmp/cache", "mnist|pool3").name
        'stats-mnist-pool3-4893a3a9f9092dca.npz'
    """
    key = _check_key(key)
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", key).strip("-.")[:40] or "key"
    return Path(cache_dir) / f"stats-{slug}-{digest}.npz"


def save_statistics(path: str | os.PathLike[str], statistics: GaussianStatistics, key: str) -> None:
    """Write statistics and their key to ``path`` as ``.npz`` (atomically).

    Args:
        path: Destination file; parent directories are created.
        statistics: The statistics to store.
        key: Data set and protocol key stored alongside.

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
                n=np.int64(statistics.num_samples),
                key=np.str_(key),
            )
        os.replace(tmp_name, target)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def load_statistics(path: str | os.PathLike[str], *, key: str | None = None) -> GaussianStatistics:
    """Read statistics written by :func:`save_statistics`, checking the key.

    Args:
        path: The ``.npz`` file.
        key: Expected key; ``None`` skips the check.

    Returns:
        The stored :class:`GaussianStatistics`.

    Raises:
        FileNotFoundError: If ``path`` does not exist.
        ValueError: If the file lacks ``mu``, ``sigma``, ``n`` or ``key``, or its key differs
            from ``key``.

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
    with np.load(file, allow_pickle=False) as data:
        missing = sorted({"mu", "sigma", "n", "key"} - set(data.files))
        if missing:
            raise ValueError(
                f"statistics file {str(file)!r} lacks {missing}; expected mu, sigma, n and key"
            )
        stored_key = str(data["key"])
        if key is not None and stored_key != key:
            raise ValueError(
                f"statistics file {str(file)!r} has key {stored_key!r}, expected {key!r}"
            )
        return GaussianStatistics(data["mu"], data["sigma"], int(data["n"]))


def compute_or_load_statistics(
    key: str,
    cache_dir: str | os.PathLike[str],
    compute_fn: Callable[[], GaussianStatistics],
) -> GaussianStatistics:
    """Load the statistics cached for ``key``, computing and caching them on a miss.

    Args:
        key: Non-empty string naming data set and protocol (see
            :func:`statistics_cache_path`); a different key means a different file.
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
