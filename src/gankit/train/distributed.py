"""DistributedDataParallel set-up for runs launched with ``torchrun``."""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass
from typing import Any

import torch
import torch.distributed as dist
from torch.utils.data import DataLoader, DistributedSampler, RandomSampler

__all__ = [
    "DistInfo",
    "all_reduce_max",
    "all_reduce_mean",
    "any_rank",
    "init_from_env",
    "shard_data",
]


@dataclass(frozen=True)
class DistInfo:
    """This process's place in a (possibly single-process) run.

    Args:
        rank: global rank of this process, in ``[0, world_size)``.
        world_size: number of processes training together.
        local_rank: rank on this machine (selects the GPU).

    Example:
        >>> DistInfo().is_main, DistInfo().enabled
        (True, False)
    """

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

    @property
    def enabled(self) -> bool:
        """True when more than one process trains together."""
        return self.world_size > 1

    @property
    def is_main(self) -> bool:
        """True on rank 0, the process that logs and saves."""
        return self.rank == 0


def init_from_env(device: torch.device) -> DistInfo:
    """Join the process group that ``torchrun`` describes in the environment.

    Reads ``WORLD_SIZE``, ``RANK`` and ``LOCAL_RANK``; with a world size above 1 it
    initializes ``torch.distributed`` (NCCL on CUDA, gloo on CPU) unless already done.
    Without those variables it returns a single-process :class:`DistInfo`.

    Args:
        device: the device training will run on (selects the backend).

    Returns:
        The rank, world size and local rank.

    Example:
        >>> init_from_env(torch.device("cpu")).world_size  # not under torchrun
        1
    """
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return DistInfo()
    info = DistInfo(
        rank=int(os.environ["RANK"]),
        world_size=world,
        local_rank=int(os.environ.get("LOCAL_RANK", "0")),
    )
    if not dist.is_initialized():
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    return info


def shard_data(data: Any, info: DistInfo, seed: int) -> Any:
    """Give each rank its own part of ``data``.

    A :class:`~torch.utils.data.DataLoader` without a distributed sampler is rebuilt with a
    :class:`~torch.utils.data.DistributedSampler` (shuffling if it shuffled before, the
    same seed on every rank, ``drop_last=True``). Objects with ``shard(rank,
    world_size)`` (such as :class:`gankit.data.DeviceLoader`) are asked to shard
    themselves. Anything else is returned unchanged: the caller shards it.

    Example:
        >>> shard_data([1, 2, 3], DistInfo(), seed=0)
        [1, 2, 3]
    """
    if not info.enabled:
        return data
    if isinstance(data, DataLoader) and not isinstance(data.sampler, DistributedSampler):
        if data.batch_size is None:
            warnings.warn(
                "a DataLoader with a custom batch_sampler is not sharded across ranks: every "
                "rank sees the same batches; shard it yourself",
                RuntimeWarning,
                stacklevel=3,
            )
            return data
        sampler: DistributedSampler[Any] = DistributedSampler(
            data.dataset,
            num_replicas=info.world_size,
            rank=info.rank,
            shuffle=isinstance(data.sampler, RandomSampler),
            seed=seed,
            drop_last=True,
        )
        return DataLoader(
            data.dataset,
            batch_size=data.batch_size,
            sampler=sampler,
            num_workers=data.num_workers,
            collate_fn=data.collate_fn,
            pin_memory=data.pin_memory,
            drop_last=data.drop_last,
            worker_init_fn=data.worker_init_fn,
            persistent_workers=data.persistent_workers,
            timeout=data.timeout,
            multiprocessing_context=data.multiprocessing_context,
            prefetch_factor=data.prefetch_factor,
        )
    shard = getattr(data, "shard", None)
    if callable(shard):
        return shard(info.rank, info.world_size)
    return data


def all_reduce_max(t: torch.Tensor, info: DistInfo) -> torch.Tensor:
    """Element-wise maximum of ``t`` over ranks (a no-op in a single process).

    Example:
        >>> all_reduce_max(torch.tensor([0.0, 1.0]), DistInfo()).tolist()
        [0.0, 1.0]
    """
    if info.enabled:
        t = t.clone()
        dist.all_reduce(t, op=dist.ReduceOp.MAX)
    return t


def all_reduce_mean(t: torch.Tensor, info: DistInfo) -> torch.Tensor:
    """Average ``t`` over ranks (a no-op in a single process).

    Example:
        >>> all_reduce_mean(torch.ones(2), DistInfo()).tolist()
        [1.0, 1.0]
    """
    if info.enabled:
        t = t.clone()
        dist.all_reduce(t, op=dist.ReduceOp.SUM)
        t /= info.world_size
    return t


def any_rank(flags: list[bool], dist: DistInfo, device: torch.device) -> list[bool]:
    """Each flag, true if it is true on any rank (one all-reduce; no-op without DDP).

    Example:
        >>> any_rank([True, False], DistInfo(), torch.device("cpu"))
        [True, False]
    """
    if not dist.enabled:
        return list(flags)
    local = torch.tensor([float(f) for f in flags], device=device)
    return [bool(v > 0) for v in all_reduce_max(local, dist).tolist()]
