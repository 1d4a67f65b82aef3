"""The training loop: :class:`Trainer` owns the step and fires events to hooks."""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import itertools
import os
import secrets
import signal
import sys
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from types import FrameType
from typing import Any, cast

import torch
from torch import Tensor, nn
from torch.nn.parallel import DistributedDataParallel
from torch.optim import Optimizer
from torch.optim.lr_scheduler import LRScheduler

from gankit.losses import AdversarialLoss, NonSaturating, Regularizer
from gankit.train.checkpoint import (
    FORMAT,
    FORMAT_VERSION,
    CheckpointError,
    atomic_save,
    latest_checkpoint,
    load_checkpoint,
    rng_state,
    seed_everything,
    set_rng_state,
)
from gankit.train.config import TrainerConfig
from gankit.train.distributed import (
    DistInfo,
    all_reduce_max,
    all_reduce_mean,
    init_from_env,
    shard_data,
)
from gankit.train.graphs import StepGraphs
from gankit.train.hook import Hook, NetName
from gankit.train.state import TrainState

SchedulerFactory = Callable[[Optimizer], LRScheduler]
"""Builds a learning-rate scheduler for an optimizer, e.g. ``lambda opt: StepLR(opt, 1000)``."""

_STAT_KEYS = ("d_loss", "g_loss", "penalty", "real_logits", "fake_logits", "penalty_n")
# Optimizer settings that belong to the running trainer, not to a checkpoint: loading one
# saved with other implementation switches (e.g. under CUDA graphs) keeps the trainer's own.
_IMPL_KEYS = ("capturable", "fused", "foreach", "differentiable")


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


class Trainer:
    """Adversarial training for any generator, discriminator and loss.

    One *step* is one generator update, preceded by ``n_critic`` discriminator updates,
    each on its own batch. The generator's output on the last of those batches is reused
    (detached) for the discriminator loss and (with gradients) for the generator loss, as
    in the DCGAN reference loop. Everything optional is a :class:`~gankit.train.Hook`.

    Args:
        generator: maps ``(B, latent_dim)`` noise (and labels if conditional) to samples.
        discriminator: maps samples (and labels) to raw logits.
        loss: an :class:`~gankit.losses.AdversarialLoss`; default
            :class:`~gankit.losses.NonSaturating`.
        config: a :class:`~gankit.TrainerConfig`; default is the DCGAN recipe.
        hooks: hooks in the order their events fire. A
            :class:`~gankit.train.hooks.NonFiniteGuard` is added first unless one is given.
        g_optimizer: optimizer for the generator; default Adam(``lr_g``, ``betas``).
        d_optimizer: optimizer for the discriminator; default Adam(``lr_d``, ``betas``).
        regularizer: a penalty added to the discriminator loss (e.g.
            :class:`~gankit.losses.GradientPenalty`), every ``regularizer_interval`` updates.
        g_scheduler: builds a learning-rate scheduler for the generator optimizer,
            stepped once per step.
        d_scheduler: the same for the discriminator optimizer.
        latent_dim: size of the noise vector; default ``generator.latent_dim``.
        num_classes: classes of a conditional pair; default ``generator.num_classes``
            (0 = unconditional). Conditional nets get the batch's labels.

    Raises:
        ValueError: if the latent size cannot be found or an argument is out of range.
        TypeError: if ``loss`` or ``regularizer`` lack the required methods.

    Example:
        >>> import torch
        >>> import gankit as gk
        >>> G = gk.models.build_mlp_generator(gk.models.MLPGeneratorConfig(latent_dim=2, data_dim=1))
        >>> D = gk.models.build_mlp_discriminator(gk.models.MLPDiscriminatorConfig(data_dim=1))
        >>> trainer = gk.Trainer(G, D, config=gk.TrainerConfig(device="cpu"))
        >>> data = [torch.randn(32, 1) + 3.0 for _ in range(4)]
        >>> trainer.fit(data, steps=8)
        >>> trainer.state.step, trainer.state.epoch
        (8, 2)
    """

    def __init__(
        self,
        generator: nn.Module,
        discriminator: nn.Module,
        *,
        loss: AdversarialLoss | None = None,
        config: TrainerConfig | None = None,
        hooks: Sequence[Hook] = (),
        g_optimizer: Optimizer | None = None,
        d_optimizer: Optimizer | None = None,
        regularizer: Regularizer | None = None,
        g_scheduler: SchedulerFactory | None = None,
        d_scheduler: SchedulerFactory | None = None,
        latent_dim: int | None = None,
        num_classes: int | None = None,
    ) -> None:
        from gankit.train.hooks.guard import NonFiniteGuard

        self.config = cfg = config if config is not None else TrainerConfig()
        if not isinstance(cfg, TrainerConfig):
            raise TypeError(f"config must be a TrainerConfig, got {type(cfg).__name__}")
        self.loss: AdversarialLoss = loss if loss is not None else NonSaturating()
        if not isinstance(self.loss, AdversarialLoss):
            raise TypeError(
                "loss must have discriminator(real_logits, fake_logits), generator(fake_logits, "
                f"real_logits) and needs_real_logits_for_generator, got {type(self.loss).__name__}"
            )
        if regularizer is not None and not isinstance(regularizer, Regularizer):
            raise TypeError(
                "regularizer must be callable as regularizer(D, real, fake, *inputs) and have "
                f"needs_fake, got {type(regularizer).__name__}"
            )
        self.regularizer = regularizer
        self.latent_dim = int(
            latent_dim if latent_dim is not None else getattr(generator, "latent_dim", 0)
        )
        if self.latent_dim < 1:
            raise ValueError(
                "Trainer needs the latent size: pass latent_dim=... or give the generator a "
                f"latent_dim attribute (got {self.latent_dim})"
            )
        self.num_classes = int(
            num_classes if num_classes is not None else getattr(generator, "num_classes", 0)
        )

        self.device = resolve_device(cfg.device)
        self.dist: DistInfo = init_from_env(self.device)
        if self.dist.enabled and self.device.type == "cuda":
            self.device = torch.device("cuda", self.dist.local_rank)
            torch.cuda.set_device(self.device)
        if self.device.type == "cuda":
            torch.backends.cudnn.benchmark = cfg.cudnn_benchmark
        self.memory_format = torch.channels_last if cfg.channels_last else torch.contiguous_format
        if self.dist.enabled and cfg.sync_batchnorm:
            if self.device.type != "cuda":
                raise ValueError(
                    "TrainerConfig.sync_batchnorm=True needs CUDA devices (PyTorch's "
                    f"SyncBatchNorm is GPU-only), but training runs on {self.device}"
                )
            generator = _sync_bn(generator)
            discriminator = _sync_bn(discriminator)
        self.generator = generator.to(self.device).to(memory_format=self.memory_format)
        self.discriminator = discriminator.to(self.device).to(memory_format=self.memory_format)

        if cfg.cuda_graphs:
            self._check_graphs_supported(g_optimizer=g_optimizer, d_optimizer=d_optimizer)
        fused = cfg.fused_adam if cfg.fused_adam is not None else self.device.type == "cuda"

        def adam(net: nn.Module, lr: float) -> Optimizer:
            return torch.optim.Adam(
                net.parameters(),
                lr=lr,
                betas=cfg.betas,
                fused=fused or None,
                capturable=cfg.cuda_graphs,
            )

        self.g_optimizer = g_optimizer or adam(self.generator, cfg.lr_g)
        self.d_optimizer = d_optimizer or adam(self.discriminator, cfg.lr_d)
        self.g_scheduler = g_scheduler(self.g_optimizer) if g_scheduler else None
        self.d_scheduler = d_scheduler(self.d_optimizer) if d_scheduler else None
        # Adam's learning rates as device tensors a captured step reads; after the
        # schedulers, which thus keep float base rates and fill_ these tensors.
        self._lr_slots: dict[int, list[Tensor | None]] = {}
        if cfg.cuda_graphs:
            for optimizer in (self.g_optimizer, self.d_optimizer):
                self._lr_slots[id(optimizer)] = _lr_on_device(optimizer, self.device)
        self.scaler = torch.amp.GradScaler(self.device.type, enabled=cfg.precision == "fp16")
        self._amp_dtype = {"bf16": torch.bfloat16, "fp16": torch.float16}.get(cfg.precision)

        # The nets as the loop calls them: DDP-wrapped for the updates of their own
        # weights, plain for the generator step through D (D's gradients are not needed).
        g_train: nn.Module = self.generator
        d_train: nn.Module = self.discriminator
        if self.dist.enabled:
            ids = [self.device.index] if self.device.type == "cuda" else None
            g_train = DistributedDataParallel(self.generator, device_ids=ids)
            d_train = DistributedDataParallel(self.discriminator, device_ids=ids)
        d_plain: nn.Module = self.discriminator
        if cfg.compile:
            g_train, d_train, d_plain = (_compiled(m) for m in (g_train, d_train, d_plain))
        self._g_train, self._d_train, self._d_plain = g_train, d_train, d_plain

        self.hooks: list[Hook] = list(hooks)
        if not any(isinstance(h, NonFiniteGuard) for h in self.hooks):
            self.hooks.insert(0, NonFiniteGuard())
        self.state = TrainState()
        self._interval = self._zeros()
        self._interval_n = [0, 0]
        self._epoch = self._zeros()
        self._epoch_n = [0, 0]
        self._epoch_rng: dict[str, Any] | None = None
        self._resume_rng: dict[str, Any] | None = None
        self._resume_data: dict[str, Any] | None = None
        self._data: Iterable[Any] | None = None
        self._data_source: Iterable[Any] | None = None
        self._fresh = True
        self._graphs: StepGraphs | None = StepGraphs(self.device) if cfg.cuda_graphs else None

    def _check_graphs_supported(
        self, *, g_optimizer: Optimizer | None, d_optimizer: Optimizer | None
    ) -> None:
        """Refuse set-ups whose step cannot be captured, saying what to change."""
        if torch.torch_version.TorchVersion(torch.__version__) < "2.5":
            raise ValueError(
                "TrainerConfig.cuda_graphs=True needs torch >= 2.5 (learning-rate schedulers "
                f"must update a tensor learning rate in place), but this is {torch.__version__}"
            )
        for name, opt in (("g_optimizer", g_optimizer), ("d_optimizer", d_optimizer)):
            if opt is not None and not all(g.get("capturable") for g in opt.param_groups):
                raise ValueError(
                    f"TrainerConfig.cuda_graphs=True needs optimizers that can be captured, "
                    f"but {name} ({type(opt).__name__}) was created without capturable=True; "
                    f"create it with e.g. torch.optim.Adam(params, lr, capturable=True)"
                )
        if self.device.type != "cuda":
            raise ValueError(
                f"TrainerConfig.cuda_graphs=True needs a CUDA device, but training runs on "
                f"{self.device}; drop cuda_graphs or pass device='cuda'"
            )
        if self.dist.enabled:
            raise ValueError(
                "TrainerConfig.cuda_graphs=True is not supported under DDP (gradient "
                "all-reduce is not captured); drop cuda_graphs for multi-GPU runs"
            )

    def _check_graph_hooks(self) -> None:
        for key, hook in self._hook_keys():
            if type(hook).on_before_optimizer_step is not Hook.on_before_optimizer_step:
                raise ValueError(
                    f"hook {key} overrides on_before_optimizer_step, which cannot run inside "
                    "a captured step (TrainerConfig.cuda_graphs=True); drop the hook or "
                    "cuda_graphs"
                )

    # ------------------------------------------------------------------ public API

    def fit(
        self,
        data: Iterable[Any],
        *,
        epochs: int | None = None,
        steps: int | None = None,
        resume: str | Path | None = None,
    ) -> None:
        """Train until ``state.epoch == epochs`` or ``state.step == steps``.

        Targets are absolute, so a loaded run continues where it stopped and calling
        ``fit`` again with the same target does nothing. Ctrl-C stops after the current
        step, asks the hooks for a checkpoint (``state.should_save``) and returns.

        Args:
            data: an iterable of image tensors or ``(images, labels)`` tuples, re-iterated
                once per epoch (a DataLoader, a :class:`gankit.data.DeviceLoader`, a list).
            epochs: train until this many epochs are complete.
            steps: train until this many generator updates are done.
            resume: a checkpoint to :meth:`load` first.

        Raises:
            ValueError: unless exactly one of ``epochs`` / ``steps`` is a positive int.
            gankit.train.NonFiniteLossError: when a loss becomes NaN or infinite.
        """
        if (epochs is None) == (steps is None):
            raise ValueError(
                f"fit needs exactly one of epochs or steps, got epochs={epochs!r}, steps={steps!r}"
            )
        target = epochs if epochs is not None else steps
        if isinstance(target, bool) or not isinstance(target, int) or target < 1:
            name = "epochs" if epochs is not None else "steps"
            raise ValueError(f"fit: {name} must be an int >= 1, got {target!r}")
        if resume is not None:
            self.load(resume)
        if self.config.cuda_graphs:
            self._check_graph_hooks()
        st = self.state
        st.max_epochs, st.max_steps = epochs, steps
        st.should_stop = st.should_save = False
        if self._fresh and self.config.seed is not None:
            seed_everything(self.config.seed + self.dist.rank)
        self._fresh = False
        if data is self._data_source and self._data is not None:
            data = self._data  # the sharded loader of the last call keeps its position
        else:
            self._data_source = data
            self._data = data = shard_data(data, self.dist, self.config.seed or 0)
        with self._sigint_stops_after_step():
            self._fire("on_fit_start")
            try:
                while not self._done() and not st.should_stop:
                    self._run_epoch(data)
            except BaseException as error:
                self._fire("on_exception", error)
                raise
            self._fire("on_fit_end")
        if st.should_save:
            warnings.warn(
                f"training stopped at step {st.step} and asked for a checkpoint, but no hook "
                "saved one (add gankit.train.hooks.Checkpoint)",
                RuntimeWarning,
                stacklevel=2,
            )

    def save(self, path: str | Path) -> Path:
        """Write the complete run state to ``path`` atomically (rank 0 only under DDP).

        The checkpoint holds both nets, both optimizers, the grad scaler, schedulers, the
        counters and position inside the epoch, every RNG and every hook's state; hooks
        may add entries or veto the save in ``on_save_checkpoint``.

        Args:
            path: the file to write (its directory is created if needed).

        Returns:
            The path written.
        """
        ckpt = self.checkpoint_dict()
        self._fire("on_save_checkpoint", ckpt)
        if self.dist.is_main:
            atomic_save(ckpt, path)
        return Path(path)

    def load(self, path: str | Path) -> None:
        """Restore a run saved by :meth:`save` so that ``fit`` continues it exactly.

        Args:
            path: a checkpoint file, or a directory whose newest ``step-*.pt`` is loaded.

        Raises:
            gankit.train.CheckpointError: naming the file and the problem when it is
                missing, corrupted, untrusted or saved for different nets or optimizers.
        """
        if Path(path).is_dir():
            path = latest_checkpoint(path) or path
        ckpt = load_checkpoint(path)
        parts: list[tuple[str, Any]] = [
            ("generator", self.generator),
            ("discriminator", self.discriminator),
            ("g_optimizer", self.g_optimizer),
            ("d_optimizer", self.d_optimizer),
            ("scaler", self.scaler),
        ]
        if self.g_scheduler is not None:
            parts.append(("g_scheduler", self.g_scheduler))
        if self.d_scheduler is not None:
            parts.append(("d_scheduler", self.d_scheduler))
        for key in [k for k, _ in parts] + ["state", "rng"]:
            if key not in ckpt:
                raise CheckpointError(f"{path}: checkpoint has no {key!r} entry")
        if self._graphs is not None:
            self._graphs.reset()  # loading replaces the optimizer tensors the graphs read
        # All or nothing: a part that does not fit leaves the trainer as it was.
        backup = [(obj, copy.deepcopy(obj.state_dict())) for _, obj in parts]
        for key, obj in parts:
            try:
                self._load_part(obj, ckpt[key])
            except (RuntimeError, ValueError, KeyError, TypeError) as e:
                for restored, state in backup:
                    self._load_part(restored, state)
                detail = str(e).strip().splitlines()
                short = " ".join(detail[:4]) + (" ..." if len(detail) > 4 else "")
                raise CheckpointError(
                    f"{path}: the saved {key} does not fit this trainer (different architecture "
                    f"or settings?): {short}"
                ) from None
        self.state.load_state_dict(ckpt["state"])
        hook_states = ckpt.get("hooks", {})
        for key, hook in self._hook_keys():
            if key in hook_states:
                hook.load_state_dict(hook_states[key])
            elif hook.state_dict():
                warnings.warn(
                    f"{path}: no saved state for hook {key}; it starts fresh", stacklevel=2
                )
        sums = ckpt.get("running_sums")
        if sums is None:  # zero rather than carry another run's sums over
            self._interval, self._epoch = self._zeros(), self._zeros()
            self._interval_n, self._epoch_n = [0, 0], [0, 0]
        else:
            self._interval = sums["interval"].to(self.device)
            self._epoch = sums["epoch"].to(self.device)
            self._interval_n = [int(v) for v in sums["interval_n"]]
            self._epoch_n = [int(v) for v in sums["epoch_n"]]
        self._resume_rng = ckpt["rng"]
        self._resume_data = ckpt.get("data")
        self._epoch_rng = ckpt.get("epoch_rng")
        set_rng_state(ckpt["rng"])
        self._fresh = False
        self._fire("on_load_checkpoint", ckpt)

    def _load_part(self, obj: Any, state: Any) -> None:
        if not isinstance(obj, Optimizer):
            obj.load_state_dict(state)
            return
        impl = [{k: g[k] for k in _IMPL_KEYS if k in g} for g in obj.param_groups]
        obj.load_state_dict(state)
        for group, own in zip(obj.param_groups, impl, strict=True):
            group.update(own)
            on_device = bool(group.get("capturable") or group.get("fused"))
            for p in group["params"]:
                step = obj.state.get(p, {}).get("step")
                if not isinstance(step, Tensor):
                    continue
                if on_device and (step.device != p.device or step.dtype != torch.float32):
                    obj.state[p]["step"] = step.to(p.device, torch.float32)
                elif not on_device and step.device.type != "cpu":
                    obj.state[p]["step"] = step.cpu()
        if self.config.cuda_graphs:
            self._lr_slots[id(obj)] = _lr_on_device(obj, self.device)

    def checkpoint_dict(self) -> dict[str, Any]:
        """Return the checkpoint :meth:`save` writes (tensors and plain values only)."""
        ckpt: dict[str, Any] = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "gankit_version": _version(),
            "generator": self.generator.state_dict(),
            "discriminator": self.discriminator.state_dict(),
            "g_optimizer": _portable(self.g_optimizer.state_dict()),
            "d_optimizer": _portable(self.d_optimizer.state_dict()),
            "scaler": self.scaler.state_dict(),
            "state": self.state.state_dict(),
            "rng": rng_state(),
            "epoch_rng": self._epoch_rng,
            "running_sums": {
                "interval": self._interval.cpu(),
                "interval_n": list(self._interval_n),
                "epoch": self._epoch.cpu(),
                "epoch_n": list(self._epoch_n),
            },
            "hooks": {key: hook.state_dict() for key, hook in self._hook_keys()},
            "trainer_config": _plain(dataclasses.asdict(self.config)),
            "latent_dim": self.latent_dim,
            "num_classes": self.num_classes,
        }
        if self._data is not None and _stateful(self._data):
            ckpt["data"] = self._data.state_dict()  # type: ignore[attr-defined]
        if self.g_scheduler is not None:
            ckpt["g_scheduler"] = self.g_scheduler.state_dict()
        if self.d_scheduler is not None:
            ckpt["d_scheduler"] = self.d_scheduler.state_dict()
        for key, net in (
            ("generator_config", self.generator),
            ("discriminator_config", self.discriminator),
        ):
            cfg = getattr(net, "config", None)
            if dataclasses.is_dataclass(cfg) and not isinstance(cfg, type):
                ckpt[key] = {"type": type(cfg).__name__, **_plain(dataclasses.asdict(cfg))}
        return ckpt

    @torch.no_grad()
    def sample(
        self,
        n: int,
        *,
        labels: Tensor | None = None,
        seed: int | None = None,
        z: Tensor | None = None,
        ema: bool = True,
        batch_size: int = 256,
    ) -> Tensor:
        """Generate ``n`` samples in eval mode without touching the training RNGs.

        Args:
            n: number of samples.
            labels: class labels ``(n,)`` for a conditional generator (default: cycling
                through the classes).
            seed: seed of the noise (a private generator); ``None`` draws a random seed.
            z: explicit noise ``(n, latent_dim)`` instead of ``seed``.
            ema: use the EMA generator when a :class:`~gankit.train.hooks.EMA` hook exists.
            batch_size: generate in chunks of this size.

        Returns:
            A float32 tensor on the trainer's device, e.g. ``(n, C, H, W)`` in [-1, 1].
        """
        net = self.sampling_generator(ema=ema)
        if z is None:
            gen = torch.Generator(device="cpu")
            gen.manual_seed(seed if seed is not None else secrets.randbits(63))
            z = torch.randn(n, self.latent_dim, generator=gen)
        z = z.to(self.device)
        if self.num_classes and labels is None:
            labels = torch.arange(n) % self.num_classes
        was_training = net.training
        net.eval()
        try:
            chunks = []
            for i in range(0, n, batch_size):
                args = [] if labels is None else [labels[i : i + batch_size].to(self.device)]
                with self._autocast():
                    chunks.append(net(z[i : i + batch_size], *args).float())
        finally:
            net.train(was_training)
        return torch.cat(chunks)

    def sampling_generator(self, ema: bool = True) -> nn.Module:
        """Return the EMA generator if an EMA hook is present and ``ema``, else the generator."""
        from gankit.train.hooks.ema import EMA

        if ema:
            for hook in self.hooks:
                if isinstance(hook, EMA) and hook.module is not None:
                    averaged: nn.Module = hook.module
                    return averaged
        return self.generator

    # ------------------------------------------------------------------ the loop

    def _run_epoch(self, data: Iterable[Any]) -> None:
        st, cfg = self.state, self.config
        batches = self._epoch_batches(data)
        self._fire("on_epoch_start")
        for batch in batches:
            d_in_step = st.d_updates - st.step * cfg.n_critic
            if d_in_step == 0:
                self._fire("on_step_start")
            if self._graphs is not None and d_in_step == 0:
                # The whole step at once: gather its n_critic batches from this epoch.
                group = [batch, *itertools.islice(batches, cfg.n_critic - 1)]
                inputs = [self._to_device(b) for b in group]
                if len(inputs) == cfg.n_critic:
                    self._graph_step(inputs)
                else:  # the epoch ends inside the step: finish it eagerly next epoch
                    for real, labels in inputs:
                        self._discriminator_update(real, labels, keep_graph=False)
                        self._count_batch(real)
                    continue
            else:
                real, labels = self._to_device(batch)
                last = d_in_step + 1 == cfg.n_critic
                fake = self._discriminator_update(real, labels, keep_graph=last)
                self._count_batch(real)
                if not last:
                    continue
                self._generator_update(fake, real, labels)
            st.step += 1
            if st.step % cfg.log_every == 0:
                self._log()
            self._fire("on_step_end")
            if (st.max_steps is not None and st.step >= st.max_steps) or self._stop_requested():
                if _length(data) != st.batch_in_epoch:
                    return  # stop inside the epoch; the checkpoint records the position
                break
        if st.batch_in_epoch == 0:
            raise ValueError(
                f"data yielded no batches in epoch {st.epoch + 1}: pass something that can be "
                "iterated once per epoch (a DataLoader, DeviceLoader or list), not a one-shot "
                "iterator or generator"
            )
        st.epoch += 1
        st.batch_in_epoch = 0
        st.epoch_metrics = self._read(self._epoch, self._epoch_n)
        self._fire("on_epoch_end")

    def _epoch_batches(self, data: Iterable[Any]) -> Iterator[Any]:
        """Start (or continue) the current epoch so the run matches an uninterrupted one.

        A loader with ``state_dict``/``load_state_dict`` (such as
        :class:`~gankit.data.DeviceLoader`) knows its own position: it continues where it
        stands, or where the checkpoint says. Any other iterable is re-iterated from the
        epoch's start with the RNGs of that moment (so a shuffling DataLoader draws the same
        order), advanced past the consumed batches, and the RNGs are then put back.
        """
        st = self.state
        loaded, self._resume_rng = self._resume_rng, None
        saved_position, self._resume_data = self._resume_data, None
        set_epoch = getattr(data, "set_epoch", None) or getattr(
            getattr(data, "sampler", None), "set_epoch", None
        )
        length = _length(data)
        if length is not None and st.batch_in_epoch >= length:
            return iter(())  # saved on the epoch's last step: only the epoch end is left
        if st.batch_in_epoch == 0:
            self._epoch_rng = rng_state()
            self._epoch, self._epoch_n = self._zeros(), [0, 0]
            if callable(set_epoch):
                set_epoch(st.epoch)
            return iter(data)
        if _stateful(data) and (loaded is None or saved_position is not None):
            if saved_position is not None:
                data.load_state_dict(saved_position)  # type: ignore[attr-defined]
            return iter(data)
        current = loaded if loaded is not None else rng_state()
        if self._epoch_rng is not None:
            set_rng_state(self._epoch_rng)
        if callable(set_epoch):
            set_epoch(st.epoch)
        batches = iter(data)
        for _ in range(st.batch_in_epoch):
            if next(batches, None) is None:
                break
        set_rng_state(current)
        return batches

    def _count_batch(self, real: Tensor) -> None:
        st = self.state
        st.batch_in_epoch += 1
        st.d_updates += 1
        st.images_seen += real.shape[0] * self.dist.world_size

    def _graph_step(self, inputs: list[tuple[Tensor, Tensor | None]]) -> None:
        """One whole step through :class:`~gankit.train.graphs.StepGraphs`.

        The device work (all updates) runs first, as one replay; then, in the eager
        order, the host side of each update: counters, loss sums, schedulers, hooks.
        """
        assert self._graphs is not None
        st, interval = self.state, self.config.regularizer_interval
        flags = tuple(
            self.regularizer is not None and (st.d_updates + i) % interval == 0
            for i in range(len(inputs))
        )
        flat = [t for pair in inputs for t in pair]
        shapes = tuple(None if t is None else (t.shape, t.stride(), t.dtype) for t in flat)
        key = (flags, shapes, self._optimizer_settings())

        def step(static: list[Tensor | None]) -> tuple[list[dict[str, Tensor]], dict[str, Tensor]]:
            pairs = [(cast(Tensor, static[2 * i]), static[2 * i + 1]) for i in range(len(flags))]
            d_losses = []
            for i, (real, labels) in enumerate(pairs):
                last = i == len(pairs) - 1
                fake, losses = self._discriminator_core(
                    real, labels, keep_graph=last, regularize=flags[i], fire=False
                )
                d_losses.append(losses)
            real, labels = pairs[-1]
            return d_losses, self._generator_core(fake, real, labels, fire=False)

        d_losses, g_losses = self._graphs.run(key, flat, step)
        for (real, _), losses in zip(inputs, d_losses, strict=True):
            self._accumulate(losses, 0)
            self._fire("on_discriminator_step", dict(losses))  # hooks may edit their copy
            self._count_batch(real)
        self._step_schedulers()
        self._accumulate(g_losses, 1)
        self._fire("on_generator_step", dict(g_losses))

    def _optimizer_settings(self) -> tuple[Any, ...]:
        """What a captured step bakes in from the optimizers' groups (part of its kind).

        A learning rate that was replaced instead of updated in place (by hand, or by a
        scheduler of an older torch) is first written into the device tensor the graphs
        read. Other settings (betas, eps, weight decay) are read when a step is
        captured, so a change makes a new kind of step.
        """
        out = []
        for optimizer in (self.g_optimizer, self.d_optimizer):
            slots = self._lr_slots.get(id(optimizer), [])
            for group, slot in itertools.zip_longest(optimizer.param_groups, slots):
                if slot is not None and group["lr"] is not slot:
                    lr = group["lr"]
                    if isinstance(lr, Tensor):
                        slot.copy_(lr)
                    else:
                        slot.fill_(lr)
                    group["lr"] = slot
                skip = ("params", "param_names", "initial_lr")
                out.append(tuple((k, _frozen(v)) for k, v in group.items() if k not in skip))
        return tuple(out)

    def _discriminator_update(
        self, real: Tensor, labels: Tensor | None, *, keep_graph: bool
    ) -> Tensor:
        interval = self.config.regularizer_interval
        fake, losses = self._discriminator_core(
            real,
            labels,
            keep_graph=keep_graph,
            regularize=self.regularizer is not None and self.state.d_updates % interval == 0,
        )
        self._accumulate(losses, 0)
        self._fire("on_discriminator_step", losses)
        return fake

    def _discriminator_core(
        self,
        real: Tensor,
        labels: Tensor | None,
        *,
        keep_graph: bool,
        regularize: bool,
        fire: bool = True,
    ) -> tuple[Tensor, dict[str, Tensor]]:
        """Device work of one discriminator update; returns the fake batch and the losses."""
        cfg, y = self.config, self._label_args(labels)
        z = torch.randn(real.shape[0], self.latent_dim, device=self.device)
        with self._autocast():
            with torch.set_grad_enabled(keep_graph):
                fake: Tensor = self._g_train(z, *y)
            if self.memory_format is torch.channels_last and fake.ndim == 4:
                fake = fake.contiguous(memory_format=torch.channels_last)
            real_logits = self._d_train(real, *y)
            fake_logits = self._d_train(fake.detach(), *y)
            d_loss = self.loss.discriminator(real_logits, fake_logits)
            total = d_loss
            losses = {
                "d_loss": d_loss.detach(),
                "real_logits": real_logits.detach().float().mean(),
                "fake_logits": fake_logits.detach().float().mean(),
            }
            if self.regularizer is not None and regularize:
                fake_in = fake.detach() if self.regularizer.needs_fake else None
                penalty = self.regularizer(self._d_plain, real, fake_in, *y)
                total = d_loss + penalty * cfg.regularizer_interval
                losses["penalty"] = penalty.detach()
        self.d_optimizer.zero_grad(set_to_none=True)
        _backward(self.scaler.scale(total))
        self._optimizer_step("discriminator", self.d_optimizer, self.discriminator, fire)
        return fake, losses

    def _generator_update(self, fake: Tensor, real: Tensor, labels: Tensor | None) -> None:
        losses = self._generator_core(fake, real, labels)
        self._step_schedulers()
        self._accumulate(losses, 1)
        self._fire("on_generator_step", losses)

    def _step_schedulers(self) -> None:
        for scheduler in (self.g_scheduler, self.d_scheduler):
            if scheduler is not None:
                scheduler.step()

    def _generator_core(
        self, fake: Tensor, real: Tensor, labels: Tensor | None, *, fire: bool = True
    ) -> dict[str, Tensor]:
        """Device work of one generator update; returns its losses."""
        y = self._label_args(labels)
        self.discriminator.requires_grad_(False)  # only input gradients are needed
        try:
            with self._autocast():
                fake_logits = self._d_plain(fake, *y)
                real_logits = None
                if self.loss.needs_real_logits_for_generator:
                    with torch.no_grad():
                        real_logits = self._d_plain(real, *y)
                g_loss = self.loss.generator(fake_logits, real_logits)
        finally:
            self.discriminator.requires_grad_(True)
        self.g_optimizer.zero_grad(set_to_none=True)
        _backward(self.scaler.scale(g_loss))
        self._optimizer_step("generator", self.g_optimizer, self.generator, fire)
        return {"g_loss": g_loss.detach()}

    def _optimizer_step(
        self, name: NetName, optimizer: Optimizer, net: nn.Module, fire: bool
    ) -> None:
        self.scaler.unscale_(optimizer)
        if self.config.grad_clip_norm is not None:
            nn.utils.clip_grad_norm_(net.parameters(), self.config.grad_clip_norm)
        if fire:
            self._fire("on_before_optimizer_step", name, optimizer)
        self.scaler.step(optimizer)
        self.scaler.update()

    # ------------------------------------------------------------------ helpers

    def _to_device(self, batch: Any) -> tuple[Tensor, Tensor | None]:
        real, labels = split_batch(batch)
        real = real.to(self.device, non_blocking=True)
        if real.ndim == 4:
            real = real.contiguous(memory_format=self.memory_format)
        if labels is not None:
            labels = labels.to(self.device, non_blocking=True)
        return real, labels

    def _label_args(self, labels: Tensor | None) -> list[Tensor]:
        if not self.num_classes:
            return []
        if labels is None:
            raise ValueError(
                f"the nets are conditional (num_classes={self.num_classes}) but the data "
                "yields no labels: yield (images, labels) batches"
            )
        return [labels]

    def _autocast(self) -> contextlib.AbstractContextManager[Any]:
        if self._amp_dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(self.device.type, dtype=self._amp_dtype)

    def _zeros(self) -> Tensor:
        return torch.zeros(len(_STAT_KEYS), device=self.device, dtype=torch.float32)

    def _accumulate(self, losses: Mapping[str, Tensor], which: int) -> None:
        """Add this update's losses to the on-device sums (no host synchronisation)."""
        zero = torch.zeros((), device=self.device)
        values = torch.stack(
            [losses[k].float() if k in losses else zero for k in _STAT_KEYS[:-1]]
            + [torch.ones((), device=self.device) if "penalty" in losses else zero]
        )
        self._interval += values
        self._epoch += values
        self._interval_n[which] += 1
        self._epoch_n[which] += 1

    def _read(self, sums: Tensor, counts: list[int]) -> dict[str, float]:
        """Read accumulated sums to the host once and turn them into means."""
        means = all_reduce_mean(sums, self.dist).tolist()
        d_n, g_n = max(counts[0], 1), max(counts[1], 1)
        stats = dict(zip(_STAT_KEYS, means, strict=True))
        penalty_n = stats.pop("penalty_n")
        out = {k: v / (g_n if k == "g_loss" else d_n) for k, v in stats.items()}
        if self.regularizer is None:
            out.pop("penalty")
        else:
            out["penalty"] = stats["penalty"] / max(penalty_n, 1.0)
        return out

    def _log(self) -> None:
        metrics = self._read(self._interval, self._interval_n)
        metrics["lr_g"] = float(self.g_optimizer.param_groups[0]["lr"])
        metrics["lr_d"] = float(self.d_optimizer.param_groups[0]["lr"])
        self._interval, self._interval_n = self._zeros(), [0, 0]
        self.state.metrics.update(metrics)
        self._fire("on_log", metrics)
        self.state.metrics.update(metrics)  # with what hooks added, e.g. fid

    def _stop_requested(self) -> bool:
        """``state.should_stop``; under DDP the ranks agree on it at log steps only."""
        st = self.state
        if not self.dist.enabled:
            return st.should_stop
        if st.step % self.config.log_every:
            return False
        local = torch.tensor([float(st.should_stop), float(st.should_save)], device=self.device)
        stop, save = (bool(v > 0) for v in all_reduce_max(local, self.dist).tolist())
        st.should_stop, st.should_save = stop, save
        return stop

    def _done(self) -> bool:
        st = self.state
        if st.max_steps is not None:
            return st.step >= st.max_steps
        return st.max_epochs is not None and st.epoch >= st.max_epochs

    def _fire(self, event: str, *args: Any) -> None:
        for hook in self.hooks:
            if hook.rank_zero_only and not self.dist.is_main:
                continue
            getattr(hook, event)(self, self.state, *args)

    def _hook_keys(self) -> list[tuple[str, Hook]]:
        seen: dict[str, int] = {}
        out = []
        for hook in self.hooks:
            name = type(hook).__name__
            n = seen.get(name, 0)
            seen[name] = n + 1
            out.append((name if n == 0 else f"{name}#{n}", hook))
        return out

    @contextlib.contextmanager
    def _sigint_stops_after_step(self) -> Iterator[None]:
        """Ctrl-C once: finish the step, ask for a checkpoint, stop. Twice: abort."""
        if not _main_thread():
            yield
            return
        previous = signal.getsignal(signal.SIGINT)
        owner = os.getpid()

        def handler(signum: int, frame: FrameType | None) -> None:
            if os.getpid() != owner:
                return  # a forked DataLoader worker: the main process handles Ctrl-C
            if self.state.should_stop:
                signal.signal(signal.SIGINT, previous)
                raise KeyboardInterrupt
            self.state.should_stop = self.state.should_save = True
            print(
                f"\nInterrupted: stopping after step {self.state.step + 1} and saving a "
                "checkpoint (press Ctrl-C again to abort without saving).",
                file=sys.stderr,
                flush=True,
            )

        signal.signal(signal.SIGINT, handler)
        try:
            yield
        finally:
            signal.signal(signal.SIGINT, previous)


def _backward(loss: Tensor) -> None:
    loss.backward()  # type: ignore[no-untyped-call]


def _lr_on_device(optimizer: Optimizer, device: torch.device) -> list[Tensor | None]:
    """Hold Adam's (and AdamW's) learning rates in device tensors a captured step reads.

    Schedulers then change them in place (``fill_``) instead of replacing a float that the
    graph baked in. Other optimizers keep float rates (not all of them accept tensors);
    for them a new rate makes a new kind of step. Returns the tensor of each group, or
    ``None`` where the rate stays a float.
    """
    slots: list[Tensor | None] = []
    for group in optimizer.param_groups:
        if not isinstance(optimizer, (torch.optim.Adam, torch.optim.AdamW)):
            slots.append(None)
            continue
        lr = group["lr"]
        if not (isinstance(lr, Tensor) and lr.device == device):
            lr = group["lr"] = torch.tensor(float(lr), dtype=torch.float32, device=device)
        slots.append(lr)
    return slots


def _frozen(value: Any) -> Any:
    """A hashable stand-in for an optimizer setting (tensors by identity)."""
    if isinstance(value, (list, tuple)):
        return tuple(_frozen(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _frozen(v)) for k, v in value.items()))
    try:
        hash(value)
    except TypeError:
        return id(value)
    return value


def _portable(state: dict[str, Any]) -> dict[str, Any]:
    """An optimizer state dict with tensor learning rates as floats (loads anywhere)."""
    groups = [
        {
            k: float(v) if k in ("lr", "initial_lr") and isinstance(v, Tensor) else v
            for k, v in group.items()
        }
        for group in state["param_groups"]
    ]
    return {**state, "param_groups": groups}


def _compiled(net: nn.Module) -> nn.Module:
    return cast(nn.Module, torch.compile(net))


def _sync_bn(net: nn.Module) -> nn.Module:
    converted: nn.Module = nn.SyncBatchNorm.convert_sync_batchnorm(net)  # type: ignore[no-untyped-call]
    return converted


def _stateful(data: object) -> bool:
    return callable(getattr(data, "state_dict", None)) and callable(
        getattr(data, "load_state_dict", None)
    )


def _length(data: Iterable[Any]) -> int | None:
    try:
        return len(data)  # type: ignore[arg-type]
    except TypeError:
        return None


def _main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


def _plain(value: Any) -> Any:
    """Convert tuples to lists recursively so the value loads with ``weights_only=True``."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _version() -> str:
    from gankit._version import __version__

    return __version__
