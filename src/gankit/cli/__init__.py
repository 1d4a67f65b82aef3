"""The ``gankit`` command: train, sample from checkpoints, prepare CelebA caches, compute FID.

Every subcommand is a thin user of the public API. User errors (missing files, bad
values, unusable checkpoints) print one ``gankit: error: ...`` line and exit with status
2, never a traceback. Options are never abbreviated (``--cuda`` is not
``--cuda-graphs``), and ``--help`` shows each default once.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from gankit._version import __version__
from gankit.cli import fid, prepare, sample, train
from gankit.cli._common import CommandError, Parser
from gankit.train.checkpoint import CheckpointError

__all__ = ["CommandError", "build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    """Return the ``gankit`` argument parser.

    Example:
        >>> build_parser().parse_args(["sample", "run.pt", "-n", "16"]).num
        16
    """
    parser = Parser(
        prog="gankit",
        description=(
            "gankit: train GANs, sample from checkpoints, prepare CelebA caches and compute FID."
        ),
        epilog="`gankit COMMAND --help` lists a command's options.",
    )
    parser.add_argument("--version", action="version", version=f"gankit {__version__}")
    sub = parser.add_subparsers(
        dest="command", required=True, metavar="COMMAND", parser_class=Parser
    )
    for command in (train, sample, prepare, fid):
        command.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``gankit`` command and return its exit status.

    Example:
        >>> main(["--version"])  # doctest: +SKIP
        gankit 0.1.0
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    args.argv = argv
    try:
        status = args.run(args)
    except (
        CommandError,
        CheckpointError,
        FileNotFoundError,
        FileExistsError,
        NotADirectoryError,
        ValueError,
    ) as e:
        print(f"gankit: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("gankit: interrupted", file=sys.stderr)
        return 130
    return int(status or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
