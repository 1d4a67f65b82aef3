"""What the ``gankit`` subcommands share: the one-line user error and argument types."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

import torch

from gankit.data import CROP_PRESETS
from gankit.train.sampling import sample_stream

__all__ = [
    "CommandError",
    "HelpFormatter",
    "Parser",
    "crop_arg",
    "device_arg",
    "positive_float",
    "positive_int",
    "stream",
]


class CommandError(Exception):
    """A user error reported as one line on stderr (exit status 2).

    Example:
        >>> str(CommandError("--num must be positive"))
        '--num must be positive'
    """


class HelpFormatter(argparse.HelpFormatter):
    """Append ``(default: X)`` to an option's help unless the help already names its default.

    Options whose default is ``None`` or ``False`` (nothing is set unless given) get no
    note, so every default shows exactly once.

    Example:
        >>> p = argparse.ArgumentParser(formatter_class=HelpFormatter)
        >>> _ = p.add_argument("--size", type=int, default=64, help="image side")
        >>> "image side (default: 64)" in p.format_help()
        True
    """

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        default = action.default
        if (
            "default" in text
            or default is None
            or default is False
            or default is argparse.SUPPRESS
            or not action.option_strings
        ):
            return text
        return f"{text} (default: %(default)s)" if text else "(default: %(default)s)"


class Parser(argparse.ArgumentParser):
    """An :class:`argparse.ArgumentParser` without prefix matching and with :class:`HelpFormatter`.

    ``allow_abbrev=False``: ``--cuda`` is an error, never a silent ``--cuda-graphs``.

    Example:
        >>> p = Parser(prog="x")
        >>> _ = p.add_argument("--cuda-graphs", action="store_true")
        >>> p.parse_args(["--cuda"])  # doctest: +SKIP
        usage: x [-h] [--cuda-graphs]
        x: error: unrecognized arguments: --cuda
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", False)
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)


def positive_float(text: str) -> float:
    """Parse a positive, finite float argument.

    Example:
        >>> positive_float("2e-4")
        0.0002
    """
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text!r}") from None
    if not (0 < value < float("inf")):
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text}")
    return value


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
    if device.type == "meta":
        raise CommandError(
            f"--device {name}: meta tensors hold no data (they only track shapes); use cpu or cuda"
        )
    try:
        torch.empty(1, device=device)
    except (RuntimeError, AssertionError) as e:  # a backend this build or machine lacks
        first = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise CommandError(f"--device {name} is not usable here: {first}") from None
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
