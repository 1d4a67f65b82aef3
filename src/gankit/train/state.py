"""The trainer's mutable progress record, shared with every hook."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["TrainState"]


@dataclass
class TrainState:
    """Where a run stands; hooks read it and steer the loop through its flags.

    Attributes:
        step: generator updates done so far (one step = one generator update).
        epoch: completed passes over the data.
        batch_in_epoch: batches consumed in the current epoch.
        images_seen: real images consumed (summed over ranks under DDP).
        d_updates: discriminator updates done so far.
        metrics: the latest logged values (``on_log``), e.g. ``{"d_loss": 0.7}``.
        epoch_metrics: means over the last completed epoch (set before ``on_epoch_end``).
        max_steps: the step target of the current ``fit`` call, if given.
        max_epochs: the epoch target of the current ``fit`` call, if given.
        should_stop: set by a hook (or Ctrl-C) to end ``fit`` after the current step
            (under DDP, at the next log step, where all ranks agree on it).
        should_save: set by a hook (or Ctrl-C) to ask for a checkpoint at step end.
        last_checkpoint: the file :meth:`gankit.Trainer.save` wrote last in this process
            (not saved in checkpoints).

    Example:
        >>> state = TrainState()
        >>> state.should_stop = True  # a hook asks the loop to stop after this step
        >>> state.step, state.epoch
        (0, 0)
    """

    step: int = 0
    epoch: int = 0
    batch_in_epoch: int = 0
    images_seen: int = 0
    d_updates: int = 0
    metrics: dict[str, float] = field(default_factory=dict)
    epoch_metrics: dict[str, float] = field(default_factory=dict)
    max_steps: int | None = None
    max_epochs: int | None = None
    should_stop: bool = False
    should_save: bool = False
    last_checkpoint: Path | None = None

    _PERSISTENT = ("step", "epoch", "batch_in_epoch", "images_seen", "d_updates")

    def state_dict(self) -> dict[str, Any]:
        """Return the counters and latest metrics (what a checkpoint needs)."""
        out: dict[str, Any] = {k: getattr(self, k) for k in self._PERSISTENT}
        out["metrics"] = dict(self.metrics)
        out["epoch_metrics"] = dict(self.epoch_metrics)
        return out

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned."""
        for k in self._PERSISTENT:
            setattr(self, k, int(state[k]))
        self.metrics = {k: float(v) for k, v in state.get("metrics", {}).items()}
        self.epoch_metrics = {k: float(v) for k, v in state.get("epoch_metrics", {}).items()}
