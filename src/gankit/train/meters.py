"""Running means of the step's logs, summed on the device and read once per interval.

The step returns detached scalars (``d_loss``, ``penalty``, a variant's own terms); the
Trainer adds them here after every update without a host synchronisation, and reads the
means when it logs (every ``log_every`` steps) and at the end of an epoch. Each name keeps
its own count, so a term present only in some updates (the lazy penalty) is averaged
over the updates that had it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
from torch import Tensor

from gankit.train.distributed import DistInfo, all_reduce_mean

__all__ = ["LossMeters", "RunningSums"]

# Reported first, in this order (the CSV columns of older runs); others follow as first seen.
_FIRST = ("d_loss", "g_loss", "penalty", "real_logits", "fake_logits")


class RunningSums:
    """Sums on the device and host-side counts for a growing set of names.

    Args:
        device: where the sums live.

    Example:
        >>> sums = RunningSums(torch.device("cpu"))
        >>> sums.add({"d_loss": torch.tensor(1.0)}); sums.add({"d_loss": torch.tensor(3.0)})
        >>> sums.means()
        {'d_loss': 2.0}
    """

    def __init__(self, device: torch.device) -> None:
        self.device = device
        self.names: list[str] = []
        self.counts: list[int] = []
        self.sums = torch.zeros(0, device=device, dtype=torch.float32)
        self._zero = torch.zeros((), device=device, dtype=torch.float32)

    def register(self, names: list[str]) -> None:
        """Make room for ``names`` not seen before (so all meters share one layout)."""
        new = [n for n in names if n not in self.names]
        if new:
            self.names.extend(new)
            self.counts.extend(0 for _ in new)
            pad = torch.zeros(len(new), device=self.device, dtype=torch.float32)
            self.sums = torch.cat([self.sums, pad])

    def add(self, logs: Mapping[str, Tensor]) -> None:
        """Add one update's values (device operations only)."""
        self.register(list(logs))
        self.add_vector(self.vector(logs), logs)

    def vector(self, logs: Mapping[str, Tensor]) -> Tensor:
        """The values of ``logs`` in this meter's layout (zero where a name is missing)."""
        return torch.stack([logs[n].float() if n in logs else self._zero for n in self.names])

    def add_vector(self, values: Tensor, present: Mapping[str, Tensor]) -> None:
        """Add values laid out by :meth:`vector`, counting the names in ``present``."""
        self.sums += values
        for i, n in enumerate(self.names):
            if n in present:
                self.counts[i] += 1

    def means(self, dist: DistInfo | None = None) -> dict[str, float]:
        """Read the sums once (averaged over ranks under DDP) and return the means."""
        if not self.names:
            return {}
        sums = self.sums if dist is None else all_reduce_mean(self.sums, dist)
        values = dict(zip(self.names, sums.tolist(), strict=True))
        counts = dict(zip(self.names, self.counts, strict=True))
        order = [n for n in _FIRST if n in values] + [n for n in self.names if n not in _FIRST]
        return {n: values[n] / max(counts[n], 1) for n in order}

    def state_dict(self) -> dict[str, Any]:
        """Return the names, sums (on the CPU) and counts."""
        return {"names": list(self.names), "sums": self.sums.cpu(), "counts": list(self.counts)}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned.

        Raises:
            ValueError: if the parts do not fit together.
        """
        names, sums, counts = list(state["names"]), state["sums"], list(state["counts"])
        if not isinstance(sums, Tensor) or sums.shape != (len(names),) or len(counts) != len(names):
            raise ValueError(
                f"running sums of {len(names)} names need {len(names)} sums and counts, got "
                f"{getattr(sums, 'shape', sums)!r} and {len(counts)}"
            )
        self.names = [str(n) for n in names]
        self.counts = [int(c) for c in counts]
        self.sums = sums.to(self.device, torch.float32)


class LossMeters:
    """The interval meter (read at ``on_log``) and the epoch meter (read at epoch end).

    Args:
        device: where the sums live.

    Example:
        >>> meters = LossMeters(torch.device("cpu"))
        >>> meters.add({"g_loss": torch.tensor(0.5)})
        >>> meters.read_interval(), meters.read_epoch()
        ({'g_loss': 0.5}, {'g_loss': 0.5})
    """

    def __init__(self, device: torch.device) -> None:
        self.device = device
        self.interval = RunningSums(device)
        self.epoch = RunningSums(device)

    def add(self, logs: Mapping[str, Tensor]) -> None:
        """Add one update's logs to both meters (one stacked vector when they share names)."""
        self.interval.register(list(logs))
        self.epoch.register(list(logs))
        if self.interval.names == self.epoch.names:
            values = self.interval.vector(logs)
            self.interval.add_vector(values, logs)
            self.epoch.add_vector(values, logs)
        else:
            self.interval.add(logs)
            self.epoch.add(logs)

    def read_interval(self, dist: DistInfo | None = None) -> dict[str, float]:
        """Return the interval's means and start a new interval."""
        out = self.interval.means(dist)
        self.interval = self._fresh(self.interval)
        return out

    def read_epoch(self, dist: DistInfo | None = None) -> dict[str, float]:
        """Return the epoch's means (the epoch meter restarts with :meth:`start_epoch`)."""
        return self.epoch.means(dist)

    def start_epoch(self) -> None:
        """Zero the epoch meter."""
        self.epoch = self._fresh(self.epoch)

    def reset(self) -> None:
        """Zero both meters (e.g. when a checkpoint holds no running sums)."""
        self.interval, self.epoch = self._fresh(self.interval), self._fresh(self.epoch)

    def _fresh(self, old: RunningSums) -> RunningSums:
        new = RunningSums(self.device)
        new.register(old.names)  # keep the names: a term seen once is reported from then on
        return new

    def state_dict(self) -> dict[str, Any]:
        """Return both meters."""
        return {"interval": self.interval.state_dict(), "epoch": self.epoch.state_dict()}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore both meters (all or nothing).

        Raises:
            ValueError: if a part does not fit.
        """
        interval, epoch = RunningSums(self.device), RunningSums(self.device)
        interval.load_state_dict(state["interval"])
        epoch.load_state_dict(state["epoch"])
        self.interval, self.epoch = interval, epoch
