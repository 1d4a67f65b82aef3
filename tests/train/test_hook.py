from __future__ import annotations

from typing import Any

import pytest
import torch

import gankit as gk
from gankit.train import Hook, TrainState
from tests.train.nets import tiny_mlp_pair

EVENTS = [
    "on_fit_start",
    "on_fit_end",
    "on_epoch_start",
    "on_epoch_end",
    "on_step_start",
    "on_step_end",
    "on_before_optimizer_step",
    "on_discriminator_step",
    "on_generator_step",
    "on_log",
    "on_save_checkpoint",
    "on_load_checkpoint",
    "on_exception",
]


class Recorder(Hook):
    def __init__(self) -> None:
        self.calls: list[str] = []

    def __getattribute__(self, name: str) -> Any:
        if name in EVENTS:

            def record(trainer: gk.Trainer, state: TrainState, *args: Any) -> None:
                label = name
                if name == "on_before_optimizer_step":
                    label = f"{name}:{args[0]}"
                if name in ("on_discriminator_step", "on_generator_step"):
                    assert all(isinstance(v, torch.Tensor) for v in args[0].values())
                self.calls.append(label)

            return record
        return super().__getattribute__(name)


def test_event_order_is_the_documented_one() -> None:
    G, D = tiny_mlp_pair()
    rec = Recorder()
    trainer = gk.Trainer(G, D, config=gk.TrainerConfig(device="cpu", log_every=2), hooks=[rec])
    trainer.fit([torch.randn(8, 1) for _ in range(2)], epochs=1)
    step = [
        "on_step_start",
        "on_before_optimizer_step:discriminator",
        "on_discriminator_step",
        "on_before_optimizer_step:generator",
        "on_generator_step",
    ]
    assert rec.calls == [
        "on_fit_start",
        "on_epoch_start",
        *step,
        "on_step_end",
        *step,
        "on_log",
        "on_step_end",
        "on_epoch_end",
        "on_fit_end",
    ]


def test_n_critic_repeats_discriminator_events_and_save_load_fire() -> None:
    G, D = tiny_mlp_pair()
    rec = Recorder()
    cfg = gk.TrainerConfig(device="cpu", n_critic=2, log_every=100)
    trainer = gk.Trainer(G, D, config=cfg, hooks=[rec])
    trainer.fit([torch.randn(8, 1) for _ in range(2)], steps=1)
    d = ["on_before_optimizer_step:discriminator", "on_discriminator_step"]
    assert rec.calls == [
        "on_fit_start",
        "on_epoch_start",
        "on_step_start",
        *d,
        *d,
        "on_before_optimizer_step:generator",
        "on_generator_step",
        "on_step_end",
        "on_epoch_end",
        "on_fit_end",
    ]


def test_exception_event_fires_then_error_propagates(tmp_path: Any) -> None:
    class Boom(Hook):
        def on_step_end(self, trainer: gk.Trainer, state: TrainState) -> None:
            raise RuntimeError("boom")

    G, D = tiny_mlp_pair()
    rec = Recorder()
    trainer = gk.Trainer(G, D, config=gk.TrainerConfig(device="cpu"), hooks=[Boom(), rec])
    with pytest.raises(RuntimeError, match=r"^boom$"):
        trainer.fit([torch.randn(8, 1)], steps=1)
    assert rec.calls[-1] == "on_exception"


def test_every_filter() -> None:
    assert [s for s in range(13) if gk.train.every(s, 5)] == [5, 10]
    assert not any(gk.train.every(s, None) for s in range(10))


def test_hook_base_methods_are_no_ops() -> None:
    h = Hook()
    st = TrainState()
    h.on_fit_start(None, st)  # type: ignore[arg-type]
    assert h.state_dict() == {}
    h.load_state_dict({})
    assert isinstance(Hook.__dict__["on_log"].__doc__, str)
    assert all(Hook.__dict__[e].__doc__ for e in EVENTS)
