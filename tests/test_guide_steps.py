"""Every Python example of docs/guide/steps.rst runs as written."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

PAGE = Path(__file__).resolve().parents[1] / "docs" / "guide" / "steps.rst"


def _blocks() -> list[str]:
    text = PAGE.read_text(encoding="utf-8")
    found = re.findall(r"\.\. code-block:: python\n\n((?:(?:   .*)?\n)+)", text)
    return [textwrap.dedent(block) for block in found]


def test_the_page_has_its_three_examples() -> None:
    assert len(_blocks()) == 3


@pytest.mark.parametrize("index", range(3))
def test_guide_example_runs(index: int, capsys: pytest.CaptureFixture[str]) -> None:
    exec(compile(_blocks()[index], f"{PAGE.name}[{index}]", "exec"), {"__name__": "guide"})
    out = capsys.readouterr().out
    assert ["drift", "bright class", "consistency term"][index] in out
