from __future__ import annotations

from typing import Any

import pytest
import torch

import gankit as gk
from gankit.train import Hook, TrainState
from gankit.train.hook import keyed
from tests.train.nets import image_loader, make_trainer, tiny_mlp_pair, weights

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


def _snapshot(
    trainer: gk.Trainer,
) -> tuple[dict[str, torch.Tensor], dict[str, Any], tuple[Any, ...]]:
    st = trainer.state
    flags = (st.should_stop, st.should_save, st.max_steps, st.max_epochs, st.last_checkpoint)
    return {k: v.clone() for k, v in weights(trainer).items()}, st.state_dict(), flags


def test_hook_base_methods_are_no_ops() -> None:
    trainer = make_trainer()
    trainer.fit(image_loader(), steps=2)
    hook, st = Hook(), trainer.state
    before = _snapshot(trainer)
    metrics = {"d_loss": 0.5}
    ckpt = dict(trainer.checkpoint_dict())
    ckpt_keys = set(ckpt)
    losses = {"d_loss": torch.tensor(0.5)}
    extra: dict[str, tuple[Any, ...]] = {
        "on_before_optimizer_step": ("generator", trainer.g_optimizer),
        "on_discriminator_step": (losses,),
        "on_generator_step": (losses,),
        "on_log": (metrics,),
        "on_save_checkpoint": (ckpt,),
        "on_load_checkpoint": (ckpt,),
        "on_exception": (RuntimeError("x"),),
    }
    for event in EVENTS:
        assert getattr(hook, event)(trainer, st, *extra.get(event, ())) is None, event
        assert Hook.__dict__[event].__doc__, event
    after = _snapshot(trainer)
    assert after[1:] == before[1:]
    assert all(torch.equal(after[0][k], v) for k, v in before[0].items())
    assert metrics == {"d_loss": 0.5} and set(ckpt) == ckpt_keys
    assert losses["d_loss"].item() == 0.5
    assert hook.state_dict() == {} and hook.load_state_dict({"x": 1}) is None
    assert hook.state_key == "Hook"


def test_a_run_with_a_base_hook_is_bit_identical_to_one_without() -> None:
    plain, hooked = make_trainer(), make_trainer([Hook()])
    plain.fit(image_loader(), steps=5)
    hooked.fit(image_loader(), steps=5)
    a, b = weights(plain), weights(hooked)
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    assert plain.state.state_dict() == hooked.state.state_dict()


def test_keyed_numbers_repeated_state_keys_in_list_order() -> None:
    class Named(Hook):
        def __init__(self, key: str) -> None:
            self.key = key

        @property
        def state_key(self) -> str:
            return self.key

    hooks = [Named("a"), Hook(), Named("a"), Named("b"), Named("a")]
    assert [k for k, _ in keyed(hooks)] == ["a", "Hook", "a#1", "b", "a#2"]
    assert [h for _, h in keyed(hooks)] == hooks
