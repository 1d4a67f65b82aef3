"""gankit.train.sampling: eval mode and back, chunking, seeded noise, float32 out."""

from __future__ import annotations

import torch

from tests.train.nets import make_trainer


def test_sample_is_deterministic_and_leaves_training_rng_alone() -> None:
    trainer = make_trainer()
    state = torch.get_rng_state()
    a, b = trainer.sample(4, seed=3), trainer.sample(4, seed=3)
    assert torch.equal(a, b) and a.shape == (4, 3, 8, 8)
    c, d = trainer.sample(4), trainer.sample(4)  # unseeded: fresh noise each call
    assert not torch.equal(c, d)
    assert torch.equal(state, torch.get_rng_state())
    assert trainer.generator.training
