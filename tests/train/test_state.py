"""gankit.train.state: the counters a checkpoint keeps, and the flags it does not."""

from __future__ import annotations

from pathlib import Path

import pytest

from gankit.train.state import TrainState


def test_state_dict_round_trips_the_counters_and_metrics() -> None:
    state = TrainState(step=7, epoch=2, batch_in_epoch=3, images_seen=42, d_updates=14)
    state.metrics, state.epoch_metrics = {"d_loss": 0.5}, {"g_loss": 1.25}
    saved = state.state_dict()
    restored = TrainState()
    restored.load_state_dict(saved)
    assert restored == TrainState(
        step=7,
        epoch=2,
        batch_in_epoch=3,
        images_seen=42,
        d_updates=14,
        metrics={"d_loss": 0.5},
        epoch_metrics={"g_loss": 1.25},
    )
    state.metrics["d_loss"] = 9.0  # the saved dict is a copy
    assert saved["metrics"] == {"d_loss": 0.5}


def test_flags_and_targets_are_not_saved() -> None:
    state = TrainState(step=1, max_steps=10, should_stop=True, should_save=True)
    state.last_checkpoint = Path("run/step-00000001.pt")
    saved = state.state_dict()
    assert not {"should_stop", "should_save", "max_steps", "max_epochs", "last_checkpoint"} & set(
        saved
    )
    fresh = TrainState()
    fresh.load_state_dict(saved)
    assert (fresh.should_stop, fresh.should_save, fresh.max_steps) == (False, False, None)


def test_load_state_dict_converts_values_and_needs_every_counter() -> None:
    state = TrainState()
    state.load_state_dict(
        {"step": 3.0, "epoch": 1, "batch_in_epoch": 0, "images_seen": 9, "d_updates": 3}
    )
    assert state.step == 3 and isinstance(state.step, int) and state.metrics == {}
    with pytest.raises(KeyError, match="d_updates"):
        TrainState().load_state_dict({"step": 1, "epoch": 0, "batch_in_epoch": 0, "images_seen": 0})
