"""The README's set-up commands are the ones CI runs, and its Python example runs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
CI = ROOT / ".ci" / "run"


def _blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", README.read_text(), flags=re.S)


def test_readme_opens_with_the_two_setup_commands() -> None:
    first = _blocks("bash")[0].strip().splitlines()
    assert len(first) == 2
    assert (
        'pip install ".[plot]"' in first[0]
        and "examples/celeba_dcgan.py --data toyfaces" in first[0]
    )
    assert 'pip install ".[dev]"' in first[1] and "pytest" in first[1]


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    test_command = _blocks("bash")[0].strip().splitlines()[1]
    ci_lines = [line.strip() for line in CI.read_text().splitlines()]
    assert test_command in ci_lines


def test_compose_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code = _blocks("python")[0]
    exec(compile(code, str(README), "exec"), {"__name__": "__readme__"})
