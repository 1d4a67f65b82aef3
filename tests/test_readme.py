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
    # An installed gankit trains without a checkout: the first command uses the
    # packaged `gankit train`, not a file of the repository.
    assert 'pip install ".[plot]"' in first[0] and "gankit train --data toyfaces" in first[0]
    assert "examples/" not in first[0]
    assert 'pip install ".[dev]"' in first[1] and "pytest" in first[1]


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    test_command = _blocks("bash")[0].strip().splitlines()[1]
    ci_lines = [line.strip() for line in CI.read_text().splitlines()]
    assert test_command in ci_lines


def test_readme_opens_with_the_sample_grid_and_the_loss_plot() -> None:
    top = README.read_text().split("```bash")[0]
    for figure in ("docs/_static/figures/samples.png", "docs/_static/figures/losses.png"):
        assert f"]({figure})" in top and (ROOT / figure).is_file()
    assert "make_figures.py" in top


def test_readme_states_measured_times_with_the_machine() -> None:
    text = README.read_text()
    assert "a few minutes" not in text  # what a user sees, measured, not a guess
    intro = text.split("## Compose your own GAN")[0]
    assert "2-core" in intro and re.search(r"20\d\d-\d\d-\d\d", intro)


def test_compose_example_says_what_to_expect() -> None:
    after = README.read_text().split("## Compose your own GAN")[1].split("## ")[0]
    assert "32 steps" in after and "flat grey" in after


def test_compose_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code = _blocks("python")[0]
    exec(compile(code, str(README), "exec"), {"__name__": "__readme__"})
