"""Decode a dataset once into a memory-mappable uint8 cache, and read it back.

**Cache format (version 1).** Two files side by side:

- ``OUT`` (e.g. ``celeba64.npy``): a standard NumPy ``.npy`` file holding one C-ordered
  uint8 array of shape ``(N, C, H, W)``; open it with ``np.load(OUT, mmap_mode="r")``.
- ``OUT.json`` (e.g. ``celeba64.npy.json``): the sidecar, a JSON object with ``format``
  (``"gankit.image-cache"``), ``version`` (1), the build parameters ``image_size``,
  ``crop``, ``channels``, ``split``, the absolute image folder ``source``, the
  ``files_sha256`` of the source file list (joined with newlines) and its
  length ``num_source_files``, then ``shape``, ``files`` (relative path of each of the N
  cached images, in order) and ``skipped`` (unreadable source files left out).

**Build.** Files are decoded with the same :func:`~gankit.data.load_image` as
the datasets, in chunks, by a process pool. Each finished chunk is written atomically to
``OUT.partial/chunk_XXXXXX.npz``, so an interrupted build resumes where it stopped (the
``OUT.partial/build.json`` parameters must match, otherwise the stale chunks are
discarded; ``build.json`` is itself written atomically, and a missing or torn one counts
as a mismatch). The final array and sidecar are written to temporary files in the same folder
and moved into place with ``os.replace`` (sidecar first, then the array; a sidecar
without its array counts as an unfinished build), then ``OUT.partial/`` is removed.
Temporary files that a killed build left (``.OUT.tmp-PID``, ``OUT.partial/*.tmp-PID``)
are deleted when the next build of ``OUT`` starts. Pool workers exit on their own when
the building process dies, even by ``kill -9``.
"""

from __future__ import annotations

import glob
import hashlib
import json
import multiprocessing
import os
import shutil
import threading
import time
import warnings
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any, Literal

import numpy as np
import torch
from torch import Tensor
from torch.utils.data import Dataset

from gankit._validation import (
    check_crop,
    check_image_size,
    check_int,
    check_optional_int,
)
from gankit.data.celeba import CelebA, Split
from gankit.data.folder import CorruptImageWarning
from gankit.data.transforms import (
    CROP_PRESETS,
    CropSpec,
    UnreadableImageError,
    load_image,
    uint8_to_float,
)

__all__ = ["CACHE_FORMAT", "CACHE_VERSION", "CachedImages", "prepare_cache"]

CACHE_FORMAT = "gankit.image-cache"
CACHE_VERSION = 1
_KEY_FIELDS = ("image_size", "crop", "channels", "split", "source", "files_sha256")


def _sidecar(out: Path) -> Path:
    return out.with_name(out.name + ".json")


def _init_worker(parent: int) -> None:
    """Set up a decoding process: one torch thread, and exit when the parent is gone.

    A pool worker blocked on its call queue would outlive a parent killed with ``kill -9``
    (and keep multiprocessing's resource tracker alive with it), so a daemon thread checks
    every 0.2 s whether the process was re-parented and then ends the worker at once.
    """
    torch.set_num_threads(1)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.2)
        os._exit(1)

    threading.Thread(target=watch, name="gankit-parent-watch", daemon=True).start()


def _remove_stale_temporaries(out: Path, partial: Path) -> None:
    """Delete temporaries that a killed build left: chunk and final-file temporaries."""
    stale = list(out.parent.glob(f".{glob.escape(out.name)}.tmp-*"))
    stale += out.parent.glob(f".{glob.escape(out.name)}.json.tmp-*")
    if partial.is_dir():
        stale += partial.glob("chunk_*.npz.tmp-*")
        stale += partial.glob("build.json.tmp-*")
    for p in stale:
        p.unlink(missing_ok=True)


def _read_build(build_file: Path) -> dict[str, Any] | None:
    """The parameters of a partial build, or ``None`` if missing or torn."""
    try:
        build = json.loads(build_file.read_text())
    except (OSError, ValueError):  # missing, unreadable or torn by a kill mid-write
        return None
    return build if isinstance(build, dict) else None


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f"{path.name}.tmp-{os.getpid()}")
    try:
        tmp.write_text(text)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _build_chunk(
    image_dir: str,
    files: list[str],
    image_size: int,
    crop: CropSpec,
    channels: Literal[1, 3],
    strict: bool,
    dest: str,
) -> int:
    """Decode ``files`` into ``dest`` (an ``.npz`` with ``images`` and ``ok``); return len."""
    images = np.zeros((len(files), channels, image_size, image_size), dtype=np.uint8)
    ok = np.zeros(len(files), dtype=bool)
    for i, name in enumerate(files):
        try:
            images[i] = load_image(Path(image_dir) / name, image_size, crop, channels).numpy()
            ok[i] = True
        except UnreadableImageError:
            if strict:
                raise
    tmp = f"{dest}.tmp-{os.getpid()}"
    with open(tmp, "wb") as handle:
        np.savez(handle, images=images[ok], ok=ok)
    os.replace(tmp, dest)
    return len(files)


def _check_existing(out: Path, key: dict[str, Any]) -> None:
    """Raise :class:`FileExistsError` unless ``out`` is a finished cache built with ``key``."""
    try:
        meta = json.loads(_sidecar(out).read_text())
        shape = np.load(out, mmap_mode="r").shape
    except (OSError, ValueError) as error:
        raise FileExistsError(
            f"out {str(out)!r} exists but is not a readable gankit cache ({error}); "
            "delete it, pass overwrite=True or choose another path"
        ) from error
    diffs = [
        f"{k}={meta.get(k)!r} (requested {key[k]!r})" for k in _KEY_FIELDS if meta.get(k) != key[k]
    ]
    if meta.get("format") != CACHE_FORMAT or meta.get("version") != CACHE_VERSION:
        diffs.append(f"format/version {meta.get('format')!r}/{meta.get('version')!r}")
    if list(shape) != meta.get("shape"):
        diffs.append(f"array shape {list(shape)} != sidecar shape {meta.get('shape')}")
    if diffs:
        raise FileExistsError(
            f"out {str(out)!r} exists but differs from the requested cache: {'; '.join(diffs)}."
            " Delete it, pass overwrite=True or choose another path"
        )


def prepare_cache(
    root: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    image_size: int = 64,
    crop: CropSpec = "full",
    split: Split = "all",
    channels: Literal[1, 3] = 3,
    workers: int | None = None,
    chunk_size: int = 512,
    progress: bool = True,
    strict: bool = False,
    overwrite: bool = False,
) -> CachedImages:
    """Decode every image of a dataset once, in parallel, into a uint8 cache file.

    ``root`` is resolved like :class:`~gankit.data.CelebA` (official CelebA layout,
    torchvision layout, or any folder of images, searched recursively), so this works for
    any image folder; the module docstring describes the file format. If ``out`` already
    holds a cache built from the same source and parameters it is returned without work.
    Unreadable images are left out with one :class:`~gankit.data.CorruptImageWarning`
    listing them and their count.

    Args:
        root: Dataset folder.
        out: Cache path, conventionally ending in ``.npy``; the sidecar is ``out + ".json"``.
        image_size: Output side in pixels.
        crop: Crop preset, side in pixels, or ``None``; see :mod:`gankit.data.transforms`.
        split: CelebA split to cache (``"all"`` for a generic folder).
        channels: 3 for RGB, 1 for grayscale.
        workers: Worker processes; ``None`` uses every CPU core, 1 decodes in this process.
        chunk_size: Images per chunk (the unit of parallelism and of resumption).
        progress: Show a tqdm progress bar.
        strict: Raise on the first unreadable image instead of skipping it.
        overwrite: Replace an existing, different cache at ``out``.

    Returns:
        The finished cache, opened as :class:`~gankit.data.CachedImages`.

    Raises:
        FileNotFoundError: If ``root`` holds no dataset.
        FileExistsError: If ``out`` exists but differs (other source or parameters, or not
            a gankit cache) and ``overwrite`` is false.
        NotADirectoryError: If the parent of ``out`` is a file.
        IsADirectoryError: If ``out`` is a folder.
        ValueError: For invalid arguments.
        UnreadableImageError: In strict mode, naming the unreadable file.

    Example:
        >>> import tempfile, pathlib
        >>> from PIL import Image
        >>> d = pathlib.Path(tempfile.mkdtemp())
        >>> for i in range(5):
        ...     Image.new("RGB", (20, 24), (50 * i, 0, 0)).save(d / f"{i}.png")
        >>> cache = prepare_cache(d, d / "cache.npy", image_size=8, workers=1, progress=False)
        >>> cache.array.shape, cache.array.dtype
        ((5, 3, 8, 8), dtype('uint8'))

    """
    check_image_size(image_size)
    check_crop(crop, CROP_PRESETS)
    check_optional_int("", "workers", workers, minimum=1, maximum=1024)
    check_int("", "chunk_size", chunk_size, minimum=1)
    source = CelebA(root, image_size, split, crop=crop, channels=channels, strict=strict)
    files = source.files
    key: dict[str, Any] = {
        "image_size": image_size,
        "crop": crop,
        "channels": channels,
        "split": split,
        "source": str(source.image_dir.resolve()),
        "files_sha256": hashlib.sha256("\n".join(files).encode()).hexdigest(),
    }
    out = Path(out)
    if out.parent.exists() and not out.parent.is_dir():
        raise NotADirectoryError(f"out {str(out)!r}: {str(out.parent)!r} is a file, not a folder")
    if out.is_dir():
        raise IsADirectoryError(f"out {str(out)!r} is a folder; give a file name such as c.npy")
    sidecar = _sidecar(out)
    partial = out.with_name(out.name + ".partial")
    _remove_stale_temporaries(out, partial)
    if out.exists():
        try:
            _check_existing(out, key)
            return CachedImages(out)
        except FileExistsError:
            if not overwrite:
                raise
        out.unlink()
    sidecar.unlink(missing_ok=True)

    build = {**key, "chunk_size": chunk_size, "version": CACHE_VERSION}
    build_file = partial / "build.json"
    if partial.exists() and _read_build(build_file) != build:
        warnings.warn(
            f"discarding stale partial build {str(partial)!r} (other parameters, or its "
            "build.json is missing or torn)",
            stacklevel=2,
        )
        shutil.rmtree(partial)
    partial.mkdir(parents=True, exist_ok=True)
    _write_atomic(build_file, json.dumps(build))

    chunks = [files[i : i + chunk_size] for i in range(0, len(files), chunk_size)]
    dests = [str(partial / f"chunk_{k:06d}.npz") for k in range(len(chunks))]
    todo = [k for k in range(len(chunks)) if not os.path.exists(dests[k])]
    args = (str(source.image_dir), image_size, crop, channels, strict)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    n_workers = min(workers or cores or 1, len(todo))
    done = len(files) - sum(len(chunks[k]) for k in todo)
    from tqdm.auto import tqdm  # imported when used: ``import gankit`` stays light

    with tqdm(
        total=len(files), initial=done, unit="img", desc=out.name, disable=not progress
    ) as bar:
        if n_workers <= 1:
            threads = torch.get_num_threads()
            torch.set_num_threads(1)  # as in the pool's workers: decoding is per image
            try:
                for k in todo:
                    bar.update(_build_chunk(args[0], chunks[k], *args[1:], dests[k]))
            finally:
                torch.set_num_threads(threads)
        else:
            context = multiprocessing.get_context("spawn")  # safe with torch threads
            pool = ProcessPoolExecutor(
                n_workers, context, initializer=_init_worker, initargs=(os.getpid(),)
            )
            try:
                futures = [
                    pool.submit(_build_chunk, args[0], chunks[k], *args[1:], dests[k]) for k in todo
                ]
                for future in as_completed(futures):
                    bar.update(future.result())
            finally:  # on error or Ctrl-C: drop queued chunks, let running ones finish
                pool.shutdown(wait=True, cancel_futures=True)
    return _assemble(out, key, chunks, dests, partial)


def _assemble(
    out: Path, key: dict[str, Any], chunks: list[list[str]], dests: list[str], partial: Path
) -> CachedImages:
    kept: list[str] = []
    skipped: list[str] = []
    for names, dest in zip(chunks, dests, strict=True):
        with np.load(dest) as chunk:
            ok = chunk["ok"].tolist()
        kept += [n for n, good in zip(names, ok, strict=True) if good]
        skipped += [n for n, good in zip(names, ok, strict=True) if not good]
    size, channels = key["image_size"], key["channels"]
    shape = (len(kept), channels, size, size)
    meta = {"format": CACHE_FORMAT, "version": CACHE_VERSION, **key,
            "num_source_files": len(kept) + len(skipped), "shape": list(shape),
            "files": kept, "skipped": skipped}  # fmt: skip
    tmp_out = out.with_name(f".{out.name}.tmp-{os.getpid()}")
    tmp_meta = out.with_name(f".{out.name}.json.tmp-{os.getpid()}")
    try:
        array = np.lib.format.open_memmap(tmp_out, mode="w+", dtype=np.uint8, shape=shape)
        start = 0
        for dest in dests:  # stream chunk by chunk: never more than one chunk in memory
            with np.load(dest) as chunk:
                images = chunk["images"]
            array[start : start + len(images)] = images
            start += len(images)
        array.flush()
        del array
        tmp_meta.write_text(json.dumps(meta))
        os.replace(tmp_meta, _sidecar(out))
        os.replace(tmp_out, out)
    finally:
        tmp_out.unlink(missing_ok=True)
        tmp_meta.unlink(missing_ok=True)
    shutil.rmtree(partial, ignore_errors=True)
    if skipped:
        warnings.warn(
            f"skipped {len(skipped)} unreadable image(s) while building {str(out)!r}: "
            + ", ".join(skipped),
            CorruptImageWarning,
            stacklevel=3,
        )
    return CachedImages(out)


class CachedImages(Dataset[Tensor]):
    """A dataset over a uint8 cache written by :func:`~gankit.data.prepare_cache`, memory-mapped.

    Any ``.npy`` file holding a uint8 ``(N, C, H, W)`` array works; the sidecar is optional.
    Items are read from the memory map on demand, so opening is instant and workers of a
    :class:`torch.utils.data.DataLoader` share the page cache (pickling re-opens the map).

    Args:
        path: The ``.npy`` cache file.
        raw: Yield uint8 images instead of floats in [-1, 1].
        dtype: Float dtype of the items when not ``raw``.

    Raises:
        FileNotFoundError: If ``path`` does not exist.
        ValueError: If it does not hold a uint8 array of 4 dimensions.

    Shape:
        - item: ``(C, H, W)``
        - ``array`` and ``tensor()``: ``(N, C, H, W)``

    Example:
        >>> import tempfile, os, numpy as np
        >>> path = os.path.join(tempfile.mkdtemp(), "c.npy")
        >>> np.save(path, np.full((4, 3, 8, 8), 255, dtype=np.uint8))
        >>> cache = CachedImages(path)
        >>> len(cache), cache[0].shape, cache[0].max().item(), cache.tensor().dtype
        (4, torch.Size([3, 8, 8]), 1.0, torch.uint8)

    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        raw: bool = False,
        dtype: torch.dtype = torch.float32,
    ) -> None:
        self.path = Path(path)
        self.raw = raw
        self.dtype = dtype
        if not self.path.is_file():
            raise FileNotFoundError(
                f"image cache {str(self.path)!r} not found; build it with "
                "gankit.data.prepare_cache(root, out)"
            )
        sidecar = _sidecar(self.path)
        self.meta: dict[str, Any] = json.loads(sidecar.read_text()) if sidecar.is_file() else {}
        self.array = self._open()

    def _open(self) -> np.ndarray:
        array: np.ndarray = np.load(self.path, mmap_mode="r")
        if array.dtype != np.uint8 or array.ndim != 4:
            raise ValueError(
                f"image cache {str(self.path)!r} must hold a uint8 array of shape "
                f"(N, C, H, W), got {array.dtype} of shape {array.shape}"
            )
        return array

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        del state["array"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.array = self._open()

    @property
    def files(self) -> list[str]:
        """Source path of each cached image (empty without a sidecar)."""
        files: list[str] = self.meta.get("files", [])
        return files

    def __len__(self) -> int:
        return int(self.array.shape[0])

    def __getitem__(self, index: int) -> Tensor:
        """Return image ``index`` as floats in [-1, 1] (uint8 if ``raw``)."""
        image = torch.from_numpy(np.array(self.array[index]))
        return image if self.raw else uint8_to_float(image, self.dtype)

    def tensor(self) -> Tensor:
        """Read the whole cache into memory as one uint8 tensor.

        Returns:
            A writable uint8 tensor (a copy of the file's data).

        Shape:
            - output: ``(N, C, H, W)``

        Example:
            >>> import tempfile, os, numpy as np
            >>> path = os.path.join(tempfile.mkdtemp(), "c.npy")
            >>> np.save(path, np.zeros((2, 1, 4, 4), dtype=np.uint8))
            >>> CachedImages(path).tensor().shape
            torch.Size([2, 1, 4, 4])

        """
        return torch.from_numpy(np.array(self.array))
