"""gankit.train.interrupt: SIGINT/SIGTERM stop the run after the step, save and say where."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

import gankit as gk
from gankit.train import Hook, TrainState
from gankit.train.hooks import Checkpoint
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
