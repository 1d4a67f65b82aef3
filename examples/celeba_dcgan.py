"""Train the seed write-ups' DCGANs on CelebA, or on the embedded ToyFaces, with gankit.

Reproduces the face generators that gankit grew from: the canonical 64x64 DCGAN
(``--arch dcgan64``, Radford et al. 2016) and the 32x32 nets of the Udacity face
project (``--arch celeba32``), trained with the non-saturating BCE loss (optional
one-sided label smoothing) and Adam(2e-4, betas=(0.5, 0.999)).

This script is ``gankit train`` with the example's output folder: both run
:func:`gankit.cli.train.train`, which reads like the README's "compose" snippet
(recipe -> nets -> data -> hooks -> Trainer.fit). Installed gankit users run
``gankit train`` with the same flags.

Examples::

    # embedded synthetic faces, no download
    python examples/celeba_dcgan.py --data toyfaces --arch celeba32 --epochs 10

    # CelebA: the official folder, a flat folder of images, or a uint8 cache from
    # `gankit prepare-celeba ROOT --size 64 --out celeba64.npy`
    python examples/celeba_dcgan.py --data-root ~/data/celeba --epochs 20
    python examples/celeba_dcgan.py --data-root celeba64.npy --precision bf16 --channels-last

    # continue an interrupted run (Ctrl-C and SIGTERM save a checkpoint first and print
    # the exact command)
    python examples/celeba_dcgan.py --data-root ~/data/celeba --epochs 20 --resume

    # start from the nets of another run; many GPUs
    python examples/celeba_dcgan.py --init-from runs/old/checkpoints --epochs 5
    torchrun --nproc_per_node=8 examples/celeba_dcgan.py --data-root celeba64.npy

Under ``--out`` it writes samples/epoch-XXXX.png (fixed noise), samples/final.png,
losses.png, metrics.csv / metrics.jsonl and checkpoints/step-*.pt (with last.pt naming
the newest), and prints ``Epoch [   20/   20] | d_loss: 0.6345 | g_loss: 2.4629`` after
every epoch. ``--help`` lists every flag with its default.
"""

from __future__ import annotations

import sys

from gankit.cli import CommandError
from gankit.cli.train import build_example_parser, train
from gankit.train import CheckpointError


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = build_example_parser(prog="celeba_dcgan.py")
    parser.set_defaults(out="runs/celeba_dcgan")
    args = parser.parse_args(argv)
    try:
        return train(args, command=["python", "examples/celeba_dcgan.py"], argv=argv)
    except (CommandError, CheckpointError, OSError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
