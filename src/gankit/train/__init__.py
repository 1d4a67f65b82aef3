"""The training loop and its hooks.

Example:
    >>> from gankit.train import TrainerConfig
    >>> TrainerConfig().betas
    (0.5, 0.999)
"""

from __future__ import annotations

from gankit.train import hooks
from gankit.train.checkpoint import (
    CheckpointError,
    atomic_save,
    latest_checkpoint,
    load_checkpoint,
    load_generator,
    rng_state,
    seed_everything,
    set_rng_state,
)
from gankit.train.config import Precision, TrainerConfig
from gankit.train.distributed import DistInfo
from gankit.train.hook import Hook, NetName, every
from gankit.train.hooks import NonFiniteLossError
from gankit.train.sampling import sample_stream
from gankit.train.state import TrainState
from gankit.train.trainer import SchedulerFactory, Trainer, resolve_device, split_batch

__all__ = [
    "CheckpointError",
    "DistInfo",
    "Hook",
    "NetName",
    "NonFiniteLossError",
    "Precision",
    "SchedulerFactory",
    "TrainState",
    "Trainer",
    "TrainerConfig",
    "atomic_save",
    "every",
    "hooks",
    "latest_checkpoint",
    "load_checkpoint",
    "load_generator",
    "resolve_device",
    "rng_state",
    "sample_stream",
    "seed_everything",
    "set_rng_state",
    "split_batch",
]
