"""Built-in hooks: progress, logging, samples, plots, checkpoints, EMA, guards.

Example:
    >>> from gankit.train import hooks
    >>> [h.__name__ for h in (hooks.Checkpoint, hooks.EMA, hooks.SampleGrid)]
    ['Checkpoint', 'EMA', 'SampleGrid']
"""

from __future__ import annotations

from gankit.train.checkpoint import latest_checkpoint
from gankit.train.guard import NonFiniteGuard, NonFiniteLossError
from gankit.train.hooks.checkpointing import Checkpoint
from gankit.train.hooks.console import ConsoleSummary
from gankit.train.hooks.ema import EMA
from gankit.train.hooks.fid import FIDEvaluation
from gankit.train.hooks.loss_plot import LossPlot
from gankit.train.hooks.metrics_log import MetricsLogger
from gankit.train.hooks.progress import ProgressBar
from gankit.train.hooks.r3gan_schedule import R3GANSchedule
from gankit.train.hooks.samples import SampleGrid
from gankit.train.hooks.tensorboard import TensorBoard

__all__ = [
    "EMA",
    "Checkpoint",
    "ConsoleSummary",
    "FIDEvaluation",
    "LossPlot",
    "MetricsLogger",
    "NonFiniteGuard",
    "NonFiniteLossError",
    "ProgressBar",
    "R3GANSchedule",
    "SampleGrid",
    "TensorBoard",
    "latest_checkpoint",
]
