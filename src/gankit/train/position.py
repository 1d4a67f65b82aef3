"""How the Trainer reads data: batches onto the device, and a resumable position in the epoch.

A run stopped mid-epoch and resumed must see the same batches as the uninterrupted run.
:class:`EpochPosition` makes that so for any re-iterable data: loaders that know their
own position (``state_dict`` / ``load_state_dict``, such as
:class:`~gankit.data.DeviceLoader`) continue from it; any other iterable (a shuffling
``DataLoader``, a list) is re-iterated from the epoch's start with the RNG state of that
moment and advanced past the batches already consumed.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import torch
from torch import Tensor

from gankit.train.checkpoint import rng_state, set_rng_state
from gankit.train.distributed import DistInfo, shard_data
from gankit.train.state import TrainState
from gankit.train.step import Batch

__all__ = ["EpochPosition", "data_length", "no_batches_message", "split_batch", "to_batch"]


def split_batch(batch: Any) -> tuple[Tensor, Tensor | None]:
    """Split a batch into ``(images, labels)``; labels are ``None`` for image-only batches.

    Args:
        batch: an image tensor, or a tuple or list whose first item is the images and
            whose optional second item is a label tensor.

    Returns:
        ``(images, labels)``.

    Raises:
        TypeError: for any other kind of batch.

    Example:
        >>> split_batch(torch.zeros(2, 3))[1] is None
        True
    """
    if isinstance(batch, Tensor):
        return batch, None
    if isinstance(batch, (tuple, list)) and batch and isinstance(batch[0], Tensor):
        labels = batch[1] if len(batch) > 1 and isinstance(batch[1], Tensor) else None
        return batch[0], labels
    raise TypeError(
        "Trainer.fit expects batches that are image tensors or (images, labels) tuples, "
        f"got {type(batch).__name__}"
    )


def to_batch(batch: Any, device: torch.device, memory_format: torch.memory_format) -> Batch:
    """Move a data batch to ``device`` as a :class:`~gankit.train.Batch` (images in ``memory_format``).

    Example:
        >>> to_batch(torch.zeros(2, 3, 4, 4), torch.device("cpu"), torch.channels_last).size
        2
    """
    real, labels = split_batch(batch)
    real = real.to(device, non_blocking=True)
    if real.ndim == 4:
        real = real.contiguous(memory_format=memory_format)
    if labels is not None:
        labels = labels.to(device, non_blocking=True)
    return Batch(real, labels)


def data_length(data: Iterable[Any]) -> int | None:
    """``len(data)`` if the data has one, else ``None``.

    Example:
        >>> data_length([1, 2]), data_length(iter([1, 2]))
        (2, None)
    """
    try:
        return len(data)  # type: ignore[arg-type]
    except TypeError:
        return None


def _stateful(data: object) -> bool:
    return callable(getattr(data, "state_dict", None)) and callable(
        getattr(data, "load_state_dict", None)
    )


class EpochPosition:
    """Where the current epoch stands in the data, so that a resumed run sees the same batches.

    Attributes:
        epoch_rng: the RNG state at the start of the current epoch (saved in checkpoints).

    Example:
        >>> position = EpochPosition()
        >>> data = position.prepare([torch.zeros(2, 3)], DistInfo(), seed=0)
        >>> len(list(position.batches(data, TrainState())))
        1
    """

    def __init__(self) -> None:
        self.epoch_rng: dict[str, Any] | None = None
        self._resume_rng: dict[str, Any] | None = None
        self._resume_data: dict[str, Any] | None = None
        self._source: Iterable[Any] | None = None
        self._data: Iterable[Any] | None = None

    @property
    def data(self) -> Iterable[Any] | None:
        """The (sharded) data of the last :meth:`prepare`, if any."""
        return self._data

    def prepare(self, data: Iterable[Any], dist: DistInfo, seed: int) -> Iterable[Any]:
        """Shard ``data`` for DDP; the same data as last time keeps its loader and position.

        A stateful loader gets a loaded checkpoint's position at once, so a checkpoint
        written before the first batch (at a stop, or at the end of ``fit``) records it.
        """
        if data is not self._source or self._data is None:
            self._source = data
            self._data = shard_data(data, dist, seed)
        if self._resume_data is not None and _stateful(self._data):
            # Kept pending until the epoch starts: data passed to a later fit gets it too.
            self._data.load_state_dict(self._resume_data)  # type: ignore[union-attr]
        return self._data

    def check(self, saved: dict[str, Any] | None) -> None:
        """Check that the prepared loader accepts a checkpoint's position (then undo it).

        Raises:
            Exception: whatever the loader raises for a position it does not accept.
        """
        data = self._data
        if saved is None or data is None or not _stateful(data):
            return
        current = data.state_dict()  # type: ignore[attr-defined]
        try:
            data.load_state_dict(saved)  # type: ignore[attr-defined]
        finally:
            data.load_state_dict(current)  # type: ignore[attr-defined]

    def resume(self, rng: dict[str, Any], data: dict[str, Any] | None) -> None:
        """Remember a loaded checkpoint's RNG state and loader position for the next epoch."""
        self._resume_rng, self._resume_data = rng, data

    def loader_state(self) -> dict[str, Any] | None:
        """The position of a stateful loader (for checkpoints), or ``None``."""
        if self._data is not None and _stateful(self._data):
            state: dict[str, Any] = self._data.state_dict()  # type: ignore[attr-defined]
            return state
        return None

    def batches(self, data: Iterable[Any], state: TrainState) -> Iterator[Any]:
        """Start (or continue) the current epoch so the run matches an uninterrupted one."""
        loaded, self._resume_rng = self._resume_rng, None
        saved_position, self._resume_data = self._resume_data, None
        set_epoch = getattr(data, "set_epoch", None) or getattr(
            getattr(data, "sampler", None), "set_epoch", None
        )
        length = data_length(data)
        if length is not None and state.batch_in_epoch >= length:
            return iter(())  # saved on the epoch's last step: only the epoch end is left
        if state.batch_in_epoch == 0:
            self.epoch_rng = rng_state()
            if callable(set_epoch):
                set_epoch(state.epoch)
            return iter(data)
        if _stateful(data) and (loaded is None or saved_position is not None):
            return iter(data)  # the loader knows its position (prepare gave it the saved one)
        current = loaded if loaded is not None else rng_state()
        if self.epoch_rng is not None:
            set_rng_state(self.epoch_rng)
        if callable(set_epoch):
            set_epoch(state.epoch)
        batches = iter(data)
        for _ in range(state.batch_in_epoch):
            if next(batches, None) is None:
                break
        set_rng_state(current)
        return batches


def no_batches_message(data: Iterable[Any], epoch: int) -> str:
    """Say why ``data`` yielded no batch in ``epoch``, naming the numbers where it can.

    Example:
        >>> no_batches_message([], 1)
        'data yielded no batches in epoch 1: it is empty (len(data) == 0)'
    """
    dataset, batch_size = getattr(data, "dataset", None), getattr(data, "batch_size", None)
    try:
        n = len(dataset)  # type: ignore[arg-type]
    except TypeError:
        n = None
    if data_length(data) == 0 and n is not None and batch_size:
        return (
            f"data yielded no batches in epoch {epoch}: it holds {n} images, fewer than one "
            f"batch of {batch_size}, and drops the last partial batch (drop_last=True); use a "
            "batch size of at most the number of images, or drop_last=False"
        )
    if data_length(data) == 0:
        return f"data yielded no batches in epoch {epoch}: it is empty (len(data) == 0)"
    return (
        f"data yielded no batches in epoch {epoch}: pass something that can be iterated once "
        "per epoch (a DataLoader, DeviceLoader or list), not a one-shot iterator or generator"
    )
