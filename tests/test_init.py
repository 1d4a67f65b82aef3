"""``import gankit`` is light: the CLI, plots and image libraries load only when used."""

from __future__ import annotations

import subprocess
import sys

import pytest

import gankit as gk


def _new_modules_after(statement: str) -> set[str]:
    """Modules that ``statement`` imports beyond what ``import torch`` already does."""
    code = (
        "import sys, torch\n"
        "before = set(sys.modules)\n"
        f"{statement}\n"
        "print('\\n'.join(sorted(set(sys.modules) - before)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    return set(result.stdout.split())


@pytest.fixture(scope="module")
def imported() -> set[str]:
    return _new_modules_after("import gankit")


@pytest.mark.parametrize(
    "module",
    [
        "gankit.cli",
        "matplotlib",
        "scipy",
        "tqdm",
        "tensorboard",
        "PIL",
        "torchvision",
        "torch._dynamo",
    ],
)
def test_import_gankit_does_not_import(imported: set[str], module: str) -> None:
    """``gankit/__init__`` imported the CLI, which imported torchvision.utils (~8 s)."""
    assert "gankit.train" in imported  # the check itself sees gankit's imports
    assert module not in imported


def test_cli_is_imported_on_first_use() -> None:
    assert "cli" in gk.__all__ and "cli" in dir(gk)
    assert gk.cli.main is sys.modules["gankit.cli"].main
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        gk.nope  # noqa: B018
