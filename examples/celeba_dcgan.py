"""Train the seed write-ups' DCGANs on CelebA, or on the embedded ToyFaces, with gankit.

Reproduces the face generators that gankit grew from: the canonical 64x64 DCGAN
(``--arch dcgan64``, Radford et al. 2016) and the 32x32 nets of the Udacity face
project (``--arch celeba32``), trained with the non-saturating BCE loss (optional
one-sided label smoothing) and Adam(2e-4, betas=(0.5, 0.999)).

Examples::

    # embedded synthetic faces, no download (a few minutes on 2 CPU cores)
    python examples/celeba_dcgan.py --data toyfaces --arch celeba32 --epochs 10

    # CelebA: the official folder, a flat folder of images, or a uint8 cache from
    # `gankit prepare-celeba ROOT --size 64 --out celeba64.npy`
    python examples/celeba_dcgan.py --data-root ~/data/celeba --epochs 20
    python examples/celeba_dcgan.py --data-root celeba64.npy --precision bf16 --channels-last

    # continue an interrupted run (Ctrl-C saves a checkpoint first)
    python examples/celeba_dcgan.py --data-root ~/data/celeba --epochs 20 --resume

    # many GPUs
    torchrun --nproc_per_node=8 examples/celeba_dcgan.py --data-root celeba64.npy

Under ``--out`` it writes samples/epoch-XXXX.png (fixed noise), samples/final.png,
losses.png, metrics.csv / metrics.jsonl and checkpoints/step-*.pt, and prints
``Epoch [   20/   20] | d_loss: 0.6345 | g_loss: 2.4629`` after every epoch.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import torch
from torch.utils.data import DataLoader

import gankit as gk
from gankit.train import hooks

ARCHS = {"dcgan64": (64, gk.models.dcgan), "celeba32": (32, gk.models.celeba32)}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description="Train a DCGAN on CelebA or the embedded ToyFaces with gankit.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("--arch", choices=sorted(ARCHS), default="dcgan64", help="network preset")
    p.add_argument(
        "--width", type=int, default=None, help="base width of both nets (default: the preset's)"
    )
    src = p.add_mutually_exclusive_group()
    src.add_argument(
        "--data", choices=["toyfaces"], default=None, help="embedded dataset (the default)"
    )
    src.add_argument(
        "--data-root", default=None, help="CelebA folder, image folder or .npy uint8 cache"
    )
    p.add_argument("--toyfaces", type=int, default=8192, help="number of ToyFaces images")
    p.add_argument(
        "--crop",
        default="full",
        help="CelebA center crop: full (178), face (140), dcgan (108) or pixels",
    )
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--lr", type=float, default=2e-4)
    p.add_argument("--beta1", type=float, default=0.5)
    p.add_argument(
        "--label-smoothing",
        type=float,
        default=1.0,
        metavar="REAL_TARGET",
        help="target for real images in the D loss, e.g. 0.9 (1.0 = none)",
    )
    p.add_argument(
        "--ema", type=float, default=None, metavar="DECAY", help="keep an EMA generator, e.g. 0.999"
    )
    p.add_argument("--device", default="auto")
    p.add_argument("--precision", choices=["fp32", "bf16", "fp16"], default="fp32")
    p.add_argument("--channels-last", action="store_true")
    p.add_argument("--compile", action="store_true")
    p.add_argument(
        "--cuda-graphs", action="store_true", help="replay each training step as a CUDA graph"
    )
    p.add_argument("--workers", type=int, default=4, help="DataLoader workers for JPEG folders")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--log-every", type=int, default=50)
    p.add_argument("--out", default="runs/celeba_dcgan", help="output directory")
    p.add_argument(
        "--resume",
        nargs="?",
        const="auto",
        default=None,
        metavar="CKPT",
        help="continue from CKPT, or from the newest checkpoint under --out",
    )
    return p.parse_args(argv)


def make_data(args: argparse.Namespace, image_size: int, device: torch.device) -> Any:
    """ToyFaces or a uint8 cache go to the device once; JPEG folders stream through workers."""
    if args.data_root is None:
        images = gk.data.ToyFaces(args.toyfaces, image_size=image_size, seed=args.seed).tensor()
        return gk.data.DeviceLoader(
            images, args.batch_size, device=device, seed=args.seed, channels_last=args.channels_last
        )
    root = Path(args.data_root).expanduser()
    if root.suffix == ".npy":
        cache = gk.data.CachedImages(root, raw=True)
        side = cache.array.shape[-1]
        if side != image_size:
            raise ValueError(
                f"{root} holds {side}x{side} images but --arch {args.arch} needs {image_size}x{image_size}"
            )
        return gk.data.DeviceLoader(
            cache, args.batch_size, device=device, seed=args.seed, channels_last=args.channels_last
        )
    crop: Any = int(args.crop) if args.crop.isdigit() else args.crop
    dataset = gk.data.CelebA(root, image_size=image_size, split="all", crop=crop)
    return DataLoader(
        dataset,
        batch_size=args.batch_size,
        shuffle=True,
        drop_last=True,
        num_workers=args.workers,
        pin_memory=device.type == "cuda",
        persistent_workers=args.workers > 0,
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    out = Path(args.out)
    ckpt_dir = out / "checkpoints"
    started = gk.train.latest_checkpoint(ckpt_dir) or (out / "metrics.jsonl").exists()
    if args.resume is None and started:
        print(
            f"error: {out} already holds a run; pass --resume to continue it or choose another "
            "--out (a run stopped before its first checkpoint can only be deleted)",
            file=sys.stderr,
        )
        return 2
    resume = ckpt_dir if args.resume == "auto" else args.resume

    image_size, preset = ARCHS[args.arch]
    widths: dict[str, int] = {}
    if args.width is not None:
        widths = (
            {"g_width": args.width, "d_width": args.width}
            if args.arch == "dcgan64"
            else {"width": args.width}
        )
    g_cfg, d_cfg = preset(**widths)
    G, D = gk.models.build_generator(g_cfg), gk.models.build_discriminator(d_cfg)

    device = gk.train.resolve_device(args.device)
    data = make_data(args, image_size, device)
    config = gk.TrainerConfig(
        lr_g=args.lr,
        lr_d=args.lr,
        betas=(args.beta1, 0.999),
        device=str(device),
        precision=args.precision,
        channels_last=args.channels_last,
        compile=args.compile,
        cuda_graphs=args.cuda_graphs,
        seed=args.seed,
        log_every=max(1, min(args.log_every, len(data))),
    )
    hook_list: list[gk.train.Hook] = [
        hooks.ProgressBar(),
        hooks.ConsoleSummary(),
        hooks.SampleGrid(out / "samples", n=64, nrow=8, every_n_epochs=1),
        hooks.MetricsLogger(out),
        hooks.Checkpoint(ckpt_dir, every_n_epochs=1, keep_last=3),
    ]
    try:
        hook_list.insert(-1, hooks.LossPlot(out / "losses.png"))
    except ImportError as e:
        print(f"warning: no losses.png: {e}", file=sys.stderr)
    if args.ema is not None:
        hook_list.insert(0, hooks.EMA(decay=args.ema))
    loss = gk.losses.NonSaturating(real_target=args.label_smoothing)
    trainer = gk.Trainer(G, D, loss=loss, config=config, hooks=hook_list)
    source = "ToyFaces" if args.data_root is None else args.data_root
    print(
        f"gankit {gk.__version__}: {args.arch} on {source} ({len(data)} batches of {args.batch_size}), "
        f"{trainer.device}, {args.precision}; writing to {out}"
    )
    try:
        trainer.fit(data, epochs=args.epochs, resume=resume)
    except gk.train.NonFiniteLossError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    print(
        f"done: {trainer.state.epoch} epochs, {trainer.state.step} steps; samples in {out / 'samples'}, "
        f"losses in {out / 'losses.png'}, checkpoints in {ckpt_dir}"
    )
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (OSError, ValueError, gk.train.CheckpointError) as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(2)
