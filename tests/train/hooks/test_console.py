"""gankit.train.hooks.console: the seed write-ups' per-epoch line."""

from __future__ import annotations

import pytest

from gankit.train.hooks import ConsoleSummary
from gankit.train.hooks.console import format_epoch_line
from tests.train.nets import fit_with_hooks


def test_console_summary_prints_the_seed_format(capsys: pytest.CaptureFixture[str]) -> None:
    trainer = fit_with_hooks([ConsoleSummary()], epochs=2)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2
    m = trainer.state.epoch_metrics
    assert lines[1] == format_epoch_line(2, 2, m["d_loss"], m["g_loss"])
    assert lines[1].startswith("Epoch [    2/    2] | d_loss: ")
    assert (
        format_epoch_line(3, None, 1, 2) == "Epoch [    3/    ?] | d_loss: 1.0000 | g_loss: 2.0000"
    )


def test_hook_arguments_are_validated() -> None:
    with pytest.raises(
        ValueError, match=r"ConsoleSummary\.every_n_epochs must be an int >= 1, got 0"
    ):
        ConsoleSummary(every_n_epochs=0)
