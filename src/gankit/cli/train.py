"""``gankit train``: train a recipe's nets on ToyFaces, CelebA, an image folder or a cache.

Everything here is a thin user of the public API: a :mod:`gankit.recipes` recipe gives
the nets, the loss and the optimizer settings; flags override them; the run writes sample
grids, a loss plot, metrics logs and checkpoints under ``--out``. The example script
``examples/celeba_dcgan.py`` calls the same code.
"""

from __future__ import annotations

import argparse
import dataclasses
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gankit.cli._common import CommandError, Parser
from gankit.cli.train_args import LOSSES, add_arguments, default_workers

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


def _augment(args: argparse.Namespace) -> Any:
    """The ``--augment`` module (``None`` for none)."""
    from gankit.augment import AdaptiveAugment, DiffAugment

    if args.augment == "none":
        return None
    try:
        policy = DiffAugment(args.augment_policy)
    except ValueError as e:
        raise CommandError(f"--augment-policy: {e}") from None
    return policy if args.augment == "diffaug" else AdaptiveAugment(policy)


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
    from gankit.train.distributed import init_from_env, shard_data

    ckpt_dir = out / "checkpoints"

    r = _recipe(args)
    gk.train.seed_everything(args.seed)  # the nets' initial weights follow --seed too
    G, D = r.build()
    if args.init_from is not None:
        _init_from(args.init_from, G, D)
    device = device_arg(args.device)
    data = make_data(args, r.image_size, device)
    # under torchrun each rank trains on its shard (the Trainer shards ``data`` in fit), so
    # an epoch is this rank's batch count: the progress bar's length and the log interval
    rank = init_from_env(device)
    n_batches = len(shard_data(data, rank, args.seed))
    overrides = _trainer_overrides(args, r, device)
    overrides["log_every"] = max(1, min(args.log_every, n_batches))
    config = r.trainer_config(**overrides)
    trainer = gk.Trainer(
        G,
        D,
        loss=_loss(args, r),
        regularizer=r.regularizer,
        step=gk.train.TrainingStep(augment=_augment(args)),
        config=config,
        hooks=[*r.make_hooks(), *make_hooks(args, out, n_batches)],  # e.g. R3GAN's schedule
    )
    source = "ToyFaces" if args.data_root is None else args.data_root
    per_rank = f" on each of {rank.world_size} ranks" if rank.enabled else ""
    if rank.is_main:  # one banner and one summary per run, not one per rank
        print(
            f"gankit {gk.__version__}: {args.arch} ({r.image_size}x{r.image_size}) on {source} "
            f"({n_batches} batches of {args.batch_size}{per_rank}), {trainer.device}, "
            f"{args.precision}; writing to {out}",
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
    if args.dry_run or not rank.is_main:
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
