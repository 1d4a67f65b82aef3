"""gankit.train.restore: checksums, optimizer-state checks and all-or-nothing loading."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

import gankit as gk
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
