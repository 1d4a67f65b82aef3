"""Atomic, safe checkpoint files and the RNG snapshots that make resuming exact."""

from __future__ import annotations

import os
import pickle
import random
import re
import tempfile
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any, cast

import numpy as np
import torch

__all__ = [
    "CHECKPOINT_PATTERN",
    "FORMAT",
    "FORMAT_VERSION",
    "SUPPORTED_VERSIONS",
    "CheckpointError",
    "atomic_save",
    "latest_checkpoint",
    "load_checkpoint",
    "rng_state",
    "seed_everything",
    "set_rng_state",
    "step_checkpoints",
]

FORMAT = "gankit.checkpoint"
FORMAT_VERSION = 2
"""The format :meth:`gankit.Trainer.save` writes (:mod:`gankit.train.schema` describes it)."""
SUPPORTED_VERSIONS = (1, 2)
"""The formats :func:`load_checkpoint` reads; older ones are upgraded by :mod:`gankit.train.schema`."""

CHECKPOINT_PATTERN = re.compile(r"^step-(\d{8,})\.pt$")


def step_checkpoints(directory: str | os.PathLike[str]) -> list[tuple[int, Path]]:
    """Return ``(step, path)`` for every ``step-*.pt`` in ``directory``, sorted by step.

    Args:
        directory: a folder written by :class:`~gankit.train.hooks.Checkpoint`.

    Returns:
        The checkpoints, oldest first; empty if there are none (or no folder).

    Example:
        >>> import tempfile
        >>> step_checkpoints(tempfile.mkdtemp())
        []
    """
    d = Path(directory)
    if not d.is_dir():
        return []
    return sorted(
        (int(m.group(1)), p) for p in d.iterdir() if (m := CHECKPOINT_PATTERN.match(p.name))
    )


def latest_checkpoint(directory: str | os.PathLike[str]) -> Path | None:
    """Return the checkpoint with the highest step in ``directory`` (``step-*.pt``), if any.

    Args:
        directory: a folder written by :class:`~gankit.train.hooks.Checkpoint`.

    Returns:
        The newest ``step-XXXXXXXX.pt``, or ``None`` if there is none (or no folder).

    Example:
        >>> import tempfile
        >>> latest_checkpoint(tempfile.mkdtemp()) is None
        True
    """
    found = step_checkpoints(directory)
    return found[-1][1] if found else None


class CheckpointError(RuntimeError):
    """A checkpoint file is missing, unreadable, untrusted or does not fit the run.

    Example:
        >>> str(CheckpointError("run.pt: truncated"))
        'run.pt: truncated'
    """


def atomic_save(obj: Mapping[str, Any], path: str | os.PathLike[str]) -> Path:
    """Write ``obj`` with :func:`torch.save` so that ``path`` is never half-written.

    The data goes to a temporary file ``.NAME.XXXX.tmp`` in the same directory, is
    flushed to disk, and then replaces ``path`` in one :func:`os.replace`. A crash at any
    point leaves the previous file at ``path`` (if any) intact; an exception removes the
    temporary file (only a hard kill, such as ``kill -9``, can leave one, which
    :class:`~gankit.train.hooks.Checkpoint` removes when the next run starts). The file
    gets the usual mode of a new file, ``0o666`` less the umask (``0644`` under umask
    ``022``), like any file the user creates.

    Args:
        obj: the checkpoint dictionary (tensors and plain Python values).
        path: destination file; its directory is created if needed.

    Returns:
        The destination path.

    Example:
        >>> import tempfile, torch
        >>> d = tempfile.mkdtemp()
        >>> atomic_save({"w": torch.zeros(2)}, f"{d}/a.pt").name
        'a.pt'
    """
    dest = Path(path)
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent)
    tmp = Path(tmp_name)
    try:
        if hasattr(os, "fchmod"):  # mkstemp makes 0600 files; give the umask's usual mode
            umask = os.umask(0o022)  # read it by setting and restoring it
            os.umask(umask)
            os.fchmod(fd, 0o666 & ~umask)
        with os.fdopen(fd, "wb") as f:
            torch.save(dict(obj), f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return dest


def load_checkpoint(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Load a gankit checkpoint without executing any code from it.

    Uses ``torch.load(weights_only=True)``: only tensors and plain containers are
    accepted, so a malicious file cannot run code. Tensors are mapped to the CPU.

    Args:
        path: a file written by :meth:`gankit.Trainer.save`, or a directory whose newest
            ``step-*.pt`` is loaded.

    Returns:
        The checkpoint dictionary.

    Raises:
        CheckpointError: naming the file when it is missing, truncated, corrupted, holds
            objects other than tensors and plain values, or is not a gankit checkpoint.

    Example:
        >>> import tempfile
        >>> load_checkpoint(tempfile.mkdtemp() + "/missing.pt")
        Traceback (most recent call last):
        ...
        gankit.train.checkpoint.CheckpointError: .../missing.pt: no such checkpoint file
    """
    p = Path(path)
    if p.is_dir():
        newest = latest_checkpoint(p)
        if newest is None:
            raise CheckpointError(f"{p}: no step-*.pt checkpoint in this directory")
        p = newest
    if not p.is_file():
        raise CheckpointError(f"{p}: no such checkpoint file")
    if not zipfile.is_zipfile(p):
        raise CheckpointError(f"{p}: not a PyTorch checkpoint file (not a zip archive; truncated?)")
    try:
        ckpt = torch.load(p, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise CheckpointError(
            f"{p}: refused to load: it holds objects other than tensors and plain values "
            f"(checkpoints are loaded with weights_only=True so they cannot run code): {first}"
        ) from None
    except Exception as e:  # a damaged archive fails anywhere in torch's reader
        raise CheckpointError(
            f"{p}: unreadable checkpoint (truncated or corrupted?): {e}"
        ) from None
    if not isinstance(ckpt, dict) or ckpt.get("format") != FORMAT:
        raise CheckpointError(f"{p}: not a gankit checkpoint (no '{FORMAT}' format marker)")
    version = ckpt.get("format_version")
    if version not in SUPPORTED_VERSIONS:
        raise CheckpointError(
            f"{p}: checkpoint format version {version!r} is not supported "
            f"(this gankit reads versions {', '.join(map(str, SUPPORTED_VERSIONS))})"
        )
    return ckpt


def rng_state() -> dict[str, Any]:
    """Snapshot every RNG a training run draws from: torch (CPU and CUDA), NumPy, Python.

    Only tensors and plain values, so it survives ``torch.load(weights_only=True)``.

    Returns:
        ``{"torch": ..., "cuda": [...], "numpy": {...}, "python": {...}}``.

    Example:
        >>> sorted(rng_state())
        ['cuda', 'numpy', 'python', 'torch']
    """
    np_state = cast(tuple[Any, ...], np.random.get_state(legacy=True))
    py_version, py_internal, py_gauss = random.getstate()
    return {
        "torch": torch.get_rng_state(),
        "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
        "numpy": {
            "key": torch.from_numpy(np.asarray(np_state[1], dtype=np.int64)),
            "pos": int(np_state[2]),
            "has_gauss": int(np_state[3]),
            "cached_gaussian": float(np_state[4]),
        },
        "python": {
            "version": py_version,
            "internal": torch.tensor(py_internal, dtype=torch.int64),
            "gauss": py_gauss,
        },
    }


def set_rng_state(state: Mapping[str, Any]) -> None:
    """Restore a snapshot taken by :func:`rng_state`.

    Args:
        state: the snapshot (CUDA states are skipped when CUDA is unavailable).

    Example:
        >>> snap = rng_state()
        >>> a = torch.rand(1)
        >>> set_rng_state(snap)
        >>> bool(torch.rand(1) == a)
        True
    """
    torch.set_rng_state(state["torch"])
    if state["cuda"] and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])
    npst = state["numpy"]
    np.random.set_state(
        (
            "MT19937",
            npst["key"].numpy().astype(np.uint32),
            npst["pos"],
            npst["has_gauss"],
            npst["cached_gaussian"],
        )
    )
    py = state["python"]
    random.setstate((py["version"], tuple(int(v) for v in py["internal"].tolist()), py["gauss"]))


def seed_everything(seed: int) -> None:
    """Seed torch (CPU and CUDA), NumPy and Python's ``random``.

    Args:
        seed: a non-negative integer (NumPy receives it modulo 2**32).

    Example:
        >>> seed_everything(0); a = torch.rand(1)
        >>> seed_everything(0); bool(torch.rand(1) == a)
        True
    """
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
