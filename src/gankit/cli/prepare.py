"""``gankit prepare-celeba``: decode a dataset once into a uint8 cache."""

from __future__ import annotations

import argparse
from typing import Any

from gankit.cli._common import CommandError, crop_arg, positive_int
from gankit.data import CROP_PRESETS, UnreadableImageError, prepare_cache

__all__ = ["add_parser", "run"]


def run(args: argparse.Namespace) -> None:
    """Build the cache (``gankit prepare-celeba``; see :func:`add_parser` for ``args``).

    Example:
        >>> from gankit.cli import build_parser
        >>> build_parser().parse_args(["prepare-celeba", "--help"])  # doctest: +SKIP
    """
    try:
        cache = prepare_cache(
            args.root,
            args.out,
            image_size=args.size,
            crop=args.crop,
            split=args.split,
            workers=args.workers,
            progress=not args.quiet,
            strict=args.strict,
            overwrite=args.overwrite,
        )
    except UnreadableImageError as e:  # --strict: name the file, keep the finished chunks
        raise CommandError(
            f"{e} (--strict stops at the first unreadable image; without it, unreadable "
            "images are skipped and listed; chunks decoded so far are kept for the next run)"
        ) from None
    except IsADirectoryError as e:
        raise CommandError(str(e)) from None
    n, c, h, w = cache.array.shape
    print(f"wrote {n} images ({c}x{h}x{w}, uint8) to {args.out}")


def add_parser(sub: Any) -> None:
    """Add ``gankit prepare-celeba`` to the ``gankit`` parser's subparsers.

    Example:
        >>> import argparse
        >>> add_parser(argparse.ArgumentParser().add_subparsers())
    """
    p = sub.add_parser(
        "prepare-celeba",
        help="decode CelebA (or any image folder) once into a uint8 cache",
        description=(
            "Decode every image under ROOT (the official CelebA layout, a celeba/ subfolder, or a "
            "flat folder of images) in parallel into a uint8 .npy cache with a .json sidecar. "
            "Interrupted builds resume; an existing different cache is never overwritten "
            "without --overwrite."
        ),
    )
    p.add_argument("root", metavar="ROOT", help="dataset folder")
    p.add_argument("--out", required=True, help="cache file to write, e.g. celeba64.npy")
    p.add_argument(
        "--size", type=positive_int, default=64, help="image side in pixels (default 64)"
    )
    p.add_argument(
        "--crop",
        type=crop_arg,
        default="full",
        help=f"center crop before resizing: {', '.join(CROP_PRESETS)}, none, or a size in pixels (default full)",
    )
    p.add_argument(
        "--split",
        choices=["train", "valid", "test", "all"],
        default="all",
        help="CelebA split (default all)",
    )
    p.add_argument(
        "--workers", type=positive_int, default=None, help="decoding processes (default: all cores)"
    )
    p.add_argument("--strict", action="store_true", help="stop at the first unreadable image")
    p.add_argument(
        "--overwrite", action="store_true", help="replace an existing cache built differently"
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(run=run)
