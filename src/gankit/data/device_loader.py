"""Shuffled, normalised batches gathered on the device from a resident uint8 block."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from typing import Any, Generic, Protocol, TypeVar, overload, runtime_checkable

import numpy as np
import torch
from torch import Tensor

from gankit._validation import INT64_MAX, check_bool, check_int, show
from gankit.data.transforms import uint8_to_float

__all__ = ["DeviceLoader", "SupportsTensor"]

BatchT = TypeVar("BatchT", Tensor, tuple[Tensor, Tensor])


@runtime_checkable
class SupportsTensor(Protocol):
    """Anything with a ``tensor()`` method returning a uint8 ``(N, C, H, W)`` block.

    :class:`~gankit.data.CachedImages` and :class:`~gankit.data.ToyFaces`
    qualify.

    Example:
        >>> from gankit.data import ToyFaces
        >>> isinstance(ToyFaces(1, 8), SupportsTensor)
        True

    """

    def tensor(self) -> Tensor:
        """Return all images as one uint8 tensor of shape ``(N, C, H, W)``."""
        ...


def _epoch_seed(seed: int, epoch: int) -> int:
    digest = hashlib.blake2b(f"{seed}:{epoch}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little")


def _as_tensor(value: Tensor | np.ndarray | SupportsTensor, name: str) -> Tensor:
    if isinstance(value, Tensor):
        return value
    if isinstance(value, np.ndarray):
        return torch.from_numpy(np.array(value))
    if isinstance(value, SupportsTensor):
        return value.tensor()
    raise TypeError(
        f"{name} must be a Tensor, a numpy array or have a .tensor() method, "
        f"got {type(value).__name__}"
    )


class DeviceLoader(Generic[BatchT]):
    """Yield shuffled batches in [-1, 1] from a uint8 image block kept on the device.

    The whole uint8 block is moved to ``device`` once (a tensor already there is not
    copied); each batch is gathered there with ``index_select`` and converted to float, so
    there is no host round trip and no synchronisation per batch. The epoch's permutation is
    drawn on the CPU once per epoch (``torch.randperm`` with a generator seeded by a hash of
    ``(seed, epoch)``, so it is a pure function of the two and identical on every device),
    then moved to the device.

    **Iteration protocol.** The loader has a current ``epoch`` (starts at 0) and
    ``position`` (batches of that epoch already handed out, starts at 0).

    - ``iter(loader)`` yields the batches ``position, position + 1, ..., len(loader) - 1`` of
      the current epoch, incrementing ``position`` *before* each batch is yielded, so after
      consuming ``k`` batches a :meth:`state_dict` resumes at batch ``k``. When the loop
      runs to completion the loader moves on to ``epoch + 1``, position 0, so plain
      ``for epoch in ...: for batch in loader:`` sees a fresh permutation every epoch.
    - :meth:`set_epoch` (call it before iterating, like
      ``torch.utils.data.distributed.DistributedSampler.set_epoch``) switches to another
      epoch at position 0; setting the *current* epoch keeps the position, so
      ``load_state_dict(state); set_epoch(state["epoch"])`` continues mid-epoch.
    - An epoch whose batches were all handed out counts as finished: :meth:`state_dict`
      then reports ``(epoch + 1, 0)``, and iterating starts the next epoch.
    - Only one iterator at a time is supported (they share ``position``).

    **Sharding.** With ``world_size > 1`` rank ``r`` takes ``perm[r::world_size]`` of each
    epoch's permutation ``perm``, so ranks are disjoint and together cover the epoch. With
    ``drop_last=True`` every rank keeps ``N // world_size`` samples (equal batch counts, as
    DDP needs; the last ``N % world_size`` of ``perm`` are dropped) and then full batches
    only; with ``drop_last=False`` ranks keep all their samples and the last batch may be
    short (batch counts may then differ by one between ranks).

    Args:
        images: uint8 images: a tensor, a numpy array, or an object with ``tensor()`` such
            as :class:`~gankit.data.CachedImages` or
            :class:`~gankit.data.ToyFaces`.
        batch_size: Images per batch.
        device: Where to keep the block and yield batches; ``None``: where ``images`` is.
        shuffle: Draw a new permutation every epoch (else the natural order).
        drop_last: Drop the last incomplete batch (and uneven shard remainders).
        seed: Seed of the permutations.
        labels: Optional per-image labels (first dimension ``N``); batches are then
            ``(images, labels)``.
        dtype: Floating dtype of the yielded images.
        channels_last: Yield images in ``torch.channels_last`` memory format.
        rank: This process's rank in ``[0, world_size)``.
        world_size: Number of processes sharing each epoch.

    Raises:
        TypeError: If ``images`` is not uint8 or of an unsupported type, an int argument
            is not an ``int``, a flag not a ``bool`` or ``dtype`` not a ``torch.dtype``.
        ValueError: For a bad shape, ``labels`` length, ``batch_size``, ``rank`` or
            ``world_size``, or when an epoch would hold no batch.

    Shape:
        - images: ``(N, C, H, W)``; labels: ``(N, ...)``
        - yielded images: ``(B, C, H, W)``; yielded labels: ``(B, ...)``

    Example:
        >>> from gankit.data import ToyFaces
        >>> loader = DeviceLoader(ToyFaces(10, image_size=8), batch_size=4, seed=1)
        >>> len(loader), [tuple(b.shape) for b in loader]
        (2, [(4, 3, 8, 8), (4, 3, 8, 8)])
        >>> loader.state_dict()
        {'epoch': 1, 'position': 0}

    """

    @overload
    def __init__(
        self: DeviceLoader[Tensor],
        images: Tensor | np.ndarray | SupportsTensor,
        batch_size: int,
        *,
        device: torch.device | str | None = None,
        shuffle: bool = True,
        drop_last: bool = True,
        seed: int = 0,
        labels: None = None,
        dtype: torch.dtype = torch.float32,
        channels_last: bool = False,
        rank: int = 0,
        world_size: int = 1,
    ) -> None: ...

    @overload
    def __init__(
        self: DeviceLoader[tuple[Tensor, Tensor]],
        images: Tensor | np.ndarray | SupportsTensor,
        batch_size: int,
        *,
        device: torch.device | str | None = None,
        shuffle: bool = True,
        drop_last: bool = True,
        seed: int = 0,
        labels: Tensor | np.ndarray,
        dtype: torch.dtype = torch.float32,
        channels_last: bool = False,
        rank: int = 0,
        world_size: int = 1,
    ) -> None: ...

    def __init__(
        self,
        images: Tensor | np.ndarray | SupportsTensor,
        batch_size: int,
        *,
        device: torch.device | str | None = None,
        shuffle: bool = True,
        drop_last: bool = True,
        seed: int = 0,
        labels: Tensor | np.ndarray | None = None,
        dtype: torch.dtype = torch.float32,
        channels_last: bool = False,
        rank: int = 0,
        world_size: int = 1,
    ) -> None:
        block = _as_tensor(images, "images")
        if block.dtype != torch.uint8 or block.ndim != 4:
            raise TypeError(
                f"images must be uint8 of shape (N, C, H, W), got {block.dtype} "
                f"of shape {tuple(block.shape)}"
            )
        check_int("", "batch_size", batch_size, minimum=1)
        check_int("", "world_size", world_size, minimum=1)
        check_int("", "rank", rank, minimum=0, maximum=world_size - 1)
        check_bool("", "shuffle", shuffle)
        check_bool("", "drop_last", drop_last)
        check_bool("", "channels_last", channels_last)
        check_int("", "seed", seed, minimum=-INT64_MAX - 1)
        if not isinstance(dtype, torch.dtype):
            raise TypeError(f"dtype must be a floating torch.dtype, got {show(dtype)}")
        if not dtype.is_floating_point:
            raise ValueError(f"dtype must be a floating dtype, got {dtype}")
        self.device = torch.device(device) if device is not None else block.device
        self._images = block.to(self.device)
        self._labels: Tensor | None = None
        if labels is not None:
            self._labels = _as_tensor(labels, "labels").to(self.device)
            if self._labels.ndim == 0 or len(self._labels) != len(block):
                raise ValueError(
                    f"labels must have length {len(block)} (one per image), "
                    f"got shape {tuple(self._labels.shape)}"
                )
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.drop_last = drop_last
        self.seed = int(seed)
        self.dtype = dtype
        self.channels_last = channels_last
        self.rank = rank
        self.world_size = world_size
        n = len(block)
        self.num_samples = n // world_size if drop_last else len(range(rank, n, world_size))
        """Samples this rank sees per epoch."""
        if self.num_samples == 0:
            raise ValueError(
                f"images must hold at least world_size={world_size} images so that every rank "
                f"gets one, got {n}"
            )
        if len(self) == 0:
            raise ValueError(
                f"batch_size={batch_size} is more than the {self.num_samples} images per epoch "
                f"of this rank (N={n}, world_size={world_size}) and drop_last=True drops the "
                f"incomplete batch, so an epoch would hold no batch: pass batch_size <= "
                f"{self.num_samples} or drop_last=False"
            )
        self._epoch = 0
        self._position = 0

    def shard(self, rank: int, world_size: int) -> DeviceLoader[BatchT]:
        """Return a loader over this rank's part of every epoch (used by the Trainer under DDP).

        The images stay where they are (no copy); every other setting is kept.

        Example:
            >>> import torch
            >>> loader = DeviceLoader(torch.zeros(8, 3, 4, 4, dtype=torch.uint8), 2)
            >>> len(loader.shard(1, 2))
            2
        """
        return DeviceLoader(  # type: ignore[return-value]
            self._images,
            self.batch_size,
            device=self.device,
            shuffle=self.shuffle,
            drop_last=self.drop_last,
            seed=self.seed,
            labels=self._labels,
            dtype=self.dtype,
            channels_last=self.channels_last,
            rank=rank,
            world_size=world_size,
        )

    @property
    def images(self) -> Tensor:
        """The uint8 block on the device, shape ``(N, C, H, W)``."""
        return self._images

    @property
    def epoch(self) -> int:
        """The current epoch."""
        return self._epoch

    @property
    def position(self) -> int:
        """Batches of the current epoch already handed out."""
        return self._position

    def __len__(self) -> int:
        """Batches per epoch for this rank."""
        if self.drop_last:
            return self.num_samples // self.batch_size
        return -(-self.num_samples // self.batch_size)

    def indices(self, epoch: int) -> Tensor:
        """Return the indices this rank visits in ``epoch``, in order.

        Args:
            epoch: Epoch number.

        Returns:
            An int64 tensor on the loader's device: ``perm[rank::world_size]`` of the
            epoch's permutation, truncated to ``num_samples``.

        Shape:
            - output: ``(num_samples,)``

        Example:
            >>> loader = DeviceLoader(torch.zeros(6, 1, 2, 2, dtype=torch.uint8), 2,
            ...                       shuffle=False, rank=1, world_size=2)
            >>> loader.indices(0).tolist()
            [1, 3, 5]

        """
        n = len(self._images)
        if self.shuffle:
            generator = torch.Generator().manual_seed(_epoch_seed(self.seed, epoch))
            perm = torch.randperm(n, generator=generator)
        else:
            perm = torch.arange(n)
        return perm[self.rank :: self.world_size][: self.num_samples].to(self.device)

    def set_epoch(self, epoch: int) -> None:
        """Select the epoch to iterate next (restarting it, unless it is the current one).

        Args:
            epoch: Epoch number, >= 0.

        Raises:
            TypeError: If ``epoch`` is not an ``int``.
            ValueError: If ``epoch`` is negative.

        Example:
            >>> loader = DeviceLoader(torch.zeros(4, 1, 2, 2, dtype=torch.uint8), 2)
            >>> loader.set_epoch(3)
            >>> loader.epoch, loader.position
            (3, 0)

        """
        check_int("", "epoch", epoch, minimum=0)
        if epoch != self._epoch:
            self._epoch, self._position = epoch, 0

    def state_dict(self) -> dict[str, int]:
        """Return the resumable state ``{"epoch": e, "position": p}``.

        A finished epoch is reported as ``(e + 1, 0)``.

        Returns:
            A dict of two ints.

        Example:
            >>> loader = DeviceLoader(torch.zeros(4, 1, 2, 2, dtype=torch.uint8), 2)
            >>> _ = next(iter(loader))
            >>> loader.state_dict()
            {'epoch': 0, 'position': 1}

        """
        if self._position >= len(self):
            return {"epoch": self._epoch + 1, "position": 0}
        return {"epoch": self._epoch, "position": self._position}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore a state from :meth:`state_dict`; iteration resumes at that batch.

        Args:
            state: ``{"epoch": e, "position": p}``.

        Raises:
            TypeError: If a value is not an int.
            ValueError: If the keys are missing or the values out of range.

        Example:
            >>> loader = DeviceLoader(torch.zeros(8, 1, 2, 2, dtype=torch.uint8), 2)
            >>> loader.load_state_dict({"epoch": 5, "position": 3})
            >>> len(list(loader))
            1

        """
        missing = [key for key in ("epoch", "position") if key not in state]
        if missing:
            raise ValueError(f"state must hold 'epoch' and 'position', got no {missing}")
        epoch, position = state["epoch"], state["position"]
        epoch = check_int("", "state['epoch']", epoch, minimum=0)
        position = check_int("", "state['position']", position, minimum=0, maximum=len(self))
        self._epoch, self._position = epoch, position

    def _gather(self, index: Tensor) -> Any:
        batch = uint8_to_float(self._images.index_select(0, index), self.dtype)
        if self.channels_last:
            batch = batch.contiguous(memory_format=torch.channels_last)
        if self._labels is None:
            return batch
        return batch, self._labels.index_select(0, index)

    def __iter__(self) -> Iterator[BatchT]:
        """Yield the remaining batches of the current epoch (see the iteration protocol)."""
        if self._position >= len(self):
            self._epoch, self._position = self._epoch + 1, 0
        epoch = self._epoch
        order = self.indices(epoch)
        while self._position < len(self):
            start = self._position * self.batch_size
            self._position += 1
            yield self._gather(order[start : start + self.batch_size])
        self._epoch, self._position = epoch + 1, 0
