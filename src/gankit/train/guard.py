"""Stop a run at the first NaN or infinite loss, within one step, without a per-step stall.

Every :class:`~gankit.Trainer` owns a :class:`NonFiniteGuard`. After each update it
records, with device operations only, the first step whose logs were not finite. The
record is checked after every step: on the CPU directly; on CUDA the record of step
``n`` is copied to pinned host memory without blocking and read at the end of step
``n + 1``, once that copy has landed, so the host never waits for the step it just
queued, and a run stops at most one step after the bad one. Checks also run before every
checkpoint is written (a checkpoint is never written after a loss went bad), at log
steps, at epoch end and at the end of ``fit``.

Under DDP the ranks share their records after every step (one small all-reduce, queued
on the device like the gradients' own): a loss that went bad on one rank spoiled every
rank's weights through the averaged gradients, so every rank stops at the same check.
"""

from __future__ import annotations

from collections.abc import Mapping

import torch
from torch import Tensor

from gankit.train.distributed import DistInfo, all_reduce_max

__all__ = ["NonFiniteGuard", "NonFiniteLossError"]

_OTHER_RANK = "loss on another rank"


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


class NonFiniteGuard:
    """The trainer's record of the first non-finite loss (see the module docstring).

    The Trainer calls :meth:`reset` when ``fit`` starts. Passing an instance in a
    Trainer's ``hooks`` (as gankit 0.1 allowed) makes the Trainer use it as its guard.

    Example:
        >>> guard = NonFiniteGuard()
        >>> guard.reset(torch.device("cpu"), step=0)
        >>> guard.observe({"d_loss": torch.tensor(0.5)})
        >>> guard.end_step()
        >>> guard.observe({"g_loss": torch.tensor(float("inf"))})
        >>> guard.end_step()
        Traceback (most recent call last):
        ...
        gankit.train.guard.NonFiniteLossError: non-finite g_loss (inf) at step 2: ...
    """

    def __init__(self) -> None:
        self.reset(torch.device("cpu"), 0)

    def reset(self, device: torch.device, step: int, dist: DistInfo | None = None) -> None:
        """Start a fresh record on ``device`` for a run now at ``step`` (DDP: ``dist``)."""
        self.device = device
        self.dist = dist or DistInfo()
        self.names: list[str] = []
        # [step, name index, value]; step < 0: all good so far
        self._record = torch.tensor([-1.0, -1.0, 0.0], device=device, dtype=torch.float64)
        self._step = torch.tensor(float(step + 1), device=device, dtype=torch.float64)
        self._lagged = device.type == "cuda"
        self._host: Tensor | None = None
        self._copied: torch.cuda.Event | None = None

    def observe(self, logs: Mapping[str, Tensor]) -> None:
        """Record a non-finite value among ``logs`` (device operations only)."""
        for name, value in logs.items():
            if name not in self.names:
                self.names.append(name)
            index = float(self.names.index(name))
            v = value.detach().to(torch.float64).reshape(())
            bad = ~torch.isfinite(v) & (self._record[0] < 0)
            entry = torch.stack([self._step, torch.full_like(self._step, index), v])
            self._record = torch.where(bad, entry, self._record)

    def end_step(self) -> None:
        """Close a step: share the record across ranks, then check it (lagged on CUDA).

        Raises:
            NonFiniteLossError: when a step's loss was not finite.
        """
        if self.dist.enabled:
            self._share()
        self._step = self._step + 1
        if not self._lagged:
            self.check()
            return
        if self._copied is not None and self._host is not None:
            self._copied.synchronize()  # the previous step's copy, long done in a busy loop
            self._raise_if_bad(self._host)
        if self._host is None:
            self._host = torch.empty(3, dtype=torch.float64, pin_memory=True)
            self._copied = torch.cuda.Event()  # type: ignore[no-untyped-call]
        assert self._copied is not None
        self._host.copy_(self._record, non_blocking=True)
        self._copied.record()

    def check(self) -> None:
        """Read the record now (one host sync) and raise if a loss was not finite.

        Raises:
            NonFiniteLossError: naming the step and the loss.
        """
        self._raise_if_bad(self._record)

    def _raise_if_bad(self, record: Tensor) -> None:
        step, index, value = record.tolist()
        if step >= 0:
            i = int(index)
            name = self.names[i] if 0 <= i < len(self.names) else _OTHER_RANK
            raise NonFiniteLossError(int(step), name, value)

    def _share(self) -> None:
        """Take the earliest bad step of any rank into this rank's record."""
        inf = torch.full_like(self._record[0], float("inf"))
        mine = torch.where(self._record[0] >= 0, self._record[0], inf)
        first = -all_reduce_max(-mine.reshape(1), self.dist)[0]
        other = torch.full_like(first, -1.0)  # no name of this rank: "another rank"
        entry = torch.stack([first, other, first * float("nan")])
        self._record = torch.where(
            (self._record[0] < 0) & torch.isfinite(first), entry, self._record
        )
