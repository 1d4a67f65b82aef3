"""``gankit sample``: a grid of samples from a checkpoint's generator."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from gankit.cli._common import CommandError, device_arg, positive_int, stream

__all__ = ["MAX_GRID_PIXELS", "add_parser", "run"]

MAX_GRID_PIXELS = 2**26
"""The largest grid ``gankit sample`` writes, in pixels (about 67 megapixels, 200 MB as RGB)."""

_BATCH = 256  # samples generated at once: memory stays bounded whatever -n is


def run(args: argparse.Namespace) -> None:
    """Write the sample grid (``gankit sample``; see :func:`add_parser` for ``args``).

    Samples are generated in batches of 256 and kept as uint8, so memory is bounded by
    the grid itself; grids over :data:`MAX_GRID_PIXELS` are refused before any sampling.

    Example:
        >>> from gankit.cli import build_parser
        >>> build_parser().parse_args(["sample", "--help"])  # doctest: +SKIP
    """
    import torch

    from gankit.data import float_to_uint8
    from gankit.train import load_generator

    out = Path(args.out)
    if out.exists() and not args.force:
        raise CommandError(f"{out} exists; pass --force to overwrite it")
    if out.parent.exists() and not out.parent.is_dir():
        raise CommandError(f"--out {out}: {out.parent} is a file, not a directory")
    device = device_arg(args.device)
    net = load_generator(args.checkpoint, ema=args.ema, device=device)
    draw = stream(net, device, args.seed)
    first = draw(1).cpu()
    if first.ndim != 4:
        raise CommandError(
            f"{args.checkpoint}: the generator makes {tuple(first.shape[1:])} samples, not images"
        )
    _, channels, height, width = first.shape
    nrow = args.nrow or max(1, round(args.num**0.5))
    rows = -(-args.num // nrow)
    pixels = (rows * (height + 2) + 2) * (min(nrow, args.num) * (width + 2) + 2)
    if pixels > MAX_GRID_PIXELS:
        fits = MAX_GRID_PIXELS // ((height + 2) * (width + 2))
        raise CommandError(
            f"-n {args.num}: a grid of that many {height}x{width} samples would have "
            f"{pixels:.3g} pixels, over the limit of {MAX_GRID_PIXELS} "
            f"(at this size -n {fits} or fewer fit)"
        )
    draw = stream(net, device, args.seed)  # restart: sample i is the same for every -n
    images = torch.empty(args.num, channels, height, width, dtype=torch.uint8)
    for start in range(0, args.num, _BATCH):
        n = min(_BATCH, args.num - start)
        images[start : start + n] = float_to_uint8(draw(n).float().cpu())
    from torchvision.utils import make_grid  # imported when used

    grid = make_grid(images, nrow=nrow)
    out.parent.mkdir(parents=True, exist_ok=True)
    from PIL import Image

    array = grid.permute(1, 2, 0).numpy()
    Image.fromarray(array[..., 0] if channels == 1 else array).save(out, format="PNG")
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
    p.add_argument("-n", "--num", type=positive_int, default=64, help="number of samples")
    p.add_argument("--out", default="samples.png", help="output PNG")
    p.add_argument("--seed", type=int, default=0, help="noise seed")
    p.add_argument("--ema", action="store_true", help="use the EMA generator weights")
    p.add_argument(
        "--nrow", type=positive_int, default=None, help="images per row (default: square grid)"
    )
    p.add_argument("--device", default=None, help="torch device (default: cuda if available)")
    p.add_argument("--force", action="store_true", help="overwrite an existing output file")
    p.set_defaults(run=run)
