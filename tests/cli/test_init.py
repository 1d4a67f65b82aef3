"""The ``gankit`` command: every subcommand's help, no abbreviations, defaults shown once."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import pytest

import gankit as gk
from gankit import cli

SUBCOMMANDS = ("train", "sample", "prepare-celeba", "fid")
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "celeba_dcgan.py"


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def test_help_for_every_subcommand(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["--help"], *([c, "--help"] for c in SUBCOMMANDS)):
        with pytest.raises(SystemExit) as e:
            cli.main(argv)
        assert e.value.code == 0
        assert "usage: gankit" in capsys.readouterr().out
    assert (
        subprocess.run(
            [sys.executable, "-m", "gankit", "--version"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        == f"gankit {gk.__version__}"
    )


@pytest.mark.parametrize(
    ("argv", "prefix"),
    [
        (["train", "--cuda"], "--cuda-graphs"),
        (["train", "--epoch", "3"], "--epochs"),
        (["sample", "x.pt", "--se", "1"], "--seed"),
        (["prepare-celeba", "root", "--out", "o.npy", "--over"], "--overwrite"),
    ],
)
def test_options_are_never_abbreviated(
    argv: list[str], prefix: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """argparse's prefix matching made ``--cuda`` mean ``--cuda-graphs``."""
    with pytest.raises(SystemExit) as e:
        cli.main(argv)
    assert e.value.code == 2
    assert "unrecognized arguments" in capsys.readouterr().err


def test_the_example_does_not_abbreviate_either() -> None:
    result = subprocess.run(
        [sys.executable, str(EXAMPLE), "--cuda"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 2 and "unrecognized arguments: --cuda" in result.stderr


def _all_parsers() -> list[tuple[str, argparse.ArgumentParser]]:
    from gankit.cli.train import build_example_parser

    top = cli.build_parser()
    found = [("gankit", top), ("example", build_example_parser())]
    found += [(f"gankit {name}", p) for name, p in _subparsers(top).items()]
    return found


@pytest.mark.parametrize(("name", "parser"), _all_parsers(), ids=lambda x: str(x))
def test_help_shows_every_default_exactly_once(name: str, parser: argparse.ArgumentParser) -> None:
    assert not parser.allow_abbrev, name
    formatter = parser._get_formatter()
    for action in parser._actions:
        if not action.option_strings or action.default in (None, False, argparse.SUPPRESS):
            continue
        text = formatter._expand_help(action) if action.help else ""
        assert text.count("default") == 1, f"{name} {action.option_strings}: {text!r}"
    rendered = parser.format_help()
    assert "(default: None)" not in rendered and "(default: False)" not in rendered


@pytest.mark.parametrize(
    "module",
    [
        "matplotlib",
        "scipy",
        "PIL",
        "torchvision",
        "torch._dynamo",
    ],
)
def test_help_parses_before_heavy_modules_are_imported(module: str) -> None:
    """``gankit --help`` took 38 s on 2 busy cores: it loaded torchvision and torch._dynamo."""
    code = (
        "import sys\n"
        "from gankit.cli import main\n"
        "try:\n"
        "    main(['train', '--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        f"print({module!r} in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip().splitlines()[-1] == "False"
