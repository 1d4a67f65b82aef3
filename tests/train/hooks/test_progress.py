"""gankit.train.hooks.progress: the progress bar."""

from __future__ import annotations

import pytest

from gankit.train.hooks import ProgressBar
from tests.train.nets import fit_with_hooks


def test_progress_bar_runs_quietly(capsys: pytest.CaptureFixture[str]) -> None:
    fit_with_hooks([ProgressBar(disable=True)], steps=3)
    assert capsys.readouterr().err == ""
