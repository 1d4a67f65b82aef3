"""What the ``gankit`` subcommands share: the one-line user error and argument types."""

from __future__ import annotations

import argparse
from collections.abc import Callable

import torch

from gankit.data import CROP_PRESETS
from gankit.train.sampling import sample_stream

__all__ = ["CommandError", "crop_arg", "device_arg", "positive_int", "stream"]


class CommandError(Exception):
    """A user error reported as one line on stderr (exit status 2).

    Example:
        >>> str(CommandError("--num must be positive"))
        '--num must be positive'
    """


def positive_int(text: str) -> int:
    """Parse a positive integer argument.

    Example:
        >>> positive_int("3")
        3
    """
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {value}")
    return value


def crop_arg(text: str) -> int | str | None:
    """Parse ``--crop``: a preset name, ``none`` or a size in pixels.

    Example:
        >>> crop_arg("none") is None, crop_arg("108")
        (True, 108)
    """
    if text == "none":
        return None
    if text in CROP_PRESETS:
        return text
    try:
        return int(text)
    except ValueError:
        allowed = ", ".join([*CROP_PRESETS, "none", "an integer"])
        raise argparse.ArgumentTypeError(f"must be one of {allowed}, got {text!r}") from None


def device_arg(name: str | None) -> torch.device:
    """Resolve ``--device`` (default: CUDA if available), refusing devices this machine lacks.

    Example:
        >>> device_arg("cpu")
        device(type='cpu')
    """
    if name is None:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(name)
    except RuntimeError:
        raise CommandError(
            f"--device must be a torch device such as cpu or cuda:0, got {name!r}"
        ) from None
    if device.type == "cuda":
        count = torch.cuda.device_count() if torch.cuda.is_available() else 0
        if count == 0 or (device.index or 0) >= count:
            raise CommandError(f"--device {name}: this machine has {count} CUDA device(s)")
    return device


def stream(net: torch.nn.Module, device: torch.device, seed: int) -> Callable[[int], torch.Tensor]:
    """Fixed-seed samples from a generator rebuilt by :func:`~gankit.train.load_generator`.

    Example:
        >>> net = torch.nn.Linear(2, 3); net.latent_dim = 2
        >>> stream(net, torch.device("cpu"), 0)(4).shape
        torch.Size([4, 3])
    """
    return sample_stream(
        net,
        latent_dim=int(getattr(net, "latent_dim")),  # noqa: B009
        num_classes=int(getattr(net, "num_classes", 0)),
        device=device,
        seed=seed,
    )
