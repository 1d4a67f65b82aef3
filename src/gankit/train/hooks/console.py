"""The per-epoch summary line of the seed write-ups."""

from __future__ import annotations

from typing import TYPE_CHECKING

from gankit._validation import check_int
from gankit.train.hook import Hook

if TYPE_CHECKING:
    from gankit.train.state import TrainState
    from gankit.train.trainer import Trainer

__all__ = ["ConsoleSummary"]


def format_epoch_line(epoch: int, total: int | None, d_loss: float, g_loss: float) -> str:
    """Return ``Epoch [   20/   20] | d_loss: 0.6345 | g_loss: 2.4629``.

    Example:
        >>> format_epoch_line(20, 20, 0.63451, 2.46291)
        'Epoch [   20/   20] | d_loss: 0.6345 | g_loss: 2.4629'
    """
    of = f"{total:5d}" if total is not None else f"{'?':>5}"
    return f"Epoch [{epoch:5d}/{of}] | d_loss: {d_loss:.4f} | g_loss: {g_loss:.4f}"


class ConsoleSummary(Hook):
    """Print one line per epoch with the epoch's mean losses (seed format).

    The line reads ``Epoch [   20/   20] | d_loss: 0.6345 | g_loss: 2.4629``, as in the
    seed write-ups; it goes through ``tqdm.write`` so a progress bar stays intact.

    Args:
        every_n_epochs: print every this many epochs.

    Example:
        >>> ConsoleSummary().every_n_epochs
        1
    """

    def __init__(self, every_n_epochs: int = 1) -> None:
        self.every_n_epochs = check_int(
            "ConsoleSummary", "every_n_epochs", every_n_epochs, minimum=1
        )

    def on_epoch_end(self, trainer: Trainer, state: TrainState) -> None:
        """Print the line (through tqdm, so a progress bar stays intact)."""
        if state.epoch % self.every_n_epochs:
            return
        from tqdm.auto import tqdm  # imported when used: ``import gankit`` stays light

        m = state.epoch_metrics
        tqdm.write(
            format_epoch_line(
                state.epoch,
                state.max_epochs,
                m.get("d_loss", float("nan")),
                m.get("g_loss", float("nan")),
            )
        )
