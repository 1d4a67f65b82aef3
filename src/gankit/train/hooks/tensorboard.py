"""Scalars and sample grids to TensorBoard (needs the ``tensorboard`` extra)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gankit._validation import MAX_GRID_IMAGES, check_int
from gankit.train.hook import Hook

if TYPE_CHECKING:
    from gankit.train.state import TrainState
    from gankit.train.trainer import Trainer

__all__ = ["TensorBoard"]


class TensorBoard(Hook):
    """Write logged metrics, epoch means and a sample grid per epoch to TensorBoard.

    Args:
        log_dir: the event-file directory.
        samples: images in the per-epoch grid (0 turns grids off).
        seed: seed of the grid's fixed noise.

    Raises:
        ImportError: with the install command when ``tensorboard`` is missing.

    Example:
        >>> TensorBoard.__name__
        'TensorBoard'
    """

    def __init__(
        self, log_dir: str | os.PathLike[str], *, samples: int = 16, seed: int = 0
    ) -> None:
        try:
            from torch.utils.tensorboard import SummaryWriter
        except ImportError:
            raise ImportError(
                "TensorBoard needs the tensorboard package: pip install 'gankit[tensorboard]'"
            ) from None
        self.log_dir = Path(log_dir)
        self.writer: Any = SummaryWriter(str(self.log_dir))
        self.samples = check_int(
            "TensorBoard", "samples", samples, minimum=0, maximum=MAX_GRID_IMAGES
        )
        self.seed = check_int("TensorBoard", "seed", seed, minimum=0)

    def on_log(self, trainer: Trainer, state: TrainState, metrics: dict[str, float]) -> None:
        """Write each metric under ``train/``."""
        for k, v in metrics.items():
            self.writer.add_scalar(f"train/{k}", v, state.step)

    def on_epoch_end(self, trainer: Trainer, state: TrainState) -> None:
        """Write epoch means under ``epoch/`` and a sample grid."""
        for k, v in state.epoch_metrics.items():
            self.writer.add_scalar(f"epoch/{k}", v, state.epoch)
        if self.samples:
            images = trainer.sample(self.samples, seed=self.seed).cpu()
            if images.ndim == 4:
                from torchvision.utils import make_grid  # imported when used

                grid = make_grid(
                    images, nrow=int(self.samples**0.5), normalize=True, value_range=(-1, 1)
                )
                self.writer.add_image("samples", grid, state.step)
        self.writer.flush()

    def on_fit_end(self, trainer: Trainer, state: TrainState) -> None:
        """Flush the writer."""
        self.writer.flush()
