from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from torch import nn

import gankit as gk
from gankit.train.hooks import EMA, Checkpoint, FIDEvaluation, MetricsLogger
from tests.train.nets import image_loader, tiny_conv_pair


def _fid() -> gk.metrics.FID:
    extractor = nn.Sequential(nn.AdaptiveAvgPool2d(2), nn.Flatten())
    real = torch.rand(200, 3, 8, 8) * 2 - 1
    return gk.metrics.FID.from_images(extractor, real, batch_size=32)


def test_fid_hook_feeds_logger_and_best_checkpoint(tmp_path: Path) -> None:
    G, D = tiny_conv_pair()
    fid_hook = FIDEvaluation(_fid(), num_samples=64, every_n_steps=2, every_n_epochs=1)
    ckpt = Checkpoint(tmp_path / "ckpt", every_n_epochs=None, monitor="fid", mode="min")
    trainer = gk.Trainer(
        G,
        D,
        config=gk.TrainerConfig(device="cpu", log_every=2),
        hooks=[EMA(decay=0.5), fid_hook, MetricsLogger(tmp_path), ckpt],
    )
    state_before = torch.get_rng_state()
    trainer.fit(image_loader(), steps=4)
    rows = [json.loads(line) for line in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    logged = [r for r in rows if "fid" in r]
    assert [r["step"] for r in logged if r["kind"] == "log"] == [2, 4]
    assert [r["kind"] for r in logged].count("epoch") == 1
    assert all(r["fid_samples"] == 64 and r["fid"] >= 0 for r in logged)
    assert ckpt.best == min(r["fid"] for r in logged)
    assert (tmp_path / "ckpt" / "best.pt").exists()
    assert len(fid_hook.history) == 3
    assert not torch.equal(
        state_before, torch.get_rng_state()
    )  # training drew noise; evaluation used its own


def test_fid_hook_is_deterministic_and_reports_kid() -> None:
    G, D = tiny_conv_pair()
    real_feats = torch.randn(300, 12)
    hook = FIDEvaluation(_fid(), num_samples=64, kid_real_features=real_feats)
    trainer = gk.Trainer(G, D, config=gk.TrainerConfig(device="cpu"), hooks=[hook])
    a, b = hook.evaluate(trainer), hook.evaluate(trainer)
    assert a == b and {"fid", "kid", "kid_std", "fid_samples"} <= a.keys()
    assert trainer.generator.training


def test_fid_hook_validates_arguments() -> None:
    with pytest.raises(TypeError, match=r"gankit\.metrics\.FID"):
        FIDEvaluation(object())  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"FIDEvaluation\.num_samples must be an int >= 2, got 1"):
        FIDEvaluation(_fid(), num_samples=1)
