"""What the subcommands share: the help formatter, the parser and argument types."""

from __future__ import annotations

import argparse

import pytest
import torch

from gankit.cli._common import (
    CommandError,
    HelpFormatter,
    Parser,
    crop_arg,
    device_arg,
    positive_float,
    positive_int,
)


def test_help_formatter_adds_a_default_unless_the_help_names_one() -> None:
    p = argparse.ArgumentParser(formatter_class=HelpFormatter)
    p.add_argument("--size", type=int, default=64, help="image side")
    p.add_argument("--seed", type=int, default=0, help="seed (default 0)")
    p.add_argument("--device", default=None, help="torch device")
    p.add_argument("--force", action="store_true", help="overwrite")
    text = " ".join(p.format_help().split())
    assert "image side (default: 64)" in text
    assert "seed (default 0)" in text and text.count("default") == 2
    assert "(default: None)" not in text and "(default: False)" not in text


def test_parser_refuses_prefixes() -> None:
    p = Parser(prog="x")
    p.add_argument("--cuda-graphs", action="store_true")
    with pytest.raises(SystemExit):
        p.parse_args(["--cuda"])
    assert p.parse_args(["--cuda-graphs"]).cuda_graphs


@pytest.mark.parametrize("text", ["0", "-1", "nan", "inf", "x"])
def test_positive_float_refuses(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match="positive number"):
        positive_float(text)


def test_argument_types() -> None:
    assert positive_float("0.5") == 0.5 and positive_int("7") == 7
    assert crop_arg("none") is None and crop_arg("face") == "face" and crop_arg("99") == 99
    with pytest.raises(argparse.ArgumentTypeError):
        positive_int("0")


def test_device_arg() -> None:
    assert device_arg("cpu") == torch.device("cpu")
    with pytest.raises(CommandError, match="meta tensors hold no data"):
        device_arg("meta")
    with pytest.raises(CommandError, match="must be a torch device"):
        device_arg("toaster")
