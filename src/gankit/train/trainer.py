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
from torch.optim.lr_scheduler import LRScheduler

from gankit._validation import check_int
from gankit._version import __version__
from gankit.losses import AdversarialLoss, Regularizer
from gankit.train.checkpoint import (
    FORMAT,
    FORMAT_VERSION,
    atomic_save,
    latest_checkpoint,
    rng_state,
    seed_everything,
    set_rng_state,
)
from gankit.train.config import TrainerConfig
from gankit.train.distributed import any_rank
from gankit.train.graph_step import check_graph_hooks
from gankit.train.graphs import CaptureBackend
from gankit.train.guard import NonFiniteGuard
from gankit.train.hook import Hook, NetName, SamplingSource, keyed
from gankit.train.interrupt import TrainingInterrupted, stop_on_signals
from gankit.train.meters import LossMeters
from gankit.train.position import EpochPosition, data_length, no_batches_message, to_batch
from gankit.train.restore import (
    check_checkpoint,
    entry_digests,
    load_parts,
    plain_values,
    portable_state,
)
from gankit.train.sampling import generate, latent_noise
from gankit.train.schema import CheckpointDict, model_configs, read_checkpoint, sampling_pointer
from gankit.train.setup import (
    SchedulerFactory,
    net_sizes,
    setup_run,
    weak_method,
)
from gankit.train.state import TrainState
from gankit.train.step import Batch, Logs, TrainingStep, resolve_step

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
        self.latent_dim, self.num_classes = net_sizes(generator, latent_dim, num_classes)
        run = setup_run(
            generator,
            discriminator,
            cfg,
            self.step,
            optimizers=(g_optimizer, d_optimizer),
            schedulers=(g_scheduler, d_scheduler),
            latent_dim=self.latent_dim,
            num_classes=self.num_classes,
            graph_capture=graph_capture,
            before_optimizer_step=weak_method(self._before_optimizer_step),
        )
        self.device, self.dist, self.memory_format = run.device, run.dist, run.memory_format
        self.generator, self.discriminator = run.generator, run.discriminator
        self.g_optimizer, self.d_optimizer = run.g_optimizer, run.d_optimizer
        self.g_scheduler, self.d_scheduler = run.g_scheduler, run.d_scheduler
        self.scaler, self.graphed = run.scaler, run.graphed
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
        name, target = ("epochs", epochs) if epochs is not None else ("steps", steps)
        check_int("fit", name, target, minimum=1)
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
        objects = self._parts()
        if "step" not in ckpt:  # no state of the step (e.g. an adaptive augmentation's p)
            del objects["step"]
            if self.step.state_dict():
                warnings.warn(
                    f"{path}: no saved state for the training step; it starts fresh", stacklevel=2
                )
        meters = check_checkpoint(
            ckpt,
            path,
            required=[*objects, "state", "rng"],
            hooks=self._hook_keys(),
            generator=self.generator,
            position=self.position,
        )
        hook_states = ckpt.get("hooks", {})
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
        self.meters = meters
        self.position.epoch_rng = ckpt.get("epoch_rng")
        self.position.resume(ckpt["rng"], ckpt.get("data"))
        set_rng_state(ckpt["rng"])
        self._fresh = False
        self._fire("on_load_checkpoint", ckpt)

    def checkpoint_dict(self) -> CheckpointDict:
        """Return the checkpoint :meth:`save` writes (tensors and plain values only)."""
        parts = {k: portable_state(v) for k, v in self._parts().items()}
        ckpt: dict[str, Any] = {"format": FORMAT, "format_version": FORMAT_VERSION}
        ckpt["gankit_version"] = __version__
        ckpt.update({k: v for k, v in parts.items() if k != "step" or v})
        ckpt.update(
            state=self.state.state_dict(),
            rng=rng_state(),
            epoch_rng=self.position.epoch_rng,
            running_sums=self.meters.state_dict(),
            hooks={key: hook.state_dict() for key, hook in self._hook_keys()},
            sampling=sampling_pointer(self._hook_keys()),
            trainer_config=plain_values(dataclasses.asdict(self.config)),
            latent_dim=self.latent_dim,
            num_classes=self.num_classes,
            **model_configs(self.generator, self.discriminator),
        )
        loader = self.position.loader_state()
        if loader is not None:
            ckpt["data"] = loader
        return ckpt  # type: ignore[return-value]

    def _parts(self) -> dict[str, Any]:
        """The objects whose ``state_dict`` a checkpoint holds under these names."""
        parts: dict[str, Any] = {"generator": self.generator, "discriminator": self.discriminator}
        parts.update(g_optimizer=self.g_optimizer, d_optimizer=self.d_optimizer, scaler=self.scaler)
        parts.update(self._schedulers(), step=self.step)
        return {k: v for k, v in parts.items() if v is not None}

    def _schedulers(self) -> dict[str, LRScheduler | None]:
        return {"g_scheduler": self.g_scheduler, "d_scheduler": self.d_scheduler}

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

        ``labels`` default to cycling through the classes of a conditional pair; ``seed``
        (a private generator; ``None``: a random one) or explicit noise ``z`` picks the
        samples; ``ema`` prefers the sampling hook's module (the EMA generator);
        ``batch_size`` and ``autocast`` as in :func:`~gankit.train.generate`. Returns a
        float32 tensor on the trainer's device, e.g. ``(n, C, H, W)`` in [-1, 1].
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
        sources = [h.sampling_module() for h in self.hooks if isinstance(h, SamplingSource)]
        return next((m for m in sources if m is not None and ema), self.generator)

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
        for scheduler in self._schedulers().values():
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
        st.should_stop, st.should_save = any_rank(
            [st.should_stop, st.should_save], self.dist, self.device
        )
        return st.should_stop

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
        return keyed(self.hooks)
