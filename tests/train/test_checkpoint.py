"""gankit.train.checkpoint: atomic writes, safe reading, checkpoint files and RNG snapshots."""

from __future__ import annotations

import os
import random
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

import gankit as gk
from gankit.train.checkpoint import atomic_save, rng_state, seed_everything, set_rng_state
from tests.train.nets import image_loader, make_trainer


def test_atomic_save_survives_a_crash_mid_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    trainer = make_trainer()
    trainer.fit(image_loader(), steps=2)
    path = trainer.save(tmp_path / "run.pt")
    before = path.read_bytes()
    trainer.fit(image_loader(), steps=3)

    def crash(obj: Any, f: Any, *a: Any, **k: Any) -> None:
        f.write(b"half a checkpoint")
        raise OSError("disk full")

    monkeypatch.setattr(gk.train.checkpoint.torch, "save", crash)
    with pytest.raises(OSError, match="disk full"):
        trainer.save(path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.pt"]
    monkeypatch.undo()
    fresh = make_trainer()
    fresh.load(path)
    assert fresh.state.step == 2


def test_corrupt_truncated_untrusted_and_mismatched_checkpoints(tmp_path: Path) -> None:
    trainer = make_trainer()
    trainer.fit(image_loader(), steps=1)
    good = trainer.save(tmp_path / "good.pt")

    truncated = tmp_path / "truncated.pt"
    truncated.write_bytes(good.read_bytes()[:1000])
    with pytest.raises(
        gk.train.CheckpointError, match=r"truncated\.pt: not a PyTorch checkpoint file"
    ):
        make_trainer().load(truncated)

    garbage = tmp_path / "garbage.pt"
    garbage.write_bytes(os.urandom(4096))
    with pytest.raises(gk.train.CheckpointError, match=r"garbage\.pt"):
        make_trainer().load(garbage)

    class Payload:
        def __reduce__(self) -> tuple[Any, ...]:
            return (os.system, ("echo pwned > " + str(tmp_path / "pwned"),))

    evil = tmp_path / "evil.pt"
    torch.save({"format": "gankit.checkpoint", "x": Payload()}, evil)
    with pytest.raises(gk.train.CheckpointError, match="weights_only=True"):
        make_trainer().load(evil)
    assert not (tmp_path / "pwned").exists()

    other = tmp_path / "other.pt"
    torch.save({"some": torch.zeros(1)}, other)
    with pytest.raises(gk.train.CheckpointError, match="not a gankit checkpoint"):
        make_trainer().load(other)

    g_cfg, d_cfg = gk.models.dcgan(image_size=8, g_width=8, d_width=4, latent_dim=8)
    wider = gk.Trainer(
        gk.models.build_generator(g_cfg),
        gk.models.build_discriminator(d_cfg),
        config=gk.TrainerConfig(device="cpu"),
    )
    with pytest.raises(
        gk.train.CheckpointError, match=r"good\.pt: the saved generator does not fit"
    ):
        wider.load(good)
    with pytest.raises(gk.train.CheckpointError, match="no such checkpoint file"):
        wider.load(tmp_path / "nope.pt")


def test_step_checkpoints_sort_by_step_and_ignore_other_files(tmp_path: Path) -> None:
    for name in ("step-00000010.pt", "step-00000002.pt", "step-123456789.pt", "best.pt", "x.txt"):
        (tmp_path / name).write_bytes(b"")
    (tmp_path / "step-00000005.pt.tmp").write_bytes(b"")
    found = gk.train.checkpoint.step_checkpoints(tmp_path)
    assert [s for s, _ in found] == [2, 10, 123456789]
    assert all(p.parent == tmp_path for _, p in found)
    assert gk.train.latest_checkpoint(tmp_path) == tmp_path / "step-123456789.pt"
    assert gk.train.latest_checkpoint(tmp_path / "nope") is None
    assert gk.train.checkpoint.step_checkpoints(tmp_path / "nope") == []


def test_rng_snapshots_restore_every_generator() -> None:
    snap = rng_state()
    first = (torch.rand(3), np.random.rand(3), [random.random() for _ in range(3)])
    set_rng_state(snap)
    again = (torch.rand(3), np.random.rand(3), [random.random() for _ in range(3)])
    assert torch.equal(first[0], again[0])
    assert (first[1] == again[1]).all() and first[2] == again[2]


def test_rng_snapshots_survive_a_weights_only_round_trip(tmp_path: Path) -> None:
    snap = rng_state()
    expected = (torch.rand(2), np.random.rand(2).tolist(), random.random())
    atomic_save({"rng": snap}, tmp_path / "r.pt")
    loaded = torch.load(tmp_path / "r.pt", weights_only=True)
    set_rng_state(loaded["rng"])
    got = (torch.rand(2), np.random.rand(2).tolist(), random.random())
    assert torch.equal(got[0], expected[0]) and got[1:] == expected[1:]


def test_seed_everything_makes_every_generator_repeat() -> None:
    def draws() -> tuple[list[float], list[float], float]:
        return torch.rand(2).tolist(), np.random.rand(2).tolist(), random.random()

    seed_everything(123)
    a = draws()
    seed_everything(123)
    assert draws() == a
    seed_everything(124)
    assert draws() != a
