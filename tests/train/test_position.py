"""gankit.train.position: batches onto the device and a resumable position in the epoch."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

import gankit as gk
from tests.train.nets import make_trainer


def test_one_shot_iterators_are_rejected_instead_of_spinning() -> None:
    trainer = make_trainer()
    batches = iter([torch.rand(6, 3, 8, 8) * 2 - 1 for _ in range(2)])
    with pytest.raises(ValueError, match="data yielded no batches in epoch 2"):
        trainer.fit(batches, steps=5)
    assert trainer.state.step == 2


def test_checkpoint_records_a_stateful_loaders_position(tmp_path: Path) -> None:
    images = gk.data.ToyFaces(30, image_size=8, seed=1).tensor()
    trainer = make_trainer()
    trainer.fit(gk.data.DeviceLoader(images, 6, seed=3), steps=3)
    assert trainer.checkpoint_dict()["data"] == {"epoch": 0, "position": 3}
