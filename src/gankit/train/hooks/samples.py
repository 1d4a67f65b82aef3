"""Sample grids from fixed noise, so progress is comparable across a run."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch
from torch import Tensor

from gankit._validation import (
    MAX_GRID_IMAGES,
    check_bool,
    check_int,
    check_optional_int,
)
from gankit.train.hook import Hook, every

if TYPE_CHECKING:
    from gankit.train.state import TrainState
    from gankit.train.trainer import Trainer

__all__ = ["SampleGrid"]


class SampleGrid(Hook):
    """Save a PNG grid of ``n`` samples from the same noise every N steps or epochs.

    Files: ``DIRECTORY/epoch-0001.png`` or ``DIRECTORY/step-00000500.png``, and
    ``DIRECTORY/final.png`` at the end of ``fit``. The noise (and labels, for
    conditional nets) is drawn once from ``seed`` with a private generator, so the
    training RNGs are untouched, and is saved in checkpoints. The EMA generator is used
    when an :class:`EMA` hook is present and ``ema`` is True. Images are mapped from
    [-1, 1] to [0, 1].

    Args:
        directory: where to write.
        n: number of samples.
        nrow: images per row.
        every_n_steps: save every this many steps.
        every_n_epochs: save every this many epochs.
        seed: seed of the fixed noise.
        ema: prefer the EMA generator.

    Example:
        >>> import tempfile
        >>> SampleGrid(tempfile.mkdtemp(), n=16, nrow=4).n
        16
    """

    def __init__(
        self,
        directory: str | os.PathLike[str],
        *,
        n: int = 64,
        nrow: int = 8,
        every_n_steps: int | None = None,
        every_n_epochs: int | None = 1,
        seed: int = 0,
        ema: bool = True,
    ) -> None:
        self.directory = Path(directory)
        self.n = check_int("SampleGrid", "n", n, minimum=1, maximum=MAX_GRID_IMAGES)
        self.nrow = check_int("SampleGrid", "nrow", nrow, minimum=1, maximum=MAX_GRID_IMAGES)
        self.every_n_steps = check_optional_int(
            "SampleGrid", "every_n_steps", every_n_steps, minimum=1
        )
        self.every_n_epochs = check_optional_int(
            "SampleGrid", "every_n_epochs", every_n_epochs, minimum=1
        )
        self.seed = check_int("SampleGrid", "seed", seed, minimum=0)
        self.ema = check_bool("SampleGrid", "ema", ema)
        self.z: Tensor | None = None
        self.labels: Tensor | None = None

    def on_fit_start(self, trainer: Trainer, state: TrainState) -> None:
        """Draw the fixed noise once."""
        if self.z is None:
            gen = torch.Generator().manual_seed(self.seed)
            self.z = torch.randn(self.n, trainer.latent_dim, generator=gen)
            if trainer.num_classes:
                self.labels = torch.arange(self.n) % trainer.num_classes

    def save(self, trainer: Trainer, name: str) -> Path:
        """Generate from the fixed noise and write ``DIRECTORY/name``."""
        from torchvision.utils import save_image  # imported when used

        assert self.z is not None
        images = trainer.sample(self.n, z=self.z, labels=self.labels, ema=self.ema)
        path = self.directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        save_image(images.cpu(), path, nrow=self.nrow, normalize=True, value_range=(-1, 1))
        return path

    def on_step_end(self, trainer: Trainer, state: TrainState) -> None:
        """Save every ``every_n_steps`` steps."""
        if every(state.step, self.every_n_steps):
            self.save(trainer, f"step-{state.step:08d}.png")

    def on_epoch_end(self, trainer: Trainer, state: TrainState) -> None:
        """Save every ``every_n_epochs`` epochs."""
        if every(state.epoch, self.every_n_epochs):
            self.save(trainer, f"epoch-{state.epoch:04d}.png")

    def on_fit_end(self, trainer: Trainer, state: TrainState) -> None:
        """Save ``final.png``."""
        self.save(trainer, "final.png")

    def state_dict(self) -> dict[str, Any]:
        """Return the fixed noise and labels."""
        return {"z": self.z, "labels": self.labels}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore the fixed noise and labels."""
        self.z, self.labels = state.get("z"), state.get("labels")
