"""gankit.train.guard: a non-finite loss stops the run within one step, nothing saved after it."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

import gankit as gk
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
