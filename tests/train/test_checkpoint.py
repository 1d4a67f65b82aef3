"""gankit.train.checkpoint: atomic writes, safe reading, checkpoint files and RNG snapshots."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import torch

import gankit as gk
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
