"""Stop a run on the first NaN or infinite loss, without a host sync per step."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

import torch
from torch import Tensor

from gankit.train.distributed import all_reduce_max
from gankit.train.hook import Hook

if TYPE_CHECKING:
    from gankit.train.state import TrainState
    from gankit.train.trainer import Trainer

_NAMES = ("d_loss", "penalty", "g_loss", "loss on another rank")
_OTHER_RANK = 3


class NonFiniteLossError(FloatingPointError):
    """A loss became NaN or infinite; the message names the step and the loss.

    Attributes:
        step: the step (generator update) during which it happened.
        loss: the loss name, e.g. ``"d_loss"``.
        value: the offending value.

    Example:
        >>> err = NonFiniteLossError(12, "g_loss", float("nan"))
        >>> err.step, err.loss
        (12, 'g_loss')
    """

    def __init__(self, step: int, loss: str, value: float) -> None:
        self.step, self.loss, self.value = step, loss, value
        super().__init__(
            f"non-finite {loss} ({value}) at step {step}: training stopped. Nothing from this "
            "step on was saved, so the last checkpoint is the last good one. Lower the "
            "learning rates, use precision='fp32' or a gradient penalty, then resume from it."
        )


class NonFiniteGuard(Hook):
    """Detect the first non-finite loss on the device and stop the run with its step.

    Each update records, with device operations only, the first step whose losses were not
    finite. The record is read (one host sync) at every ``on_log``, at epoch end, at fit
    end and before every checkpoint save, which it vetoes: a checkpoint is never written
    after a loss went bad. The :class:`~gankit.Trainer` adds one automatically.

    Under DDP the ranks share their records after every step (one small all-reduce,
    queued on the device like the gradients' own): a loss that went bad on one rank
    spoiled every rank's weights through the averaged gradients, so rank 0 must refuse
    to save them too, and every rank stops at the same check.

    Example:
        >>> guard = NonFiniteGuard()
        >>> guard.rank_zero_only
        False
    """

    rank_zero_only: ClassVar[bool] = False

    def __init__(self) -> None:
        self._record: Tensor | None = None  # [step, loss index, value]; step < 0: all good
        self._step: Tensor | None = None

    def on_fit_start(self, trainer: Trainer, state: TrainState) -> None:
        """Reset the record on the trainer's device."""
        self._record = torch.tensor([-1.0, -1.0, 0.0], device=trainer.device, dtype=torch.float64)
        self._step = torch.tensor(float(state.step), device=trainer.device, dtype=torch.float64)

    def _observe(self, losses: Mapping[str, Tensor], step: Tensor) -> None:
        if self._record is None:
            return
        for index, name in enumerate(_NAMES):
            if name not in losses:
                continue
            value = losses[name].detach().to(torch.float64)
            bad = ~torch.isfinite(value) & (self._record[0] < 0)
            entry = torch.stack([step, torch.full_like(step, float(index)), value])
            self._record = torch.where(bad, entry, self._record)

    def on_discriminator_step(
        self, trainer: Trainer, state: TrainState, losses: Mapping[str, Tensor]
    ) -> None:
        """Record a non-finite discriminator loss or penalty (device ops only)."""
        if self._step is not None:
            self._observe(losses, self._step + 1)

    def on_generator_step(
        self, trainer: Trainer, state: TrainState, losses: Mapping[str, Tensor]
    ) -> None:
        """Record a non-finite generator loss (device ops only) and advance the step."""
        if self._step is not None:
            self._observe(losses, self._step + 1)
            self._step = self._step + 1
            if trainer.dist.enabled:
                self._share(trainer)

    def _share(self, trainer: Trainer) -> None:
        """Take the earliest bad step of any rank into this rank's record."""
        assert self._record is not None
        inf = torch.full_like(self._record[0], float("inf"))
        mine = torch.where(self._record[0] >= 0, self._record[0], inf)
        first = -all_reduce_max(-mine.reshape(1), trainer.dist)[0]
        other = torch.stack([first, torch.full_like(first, _OTHER_RANK), first * float("nan")])
        self._record = torch.where(
            (self._record[0] < 0) & torch.isfinite(first), other, self._record
        )

    def check(self) -> None:
        """Raise :class:`~gankit.train.NonFiniteLossError` if any recorded loss was not finite."""
        if self._record is None:
            return
        step, index, value = self._record.tolist()
        if step >= 0:
            raise NonFiniteLossError(int(step), _NAMES[int(index)], value)

    def on_log(self, trainer: Trainer, state: TrainState, metrics: dict[str, float]) -> None:
        """Check the record."""
        self.check()

    def on_epoch_end(self, trainer: Trainer, state: TrainState) -> None:
        """Check the record."""
        self.check()

    def on_fit_end(self, trainer: Trainer, state: TrainState) -> None:
        """Check the record."""
        self.check()

    def on_save_checkpoint(
        self, trainer: Trainer, state: TrainState, checkpoint: dict[str, Any]
    ) -> None:
        """Veto the save (by raising) if a loss went bad since the last check."""
        self.check()
