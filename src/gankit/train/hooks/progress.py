"""Progress per epoch: a tqdm bar on a terminal, a plain line every N seconds elsewhere."""

from __future__ import annotations

import math
import sys
import time
from typing import TYPE_CHECKING, Any, TextIO

from gankit._validation import check_float, check_optional_bool, check_optional_int
from gankit.train.hook import Hook

if TYPE_CHECKING:
    from gankit.train.state import TrainState
    from gankit.train.trainer import Trainer

__all__ = ["ProgressBar"]

_SHOWN = ("d_loss", "g_loss", "penalty")
_BAR_FORMAT = (
    "{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} [{elapsed}<{remaining}, "
    "{rate_fmt}{postfix}]"
)
_BAR_FORMAT_OPEN = "{desc}: {n_fmt} [{elapsed}, {rate_fmt}{postfix}]"


def _duration(seconds: float) -> str:
    """Format a duration as ``M:SS`` or ``H:MM:SS`` (``?`` when unknown)."""
    if not math.isfinite(seconds) or seconds < 0:
        return "?"
    s = round(seconds)
    h, rest = divmod(s, 3600)
    m, sec = divmod(rest, 60)
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m}:{sec:02d}"


class ProgressBar(Hook):
    """Show each epoch's progress with total, percentage, rate and ETA when the length is known.

    On a terminal this is a `tqdm <https://tqdm.github.io>`_ bar per epoch, like
    Lightning's: ``epoch 6/7: 40%|████      | 12/30 [00:04<00:06, 2.9batch/s, step=162,
    d_loss=0.6345, g_loss=2.4629]``. When the output is not a terminal (a log file, a
    cluster job), it prints one plain line every ``interval`` seconds instead, e.g.
    ``epoch 6/7: 12/30 batches (40%), step 162/210, 2.9 batch/s, epoch ETA 0:06, run ETA
    0:17, d_loss 0.6345, g_loss 2.4629``.

    The hook counts batches (``state.batch_in_epoch``), so a run with ``n_critic > 1``
    shows ``n_critic`` batches per step. Without ``epoch_length`` the bar shows the
    count and rate only.

    Args:
        epoch_length: batches per epoch, usually ``len(data)``; ``None`` if unknown.
        interval: seconds between plain progress lines when the output is not a terminal.
        disable: ``None`` (default) picks the bar or the plain lines from whether ``file``
            is a terminal; ``True`` shows nothing; ``False`` forces the bar.
        file: where to write (default: ``sys.stdout`` at the time of each write).

    Example:
        >>> hook = ProgressBar(epoch_length=30, interval=10)
        >>> hook.epoch_length, hook.interval
        (30, 10.0)
    """

    def __init__(
        self,
        *,
        epoch_length: int | None = None,
        interval: float = 30.0,
        disable: bool | None = None,
        file: TextIO | None = None,
    ) -> None:
        self.epoch_length = check_optional_int(
            "ProgressBar", "epoch_length", epoch_length, minimum=1
        )
        self.interval = check_float(
            "ProgressBar", "interval", interval, minimum=0.0, maximum=float("inf")
        )
        self.disable = check_optional_bool("ProgressBar", "disable", disable)
        self.file = file
        self._bar: Any = None
        self._clock = time.monotonic
        self._last_print = 0.0
        self._started = 0.0
        self._start_batches = 0
        self._batches_done = 0
        self._pos = 0

    # ------------------------------------------------------------------ helpers

    def _out(self) -> TextIO:
        return self.file if self.file is not None else sys.stdout

    def _mode(self) -> str:
        """``"off"``, ``"bar"`` or ``"lines"``."""
        if self.disable:
            return "off"
        if self.disable is False:
            return "bar"
        isatty = getattr(self._out(), "isatty", None)
        return "bar" if callable(isatty) and isatty() else "lines"

    @staticmethod
    def _desc(state: TrainState) -> str:
        total = f"/{state.max_epochs}" if state.max_epochs else ""
        return f"epoch {state.epoch + 1}{total}"

    def _rate(self) -> float:
        """Batches per second since ``fit`` started (NaN before the first batch)."""
        elapsed = self._clock() - self._started
        done = self._batches_done - self._start_batches
        return done / elapsed if elapsed > 0 and done > 0 else float("nan")

    def _remaining_batches(self, state: TrainState, trainer: Trainer) -> float:
        """Batches left in the whole ``fit`` call (NaN when unknown)."""
        length = self.epoch_length
        if state.max_steps is not None:
            return float((state.max_steps - state.step) * trainer.config.n_critic)
        if state.max_epochs is not None and length is not None:
            return float((state.max_epochs - state.epoch) * length - state.batch_in_epoch)
        return float("nan")

    def _line(self, trainer: Trainer, state: TrainState) -> str:
        """The plain progress line for the current position."""
        n, length = state.batch_in_epoch, self.epoch_length
        parts = [f"{self._desc(state)}: {n}" + (f"/{length}" if length else "") + " batches"]
        if length:
            parts[0] += f" ({100 * n / length:.0f}%)"
        parts.append(f"step {state.step}" + (f"/{state.max_steps}" if state.max_steps else ""))
        rate = self._rate()
        parts.append(f"{rate:.3g} batch/s" if rate == rate else "? batch/s")
        if length:
            parts.append(f"epoch ETA {_duration((length - n) / rate)}")
        remaining = self._remaining_batches(state, trainer)
        if remaining == remaining:
            parts.append(f"run ETA {_duration(remaining / rate)}")
        parts += [f"{k} {v:.4f}" for k, v in state.metrics.items() if k in _SHOWN]
        return ", ".join(parts)

    # ------------------------------------------------------------------ events

    def on_fit_start(self, trainer: Trainer, state: TrainState) -> None:
        """Start the clock (the rate counts this ``fit`` call only)."""
        self._started = self._last_print = self._clock()
        self._start_batches = self._batches_done = self._pos = state.batch_in_epoch

    def on_epoch_start(self, trainer: Trainer, state: TrainState) -> None:
        """Open this epoch's bar (on a terminal)."""
        self._close()
        if self._mode() != "bar":
            return
        from tqdm.auto import tqdm  # imported when used: ``import gankit`` stays light

        length = self.epoch_length
        self._bar = tqdm(
            total=length,
            initial=state.batch_in_epoch,
            desc=self._desc(state),
            unit="batch",
            file=self._out(),
            dynamic_ncols=True,
            leave=True,
            bar_format=_BAR_FORMAT if length else _BAR_FORMAT_OPEN,
        )

    def on_step_end(self, trainer: Trainer, state: TrainState) -> None:
        """Advance the bar, or print a plain line when ``interval`` seconds have passed."""
        self._batches_done += max(0, state.batch_in_epoch - self._pos)
        self._pos = state.batch_in_epoch
        mode = self._mode()
        if mode == "bar" and self._bar is not None:
            self._bar.update(state.batch_in_epoch - self._bar.n)
            shown: dict[str, object] = {"step": state.step}
            shown.update({k: f"{v:.4f}" for k, v in state.metrics.items() if k in _SHOWN})
            self._bar.set_postfix(shown, refresh=False)
        elif mode == "lines":
            now = self._clock()
            if now - self._last_print >= self.interval:
                self._last_print = now
                print(self._line(trainer, state), file=self._out(), flush=True)

    def on_epoch_end(self, trainer: Trainer, state: TrainState) -> None:
        """Close the epoch's bar; the next epoch counts from zero."""
        self._close()
        self._pos = 0

    def _close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def on_fit_end(self, trainer: Trainer, state: TrainState) -> None:
        """Close the bar."""
        self._close()

    def on_exception(self, trainer: Trainer, state: TrainState, error: BaseException) -> None:
        """Close the bar."""
        self._close()
