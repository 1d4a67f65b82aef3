"""The training loop, its step and its hooks.

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
    rng_state,
    seed_everything,
    set_rng_state,
)
from gankit.train.config import Precision, TrainerConfig
from gankit.train.distributed import DistInfo
from gankit.train.graphs import CaptureBackend, CUDACapture, EagerCapture
from gankit.train.guard import NonFiniteLossError
from gankit.train.hook import Hook, NetName, SamplingSource, every
from gankit.train.interrupt import TrainingInterrupted
from gankit.train.position import split_batch
from gankit.train.sampling import generate, latent_noise, sample_stream
from gankit.train.schema import CheckpointDict, load_generator, read_checkpoint
from gankit.train.setup import SchedulerFactory, resolve_device
from gankit.train.state import TrainState
from gankit.train.step import Batch, Logs, StepContext, TrainingStep
from gankit.train.trainer import Trainer

__all__ = [
    "Batch",
    "CUDACapture",
    "CaptureBackend",
    "CheckpointDict",
    "CheckpointError",
    "DistInfo",
    "EagerCapture",
    "Hook",
    "Logs",
    "NetName",
    "NonFiniteLossError",
    "Precision",
    "SamplingSource",
    "SchedulerFactory",
    "StepContext",
    "TrainState",
    "Trainer",
    "TrainerConfig",
    "TrainingInterrupted",
    "TrainingStep",
    "atomic_save",
    "every",
    "generate",
    "hooks",
    "latent_noise",
    "latest_checkpoint",
    "load_checkpoint",
    "load_generator",
    "read_checkpoint",
    "resolve_device",
    "rng_state",
    "sample_stream",
    "seed_everything",
    "set_rng_state",
    "split_batch",
]
