"""ProgressBar: a bar per epoch with total, percentage, rate and ETA; plain lines off a terminal."""

from __future__ import annotations

import io

import pytest

import gankit as gk
from gankit.train.hooks import ProgressBar
from tests.train.nets import fit_with_hooks, image_loader, tiny_conv_pair


class _Clock(gk.train.Hook):
    """A fake clock that advances ``dt`` seconds per step (runs before the progress hook)."""

    def __init__(self, dt: float) -> None:
        self.now, self.dt = 0.0, dt

    def __call__(self) -> float:
        return self.now

    def on_step_end(self, trainer: gk.Trainer, state: gk.train.TrainState) -> None:
        self.now += self.dt


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _fit(hook: ProgressBar, clock: _Clock | None = None, **target: int) -> None:
    G, D = tiny_conv_pair()
    hooks: list[gk.train.Hook] = [hook] if clock is None else [clock, hook]
    if clock is not None:
        hook._clock = clock
    trainer = gk.Trainer(G, D, config=gk.TrainerConfig(device="cpu", log_every=2), hooks=hooks)
    trainer.fit(image_loader(n=24, batch_size=6), **target)  # 4 batches per epoch


def test_plain_lines_when_not_a_terminal_with_total_percentage_rate_and_eta() -> None:
    out, clock = io.StringIO(), _Clock(dt=2.0)
    _fit(ProgressBar(epoch_length=4, interval=0, file=out), clock, epochs=2)
    lines = out.getvalue().splitlines()
    assert len(lines) == 8  # interval 0: one line per step
    # After the first step: 1 batch in 2 s = 0.5 batch/s; 3 batches left in the epoch
    # (6 s) and 7 in the run (14 s).
    assert lines[0] == (
        "epoch 1/2: 1/4 batches (25%), step 1, 0.5 batch/s, epoch ETA 0:06, run ETA 0:14"
    )
    assert lines[5].startswith("epoch 2/2: 2/4 batches (50%), step 6, 0.5 batch/s")
    assert "epoch ETA 0:04, run ETA 0:04" in lines[5] and "d_loss " in lines[5]
    assert ": :" not in out.getvalue()


def test_plain_lines_come_every_interval_seconds() -> None:
    out, clock = io.StringIO(), _Clock(dt=2.0)
    _fit(ProgressBar(epoch_length=4, interval=5, file=out), clock, steps=8)
    # steps end at 2, 4, ..., 16 s: lines at 6 s (step 3), 12 s (step 6)
    steps = [line.split("step ")[1].split(",")[0] for line in out.getvalue().splitlines()]
    assert steps == ["3/8", "6/8"]


def test_steps_target_gives_a_run_eta_without_epoch_length() -> None:
    out, clock = io.StringIO(), _Clock(dt=1.0)
    _fit(ProgressBar(interval=0, file=out), clock, steps=3)
    first = out.getvalue().splitlines()[0]
    assert first == "epoch 1: 1 batches, step 1/3, 1 batch/s, run ETA 0:02"


def test_terminal_bar_has_total_percentage_and_no_doubled_colon() -> None:
    out = _Terminal()
    _fit(ProgressBar(epoch_length=4, file=out), epochs=2)
    text = out.getvalue()
    assert "epoch 1/2: 100%|" in text and "epoch 2/2: 100%|" in text
    assert "4/4 [" in text and "batch/s" in text and ": :" not in text


def test_terminal_bar_without_length_shows_count_and_rate() -> None:
    out = _Terminal()
    _fit(ProgressBar(file=out), steps=3)
    text = out.getvalue()
    assert "epoch 1: 3 [" in text and "%" not in text and ": :" not in text


def test_disabled_prints_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    out = io.StringIO()
    _fit(ProgressBar(disable=True, interval=0, file=out), steps=2)
    assert out.getvalue() == "" and capsys.readouterr().out == ""


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"epoch_length": 0}, r"ProgressBar\.epoch_length must be None or an int >= 1"),
        ({"interval": -1.0}, r"ProgressBar\.interval must be a finite number >= 0"),
        ({"disable": "yes"}, r"ProgressBar\.disable must be None, True or False"),
    ],
)
def test_arguments_are_validated(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises((TypeError, ValueError), match=match):
        ProgressBar(**kwargs)  # type: ignore[arg-type]


def test_progress_bar_runs_quietly(capsys: pytest.CaptureFixture[str]) -> None:
    fit_with_hooks([ProgressBar(disable=True)], steps=3)
    assert capsys.readouterr().err == ""
