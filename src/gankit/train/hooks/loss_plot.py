"""Discriminator and generator loss curves as a PNG (needs the ``plot`` extra)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gankit.train.hook import Hook

if TYPE_CHECKING:
    from gankit.train.state import TrainState
    from gankit.train.trainer import Trainer

__all__ = ["LossPlot"]


def _pyplot() -> Any:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError(
            "LossPlot needs matplotlib, which is not installed: pip install 'gankit[plot]'"
        ) from None
    return plt


class LossPlot(Hook):
    """Plot D and G losses against steps, like the seed write-ups' training curves.

    Points come from every ``on_log`` (interval means); the PNG is rewritten at every epoch
    end and at the end of ``fit``. The history is saved in checkpoints.

    Args:
        path: the PNG file.

    Raises:
        ImportError: with the install command when matplotlib is missing.

    Example:
        >>> import tempfile
        >>> LossPlot(tempfile.mkdtemp() + "/losses.png").path.suffix
        '.png'
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        _pyplot()
        self.path = Path(path)
        self.steps: list[int] = []
        self.d_loss: list[float] = []
        self.g_loss: list[float] = []

    def on_log(self, trainer: Trainer, state: TrainState, metrics: dict[str, float]) -> None:
        """Record a point."""
        self.steps.append(state.step)
        self.d_loss.append(float(metrics.get("d_loss", float("nan"))))
        self.g_loss.append(float(metrics.get("g_loss", float("nan"))))

    def write(self) -> Path:
        """Draw the curves to ``self.path`` and return it."""
        plt = _pyplot()
        fig, ax = plt.subplots(figsize=(8, 4.5))
        ax.plot(self.steps, self.d_loss, label="Discriminator", alpha=0.8)
        ax.plot(self.steps, self.g_loss, label="Generator", alpha=0.8)
        ax.set_xlabel("step (generator updates)")
        ax.set_ylabel("loss")
        ax.set_title("Training losses")
        ax.legend()
        ax.grid(alpha=0.3)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fig.tight_layout()
        fig.savefig(self.path, dpi=100)
        plt.close(fig)
        return self.path

    def on_epoch_end(self, trainer: Trainer, state: TrainState) -> None:
        """Redraw."""
        if self.steps:
            self.write()

    def on_fit_end(self, trainer: Trainer, state: TrainState) -> None:
        """Redraw."""
        if self.steps:
            self.write()

    def state_dict(self) -> dict[str, Any]:
        """Return the recorded points."""
        return {"steps": list(self.steps), "d_loss": list(self.d_loss), "g_loss": list(self.g_loss)}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore the recorded points."""
        self.steps = [int(s) for s in state.get("steps", [])]
        self.d_loss = [float(v) for v in state.get("d_loss", [])]
        self.g_loss = [float(v) for v in state.get("g_loss", [])]
