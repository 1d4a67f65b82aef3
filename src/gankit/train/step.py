"""The training step: the device work of one discriminator update and one generator update.

A :class:`TrainingStep` computes losses, runs backward and steps the optimizers, and
returns the (detached, on-device) values that hooks and meters see. It never counts,
logs, fires events or reads a value back to the host: :class:`~gankit.Trainer` does that
once for the eager, compiled and CUDA-graph paths alike. GAN variants are steps: override
one of the small methods below (or compose a callable into one) and keep everything the
Trainer offers (AMP, channels_last, compile, CUDA graphs, DDP, ``n_critic``, lazy
regularization, EMA, exact resume).

Override points, from the outside in:

- :meth:`~gankit.train.TrainingStep.discriminator_loss` / :meth:`~gankit.train.TrainingStep.generator_loss`: the loss
  *terms* of each update as a dict; their sum is minimized and each is logged under its
  name. Add a term by calling ``super()`` and adding an entry.
- :meth:`~gankit.train.TrainingStep.discriminate`: how D sees images (augmentation goes here: it is
  used by both updates and by the penalty); :meth:`~gankit.train.TrainingStep.logits` picks the
  adversarial logits out of D's output (for discriminators with extra heads).
- :meth:`~gankit.train.TrainingStep.generate`, :meth:`~gankit.train.TrainingStep.noise`,
  :meth:`~gankit.train.TrainingStep.generator_inputs`, :meth:`~gankit.train.TrainingStep.discriminator_inputs`: how
  samples and conditioning are made.

**The contract under CUDA graphs** (``TrainerConfig(cuda_graphs=True)``): a step is
recorded once and replayed, so its Python code runs only during warm-up and capture.
It must do the same device work every time for the same inputs' shapes; must not read
device values on the host (``.item()``, ``float(t)``, ``if t > 0:``, printing a tensor);
must draw random numbers from the default generator only; and must not change its own
attributes (a counter kept on ``self`` would stop counting on replay). The Trainer
refuses a step that changes its attributes during warm-up, and a class that sets
:attr:`~gankit.train.TrainingStep.capturable` to False.

Example:
    >>> class DriftPenalty(TrainingStep):  # ProGAN's drift term (Karras et al., 2018)
    ...     def discriminator_loss(self, real_out, fake_out, batch):
    ...         terms = super().discriminator_loss(real_out, fake_out, batch)
    ...         terms["drift"] = 1e-3 * self.logits(real_out).square().mean()
    ...         return terms
    >>> DriftPenalty().needs_real_for_generator
    False
"""

from __future__ import annotations

import contextlib
import functools
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import torch
from torch import Tensor, nn
from torch.optim import Optimizer

from gankit.losses import AdversarialLoss, NonSaturating, Regularizer
from gankit.train.hook import NetName

__all__ = ["Batch", "Logs", "StepContext", "TrainingStep", "resolve_step"]

Logs = dict[str, Tensor]
"""Detached scalar tensors, still on the device, by name (``"d_loss"``, ``"penalty"``, ...)."""


@dataclass(frozen=True)
class Batch:
    """One batch as the step sees it: images on the training device and optional labels.

    Attributes:
        real: real images ``(B, C, H, W)`` (or ``(B, D)`` for vector data).
        labels: ``(B,)`` class labels (or ``(B, K)`` attribute vectors), or ``None``.

    Example:
        >>> Batch(torch.zeros(2, 3, 8, 8)).size
        2
    """

    real: Tensor
    labels: Tensor | None = None

    @property
    def size(self) -> int:
        """The number of images."""
        return int(self.real.shape[0])


@dataclass
class StepContext:
    """What the Trainer hands its step when it binds it (:meth:`TrainingStep.bind`).

    Attributes:
        generator: the generator whose parameters ``g_optimizer`` updates.
        discriminator: the discriminator whose parameters ``d_optimizer`` updates.
        g_train: the generator as called in updates (DDP- or compile-wrapped).
        d_train: the discriminator as called in its own update (DDP- or compile-wrapped).
        d_plain: the discriminator without DDP, for the generator update and penalties.
        g_optimizer: the generator's optimizer.
        d_optimizer: the discriminator's optimizer.
        scaler: the one :class:`torch.amp.GradScaler` (enabled for fp16 only).
        latent_dim: the size of the noise vector.
        num_classes: classes of a conditional pair (0: unconditional).
        device: the training device.
        amp_dtype: the autocast dtype, or ``None`` for fp32.
        memory_format: the memory format of image batches and activations.
        grad_clip_norm: clip each net's gradient norm to this, or ``None``.
        regularizer_interval: lazy regularization interval (the penalty is scaled by it).
        before_optimizer_step: called after backward (gradients unscaled and clipped),
            before each optimizer step; ``None`` under CUDA graphs.

    Example:
        >>> StepContext.__dataclass_fields__["latent_dim"].type
        'int'
    """

    generator: nn.Module
    discriminator: nn.Module
    g_train: nn.Module
    d_train: nn.Module
    d_plain: nn.Module
    g_optimizer: Optimizer
    d_optimizer: Optimizer
    scaler: torch.amp.GradScaler
    latent_dim: int
    num_classes: int
    device: torch.device
    amp_dtype: torch.dtype | None
    memory_format: torch.memory_format
    grad_clip_norm: float | None
    regularizer_interval: int
    before_optimizer_step: Callable[[NetName, Optimizer], None] | None = None


class TrainingStep:
    """The default GAN update pair: today's :class:`~gankit.Trainer` behaviour, bit for bit.

    One discriminator update: noise, ``G(z)`` (kept for the generator update on the
    last critic update of a step), ``D(real)`` and ``D(fake.detach())``, the loss terms of
    :meth:`discriminator_loss`, plus the regularizer's penalty scaled by the lazy interval
    when asked, backward and the optimizer step. One generator update: ``D(fake)`` through
    the plain discriminator with its parameters frozen, ``D(real)`` without gradients if the
    loss needs it, the terms of :meth:`generator_loss`, backward and the optimizer step.

    Args:
        loss: the adversarial loss; ``None`` lets the Trainer supply its ``loss``
            (default :class:`~gankit.losses.NonSaturating`).
        regularizer: a discriminator penalty, or ``None`` (the Trainer's ``regularizer``).
        augment: what D sees images through, real and fake, in both updates and the
            penalty (:mod:`gankit.augment`); one with an ``observe(real_logits)`` method
            (:class:`~gankit.augment.AdaptiveAugment`) is given
            :meth:`overfitting_signal` (D's logits on the real images, relative to the
            fakes' for relativistic losses) in every discriminator update. Its state is
            saved in checkpoints.

    Attributes:
        capturable: whether the step keeps the CUDA-graph contract (module docstring).

    Raises:
        TypeError: if ``loss`` or ``regularizer`` lack the required methods.

    Example:
        >>> from gankit.losses import Hinge
        >>> step = TrainingStep(Hinge())
        >>> type(step.loss).__name__, step.regularizer is None
        ('Hinge', True)
    """

    capturable: ClassVar[bool] = True

    def __init__(
        self,
        loss: AdversarialLoss | None = None,
        regularizer: Regularizer | None = None,
        *,
        augment: nn.Module | None = None,
    ) -> None:
        if loss is not None and not isinstance(loss, AdversarialLoss):
            raise TypeError(
                "loss must have discriminator(real_logits, fake_logits), generator(fake_logits, "
                f"real_logits) and needs_real_logits_for_generator, got {type(loss).__name__}"
            )
        if regularizer is not None and not isinstance(regularizer, Regularizer):
            raise TypeError(
                "regularizer must be callable as regularizer(D, real, fake, *inputs) and have "
                f"needs_fake, got {type(regularizer).__name__}"
            )
        self.loss: AdversarialLoss = loss if loss is not None else NonSaturating()
        self._loss_given = loss is not None
        self.regularizer = regularizer
        if augment is not None and not isinstance(augment, nn.Module):
            raise TypeError(
                "augment must be an nn.Module mapping images to images (e.g. "
                f"gankit.augment.DiffAugment()), got {type(augment).__name__}"
            )
        self.augment = augment
        self._context: StepContext | None = None

    # ------------------------------------------------------------------ binding

    def bind(self, context: StepContext) -> None:
        """Receive the nets, optimizers and policies from the Trainer (once, at set-up)."""
        self._context = context
        if self.augment is not None:
            self.augment.to(context.device)

    def state_dict(self) -> dict[str, Any]:
        """What the step needs to resume (the augmentation's state); saved in checkpoints."""
        return {} if self.augment is None else {"augment": self.augment.state_dict()}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned.

        Raises:
            ValueError: if the saved state and the step disagree on having an augmentation.
        """
        if ("augment" in state) != (self.augment is not None):
            raise ValueError(
                "the saved step and this one differ: one has an augmentation, the other not"
            )
        if self.augment is not None:
            self.augment.load_state_dict(state["augment"])

    @property
    def context(self) -> StepContext:
        """The :class:`StepContext` given by :meth:`bind`.

        Raises:
            RuntimeError: before the step was given to a :class:`~gankit.Trainer`.
        """
        if self._context is None:
            raise RuntimeError(
                f"{type(self).__name__} is not bound to a trainer yet: pass it as "
                "gankit.Trainer(G, D, step=...) before running it"
            )
        return self._context

    @property
    def loss_given(self) -> bool:
        """Whether ``loss`` was passed to the constructor (else the Trainer may set it)."""
        return self._loss_given

    @property
    def needs_real_for_generator(self) -> bool:
        """Whether the generator update needs D's output on the real batch."""
        return bool(self.loss.needs_real_logits_for_generator)

    # ------------------------------------------------------------------ override points

    def autocast(self) -> contextlib.AbstractContextManager[Any]:
        """The precision context of forward passes (autocast for bf16/fp16, else none)."""
        ctx = self.context
        if ctx.amp_dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(ctx.device.type, dtype=ctx.amp_dtype)

    def noise(self, batch_size: int) -> Tensor:
        """Draw the generator's input noise ``(batch_size, latent_dim)`` on the device."""
        ctx = self.context
        return torch.randn(batch_size, ctx.latent_dim, device=ctx.device)

    def generator_inputs(self, labels: Tensor | None) -> list[Tensor]:
        """Extra inputs of the generator after ``z``: the labels for a conditional pair."""
        return self._conditioning(labels)

    def discriminator_inputs(self, labels: Tensor | None) -> list[Tensor]:
        """Extra inputs of the discriminator after the images (override for ACGAN: none)."""
        return self._conditioning(labels)

    def generate(self, z: Tensor, labels: Tensor | None) -> Tensor:
        """Make fake images from noise ``z`` (in the trainer's memory format)."""
        ctx = self.context
        fake: Tensor = ctx.g_train(z, *self.generator_inputs(labels))
        if ctx.memory_format is torch.channels_last and fake.ndim == 4:
            fake = fake.contiguous(memory_format=torch.channels_last)
        return fake

    def discriminate(self, images: Tensor, labels: Tensor | None, *, plain: bool = False) -> Any:
        """Return D's output on ``images`` (augmented if the step has an augmentation).

        ``plain`` uses D without DDP (the generator update and the penalty).
        """
        ctx = self.context
        net = ctx.d_plain if plain else ctx.d_train
        if self.augment is not None:
            images = self.augment(images)
        return net(images, *self.discriminator_inputs(labels))

    def logits(self, outputs: Any) -> Tensor:
        """The adversarial logits ``(B,)`` within D's output (D's output itself by default)."""
        if not isinstance(outputs, Tensor):
            raise TypeError(
                f"{type(self).__name__}.logits: the discriminator returned "
                f"{type(outputs).__name__}, not a logits tensor; override logits() to pick "
                "the adversarial logits out of it"
            )
        return outputs

    def discriminator_loss(self, real_out: Any, fake_out: Any, batch: Batch) -> Logs:
        """Return the discriminator's loss terms (summed and minimized) by name."""
        return {"d_loss": self.loss.discriminator(self.logits(real_out), self.logits(fake_out))}

    def generator_loss(self, fake_out: Any, real_out: Any | None, batch: Batch) -> Logs:
        """Return the generator's loss terms (summed and minimized) by name.

        ``real_out`` is D's output on the real batch when :attr:`needs_real_for_generator`,
        else ``None``.
        """
        real_logits = None if real_out is None else self.logits(real_out)
        return {"g_loss": self.loss.generator(self.logits(fake_out), real_logits)}

    def overfitting_signal(self, real_out: Any, fake_out: Any) -> Tensor:
        """What adaptive augmentation reads D's overfitting from: its sign per real image.

        D's logits on the reals, as in ADA, for losses that score each image on its own. A
        relativistic loss (one whose generator needs ``D(real)``) only sees differences of
        logits, so the level of ``D(real)`` is arbitrary (a D can be sure of every real
        image while scoring all of them below 0) and its sign says nothing: there the
        signal is ``D(real) - D(fake)`` per pair, which is 1 in sign when D ranks every
        real above its fake and averages 0 when it cannot tell them apart.

        Example:
            >>> import torch, gankit as gk
            >>> real, fake = torch.tensor([-1.0, -2.0]), torch.tensor([-3.0, -1.5])
            >>> gk.train.TrainingStep(loss=gk.losses.Hinge()).overfitting_signal(real, fake)
            tensor([-1., -2.])
            >>> step = gk.train.TrainingStep(loss=gk.losses.RelativisticPairing())
            >>> step.overfitting_signal(real, fake)
            tensor([ 2.0000, -0.5000])
        """
        real = self.logits(real_out)
        if not self.needs_real_for_generator:
            return real
        fake = self.logits(fake_out)
        if fake.shape != real.shape:
            fake = fake.mean()  # unpaired batches: compare with the average fake
        return real - fake

    def penalty(self, real: Tensor, fake: Tensor, labels: Tensor | None) -> Tensor:
        """The regularizer's penalty on D, seen through :meth:`discriminate` (unscaled)."""
        assert self.regularizer is not None

        def d(x: Tensor, *_: Tensor) -> Tensor:
            return self.logits(self.discriminate(x, labels, plain=True))

        return self.regularizer(d, real, fake if self.regularizer.needs_fake else None)

    # ------------------------------------------------------------------ the updates

    def discriminator_update(
        self, batch: Batch, *, regularize: bool, keep_fake: bool
    ) -> tuple[Tensor, Logs]:
        """One discriminator update; returns the fake batch and the update's logs.

        Args:
            batch: the real batch.
            regularize: add the regularizer's penalty (lazy regularization decides).
            keep_fake: keep the graph of ``G(z)`` for the generator update that follows.
        """
        ctx = self.context
        z = self.noise(batch.size)
        with self.autocast():
            with torch.set_grad_enabled(keep_fake):
                fake = self.generate(z, batch.labels)
            real_out = self.discriminate(batch.real, batch.labels)
            fake_out = self.discriminate(fake.detach(), batch.labels)
            terms = self.discriminator_loss(real_out, fake_out, batch)
            logs = {k: v.detach() for k, v in terms.items()}
            logs["real_logits"] = self.logits(real_out).detach().float().mean()
            logs["fake_logits"] = self.logits(fake_out).detach().float().mean()
            observe = getattr(self.augment, "observe", None)
            if callable(observe):  # adaptive augmentation: D's view of the reals steers p
                observe(self.overfitting_signal(real_out, fake_out))
                p = getattr(self.augment, "p", None)
                if isinstance(p, Tensor):
                    logs["augment_p"] = p.detach().clone()
            total = _total(terms, "discriminator_loss")
            if regularize and self.regularizer is not None:
                penalty = self.penalty(batch.real, fake.detach(), batch.labels)
                total = total + penalty * ctx.regularizer_interval
                logs["penalty"] = penalty.detach()
        self._optimize("discriminator", total)
        return fake, logs

    def generator_update(self, batch: Batch, fake: Tensor) -> Logs:
        """One generator update on ``fake`` (from the last discriminator update); its logs."""
        ctx = self.context
        ctx.discriminator.requires_grad_(False)  # only input gradients are needed
        try:
            with self.autocast():
                fake_out = self.discriminate(fake, batch.labels, plain=True)
                real_out = None
                if self.needs_real_for_generator:
                    with torch.no_grad():
                        real_out = self.discriminate(batch.real, batch.labels, plain=True)
                terms = self.generator_loss(fake_out, real_out, batch)
        finally:
            ctx.discriminator.requires_grad_(True)
        self._optimize("generator", _total(terms, "generator_loss"))
        return {k: v.detach() for k, v in terms.items()}

    def run(self, batches: list[Batch], regularize: tuple[bool, ...]) -> tuple[list[Logs], Logs]:
        """A whole step: one discriminator update per batch, then the generator update.

        Used where a step runs at once (CUDA graphs); the eager loop calls the two updates
        itself so hooks see each one as it happens.
        """
        d_logs = []
        fake = batches[0].real
        for i, (batch, flag) in enumerate(zip(batches, regularize, strict=True)):
            fake, logs = self.discriminator_update(
                batch, regularize=flag, keep_fake=i == len(batches) - 1
            )
            d_logs.append(logs)
        return d_logs, self.generator_update(batches[-1], fake)

    # ------------------------------------------------------------------ internals

    def _conditioning(self, labels: Tensor | None) -> list[Tensor]:
        num_classes = self.context.num_classes
        if not num_classes:
            return []
        if labels is None:
            raise ValueError(
                f"the nets are conditional (num_classes={num_classes}) but the data "
                "yields no labels: yield (images, labels) batches"
            )
        return [labels]

    def _optimize(self, name: NetName, total: Tensor) -> None:
        ctx = self.context
        optimizer, net = (
            (ctx.d_optimizer, ctx.discriminator)
            if name == "discriminator"
            else (ctx.g_optimizer, ctx.generator)
        )
        optimizer.zero_grad(set_to_none=True)
        ctx.scaler.scale(total).backward()  # type: ignore[no-untyped-call]
        ctx.scaler.unscale_(optimizer)
        if ctx.grad_clip_norm is not None:
            nn.utils.clip_grad_norm_(net.parameters(), ctx.grad_clip_norm)
        if ctx.before_optimizer_step is not None:
            ctx.before_optimizer_step(name, optimizer)
        ctx.scaler.step(optimizer)
        ctx.scaler.update()


def _total(terms: Mapping[str, Tensor], where: str) -> Tensor:
    if not terms:
        raise ValueError(f"{where} returned no loss terms; return at least one named tensor")
    return functools.reduce(operator.add, terms.values())


def resolve_step(
    step: TrainingStep | None, loss: AdversarialLoss | None, regularizer: Regularizer | None
) -> TrainingStep:
    """The Trainer's step: ``step`` given the Trainer's ``loss`` and ``regularizer``, or a default one.

    Raises:
        TypeError: if ``step`` is not a :class:`TrainingStep`.
        ValueError: if a loss or regularizer is given both to the Trainer and to its step.

    Example:
        >>> type(resolve_step(None, None, None).loss).__name__
        'NonSaturating'
    """
    if step is None:
        return TrainingStep(loss, regularizer)
    if not isinstance(step, TrainingStep):
        raise TypeError(f"step must be a gankit.train.TrainingStep, got {type(step).__name__}")
    if loss is not None:
        if step.loss_given:
            raise ValueError("pass the loss either to the Trainer or to its step, not to both")
        step.loss = TrainingStep(loss).loss  # validated like the step's own argument
    if regularizer is not None:
        if step.regularizer is not None:
            raise ValueError(
                "pass the regularizer either to the Trainer or to its step, not to both"
            )
        step.regularizer = TrainingStep(None, regularizer).regularizer
    return step
