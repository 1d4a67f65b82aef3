"""The training loop: :class:`Trainer` runs a :class:`~gankit.train.TrainingStep` and fires events.

The Trainer owns the host side of training: it iterates the data, calls the step (eagerly
or as CUDA graphs), counts, accumulates the step's logs on the device, reads them once per
log interval, fires hook events, and saves and loads whole runs. The device work of an
update lives in the step; device, DDP and optimizer set-up in :mod:`gankit.train.setup`;
the resumable data position in :mod:`gankit.train.position`; the checkpoint layout in
:mod:`gankit.train.schema`.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn
from torch.optim import Optimizer

from gankit._version import __version__
from gankit.losses import AdversarialLoss, Regularizer
from gankit.train.checkpoint import (
    FORMAT,
    FORMAT_VERSION,
    CheckpointError,
    atomic_save,
    latest_checkpoint,
    rng_state,
    seed_everything,
    set_rng_state,
)
from gankit.train.config import TrainerConfig
from gankit.train.distributed import DistInfo, all_reduce_max, init_from_env
from gankit.train.graph_step import GraphedStep, check_graph_hooks, check_graphs_supported
from gankit.train.graphs import CaptureBackend, EagerCapture
from gankit.train.guard import NonFiniteGuard
from gankit.train.hook import Hook, NetName, SamplingSource
from gankit.train.interrupt import TrainingInterrupted, stop_on_signals
from gankit.train.meters import LossMeters
from gankit.train.position import EpochPosition, data_length, no_batches_message, to_batch
from gankit.train.restore import (
    check_fits,
    check_rng_states,
    checked_part,
    entry_digests,
    load_parts,
    plain_values,
    portable_optimizer_state,
)
from gankit.train.sampling import generate, latent_noise
from gankit.train.schema import CheckpointDict, read_checkpoint
from gankit.train.setup import (
    SchedulerFactory,
    amp_dtype,
    default_optimizer,
    prepare_nets,
    resolve_device,
)
from gankit.train.state import TrainState
from gankit.train.step import Batch, Logs, StepContext, TrainingStep, resolve_step

__all__ = ["Trainer"]


class Trainer:
    """Adversarial training for any generator, discriminator, loss and training step.

    One *step* is one generator update, preceded by ``n_critic`` discriminator updates,
    each on its own batch. What an update computes is the ``step``'s business (default
    :class:`~gankit.train.TrainingStep`: the DCGAN reference loop, where the generator's
    output on the last critic batch is reused, detached, for D's loss and, with gradients,
    for G's). Everything optional is a :class:`~gankit.train.Hook`.

    Args:
        generator: maps ``(B, latent_dim)`` noise (and labels if conditional) to samples.
        discriminator: maps samples (and labels) to raw logits.
        loss: an :class:`~gankit.losses.AdversarialLoss` for the default step; default
            :class:`~gankit.losses.NonSaturating`.
        config: a :class:`~gankit.TrainerConfig`; default is the DCGAN recipe.
        hooks: hooks in the order their events fire.
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
        step: the :class:`~gankit.train.TrainingStep` (a GAN variant); it takes ``loss``
            and ``regularizer`` from here unless it was given its own.
        graph_capture: the capture backend of ``TrainerConfig(cuda_graphs=True)``; default
            CUDA graphs. :class:`~gankit.train.graphs.EagerCapture` runs the graph path's
            bookkeeping eagerly (tests, debugging), on any device.

    Raises:
        ValueError: if the latent size cannot be found or an argument is out of range.
        TypeError: if ``loss``, ``regularizer`` or ``step`` are of the wrong kind.

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
        step: TrainingStep | None = None,
        graph_capture: CaptureBackend | None = None,
    ) -> None:
        self.config = cfg = config if config is not None else TrainerConfig()
        if not isinstance(cfg, TrainerConfig):
            raise TypeError(f"config must be a TrainerConfig, got {type(cfg).__name__}")
        self.step = resolve_step(step, loss, regularizer)
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
        if cfg.cuda_graphs:
            check_graphs_supported(
                device=self.device,
                dist=self.dist,
                optimizers={"g_optimizer": g_optimizer, "d_optimizer": d_optimizer},
                step=self.step,
                capture=graph_capture,
            )
        nets = prepare_nets(generator, discriminator, cfg, self.device, self.dist)
        self.generator, self.discriminator = nets.generator, nets.discriminator
        self.memory_format = nets.memory_format
        # CUDA graphs proper need optimizers whose state and learning rate live on the GPU.
        on_gpu = cfg.cuda_graphs and not isinstance(graph_capture, EagerCapture)
        self.g_optimizer = g_optimizer or default_optimizer(
            self.generator, cfg.lr_g, cfg, self.device, capturable=on_gpu
        )
        self.d_optimizer = d_optimizer or default_optimizer(
            self.discriminator, cfg.lr_d, cfg, self.device, capturable=on_gpu
        )
        self.g_scheduler = g_scheduler(self.g_optimizer) if g_scheduler else None
        self.d_scheduler = d_scheduler(self.d_optimizer) if d_scheduler else None
        self.scaler = torch.amp.GradScaler(self.device.type, enabled=cfg.precision == "fp16")
        self.step.bind(
            StepContext(
                generator=self.generator,
                discriminator=self.discriminator,
                g_train=nets.g_train,
                d_train=nets.d_train,
                d_plain=nets.d_plain,
                g_optimizer=self.g_optimizer,
                d_optimizer=self.d_optimizer,
                scaler=self.scaler,
                latent_dim=self.latent_dim,
                num_classes=self.num_classes,
                device=self.device,
                amp_dtype=amp_dtype(cfg),
                memory_format=self.memory_format,
                grad_clip_norm=cfg.grad_clip_norm,
                regularizer_interval=cfg.regularizer_interval,
                before_optimizer_step=None if cfg.cuda_graphs else self._before_optimizer_step,
            )
        )
        self.graphed: GraphedStep | None = None
        if cfg.cuda_graphs:  # after the schedulers, which keep float base rates
            self.graphed = GraphedStep(self.step, self.device, graph_capture, device_lr=on_gpu)
            self.graphed.attach_optimizers()
        guards = [h for h in hooks if isinstance(h, NonFiniteGuard)]  # given as a hook (0.1)
        self.hooks: list[Hook] = [h for h in hooks if not isinstance(h, NonFiniteGuard)]
        self.state = TrainState()
        self.meters = LossMeters(self.device)
        self.position = EpochPosition()
        self.guard = guards[0] if guards else NonFiniteGuard()
        self._fresh = True

    @property
    def loss(self) -> AdversarialLoss:
        """The step's adversarial loss (assignable)."""
        return self.step.loss

    @loss.setter
    def loss(self, loss: AdversarialLoss) -> None:
        self.step.loss = TrainingStep(loss).loss  # validated as the step's own argument

    @property
    def regularizer(self) -> Regularizer | None:
        """The step's discriminator penalty, if any."""
        return self.step.regularizer

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

        Targets are absolute, so a loaded run continues where it stopped, and calling
        ``fit`` again with a target already reached does nothing at all (no event fires,
        nothing is written). Ctrl-C or SIGTERM stops after the current step, asks the
        hooks for a checkpoint (``state.should_save``), and raises
        :class:`~gankit.train.TrainingInterrupted` naming the step and the checkpoint.

        Args:
            data: an iterable of image tensors or ``(images, labels)`` tuples, re-iterated
                once per epoch (a DataLoader, a :class:`gankit.data.DeviceLoader`, a list).
            epochs: train until this many epochs are complete.
            steps: train until this many generator updates are done.
            resume: a checkpoint to :meth:`load` first.

        Raises:
            ValueError: unless exactly one of ``epochs`` / ``steps`` is a positive int,
                or when the data yields no batches.
            gankit.train.NonFiniteLossError: when a loss becomes NaN or infinite.
            gankit.train.TrainingInterrupted: after a SIGINT/SIGTERM stop.
        """
        if (epochs is None) == (steps is None):
            raise ValueError(
                f"fit needs exactly one of epochs or steps, got epochs={epochs!r}, steps={steps!r}"
            )
        target = epochs if epochs is not None else steps
        if isinstance(target, bool) or not isinstance(target, int) or target < 1:
            name = "epochs" if epochs is not None else "steps"
            raise ValueError(f"fit: {name} must be an int >= 1, got {target!r}")
        data = self.position.prepare(data, self.dist, self.config.seed or 0)
        if resume is not None:
            self.load(resume)  # checks a saved loader position against ``data``
            data = self.position.prepare(data, self.dist, self.config.seed or 0)
        if self.graphed is not None:
            check_graph_hooks(self._hook_keys())
        st = self.state
        st.max_epochs, st.max_steps = epochs, steps
        st.should_stop = st.should_save = False
        if self._done():
            return  # the target is reached: nothing to train and nothing to write
        if self._fresh and self.config.seed is not None:
            seed_everything(self.config.seed + self.dist.rank)
        self._fresh = False
        self.guard.reset(self.device, st.step, self.dist)
        with stop_on_signals(st) as caught:
            self._fire("on_fit_start")
            try:
                while not self._done() and not st.should_stop:
                    self._run_epoch(data)
            except BaseException as error:
                self._fire("on_exception", error)
                raise
            self._fire("on_fit_end")
            self.guard.check()
        if caught:
            raise TrainingInterrupted(st.step, caught[0], st.last_checkpoint)
        if st.should_save:
            warnings.warn(
                f"training stopped at step {st.step} and asked for a checkpoint, but no hook "
                "saved one (add gankit.train.hooks.Checkpoint)",
                RuntimeWarning,
                stacklevel=2,
            )

    def save(self, path: str | Path) -> Path:
        """Write the complete run state to ``path`` atomically (rank 0 only under DDP).

        The checkpoint (:class:`~gankit.train.schema.CheckpointDict`) holds both nets, both
        optimizers, the grad scaler, schedulers, the counters and position inside the
        epoch, every RNG and every hook's state; hooks may add entries or veto the save in
        ``on_save_checkpoint``. Nothing is written after a loss went non-finite.

        Args:
            path: the file to write (its directory is created if needed).

        Returns:
            The path written.
        """
        self.guard.check()
        ckpt: dict[str, Any] = dict(self.checkpoint_dict())
        self._fire("on_save_checkpoint", ckpt)
        if self.dist.is_main:
            ckpt["checksums"] = entry_digests(ckpt)
            atomic_save(ckpt, path)
        self.state.last_checkpoint = Path(path)
        return Path(path)

    def load(self, path: str | Path) -> None:
        """Restore a run saved by :meth:`save` so that ``fit`` continues it exactly.

        All or nothing: every part is checked (checksums, counters, RNG states, running
        sums, the data position when ``fit`` has seen the data, the sampling hook's
        weights) before anything changes, and if a net, optimizer, scheduler or hook state
        then does not fit, everything is put back as it was.

        Args:
            path: a checkpoint file, or a directory whose newest ``step-*.pt`` is loaded.

        Raises:
            gankit.train.CheckpointError: naming the file and the part when it is missing,
                corrupted, untrusted or saved for different nets, optimizers or data.
        """
        if Path(path).is_dir():
            path = latest_checkpoint(path) or path
        ckpt: dict[str, Any] = dict(read_checkpoint(path))
        objects: dict[str, Any] = {
            "generator": self.generator,
            "discriminator": self.discriminator,
            "g_optimizer": self.g_optimizer,
            "d_optimizer": self.d_optimizer,
            "scaler": self.scaler,
            "g_scheduler": self.g_scheduler,
            "d_scheduler": self.d_scheduler,
        }
        objects = {k: v for k, v in objects.items() if v is not None}
        for key in [*objects, "state", "rng"]:
            if key not in ckpt:
                raise CheckpointError(f"{path}: checkpoint has no {key!r} entry")
        state, meters = TrainState(), LossMeters(self.device)
        hook_states = ckpt.get("hooks", {})
        with checked_part(path, "state (counters)"):
            state.load_state_dict(ckpt["state"])
        with checked_part(path, "running_sums"):
            if ckpt.get("running_sums"):
                meters.load_state_dict(ckpt["running_sums"])
        with checked_part(path, "rng (random number generator states)"):
            check_rng_states(ckpt["rng"], ckpt.get("epoch_rng"))
        with checked_part(path, "data position"):
            self.position.check(ckpt.get("data"))
        for key, hook in self._hook_keys():
            if isinstance(hook, SamplingSource) and key in hook_states:
                with checked_part(path, f"{hook.sampling_entry} of hook {key}"):
                    check_fits(self.generator, hook_states[key].get(hook.sampling_entry))
        hooks = [
            (f"state of hook {k}", h, hook_states[k])
            for k, h in self._hook_keys()
            if k in hook_states
        ]
        load_parts([(k, obj, ckpt[k]) for k, obj in objects.items()] + hooks, path)
        # From here on nothing can fail: the parts above were all checked.
        if self.graphed is not None:
            self.graphed.attach_optimizers()
        for key, hook in self._hook_keys():
            if key not in hook_states and hook.state_dict():
                warnings.warn(
                    f"{path}: no saved state for hook {key}; it starts fresh", stacklevel=2
                )
        self.state.load_state_dict(ckpt["state"])
        self.meters = meters if ckpt.get("running_sums") else LossMeters(self.device)
        self.position.epoch_rng = ckpt.get("epoch_rng")
        self.position.resume(ckpt["rng"], ckpt.get("data"))
        set_rng_state(ckpt["rng"])
        self._fresh = False
        self._fire("on_load_checkpoint", ckpt)

    def checkpoint_dict(self) -> CheckpointDict:
        """Return the checkpoint :meth:`save` writes (tensors and plain values only)."""
        sampling = None
        for key, hook in self._hook_keys():
            if isinstance(hook, SamplingSource) and hook.sampling_module() is not None:
                sampling = {"hook": key, "entry": hook.sampling_entry}
                break
        ckpt: CheckpointDict = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "gankit_version": __version__,
            "generator": self.generator.state_dict(),
            "discriminator": self.discriminator.state_dict(),
            "g_optimizer": portable_optimizer_state(self.g_optimizer.state_dict()),
            "d_optimizer": portable_optimizer_state(self.d_optimizer.state_dict()),
            "scaler": self.scaler.state_dict(),
            "state": self.state.state_dict(),
            "rng": rng_state(),
            "epoch_rng": self.position.epoch_rng,
            "running_sums": self.meters.state_dict(),
            "hooks": {key: hook.state_dict() for key, hook in self._hook_keys()},
            "sampling": sampling,
            "trainer_config": plain_values(dataclasses.asdict(self.config)),
            "latent_dim": self.latent_dim,
            "num_classes": self.num_classes,
        }
        loader = self.position.loader_state()
        if loader is not None:
            ckpt["data"] = loader
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
                ckpt[key] = {"type": type(cfg).__name__, **plain_values(dataclasses.asdict(cfg))}  # type: ignore[literal-required]
        return ckpt

    def sample(
        self,
        n: int,
        *,
        labels: Tensor | None = None,
        seed: int | None = None,
        z: Tensor | None = None,
        ema: bool = True,
        batch_size: int = 256,
        autocast: torch.dtype | None = None,
    ) -> Tensor:
        """Generate ``n`` samples through :func:`gankit.train.generate` (eval mode, float32).

        Args:
            n: number of samples.
            labels: class labels ``(n,)`` for a conditional generator (default: cycling
                through the classes).
            seed: seed of the noise (a private generator); ``None`` draws a random seed.
            z: explicit noise ``(n, latent_dim)`` instead of ``seed``.
            ema: use the sampling hook's module (e.g. the EMA generator) when present.
            batch_size: generate in chunks of this size.
            autocast: run under autocast with this dtype instead of float32.

        Returns:
            A float32 tensor on the trainer's device, e.g. ``(n, C, H, W)`` in [-1, 1].
        """
        if z is None:
            z = latent_noise(n, self.latent_dim, seed=seed)
        if self.num_classes and labels is None:
            labels = torch.arange(z.shape[0]) % self.num_classes
        net = self.sampling_generator(ema=ema)
        return generate(
            net, z, labels, device=self.device, batch_size=batch_size, autocast=autocast
        )

    def sampling_generator(self, ema: bool = True) -> nn.Module:
        """Return the module to sample from (a sampling hook's module if ``ema``, else G).

        The first :class:`~gankit.train.SamplingSource` hook (e.g. EMA) with a module wins.
        """
        if ema:
            for hook in self.hooks:
                if isinstance(hook, SamplingSource):
                    module = hook.sampling_module()
                    if module is not None:
                        return module
        return self.generator

    # ------------------------------------------------------------------ the loop

    def _run_epoch(self, data: Iterable[Any]) -> None:
        st, n_critic = self.state, self.config.n_critic
        if st.batch_in_epoch == 0:
            self.meters.start_epoch()
        batches = self.position.batches(data, st)
        self._fire("on_epoch_start")
        for item in batches:
            d_in_step = st.d_updates - st.step * n_critic
            if d_in_step == 0:
                self._fire("on_step_start")
            if self.graphed is not None and d_in_step == 0:
                # The whole step at once: gather its n_critic batches from this epoch.
                group = [self._batch(item)]
                group += [
                    self._batch(b) for _, b in zip(range(n_critic - 1), batches, strict=False)
                ]
                if len(group) < n_critic:  # the epoch ends inside the step: finish it eagerly
                    for batch in group:
                        self._discriminator_update(batch, keep_fake=False)
                    continue
                flags = tuple(self._regularize(st.d_updates + i) for i in range(n_critic))
                d_logs, g_logs = self.graphed.run(group, flags)
                for batch, logs in zip(group, d_logs, strict=True):
                    self._after_update("on_discriminator_step", dict(logs), batch)
                self._after_generator_update(dict(g_logs))
            else:
                batch = self._batch(item)
                last = d_in_step + 1 == n_critic
                fake = self._discriminator_update(batch, keep_fake=last)
                if not last:
                    continue
                self._after_generator_update(self.step.generator_update(batch, fake))
            st.step += 1
            self.guard.end_step()
            if st.step % self.config.log_every == 0:
                self._log()
            self._fire("on_step_end")
            if (st.max_steps is not None and st.step >= st.max_steps) or self._stop_requested():
                if data_length(data) != st.batch_in_epoch:
                    return  # stop inside the epoch; the checkpoint records the position
                break
        if st.batch_in_epoch == 0:
            raise ValueError(no_batches_message(data, st.epoch + 1))
        st.epoch += 1
        st.batch_in_epoch = 0
        st.epoch_metrics = self.meters.read_epoch(self.dist)
        self.guard.check()
        self._fire("on_epoch_end")

    def _batch(self, item: Any) -> Batch:
        return to_batch(item, self.device, self.memory_format)

    def _regularize(self, d_update: int) -> bool:
        return self.regularizer is not None and d_update % self.config.regularizer_interval == 0

    def _discriminator_update(self, batch: Batch, *, keep_fake: bool) -> Tensor:
        fake, logs = self.step.discriminator_update(
            batch, regularize=self._regularize(self.state.d_updates), keep_fake=keep_fake
        )
        self._after_update("on_discriminator_step", logs, batch)
        return fake

    def _after_update(self, event: str, logs: Logs, batch: Batch | None) -> None:
        """The host side of one update: meters, guard, events, counters."""
        self.meters.add(logs)
        self.guard.observe(logs)
        self._fire(event, logs)
        if batch is not None:
            st = self.state
            st.batch_in_epoch += 1
            st.d_updates += 1
            st.images_seen += batch.size * self.dist.world_size

    def _after_generator_update(self, logs: Logs) -> None:
        for scheduler in (self.g_scheduler, self.d_scheduler):
            if scheduler is not None:
                scheduler.step()
        self._after_update("on_generator_step", logs, None)

    def _before_optimizer_step(self, name: NetName, optimizer: Optimizer) -> None:
        self._fire("on_before_optimizer_step", name, optimizer)

    def _log(self) -> None:
        metrics = self.meters.read_interval(self.dist)
        metrics["lr_g"] = float(self.g_optimizer.param_groups[0]["lr"])
        metrics["lr_d"] = float(self.d_optimizer.param_groups[0]["lr"])
        self.guard.check()
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
        """Each hook with its checkpoint key: its ``state_key``, ``#n`` added for repeats."""
        seen: dict[str, int] = {}
        out = []
        for hook in self.hooks:
            name = hook.state_key
            n = seen.get(name, 0)
            seen[name] = n + 1
            out.append((name if n == 0 else f"{name}#{n}", hook))
        return out
