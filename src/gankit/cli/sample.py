"""``gankit sample``: a grid of samples from a checkpoint's generator."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from torchvision.utils import save_image

from gankit.cli._common import CommandError, device_arg, positive_int, stream
from gankit.train.schema import load_generator

__all__ = ["add_parser", "run"]


def run(args: argparse.Namespace) -> None:
    """Write the sample grid (``gankit sample``; see :func:`add_parser` for ``args``).

    Example:
        >>> from gankit.cli import build_parser
        >>> build_parser().parse_args(["sample", "--help"])  # doctest: +SKIP
    """
    device = device_arg(args.device)
    net = load_generator(args.checkpoint, ema=args.ema, device=device)
    images = stream(net, device, args.seed)(args.num).cpu()
    if images.ndim != 4:
        raise CommandError(
            f"{args.checkpoint}: the generator makes {tuple(images.shape[1:])} samples, not images"
        )
    out = Path(args.out)
    if out.exists() and not args.force:
        raise CommandError(f"{out} exists; pass --force to overwrite it")
    out.parent.mkdir(parents=True, exist_ok=True)
    save_image(
        images,
        out,
        nrow=args.nrow or max(1, round(args.num**0.5)),
        normalize=True,
        value_range=(-1, 1),
    )
    print(f"wrote {args.num} samples to {out}")


def add_parser(sub: Any) -> None:
    """Add ``gankit sample`` to the ``gankit`` parser's subparsers.

    Example:
        >>> import argparse
        >>> add_parser(argparse.ArgumentParser().add_subparsers())
    """
    p = sub.add_parser(
        "sample",
        help="write a grid of samples from a checkpoint's generator",
        description="Rebuild the generator saved in CKPT and write a PNG grid of samples.",
    )
    p.add_argument(
        "checkpoint", metavar="CKPT", help="checkpoint file, or a directory (its newest step-*.pt)"
    )
    p.add_argument(
        "-n", "--num", type=positive_int, default=64, help="number of samples (default 64)"
    )
    p.add_argument("--out", default="samples.png", help="output PNG (default samples.png)")
    p.add_argument("--seed", type=int, default=0, help="noise seed (default 0)")
    p.add_argument("--ema", action="store_true", help="use the EMA generator weights")
    p.add_argument(
        "--nrow", type=positive_int, default=None, help="images per row (default: square grid)"
    )
    p.add_argument("--device", default=None, help="torch device (default: cuda if available)")
    p.add_argument("--force", action="store_true", help="overwrite an existing output file")
    p.set_defaults(run=run)
