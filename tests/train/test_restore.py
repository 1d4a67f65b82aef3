"""gankit.train.restore: checksums, optimizer-state checks and all-or-nothing loading."""

from __future__ import annotations

import copy
import random
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

import gankit as gk
from gankit.train.checkpoint import CheckpointError, rng_state, set_rng_state
from gankit.train.restore import (
    check_fits,
    check_rng_states,
    entry_digests,
    load_part,
    load_parts,
    verify_digests,
)
from tests.train.nets import image_loader, make_trainer


def test_a_failed_load_leaves_the_trainer_untouched(tmp_path: Path) -> None:
    trainer = make_trainer()
    trainer.fit(image_loader(), steps=2)
    path = trainer.save(tmp_path / "a.pt")
    g_cfg, d_cfg = gk.models.dcgan(image_size=8, g_width=4, d_width=8, latent_dim=8)  # D differs
    other = gk.Trainer(
        gk.models.build_generator(g_cfg),
        gk.models.build_discriminator(d_cfg),
        config=gk.TrainerConfig(device="cpu"),
    )
    before = {k: v.clone() for k, v in other.generator.state_dict().items()}
    with pytest.raises(gk.train.CheckpointError, match="the saved discriminator does not fit"):
        other.load(path)
    assert all(torch.equal(v, other.generator.state_dict()[k]) for k, v in before.items())
    assert other.state.step == 0


def _ckpt() -> dict[str, Any]:
    ckpt: dict[str, Any] = {
        "generator": {"w": torch.arange(6.0).reshape(2, 3), "b": torch.zeros(2)},
        "state": {"step": 3, "metrics": {"d_loss": 0.5}},
        "trainer_config": {"betas": [0.5, 0.999]},
    }
    ckpt["checksums"] = entry_digests(ckpt)
    return ckpt


def test_digests_cover_every_entry_but_the_checksums() -> None:
    ckpt = _ckpt()
    assert set(ckpt["checksums"]) == {"generator", "state", "trainer_config"}
    verify_digests(ckpt, "run.pt")
    assert entry_digests(copy.deepcopy(ckpt)) == ckpt["checksums"]  # values, not identities


@pytest.mark.parametrize(
    ("damage", "entry", "report"),
    [
        (lambda c: c["generator"]["w"].view(-1).__setitem__(4, 4.5), "generator", "the data of"),
        (
            lambda c: c["generator"].__setitem__("b", torch.zeros(2, dtype=torch.float64)),
            "generator",
            "the data of",
        ),
        (lambda c: c["state"].__setitem__("step", 4), "state", "the data of"),
        (
            lambda c: c["trainer_config"]["betas"].__setitem__(1, 0.99),
            "trainer_config",
            "the data of",
        ),
        (lambda c: c.pop("state"), "state", "missing"),
        (lambda c: c.__setitem__("rng", {"torch": torch.zeros(1)}), "rng", "not covered"),
    ],
    ids=["tensor-element", "tensor-dtype", "int", "nested-float", "missing", "extra"],
)
def test_verify_digests_names_the_damaged_entry(damage: Any, entry: str, report: str) -> None:
    ckpt = _ckpt()
    damage(ckpt)
    with pytest.raises(CheckpointError, match=r"run\.pt: corrupted: ") as info:
        verify_digests(ckpt, "run.pt")
    named = str(info.value).split("corrupted: ")[1].split(" (a damaged")[0]
    assert entry in named and report in named
    others = {"generator", "state", "trainer_config", "rng"} - {entry}
    assert not any(other in named for other in others), named


def test_verify_digests_refuses_a_checkpoint_without_checksums() -> None:
    with pytest.raises(CheckpointError, match="it has no checksums"):
        verify_digests({"generator": {}}, "run.pt")


def _params() -> list[torch.nn.Parameter]:
    return [torch.nn.Parameter(torch.ones(2))]


@pytest.mark.parametrize(
    ("saved_by", "loaded_into", "setting"),
    [
        (lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9), torch.optim.Adam, "momentum"),
        (torch.optim.Adam, lambda p: torch.optim.SGD(p, lr=0.1), "betas"),
    ],
    ids=["sgd-into-adam", "adam-into-sgd"],
)
def test_load_part_refuses_another_optimizers_state(
    saved_by: Any, loaded_into: Any, setting: str
) -> None:
    source = saved_by(_params())
    target = loaded_into(_params())
    before = copy.deepcopy(target.state_dict())
    name = type(target).__name__
    with pytest.raises(
        ValueError, match=rf"another kind of optimizer than this {name} .*{setting}"
    ):
        load_part(target, source.state_dict())
    assert target.state_dict()["param_groups"] == before["param_groups"]


def test_load_part_keeps_the_optimizers_own_implementation_switches() -> None:
    params = _params()
    source = torch.optim.Adam(params, lr=0.3, foreach=False)
    params[0].grad = torch.ones(2)
    source.step()
    target = torch.optim.Adam(_params(), lr=1.0, foreach=True)
    load_part(target, source.state_dict())
    group = target.param_groups[0]
    assert group["lr"] == 0.3 and group["foreach"] is True
    state = next(iter(target.state.values()))
    assert torch.equal(state["exp_avg"], next(iter(source.state.values()))["exp_avg"])


def test_load_parts_is_all_or_nothing() -> None:
    torch.manual_seed(0)
    first, second = torch.nn.Linear(2, 2), torch.nn.Linear(3, 3)
    originals = [copy.deepcopy(m.state_dict()) for m in (first, second)]
    new_first = {k: v + 1 for k, v in first.state_dict().items()}
    misfit = torch.nn.Linear(4, 4).state_dict()
    with pytest.raises(CheckpointError, match=r"run\.pt: the saved discriminator does not fit"):
        load_parts([("generator", first, new_first), ("discriminator", second, misfit)], "run.pt")
    for module, original in zip((first, second), originals, strict=True):
        assert all(torch.equal(module.state_dict()[k], v) for k, v in original.items())
    load_parts([("generator", first, new_first)], "run.pt")  # and a fitting part loads
    assert all(torch.equal(first.state_dict()[k], v) for k, v in new_first.items())


def test_check_fits_names_every_kind_of_misfit() -> None:
    net = torch.nn.Linear(2, 3)
    check_fits(net, torch.nn.Linear(2, 3).state_dict())
    state = dict(net.state_dict())
    with pytest.raises(ValueError, match="bias missing"):
        check_fits(net, {"weight": state["weight"]})
    with pytest.raises(ValueError, match="unexpected extra"):
        check_fits(net, {**state, "extra": torch.zeros(1)})
    with pytest.raises(ValueError, match=r"weight has shape \(3, 3\), this net's \(3, 2\)"):
        check_fits(net, {**state, "weight": torch.zeros(3, 3)})
    with pytest.raises(ValueError, match="bias is not a tensor"):
        check_fits(net, {**state, "bias": [0.0, 0.0, 0.0]})
    with pytest.raises(TypeError, match="expected a state dict, got list"):
        check_fits(net, [state])


def _draws() -> tuple[Any, ...]:
    return (torch.rand(3).tolist(), np.random.rand(3).tolist(), [random.random() for _ in range(3)])


def test_check_rng_states_leaves_every_rng_as_it_was() -> None:
    other = rng_state()
    _draws()  # move every RNG on, so "other" differs from the current state
    current = rng_state()
    check_rng_states(other, None, other)
    expected = _draws()
    set_rng_state(current)
    assert _draws() == expected  # the check left the RNGs where they were
    set_rng_state(current)
    broken = {**other, "python": {**other["python"], "internal": torch.zeros(3, dtype=torch.int64)}}
    with pytest.raises((ValueError, TypeError)):
        check_rng_states(other, broken)
    assert _draws() == expected  # restored also after a failed check
