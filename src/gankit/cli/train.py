"""``gankit train``: train a recipe's nets on ToyFaces, CelebA, an image folder or a cache.

Everything here is a thin user of the public API: a :mod:`gankit.recipes` recipe gives
the nets, the loss and the optimizer settings; flags override them; the run writes sample
grids, a loss plot, metrics logs and checkpoints under ``--out``. The example script
``examples/celeba_dcgan.py`` calls the same code.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gankit.cli._common import (
    CommandError,
    Parser,
    crop_arg,
    positive_float,
    positive_int,
)

if TYPE_CHECKING:
    import torch

    from gankit.losses import AdversarialLoss
    from gankit.recipes import Recipe
    from gankit.train import Hook

__all__ = [
    "LOSSES",
    "add_arguments",
    "add_parser",
    "build_example_parser",
    "default_workers",
    "make_data",
    "make_hooks",
    "resume_command",
    "run",
    "train",
]

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


def _recipe(args: argparse.Namespace) -> Recipe:
    from gankit.recipes import recipe

    r = recipe(args.arch)
    g_over: dict[str, Any] = {}
    d_over: dict[str, Any] = {}
    if args.image_size is not None:
        g_over["image_size"] = d_over["image_size"] = args.image_size
    if args.nz is not None:
        g_over["latent_dim"] = args.nz
    g_width = args.g_width if args.g_width is not None else args.width
    d_width = args.d_width if args.d_width is not None else args.width
    if g_width is not None:
        g_over["width"] = g_width
    if d_width is not None:
        d_over["width"] = d_width
    try:
        generator = dataclasses.replace(r.generator, **g_over)
        discriminator = dataclasses.replace(r.discriminator, **d_over)
    except TypeError as e:  # a config without that field
        raise CommandError(f"--arch {args.arch} does not take these overrides: {e}") from None
    return dataclasses.replace(r, generator=generator, discriminator=discriminator)


def _loss(args: argparse.Namespace, r: Recipe) -> AdversarialLoss:
    import gankit.losses as losses

    if args.loss is None and args.label_smoothing is None:
        return r.loss
    name = args.loss or "non-saturating"
    if args.label_smoothing is not None:
        if name != "non-saturating":
            raise CommandError(f"--label-smoothing needs --loss non-saturating, got --loss {name}")
        return losses.NonSaturating(real_target=args.label_smoothing)
    loss: AdversarialLoss = getattr(losses, LOSSES[name])()
    return loss


def _trainer_overrides(args: argparse.Namespace, r: Recipe, device: torch.device) -> dict[str, Any]:
    over: dict[str, Any] = {
        "device": str(device),
        "precision": args.precision,
        "channels_last": args.channels_last,
        "compile": args.compile,
        "cuda_graphs": args.cuda_graphs,
        "seed": args.seed,
    }
    if args.lr is not None:
        over["lr_g"] = over["lr_d"] = args.lr
    if args.lr_g is not None:
        over["lr_g"] = args.lr_g
    if args.lr_d is not None:
        over["lr_d"] = args.lr_d
    if args.beta1 is not None or args.beta2 is not None:
        b1, b2 = r.trainer.get("betas", (0.5, 0.999))
        over["betas"] = (
            b1 if args.beta1 is None else args.beta1,
            b2 if args.beta2 is None else args.beta2,
        )
    if args.n_critic is not None:
        over["n_critic"] = args.n_critic
    return over


def _too_few(n: int, args: argparse.Namespace) -> CommandError:
    return CommandError(
        f"the data holds {n} images, fewer than one batch of --batch-size {args.batch_size}, "
        "and incomplete batches are dropped: pass --batch-size "
        f"{max(1, n)} or smaller (or use more images)"
    )


def make_data(args: argparse.Namespace, image_size: int, device: torch.device) -> Any:
    """ToyFaces or a uint8 cache go to the device once; image folders stream through workers.

    Example:
        >>> args = build_example_parser().parse_args(["--toyfaces", "8", "--batch-size", "4"])
        >>> import torch
        >>> len(make_data(args, 16, torch.device("cpu")))
        2
    """
    import gankit.data as gd

    if args.data_root is None:
        images: Any = gd.ToyFaces(args.toyfaces, image_size=image_size, seed=args.seed)
        if args.toyfaces < args.batch_size:
            raise _too_few(args.toyfaces, args)
        return gd.DeviceLoader(
            images.tensor(),
            args.batch_size,
            device=device,
            seed=args.seed,
            channels_last=args.channels_last,
        )
    root = Path(args.data_root).expanduser()
    if root.suffix == ".npy":
        cache = gd.CachedImages(root, raw=True)
        side = cache.array.shape[-1]
        if side != image_size:
            raise CommandError(
                f"{root} holds {side}x{side} images but --arch {args.arch} makes "
                f"{image_size}x{image_size}; pass --image-size {side} or build another cache"
            )
        if len(cache) < args.batch_size:
            raise _too_few(len(cache), args)
        return gd.DeviceLoader(
            cache, args.batch_size, device=device, seed=args.seed, channels_last=args.channels_last
        )
    from torch.utils.data import DataLoader

    dataset = gd.CelebA(root, image_size=image_size, split="all", crop=args.crop)
    if len(dataset) < args.batch_size:
        raise _too_few(len(dataset), args)
    workers = max(0, args.workers)
    return DataLoader(
        dataset,
        batch_size=args.batch_size,
        shuffle=True,
        drop_last=True,
        num_workers=workers,
        pin_memory=device.type == "cuda",
        persistent_workers=workers > 0,
    )


def make_hooks(args: argparse.Namespace, out: Path, epoch_length: int | None) -> list[Hook]:
    """The run's hooks: progress, epoch lines, samples, metrics logs, loss plot, checkpoints.

    Example:
        >>> args = build_example_parser().parse_args([])
        >>> [type(h).__name__ for h in make_hooks(args, Path("run"), 10)][:2]
        ['ProgressBar', 'ConsoleSummary']
    """
    from gankit.train import hooks

    hook_list: list[Hook] = [
        hooks.ProgressBar(epoch_length=epoch_length, interval=args.progress_every),
        hooks.ConsoleSummary(),
        hooks.SampleGrid(out / "samples", n=64, nrow=8, every_n_epochs=1),
        hooks.MetricsLogger(out),
    ]
    try:
        hook_list.append(hooks.LossPlot(out / "losses.png"))
    except ImportError as e:
        print(f"warning: no losses.png: {e}", file=sys.stderr)
    hook_list.append(
        hooks.Checkpoint(out / "checkpoints", every_n_epochs=1, keep_last=args.keep_last)
    )
    if args.ema is not None:
        hook_list.insert(0, hooks.EMA(decay=args.ema))
    return hook_list


def _init_from(path: str, G: Any, D: Any) -> None:
    from gankit.train import CheckpointError, load_checkpoint

    ckpt = load_checkpoint(path)
    for name, net in (("generator", G), ("discriminator", D)):
        try:
            net.load_state_dict(ckpt[name])
        except (KeyError, RuntimeError) as e:
            raise CheckpointError(
                f"--init-from {path}: its {name} does not fit --arch and the width flags "
                f"({type(e).__name__}: {str(e).splitlines()[0]})"
            ) from None


def resume_command(command: Sequence[str], argv: Sequence[str]) -> str:
    """The shell command that continues this run: ``argv`` with ``--resume``, no ``--init-from``.

    Example:
        >>> resume_command(["gankit", "train"], ["--out", "r", "--init-from", "a.pt"])
        'gankit train --out r --resume'
    """
    kept: list[str] = []
    skip = False
    for i, arg in enumerate(argv):
        if skip:
            skip = False
            continue
        if arg in ("--init-from", "--resume") or arg.startswith(("--init-from=", "--resume=")):
            nxt = argv[i + 1] if i + 1 < len(argv) else None
            skip = arg in ("--init-from",) or (
                arg == "--resume" and nxt is not None and not nxt.startswith("-")
            )
            continue
        if arg == "--dry-run":
            continue
        kept.append(arg)
    return shlex.join([*command, *kept, "--resume"])


def train(args: argparse.Namespace, *, command: Sequence[str], argv: Sequence[str]) -> int:
    """Run training for parsed ``args``; return the exit status (130/143 when interrupted).

    Args:
        args: from a parser with :func:`add_arguments`.
        command: how this program is started, for the printed resume command, e.g.
            ``["gankit", "train"]``.
        argv: the arguments given after ``command``.

    Example:
        >>> args = build_example_parser().parse_args(["--help"])  # doctest: +SKIP
    """
    import gankit as gk

    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise CommandError(f"--out {out} is a file, not a directory")
    ckpt_dir = out / "checkpoints"
    started = gk.train.latest_checkpoint(ckpt_dir) is not None or (out / "metrics.jsonl").exists()
    if args.resume is None and started and not args.dry_run:
        raise CommandError(
            f"{out} already holds a run; pass --resume to continue it or choose another "
            "--out (a run stopped before its first checkpoint can only be deleted)"
        )
    resume = ckpt_dir if args.resume == "auto" else args.resume
    if resume is not None and args.resume == "auto" and not started:
        raise CommandError(f"--resume: {out} holds no checkpoint to continue from")
    if args.dry_run:  # the same run for one step, into a folder that is removed after
        import tempfile

        with tempfile.TemporaryDirectory(prefix="gankit-dry-run-") as tmp:
            status = _run(args, Path(tmp), resume, command=command, argv=argv)
        if status == 0:
            print("dry run: everything built and one step trained; nothing was kept")
        return status
    return _run(args, out, resume, command=command, argv=argv)


def _run(
    args: argparse.Namespace,
    out: Path,
    resume: str | Path | None,
    *,
    command: Sequence[str],
    argv: Sequence[str],
) -> int:
    import gankit as gk
    from gankit.cli._common import device_arg

    ckpt_dir = out / "checkpoints"

    r = _recipe(args)
    gk.train.seed_everything(args.seed)  # the nets' initial weights follow --seed too
    G, D = r.build()
    if args.init_from is not None:
        _init_from(args.init_from, G, D)
    device = device_arg(args.device)
    data = make_data(args, r.image_size, device)
    n_batches = len(data)
    overrides = _trainer_overrides(args, r, device)
    overrides["log_every"] = max(1, min(args.log_every, n_batches))
    config = r.trainer_config(**overrides)
    trainer = gk.Trainer(
        G,
        D,
        loss=_loss(args, r),
        regularizer=r.regularizer,
        config=config,
        hooks=[*r.make_hooks(), *make_hooks(args, out, n_batches)],  # e.g. R3GAN's schedule
    )
    source = "ToyFaces" if args.data_root is None else args.data_root
    print(
        f"gankit {gk.__version__}: {args.arch} ({r.image_size}x{r.image_size}) on {source} "
        f"({n_batches} batches of {args.batch_size}), {trainer.device}, {args.precision}; "
        f"writing to {out}",
        flush=True,
    )
    target: dict[str, int]
    if args.dry_run:
        target = {"steps": 1}
    elif args.steps is not None:
        target = {"steps": args.steps}
    else:
        target = {"epochs": args.epochs or 5}
    try:
        trainer.fit(data, resume=resume, **target)
    except gk.train.NonFiniteLossError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    except gk.train.TrainingInterrupted as e:  # the step finished, hooks ran, it saved
        print(
            f"interrupted at step {e.step}; checkpoint: {e.checkpoint}; "
            f"resume with: {resume_command(command, argv)}",
            file=sys.stderr,
            flush=True,
        )
        return e.exit_code
    st = trainer.state
    if args.dry_run:
        return 0
    written = [out / "samples", out / "losses.png", out / "metrics.csv", ckpt_dir / "last.pt"]
    shown = ", ".join(str(p) for p in written if p.exists())
    print(f"done: {st.epoch} epochs, {st.step} steps; wrote {shown}")
    return 0


def build_example_parser(prog: str | None = None) -> argparse.ArgumentParser:
    """A stand-alone parser with the training flags (the example script uses it).

    Example:
        >>> build_example_parser().parse_args(["--arch", "celeba32"]).arch
        'celeba32'
    """
    p = Parser(
        prog=prog,
        description="Train a GAN recipe on ToyFaces, CelebA, an image folder or a uint8 cache.",
    )
    add_arguments(p)
    return p


def run(args: argparse.Namespace) -> int:
    """Run ``gankit train`` (see :func:`add_parser` for ``args``).

    Example:
        >>> from gankit.cli import build_parser
        >>> build_parser().parse_args(["train", "--help"])  # doctest: +SKIP
    """
    argv = list(getattr(args, "argv", None) or [])
    if argv[:1] == ["train"]:
        argv = argv[1:]
    return train(args, command=["gankit", "train"], argv=argv)


def add_parser(sub: Any) -> None:
    """Add ``gankit train`` to the ``gankit`` parser's subparsers.

    Example:
        >>> import argparse
        >>> add_parser(argparse.ArgumentParser().add_subparsers())
    """
    p = sub.add_parser(
        "train",
        help="train a recipe (dcgan64, celeba32, ...) on ToyFaces, CelebA or a cache",
        description=(
            "Train a recipe's generator and discriminator with its loss and optimizer "
            "settings (each overridable) and write sample grids, a loss plot, metrics logs "
            "and checkpoints under --out. Ctrl-C or SIGTERM finish the step, save a "
            "checkpoint and print the command that resumes the run."
        ),
    )
    add_arguments(p)
    p.set_defaults(run=run)
