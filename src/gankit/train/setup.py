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
from gankit.train.distributed import DistInfo, init_from_env
from gankit.train.graph_step import GraphedStep, check_graphs_supported
from gankit.train.graphs import CaptureBackend, EagerCapture
from gankit.train.hook import NetName
from gankit.train.step import StepContext, TrainingStep

__all__ = [
    "Nets",
    "SchedulerFactory",
    "amp_dtype",
    "default_optimizer",
    "init_device",
    "net_sizes",
    "prepare_nets",
    "resolve_device",
    "setup_run",
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


def init_device(config: TrainerConfig) -> tuple[torch.device, DistInfo]:
    """Resolve the training device, join a ``torchrun`` process group, set cuDNN.

    Example:
        >>> init_device(TrainerConfig(device="cpu"))
        (device(type='cpu'), DistInfo(rank=0, world_size=1, local_rank=0))
    """
    device = resolve_device(config.device)
    dist = init_from_env(device)
    if dist.enabled and device.type == "cuda":
        device = torch.device("cuda", dist.local_rank)
        torch.cuda.set_device(device)
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = config.cudnn_benchmark
    return device, dist


def net_sizes(
    generator: nn.Module, latent_dim: int | None, num_classes: int | None
) -> tuple[int, int]:
    """The latent size and class count of a pair: as given, else the generator's attributes.

    Raises:
        ValueError: if no latent size >= 1 can be found.

    Example:
        >>> net_sizes(nn.Linear(3, 2), 3, None)
        (3, 0)
    """
    latent = latent_dim if latent_dim is not None else getattr(generator, "latent_dim", 0)
    classes = num_classes if num_classes is not None else getattr(generator, "num_classes", 0)
    if isinstance(latent, bool) or not isinstance(latent, int) or latent < 1:
        raise ValueError(
            "Trainer needs the latent size: pass latent_dim=... or give the generator a "
            f"latent_dim attribute (got {latent!r})"
        )
    if isinstance(classes, bool) or not isinstance(classes, int) or classes < 0:
        raise ValueError(f"Trainer: num_classes must be an int >= 0, got {classes!r}")
    return latent, classes


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

    Example:
        >>> nets = prepare_nets(nn.Conv2d(3, 3, 1), nn.Conv2d(3, 1, 1),
        ...                     TrainerConfig(channels_last=True), torch.device("cpu"), DistInfo())
        >>> nets.generator.weight.is_contiguous(memory_format=torch.channels_last)
        True
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


@dataclass(frozen=True)
class Run:
    """Everything :func:`setup_run` made for a trainer.

    Example:
        >>> Run.__dataclass_fields__["graphed"].type
        'GraphedStep | None'
    """

    device: torch.device
    dist: DistInfo
    memory_format: torch.memory_format
    generator: nn.Module
    discriminator: nn.Module
    g_optimizer: Optimizer
    d_optimizer: Optimizer
    g_scheduler: LRScheduler | None
    d_scheduler: LRScheduler | None
    scaler: torch.amp.GradScaler
    graphed: GraphedStep | None


def setup_run(
    generator: nn.Module,
    discriminator: nn.Module,
    config: TrainerConfig,
    step: TrainingStep,
    *,
    optimizers: tuple[Optimizer | None, Optimizer | None],
    schedulers: tuple[SchedulerFactory | None, SchedulerFactory | None],
    latent_dim: int,
    num_classes: int,
    graph_capture: CaptureBackend | None,
    before_optimizer_step: Callable[[NetName, Optimizer], None],
) -> Run:
    """Set up a run as ``config`` says and bind ``step`` to it.

    Device and process group, nets (:func:`prepare_nets`), the default optimizers where
    none are given, schedulers, the grad scaler, and for ``cuda_graphs`` the checks and
    the :class:`~gankit.train.graph_step.GraphedStep` runner.

    Raises:
        ValueError: for set-ups that cannot work (CUDA graphs without CUDA, ...).

    Example:
        >>> run = setup_run(nn.Linear(2, 2), nn.Linear(2, 1), TrainerConfig(device="cpu"),
        ...                 TrainingStep(), optimizers=(None, None), schedulers=(None, None),
        ...                 latent_dim=2, num_classes=0, graph_capture=None,
        ...                 before_optimizer_step=lambda name, opt: None)
        >>> type(run.g_optimizer).__name__, run.graphed is None
        ('Adam', True)
    """
    device, dist = init_device(config)
    g_opt, d_opt = optimizers
    if config.cuda_graphs:
        check_graphs_supported(
            device=device,
            dist=dist,
            optimizers={"g_optimizer": g_opt, "d_optimizer": d_opt},
            step=step,
            capture=graph_capture,
        )
    nets = prepare_nets(generator, discriminator, config, device, dist)
    # CUDA graphs proper need optimizers whose state and learning rate live on the GPU.
    on_gpu = config.cuda_graphs and not isinstance(graph_capture, EagerCapture)
    g_opt = g_opt or default_optimizer(
        nets.generator, config.lr_g, config, device, capturable=on_gpu
    )
    d_opt = d_opt or default_optimizer(
        nets.discriminator, config.lr_d, config, device, capturable=on_gpu
    )
    g_sched, d_sched = (
        f(o) if f else None for f, o in zip(schedulers, (g_opt, d_opt), strict=True)
    )
    scaler = torch.amp.GradScaler(device.type, enabled=config.precision == "fp16")
    step.bind(
        StepContext(
            generator=nets.generator,
            discriminator=nets.discriminator,
            g_train=nets.g_train,
            d_train=nets.d_train,
            d_plain=nets.d_plain,
            g_optimizer=g_opt,
            d_optimizer=d_opt,
            scaler=scaler,
            latent_dim=latent_dim,
            num_classes=num_classes,
            device=device,
            amp_dtype=amp_dtype(config),
            memory_format=nets.memory_format,
            grad_clip_norm=config.grad_clip_norm,
            regularizer_interval=config.regularizer_interval,
            before_optimizer_step=None if config.cuda_graphs else before_optimizer_step,
        )
    )
    graphed = None
    if config.cuda_graphs:  # after the schedulers, which keep float base rates
        graphed = GraphedStep(step, device, graph_capture, device_lr=on_gpu)
        graphed.attach_optimizers()
    return Run(
        device,
        dist,
        nets.memory_format,
        nets.generator,
        nets.discriminator,
        g_opt,
        d_opt,
        g_sched,
        d_sched,
        scaler,
        graphed,
    )
