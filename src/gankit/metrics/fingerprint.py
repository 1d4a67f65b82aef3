"""Fingerprints of what feature statistics depend on: images, folders, files, extractors.

A cached statistics file is only as trustworthy as its key
(:class:`~gankit.metrics.StatisticsKey`), so the key holds fingerprints rather than names:

* **images in memory** (:func:`~gankit.metrics.images_fingerprint`): SHA-256 of every
  image's bytes, dtype and shape. The per-image digests are sorted before they are
  combined, so the order of a shuffled loader does not matter (neither does it for the
  statistics). Exact, at the cost of one pass over the data; for an iterable that is one
  extra pass over it.
* **image folders** (:func:`~gankit.metrics.folder_fingerprint`): SHA-256 of the sorted
  relative file names with each file's size and modification time (nanoseconds). Cheap
  (no file is read), and it notices added, removed, renamed, resized or rewritten files.
  It does not notice an edit that keeps a file's size and restores its modification time
  (e.g. ``cp -p`` of another file of the same size, or a tool that resets times); hash the
  decoded images with :func:`~gankit.metrics.images_fingerprint` when that matters.
* **files** (:func:`~gankit.metrics.file_sha256`): SHA-256 of the content, read in 1 MiB
  chunks (weights, ``.npy`` caches).
* **extractors** (:func:`~gankit.metrics.weights_fingerprint`): the ``weights_sha256``
  attribute that :func:`~gankit.metrics.load_inception` sets from the weight file, else a
  hash of an ``nn.Module``'s ``state_dict`` (names, dtypes, shapes and values), else the
  qualified name of a plain function (its code is not hashed).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

import torch
from torch import nn

from gankit._validation import check_positive_int

__all__ = ["file_sha256", "folder_fingerprint", "images_fingerprint", "weights_fingerprint"]

_CHUNK = 1 << 20


def file_sha256(path: str | os.PathLike[str]) -> str:
    """SHA-256 of a file's content, as ``"sha256:<64 hex digits>"``.

    Args:
        path: The file.

    Returns:
        The digest string.

    Raises:
        FileNotFoundError: If ``path`` is not a file.

    Example:
        >>> import os, tempfile
        >>> path = os.path.join(tempfile.mkdtemp(), "a.bin")
        >>> with open(path, "wb") as f:
        ...     _ = f.write(b"abc")
        >>> file_sha256(path)[:15]
        'sha256:ba7816bf'
    """
    file = Path(path)
    if not file.is_file():
        raise FileNotFoundError(f"path {str(file)!r} does not exist or is not a file")
    digest = hashlib.sha256()
    with file.open("rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(chunk)
    return f"sha256:{digest.hexdigest()}"


def folder_fingerprint(root: str | os.PathLike[str], files: Sequence[str]) -> str:
    """Fingerprint of image files by relative name, size and modification time.

    See the module docstring for what this notices and what it does not.

    Args:
        root: The folder.
        files: The files used, relative to ``root`` (e.g. from
            :func:`gankit.data.find_images`).

    Returns:
        ``"files:<count>:sha256:<hex>"``.

    Raises:
        FileNotFoundError: If a file is missing.

    Example:
        >>> import pathlib, tempfile
        >>> d = pathlib.Path(tempfile.mkdtemp())
        >>> _ = (d / "a.png").write_bytes(b"x")
        >>> a = folder_fingerprint(d, ["a.png"])
        >>> _ = (d / "a.png").write_bytes(b"xy")
        >>> a == folder_fingerprint(d, ["a.png"]), a.startswith("files:1:")
        (False, True)
    """
    top = Path(root)
    digest = hashlib.sha256()
    for name in sorted(files):
        try:
            info = (top / name).stat()
        except OSError as error:
            raise FileNotFoundError(f"image file {str(top / name)!r} is missing: {error}") from None
        digest.update(f"{name}\0{info.st_size}\0{info.st_mtime_ns}\n".encode())
    return f"files:{len(files)}:sha256:{digest.hexdigest()}"


def _image_digests(batch: torch.Tensor) -> list[bytes]:
    host = batch.detach().cpu().contiguous()
    header = f"{host.dtype}|{tuple(host.shape[1:])}|".encode()
    raw = host.reshape(host.shape[0], -1).view(torch.uint8).numpy()
    return [hashlib.sha256(header + row.tobytes()).digest() for row in raw]


def images_fingerprint(
    images: torch.Tensor | Iterable[torch.Tensor | Sequence[torch.Tensor]],
    *,
    max_samples: int | None = None,
) -> str:
    """Order-independent SHA-256 of the images that statistics would be computed from.

    Every image's bytes, dtype and shape are hashed; the sorted digests are hashed again.
    An iterable (e.g. a ``DataLoader`` yielding images or ``(images, labels)``) is read
    once; with ``max_samples`` only the first ``max_samples`` images count, as in
    :func:`~gankit.metrics.compute_statistics`.

    Args:
        images: Image tensor ``(N, ...)`` or iterable of batches.
        max_samples: Only the first this many images (``None``: all).

    Returns:
        ``"images:<count>:sha256:<hex>"``.

    Raises:
        TypeError: If ``images`` yields something other than tensors or tuples of them.

    Example:
        >>> import torch
        >>> x = torch.arange(24, dtype=torch.uint8).reshape(4, 1, 2, 3)
        >>> images_fingerprint(x) == images_fingerprint(x.flip(0))  # order does not count
        True
        >>> images_fingerprint(x) == images_fingerprint(x.float())  # dtype does
        False
    """
    if max_samples is not None:
        check_positive_int("max_samples", max_samples)
    batches: Iterable[object] = (
        torch.split(images, 1024) if isinstance(images, torch.Tensor) else images
    )
    digests: list[bytes] = []
    for item in batches:
        batch = item if isinstance(item, torch.Tensor) else item[0]  # type: ignore[index]
        if not isinstance(batch, torch.Tensor):
            raise TypeError(
                f"images must yield tensors or (tensor, ...) tuples, got {type(batch).__name__}"
            )
        if max_samples is not None:
            batch = batch[: max_samples - len(digests)]
        digests.extend(_image_digests(batch))
        if max_samples is not None and len(digests) >= max_samples:
            break
    combined = hashlib.sha256(b"".join(sorted(digests))).hexdigest()
    return f"images:{len(digests)}:sha256:{combined}"


def weights_fingerprint(extractor: object) -> str:
    """Fingerprint of a feature extractor's weights (see the module docstring).

    Args:
        extractor: A feature extractor.

    Returns:
        ``"sha256:..."`` (weight file), ``"state_dict:sha256:..."`` (module) or
        ``"callable:<module>.<qualname>"``.

    Example:
        >>> import torch
        >>> a, b = torch.nn.Linear(2, 2), torch.nn.Linear(2, 2)
        >>> weights_fingerprint(a) == weights_fingerprint(b)  # other random weights
        False
        >>> weights_fingerprint(abs)
        'callable:builtins.abs'
    """
    named = getattr(extractor, "weights_sha256", None)
    if isinstance(named, str) and named:
        return named
    if isinstance(extractor, nn.Module):
        digest = hashlib.sha256(type(extractor).__qualname__.encode())
        for name, tensor in extractor.state_dict().items():
            host = tensor.detach().cpu().contiguous()
            digest.update(f"{name}|{host.dtype}|{tuple(host.shape)}|".encode())
            digest.update(host.reshape(-1).view(torch.uint8).numpy().tobytes())
        return f"state_dict:sha256:{digest.hexdigest()}"
    kind = extractor if callable(extractor) else type(extractor)
    module = getattr(kind, "__module__", None) or "?"
    qualname = getattr(kind, "__qualname__", None) or type(kind).__qualname__
    return f"callable:{module}.{qualname}"
