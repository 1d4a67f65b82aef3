"""gankit.train.interrupt: SIGINT/SIGTERM stop the run after the step, save and say where."""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path
from typing import Any

import pytest

import gankit as gk
from gankit.train import Hook, TrainState
from gankit.train.hooks import Checkpoint
from gankit.train.interrupt import TrainingInterrupted, stop_on_signals
from tests.train.nets import image_loader, make_trainer


class _KillAt(Hook):
    def __init__(
        self, step: int, signum: int = signal.SIGINT, *, on_epoch_end: bool = False
    ) -> None:
        self.step, self.signum, self.at_epoch_end = step, signum, on_epoch_end

    def on_step_end(self, trainer: gk.Trainer, state: TrainState) -> None:
        if state.step == self.step and not self.at_epoch_end:
            os.kill(os.getpid(), self.signum)

    def on_epoch_end(self, trainer: gk.Trainer, state: TrainState) -> None:
        if state.step == self.step and self.at_epoch_end:
            os.kill(os.getpid(), self.signum)


@pytest.mark.parametrize(
    ("signum", "at_epoch_end"),
    [(signal.SIGINT, False), (signal.SIGTERM, False), (signal.SIGINT, True)],
)
def test_a_signal_saves_stops_and_says_where(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], signum: int, at_epoch_end: bool
) -> None:
    # The signal lands in step 4's on_step_end (or epoch 1's end, between steps 4 and 5):
    # the run stops at step 4, the checkpoint holds step 4, and fit says so by raising.
    trainer = make_trainer([_KillAt(4, signum, on_epoch_end=at_epoch_end), Checkpoint(tmp_path)])
    with pytest.raises(gk.train.TrainingInterrupted) as info:
        trainer.fit(image_loader(), steps=100)
    saved = tmp_path / "step-00000004.pt"
    assert (trainer.state.step, info.value.step, info.value.signal) == (4, 4, signum)
    assert info.value.checkpoint == saved and saved.exists()
    assert info.value.exit_code == 128 + signum
    assert f"at step 4; checkpoint: {saved}" in str(info.value)
    assert signal.Signals(signum).name in capsys.readouterr().err
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
    assert gk.train.load_checkpoint(saved)["state"]["step"] == 4
    resumed = make_trainer()
    resumed.fit(image_loader(), steps=6, resume=tmp_path)  # a directory: the newest checkpoint
    assert resumed.state.step == 6


def test_stop_on_signals_sets_the_flags_and_restores_the_handlers(
    capsys: pytest.CaptureFixture[str],
) -> None:
    before = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    state = TrainState()
    with stop_on_signals(state) as caught:
        assert signal.getsignal(signal.SIGINT) is not before[signal.SIGINT]
        os.kill(os.getpid(), signal.SIGTERM)
        assert caught == [signal.SIGTERM]
        assert state.should_stop and state.should_save
        with pytest.raises(KeyboardInterrupt):  # a second signal aborts at once
            os.kill(os.getpid(), signal.SIGINT)
        assert caught == [signal.SIGTERM]
    assert {s: signal.getsignal(s) for s in before} == before
    assert "SIGTERM: stopping after the current step" in capsys.readouterr().err


def test_stop_on_signals_restores_the_handlers_after_an_error() -> None:
    before = signal.getsignal(signal.SIGINT)
    with pytest.raises(RuntimeError, match="inside"), stop_on_signals(TrainState()):
        raise RuntimeError("inside")
    assert signal.getsignal(signal.SIGINT) is before


def test_stop_on_signals_does_nothing_outside_the_main_thread() -> None:
    results: list[Any] = []
    state = TrainState()
    before = signal.getsignal(signal.SIGINT)

    def run() -> None:
        with stop_on_signals(state) as caught:
            results.append((signal.getsignal(signal.SIGINT), caught))

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    assert results == [(before, [])] and not state.should_stop


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_training_interrupted_says_where_and_how_to_exit(signum: int) -> None:
    err = TrainingInterrupted(5, signum, None)
    assert isinstance(err, KeyboardInterrupt)
    assert err.exit_code == 128 + signum and err.step == 5 and err.checkpoint is None
    assert (
        str(err) == f"interrupted ({signal.Signals(signum).name}) at step 5; checkpoint: none saved"
    )
