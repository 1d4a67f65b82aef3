"""The trainer's frozen, validated configuration."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

from gankit._validation import (
    check_bool,
    check_choice,
    check_device,
    check_float,
    check_int,
    check_optional_bool,
    check_optional_float,
    check_optional_int,
)

__all__ = ["PRECISIONS", "Precision", "TrainerConfig"]

Precision = Literal["fp32", "bf16", "fp16"]
"""``"fp32"``; ``"bf16"``: bfloat16 autocast; ``"fp16"``: float16 autocast + one GradScaler."""

PRECISIONS: tuple[str, ...] = get_args(Precision)


@dataclass(frozen=True, kw_only=True)
class TrainerConfig:
    """How :class:`~gankit.Trainer` trains: optimizers, step policy and performance switches.

    The defaults are the DCGAN recipe (Radford et al., 2016): Adam with learning rate
    2e-4 and betas (0.5, 0.999) for both nets, one discriminator update per generator
    update, fp32. Switches that can change results or fail on some set-ups
    (``compile``, ``channels_last``, reduced precision) are off by default.

    Args:
        lr_g: generator learning rate for the default Adam.
        lr_d: discriminator learning rate for the default Adam.
        betas: Adam betas for both default optimizers.
        n_critic: discriminator updates per generator update (5 for WGAN-GP).
        regularizer_interval: apply the regularizer every k-th discriminator update,
            scaled by k ("lazy regularization", Karras et al., 2020, arXiv:1912.04958).
        grad_clip_norm: clip each net's gradient norm to this value, or ``None``.
        device: ``"auto"`` (CUDA if available, else CPU) or a torch device string
            naming a device this machine has (``"cpu"``, ``"cuda"``, ``"cuda:1"``; a
            CUDA device is refused here when CUDA is unavailable or the index too high).
        precision: :data:`~gankit.train.Precision`.
        channels_last: keep nets and batches in channels-last memory format.
        compile: wrap both nets in :func:`torch.compile`.
        cuda_graphs: capture the whole step (all updates, noise, regularizer, optimizer
            steps) as CUDA graphs and replay them (:mod:`gankit.train.graphs`). CUDA only;
            not with ``precision="fp16"`` (its GradScaler reads the host), DDP, or hooks
            that use ``on_before_optimizer_step``; own optimizers need ``capturable=True``.
        fused_adam: use the fused Adam kernel; ``None`` means "on CUDA only".
        cudnn_benchmark: let cuDNN pick the fastest kernels (CUDA only).
        seed: seed every RNG at the start of a fresh run (rank is added under DDP).
        log_every: read the on-device loss accumulators and fire ``on_log`` every N steps.
        sync_batchnorm: convert BatchNorm to SyncBatchNorm under DDP.

    Every int field is at most ``2**63 - 1``.

    Raises:
        TypeError: for a field of the wrong type, naming the field and the value.
        ValueError: for a bad value, naming the field, the value and what is allowed.

    Example:
        >>> TrainerConfig(n_critic=5, precision="bf16").lr_g
        0.0002
    """

    lr_g: float = 2e-4
    lr_d: float = 2e-4
    betas: tuple[float, float] = (0.5, 0.999)
    n_critic: int = 1
    regularizer_interval: int = 1
    grad_clip_norm: float | None = None
    device: str = "auto"
    precision: Precision = "fp32"
    channels_last: bool = False
    compile: bool = False
    cuda_graphs: bool = False
    fused_adam: bool | None = None
    cudnn_benchmark: bool = True
    seed: int | None = 0
    log_every: int = 50
    sync_batchnorm: bool = False

    def __post_init__(self) -> None:
        owner = "TrainerConfig"
        check_float(owner, "lr_g", self.lr_g, minimum=0.0, maximum=10.0, include_min=False)
        check_float(owner, "lr_d", self.lr_d, minimum=0.0, maximum=10.0, include_min=False)
        if not isinstance(self.betas, tuple) or not all(
            isinstance(b, (int, float)) and not isinstance(b, bool) for b in self.betas
        ):
            raise TypeError(
                f"{owner}.betas must be a tuple of two numbers in [0, 1), got {self.betas!r} "
                f"({type(self.betas).__name__})"
            )
        if len(self.betas) != 2:
            raise ValueError(
                f"{owner}.betas must be a tuple of two numbers in [0, 1), got {self.betas!r}"
            )
        for i, b in enumerate(self.betas):
            check_float(owner, f"betas[{i}]", b, minimum=0.0, maximum=1.0, include_max=False)
        check_int(owner, "n_critic", self.n_critic, minimum=1)
        check_int(owner, "regularizer_interval", self.regularizer_interval, minimum=1)
        check_optional_float(
            owner,
            "grad_clip_norm",
            self.grad_clip_norm,
            minimum=0.0,
            maximum=1e12,
            include_min=False,
        )
        check_device(owner, "device", self.device)
        check_choice(owner, "precision", self.precision, PRECISIONS)
        check_bool(owner, "channels_last", self.channels_last)
        check_bool(owner, "compile", self.compile)
        check_bool(owner, "cuda_graphs", self.cuda_graphs)
        if self.cuda_graphs and self.precision == "fp16":
            raise ValueError(
                f"{owner}.cuda_graphs=True cannot be combined with precision='fp16' (its "
                "GradScaler checks for overflow on the host every step); use 'bf16' or 'fp32'"
            )
        check_optional_bool(owner, "fused_adam", self.fused_adam)
        check_bool(owner, "cudnn_benchmark", self.cudnn_benchmark)
        check_optional_int(owner, "seed", self.seed, minimum=0)
        check_int(owner, "log_every", self.log_every, minimum=1)
        check_bool(owner, "sync_batchnorm", self.sync_batchnorm)
