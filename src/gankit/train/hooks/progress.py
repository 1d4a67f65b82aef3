"""A tqdm progress bar over steps, quiet when the output is not a terminal."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tqdm.auto import tqdm

from gankit._validation import check_optional_bool
from gankit.train.hook import Hook

if TYPE_CHECKING:
    from gankit.train.state import TrainState
    from gankit.train.trainer import Trainer


class ProgressBar(Hook):
    """Show steps done, speed and the latest logged losses.

    Args:
        disable: ``None`` (default) shows the bar only on a terminal; ``True`` hides it.

    Example:
        >>> ProgressBar(disable=True).disable
        True
    """

    def __init__(self, *, disable: bool | None = None) -> None:
        self.disable = check_optional_bool("ProgressBar", "disable", disable)
        self._bar: Any = None

    def on_fit_start(self, trainer: Trainer, state: TrainState) -> None:
        """Open the bar at the current step."""
        self._bar = tqdm(
            total=state.max_steps,
            initial=state.step,
            unit="step",
            disable=self.disable,
            dynamic_ncols=True,
        )

    def on_step_end(self, trainer: Trainer, state: TrainState) -> None:
        """Advance by one step."""
        if self._bar is not None:
            self._bar.update(1)

    def on_epoch_start(self, trainer: Trainer, state: TrainState) -> None:
        """Show the epoch."""
        if self._bar is not None:
            total = f"/{state.max_epochs}" if state.max_epochs else ""
            self._bar.set_description(f"epoch {state.epoch + 1}{total}")

    def on_log(self, trainer: Trainer, state: TrainState, metrics: dict[str, float]) -> None:
        """Show the interval's mean losses."""
        if self._bar is not None:
            shown = {
                k: f"{v:.4f}" for k, v in metrics.items() if k in ("d_loss", "g_loss", "penalty")
            }
            self._bar.set_postfix(shown, refresh=False)

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
