"""The flags of ``gankit train`` (and of ``examples/celeba_dcgan.py``), and their defaults."""

from __future__ import annotations

import argparse
import os

from gankit.cli._common import crop_arg, positive_float, positive_int

__all__ = ["AUGMENTS", "LOSSES", "add_arguments", "default_workers"]

AUGMENTS = ("none", "diffaug", "ada")
"""``--augment`` choices: none, DiffAugment on every image, or ADA's adaptive probability."""

LOSSES: dict[str, str] = {
    "non-saturating": "NonSaturating",
    "minimax": "Minimax",
    "least-squares": "LeastSquares",
    "wasserstein": "Wasserstein",
    "hinge": "Hinge",
    "relativistic-average": "RelativisticAverage",
}
"""``--loss`` choices and the :mod:`gankit.losses` class each one builds (default arguments)."""


def default_workers() -> int:
    """DataLoader workers for image folders: ``min(4, usable cores)``.

    Example:
        >>> 1 <= default_workers() <= 4
        True
    """
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min(4, cores or 1))


def _recipe_names() -> list[str]:
    from gankit.recipes import RECIPES

    return sorted(RECIPES)


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Add the training flags to ``p`` (shared by ``gankit train`` and the example).

    Example:
        >>> p = argparse.ArgumentParser(allow_abbrev=False)
        >>> add_arguments(p)
        >>> p.parse_args(["--arch", "celeba32", "--nz", "64"]).nz
        64
    """
    nets = p.add_argument_group("nets (defaults: the recipe's)")
    nets.add_argument(
        "--arch", choices=_recipe_names(), default="dcgan64", help="recipe from gankit.recipes"
    )
    nets.add_argument(
        "--image-size", type=positive_int, default=None, help="image side (default: the recipe's)"
    )
    nets.add_argument(
        "--nz", type=positive_int, default=None, help="latent size (default: the recipe's)"
    )
    nets.add_argument(
        "--g-width",
        type=positive_int,
        default=None,
        help="generator base width (default: the recipe's)",
    )
    nets.add_argument(
        "--d-width",
        type=positive_int,
        default=None,
        help="discriminator base width (default: the recipe's)",
    )
    nets.add_argument(
        "--width",
        type=positive_int,
        default=None,
        help="both widths at once (default: the recipe's)",
    )
    nets.add_argument(
        "--init-from",
        metavar="CKPT",
        default=None,
        help="start from the generator and discriminator weights of a checkpoint (file or "
        "directory); optimizers and counters start fresh",
    )

    data = p.add_argument_group("data")
    src = data.add_mutually_exclusive_group()
    src.add_argument(
        "--data",
        choices=["toyfaces"],
        default=None,
        help="embedded dataset (used when --data-root is not given)",
    )
    src.add_argument(
        "--data-root",
        default=None,
        help="CelebA folder, a folder of images, or a .npy uint8 cache from "
        "`gankit prepare-celeba` (default: ToyFaces)",
    )
    data.add_argument("--toyfaces", type=positive_int, default=8192, help="ToyFaces images")
    data.add_argument(
        "--crop",
        type=crop_arg,
        default="full",
        help="center crop of folder images: full (178), face (140), dcgan (108), none or pixels",
    )
    data.add_argument("--batch-size", type=positive_int, default=128, help="images per batch")
    data.add_argument(
        "--workers",
        type=int,
        default=default_workers(),
        help="DataLoader workers for image folders (default: min(4, cores), here %(default)s)",
    )

    opt = p.add_argument_group("loss and optimizer (defaults: the recipe's)")
    opt.add_argument(
        "--loss",
        choices=sorted(LOSSES),
        default=None,
        help="adversarial loss (default: the recipe's)",
    )
    opt.add_argument(
        "--label-smoothing",
        type=float,
        default=None,
        metavar="REAL_TARGET",
        help="target for real images with --loss non-saturating, e.g. 0.9 (default: 1.0, none)",
    )
    opt.add_argument(
        "--lr",
        type=positive_float,
        default=None,
        help="both learning rates (default: the recipe's)",
    )
    opt.add_argument(
        "--lr-g",
        type=positive_float,
        default=None,
        help="generator learning rate (default: the recipe's)",
    )
    opt.add_argument(
        "--lr-d",
        type=positive_float,
        default=None,
        help="discriminator learning rate (default: the recipe's)",
    )
    opt.add_argument("--beta1", type=float, default=None, help="Adam beta1 (default: the recipe's)")
    opt.add_argument("--beta2", type=float, default=None, help="Adam beta2 (default: the recipe's)")
    opt.add_argument(
        "--n-critic",
        type=positive_int,
        default=None,
        help="discriminator updates per generator update (default: the recipe's)",
    )
    opt.add_argument(
        "--ema", type=float, default=None, metavar="DECAY", help="keep an EMA generator, e.g. 0.999"
    )
    opt.add_argument(
        "--augment",
        choices=AUGMENTS,
        default="none",
        help="what D sees images through: DiffAugment (diffaug) or ADA's adaptive probability",
    )
    opt.add_argument(
        "--augment-policy",
        default="color,translation,cutout",
        metavar="POLICY",
        help="DiffAugment policies for --augment, comma-separated",
    )

    run = p.add_argument_group("run")
    length = run.add_mutually_exclusive_group()
    length.add_argument(
        "--epochs", type=positive_int, default=None, help="train until epoch N (default: 5)"
    )
    length.add_argument("--steps", type=positive_int, default=None, help="train until step N")
    run.add_argument("--out", default="runs/gankit", help="output directory")
    run.add_argument(
        "--resume",
        nargs="?",
        const="auto",
        default=None,
        metavar="CKPT",
        help="continue from CKPT, or (no value) from the newest checkpoint under --out",
    )
    run.add_argument(
        "--dry-run",
        action="store_true",
        help="build everything and train one step in a temporary folder (--out is untouched)",
    )
    run.add_argument("--seed", type=int, default=0, help="seed of the nets, noise and data order")
    run.add_argument("--log-every", type=positive_int, default=50, help="steps between log lines")
    run.add_argument(
        "--progress-every",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="seconds between progress lines when stdout is not a terminal",
    )
    run.add_argument("--keep-last", type=positive_int, default=3, help="checkpoints to keep")

    perf = p.add_argument_group("device and speed")
    perf.add_argument("--device", default=None, help="torch device (default: cuda if available)")
    perf.add_argument(
        "--precision", choices=["fp32", "bf16", "fp16"], default="fp32", help="autocast"
    )
    perf.add_argument("--channels-last", action="store_true", help="channels-last memory format")
    perf.add_argument("--compile", action="store_true", help="torch.compile both nets")
    perf.add_argument(
        "--cuda-graphs", action="store_true", help="replay each training step as a CUDA graph"
    )
