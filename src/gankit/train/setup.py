"""Setting up a run: device, DDP, SyncBatchNorm, memory format, compile, default optimizers.

These functions turn a :class:`~gankit.TrainerConfig` and two plain nets into what the
training step runs: the nets on the device in the right memory format, their DDP and
compiled wrappers, and the DCGAN-recipe Adam optimizers.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

import torch
from torch import nn
from torch.nn.parallel import DistributedDataParallel
from torch.optim import Optimizer
from torch.optim.lr_scheduler import LRScheduler

from gankit.train.config import TrainerConfig
from gankit.train.distributed import DistInfo

__all__ = [
    "Nets",
    "SchedulerFactory",
    "amp_dtype",
    "default_optimizer",
    "prepare_nets",
    "resolve_device",
]

SchedulerFactory = Callable[[Optimizer], LRScheduler]
"""Builds a learning-rate scheduler for an optimizer, e.g. ``lambda opt: StepLR(opt, 1000)``."""


def resolve_device(name: str) -> torch.device:
    """Return the device for ``TrainerConfig.device``.

    ``"auto"`` is CUDA if available (under ``torchrun``, the process's ``LOCAL_RANK`` GPU),
    else the CPU.

    Args:
        name: ``"auto"`` or a torch device string such as ``"cpu"`` or ``"cuda:1"``.

    Returns:
        The :class:`torch.device`.

    Raises:
        ValueError: if ``name`` is not a device torch understands.

    Example:
        >>> resolve_device("cpu")
        device(type='cpu')
    """
    if name == "auto":
        if not torch.cuda.is_available():
            return torch.device("cpu")
        return torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))  # torchrun's GPU
    try:
        return torch.device(name)
    except RuntimeError:
        raise ValueError(
            f"TrainerConfig.device must be 'auto' or a torch device, got {name!r}"
        ) from None


def amp_dtype(config: TrainerConfig) -> torch.dtype | None:
    """The autocast dtype of ``config.precision`` (``None`` for fp32).

    Example:
        >>> amp_dtype(TrainerConfig(precision="bf16"))
        torch.bfloat16
    """
    return {"bf16": torch.bfloat16, "fp16": torch.float16}.get(config.precision)


@dataclass(frozen=True)
class Nets:
    """The two nets as a run uses them.

    Attributes:
        generator: the generator on the device (SyncBN-converted under DDP if asked).
        discriminator: the discriminator on the device.
        g_train: the generator as called in updates (DDP / compiled wrapper or itself).
        d_train: the discriminator as called in its own update.
        d_plain: the discriminator without DDP (compiled if asked), for the generator
            update and penalties.
        memory_format: ``torch.channels_last`` or ``torch.contiguous_format``.

    Example:
        >>> nets = prepare_nets(nn.Linear(2, 2), nn.Linear(2, 1), TrainerConfig(),
        ...                     torch.device("cpu"), DistInfo())
        >>> nets.g_train is nets.generator
        True
    """

    generator: nn.Module
    discriminator: nn.Module
    g_train: nn.Module
    d_train: nn.Module
    d_plain: nn.Module
    memory_format: torch.memory_format


def prepare_nets(
    generator: nn.Module,
    discriminator: nn.Module,
    config: TrainerConfig,
    device: torch.device,
    dist: DistInfo,
) -> Nets:
    """Move the nets to ``device`` and wrap them for DDP and ``torch.compile`` as configured.

    Args:
        generator: the generator.
        discriminator: the discriminator.
        config: the trainer's config (``channels_last``, ``sync_batchnorm``, ``compile``).
        device: the training device.
        dist: this process's place in a DDP run.

    Returns:
        The :class:`Nets`.

    Raises:
        ValueError: for SyncBatchNorm without CUDA.
    """
    memory_format = torch.channels_last if config.channels_last else torch.contiguous_format
    if dist.enabled and config.sync_batchnorm:
        if device.type != "cuda":
            raise ValueError(
                "TrainerConfig.sync_batchnorm=True needs CUDA devices (PyTorch's "
                f"SyncBatchNorm is GPU-only), but training runs on {device}"
            )
        generator, discriminator = _sync_bn(generator), _sync_bn(discriminator)
    generator = generator.to(device).to(memory_format=memory_format)
    discriminator = discriminator.to(device).to(memory_format=memory_format)
    # DDP-wrapped for the updates of their own weights, plain for the generator update
    # through D (D's gradients are not needed there).
    g_train, d_train, d_plain = generator, discriminator, discriminator
    if dist.enabled:
        ids = [device.index] if device.type == "cuda" else None
        g_train = DistributedDataParallel(generator, device_ids=ids)
        d_train = DistributedDataParallel(discriminator, device_ids=ids)
    if config.compile:
        g_train, d_train, d_plain = (_compiled(m) for m in (g_train, d_train, d_plain))
    return Nets(generator, discriminator, g_train, d_train, d_plain, memory_format)


def default_optimizer(
    net: nn.Module,
    lr: float,
    config: TrainerConfig,
    device: torch.device,
    *,
    capturable: bool = False,
) -> Optimizer:
    """The DCGAN recipe's Adam for ``net``: ``lr``, ``config.betas``, fused on CUDA.

    ``capturable`` keeps its state usable inside a CUDA graph (CUDA-graph training).

    Example:
        >>> opt = default_optimizer(nn.Linear(2, 2), 1e-3, TrainerConfig(), torch.device("cpu"))
        >>> opt.param_groups[0]["betas"]
        (0.5, 0.999)
    """
    fused = config.fused_adam if config.fused_adam is not None else device.type == "cuda"
    return torch.optim.Adam(
        net.parameters(),
        lr=lr,
        betas=config.betas,
        fused=fused or None,
        capturable=capturable,
    )


def _compiled(net: nn.Module) -> nn.Module:
    return cast(nn.Module, torch.compile(net))


def _sync_bn(net: nn.Module) -> nn.Module:
    converted: nn.Module = nn.SyncBatchNorm.convert_sync_batchnorm(net)  # type: ignore[no-untyped-call]
    return converted
