"""gankit.train.guard: a non-finite loss stops the run within one step, nothing saved after it."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

import gankit as gk
from gankit.train.guard import NonFiniteGuard, NonFiniteLossError
from gankit.train.hooks import Checkpoint
from tests.train.nets import NaNAfter, image_loader, tiny_conv_pair


def test_non_finite_loss_stops_the_run_and_keeps_the_last_good_checkpoint(tmp_path: Path) -> None:
    G, D = tiny_conv_pair()
    cfg = gk.TrainerConfig(device="cpu", log_every=4)
    trainer = gk.Trainer(
        G,
        D,
        loss=NaNAfter(bad_from=6),
        config=cfg,
        hooks=[Checkpoint(tmp_path, every_n_steps=1, keep_last=None, every_n_epochs=None)],
    )
    with pytest.raises(
        gk.train.NonFiniteLossError, match=r"non-finite g_loss \(nan\) at step 6"
    ) as err:
        trainer.fit(image_loader(), steps=20)
    assert err.value.step == 6
    saved = sorted(p.name for p in tmp_path.glob("step-*.pt"))
    assert saved == [f"step-{s:08d}.pt" for s in range(1, 6)]  # nothing from step 6 on
    assert torch.isfinite(
        gk.train.load_checkpoint(tmp_path / "step-00000005.pt")["generator"]["stem.0.weight"]
    ).all()


def _guard(step: int = 0) -> NonFiniteGuard:
    guard = NonFiniteGuard()
    guard.reset(torch.device("cpu"), step=step)
    return guard


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), float("-inf")])
def test_the_guard_raises_at_the_end_of_the_bad_step_naming_it(bad: float) -> None:
    guard = _guard(step=10)
    for _ in range(3):  # steps 11, 12, 13 are fine
        guard.observe({"d_loss": torch.tensor(0.5), "g_loss": torch.tensor(1.0)})
        guard.end_step()
    guard.observe({"d_loss": torch.tensor(0.5)})
    guard.observe({"g_loss": torch.tensor(bad), "aux": torch.tensor(bad)})
    with pytest.raises(NonFiniteLossError, match=r"non-finite g_loss \(.*\) at step 14") as info:
        guard.end_step()
    assert (info.value.step, info.value.loss) == (14, "g_loss")
    assert str(info.value.value) == str(bad)


def test_the_guard_keeps_the_first_bad_value() -> None:
    guard = _guard()
    guard.observe({"d_loss": torch.tensor(float("inf"))})
    guard.observe({"g_loss": torch.tensor(float("nan"))})
    with pytest.raises(NonFiniteLossError) as first:
        guard.check()
    guard.observe({"g_loss": torch.tensor(float("nan"))})
    with pytest.raises(NonFiniteLossError) as again:  # still the first record
        guard.end_step()
    assert (first.value.loss, first.value.step) == (again.value.loss, again.value.step)
    assert first.value.loss == "d_loss" and first.value.value == float("inf")


def test_a_reset_starts_a_fresh_record_at_the_new_step() -> None:
    guard = _guard()
    guard.observe({"d_loss": torch.tensor(float("nan"))})
    guard.reset(torch.device("cpu"), step=5)
    guard.observe({"d_loss": torch.tensor(1.0)})
    guard.end_step()  # step 6: fine, the old NaN is forgotten
    guard.check()
    guard.observe({"penalty": torch.tensor(float("inf"))})
    with pytest.raises(NonFiniteLossError, match=r"non-finite penalty \(inf\) at step 7"):
        guard.end_step()


def test_a_guard_given_as_a_hook_becomes_the_trainers_guard() -> None:
    guard = NonFiniteGuard()
    G, D = tiny_conv_pair()
    trainer = gk.Trainer(G, D, config=gk.TrainerConfig(device="cpu"), hooks=[guard])
    assert trainer.guard is guard and guard not in trainer.hooks
