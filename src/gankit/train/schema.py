"""What a gankit checkpoint holds (format 2), reading older formats, and :func:`load_generator`.

A checkpoint is a ``torch.save`` archive of one dict, :class:`CheckpointDict`, holding
only tensors and plain Python values (so it loads with ``weights_only=True``). Format 1
(gankit 0.1) differs in two entries: running loss sums were one fixed vector, and the
sampling hook was found by its class name; :func:`upgrade` converts such a dict on load.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn
from typing_extensions import TypedDict

from gankit.train.checkpoint import (
    FORMAT_VERSION,
    CheckpointError,
    latest_checkpoint,
    load_checkpoint,
)
from gankit.train.hook import Hook, SamplingSource
from gankit.train.restore import plain_values, verify_digests

__all__ = [
    "CheckpointDict",
    "load_generator",
    "model_configs",
    "read_checkpoint",
    "sampling_pointer",
    "upgrade",
]


class _Entries(TypedDict):
    """The entries every format-2 checkpoint has."""

    format: str  # "gankit.checkpoint"
    format_version: int  # 2
    gankit_version: str
    generator: dict[str, Tensor]  # state dicts of both nets
    discriminator: dict[str, Tensor]
    g_optimizer: dict[str, Any]  # optimizer state dicts, learning rates as floats
    d_optimizer: dict[str, Any]
    scaler: dict[str, Any]  # the GradScaler (empty unless fp16)
    state: dict[str, Any]  # TrainState.state_dict(): counters and latest metrics
    rng: dict[str, Any]  # every RNG now (rng_state())
    epoch_rng: dict[str, Any] | None  # every RNG at the start of the current epoch
    running_sums: dict[str, Any]  # LossMeters.state_dict(): interval and epoch sums
    hooks: dict[str, dict[str, Any]]  # each hook's state_dict() by its state key
    sampling: dict[str, str] | None  # {"hook": key, "entry": name} of the SamplingSource
    trainer_config: dict[str, Any]  # TrainerConfig as a dict (for the record)
    latent_dim: int
    num_classes: int


class CheckpointDict(_Entries, total=False):
    """The entries of a format-2 checkpoint, as :meth:`gankit.Trainer.save` writes them.

    The required entries are those of every run; the others are written when the run has
    them (a stateful loader, schedulers, nets built from gankit configs).

    Example:
        >>> sorted(CheckpointDict.__optional_keys__)[:3]
        ['checksums', 'd_scheduler', 'data']
    """

    checksums: dict[str, str]  # SHA-256 of every other entry (added when written)
    data: dict[str, Any]  # a stateful loader's position
    step: dict[str, Any]  # the training step's state (an adaptive augmentation's p)
    g_scheduler: dict[str, Any]
    d_scheduler: dict[str, Any]
    generator_config: dict[str, Any]  # {"type": ..., **fields} of gankit nets
    discriminator_config: dict[str, Any]


def sampling_pointer(hooks: Sequence[tuple[str, Hook]]) -> dict[str, str] | None:
    """Where a checkpoint keeps the weights to sample from: the first sampling hook's entry.

    Example:
        >>> from gankit.train.hooks import EMA
        >>> sampling_pointer([("EMA", EMA())]) is None  # no average before training
        True
    """
    for key, hook in hooks:
        if isinstance(hook, SamplingSource) and hook.sampling_module() is not None:
            return {"hook": key, "entry": hook.sampling_entry}
    return None


def model_configs(generator: nn.Module, discriminator: nn.Module) -> dict[str, Any]:
    """The ``generator_config`` / ``discriminator_config`` entries of nets built from configs.

    Example:
        >>> import gankit as gk
        >>> G = gk.models.build_mlp_generator(gk.models.MLPGeneratorConfig())
        >>> sorted(model_configs(G, torch.nn.Linear(2, 1)))
        ['generator_config']
    """
    out = {}
    for key, net in (("generator_config", generator), ("discriminator_config", discriminator)):
        cfg = getattr(net, "config", None)
        if dataclasses.is_dataclass(cfg) and not isinstance(cfg, type):
            out[key] = {"type": type(cfg).__name__, **plain_values(dataclasses.asdict(cfg))}
    return out


_V1_SUMS = ("d_loss", "g_loss", "penalty", "real_logits", "fake_logits")


def upgrade(ckpt: dict[str, Any]) -> CheckpointDict:
    """Return ``ckpt`` in the current format (a format-1 dict is converted in place).

    Args:
        ckpt: a dict read by :func:`~gankit.train.load_checkpoint`.

    Returns:
        The same dict, now format 2.

    Raises:
        ValueError: when a format-1 entry cannot be converted.

    Example:
        >>> upgrade({"format_version": 1, "hooks": {"EMA": {"module": {}}}})["sampling"]
        {'hook': 'EMA', 'entry': 'module'}
    """
    if ckpt.get("format_version") == 1:
        sums = ckpt.get("running_sums")
        if sums is not None:
            ckpt["running_sums"] = {
                "interval": _v1_sums(sums["interval"], sums["interval_n"]),
                "epoch": _v1_sums(sums["epoch"], sums["epoch_n"]),
            }
        ema = ckpt.get("hooks", {}).get("EMA", {})
        ckpt["sampling"] = {"hook": "EMA", "entry": "module"} if "module" in ema else None
        ckpt["format_version"] = FORMAT_VERSION
    ckpt.setdefault("sampling", None)
    return ckpt  # type: ignore[return-value]


def _v1_sums(vector: Tensor, counts: list[int]) -> dict[str, Any]:
    """Format 1's ``[d_loss, g_loss, penalty, real, fake, penalty_n]`` vector as named sums."""
    values = vector.tolist()
    if len(values) != 6 or len(counts) != 2:
        raise ValueError(f"format-1 running sums have 6 values and 2 counts, got {values}")
    d_n, g_n = (int(c) for c in counts)
    per_name = {"d_loss": d_n, "g_loss": g_n, "penalty": round(values[5]), "real_logits": d_n}
    per_name["fake_logits"] = d_n
    names = [n for n in _V1_SUMS if n != "penalty" or per_name["penalty"] > 0]
    return {
        "names": names,
        "sums": torch.tensor([values[_V1_SUMS.index(n)] for n in names], dtype=torch.float32),
        "counts": [per_name[n] for n in names],
    }


def read_checkpoint(path: str | os.PathLike[str]) -> CheckpointDict:
    """Load a checkpoint safely and return it in the current format.

    Args:
        path: a file, or a directory (its newest ``step-*.pt``).

    Returns:
        The :class:`CheckpointDict`.

    Raises:
        CheckpointError: naming the file for every problem.

    Example:
        >>> import tempfile
        >>> read_checkpoint(tempfile.mkdtemp())
        Traceback (most recent call last):
        ...
        gankit.train.checkpoint.CheckpointError: ...: no step-*.pt checkpoint in this directory
    """
    ckpt = load_checkpoint(path)
    if ckpt.get("format_version") != 1:  # format 1 had no checksums
        verify_digests(ckpt, path)
    try:
        return upgrade(ckpt)
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        raise CheckpointError(f"{path}: a format-1 entry cannot be read: {e}") from None


def load_generator(
    path: str | os.PathLike[str], *, ema: bool = False, device: torch.device | str = "cpu"
) -> nn.Module:
    """Rebuild the generator of a checkpoint, in eval mode, ready to sample from.

    Works for generators built from a gankit config (the checkpoint records it); other
    generators are rebuilt by their own code from ``load_checkpoint(path)["generator"]``.

    Args:
        path: a checkpoint file, or a directory (its newest ``step-*.pt``).
        ema: load the weights of the run's sampling hook (an
            :class:`~gankit.train.hooks.EMA` or any :class:`~gankit.train.SamplingSource`).
        device: where to put the generator.

    Returns:
        The generator module with its ``config``, ``latent_dim`` and ``num_classes``.

    Raises:
        CheckpointError: naming the file when it cannot be loaded, holds no gankit config
            or an invalid one (naming the field; sizes beyond the configs' upper bounds are
            refused before anything is allocated), holds no averaged weights although
            ``ema`` is set, or the weights do not fit.

    Example:
        >>> import tempfile, torch, gankit as gk
        >>> G, D = (gk.models.build_mlp_generator(gk.models.MLPGeneratorConfig()),
        ...         gk.models.build_mlp_discriminator(gk.models.MLPDiscriminatorConfig()))
        >>> path = gk.Trainer(G, D, config=gk.TrainerConfig(device="cpu")).save(
        ...     tempfile.mkdtemp() + "/run.pt")
        >>> load_generator(path)(torch.randn(3, 2)).shape
        torch.Size([3, 2])
    """
    from gankit.models import build, config_from_dict

    ckpt = read_checkpoint(path)
    file = (latest_checkpoint(path) or path) if Path(path).is_dir() else path  # the file read
    saved = ckpt.get("generator_config")
    if not isinstance(saved, dict):
        raise CheckpointError(
            f"{file}: the generator was not built from a gankit config, so it cannot be "
            "rebuilt here; load load_checkpoint(path)['generator'] into your own module"
        )
    try:  # validated with the configs' upper bounds before anything is allocated
        config = config_from_dict(saved)
    except (ValueError, TypeError) as e:
        raise CheckpointError(f"{file}: invalid generator_config: {e}") from None
    net = build(config)
    path = file
    state: Mapping[str, Any] | None = ckpt["generator"]
    if ema:
        sampling = ckpt.get("sampling") or {}
        hook = ckpt.get("hooks", {}).get(sampling.get("hook", ""), {})
        state = hook.get(sampling.get("entry", "")) if isinstance(hook, dict) else None
        if state is None:
            raise CheckpointError(
                f"{path}: no EMA weights (averaged generator) in this checkpoint (train with the "
                "EMA hook, or load without ema)"
            )
    try:
        net.load_state_dict(state)  # type: ignore[arg-type]
    except (RuntimeError, TypeError, AttributeError) as e:
        raise CheckpointError(f"{path}: the generator weights do not fit its config: {e}") from None
    return net.eval().to(device)
