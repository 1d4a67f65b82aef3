"""gankit.train.position: batches onto the device and a resumable position in the epoch."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import torch
from torch import Tensor
from torch.utils.data import DataLoader

import gankit as gk
from gankit.train.distributed import DistInfo
from gankit.train.position import (
    EpochPosition,
    data_length,
    no_batches_message,
    split_batch,
    to_batch,
)
from gankit.train.step import Batch
from tests.train.nets import image_loader, make_trainer


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


def test_split_batch_takes_images_and_optional_labels() -> None:
    x, y = torch.zeros(2, 3, 4, 4), torch.tensor([1, 2])
    assert split_batch(x) == (x, None)
    for batch in ((x, y), [x, y], (x, y, torch.ones(2))):
        images, labels = split_batch(batch)
        assert images is x and labels is y
    assert split_batch([x]) == (x, None)
    assert split_batch((x, ["a", "b"])) == (x, None)  # non-tensor labels are ignored
    for bad in ({"images": x}, (), ("x", y), 3.0):
        with pytest.raises(TypeError, match=f"got {type(bad).__name__}"):
            split_batch(bad)


def test_to_batch_moves_images_in_the_memory_format_and_keeps_labels() -> None:
    x = torch.rand(2, 3, 4, 4, dtype=torch.float64)
    y = torch.tensor([0, 2])
    batch = to_batch((x, y), torch.device("cpu"), torch.channels_last)
    assert isinstance(batch, Batch) and batch.size == 2
    assert batch.real.is_contiguous(memory_format=torch.channels_last)
    assert torch.equal(batch.real, x) and batch.real.dtype == x.dtype
    assert batch.labels is not None and torch.equal(batch.labels, y)
    plain = to_batch(x, torch.device("cpu"), torch.contiguous_format)
    assert plain.labels is None and plain.real.is_contiguous()
    vectors = torch.rand(5, 2)  # vector data: no memory format to apply
    assert to_batch(vectors, torch.device("cpu"), torch.channels_last).real.shape == (5, 2)


def test_data_length() -> None:
    assert data_length([1, 2, 3]) == 3
    assert data_length(image_loader(n=24, batch_size=6)) == 4
    assert data_length(x for x in range(3)) is None
    assert data_length(iter([1])) is None


def test_no_batches_message_names_both_numbers_for_a_dropping_loader() -> None:
    loader = DataLoader(torch.zeros(4, 3, 8, 8), batch_size=6, drop_last=True)  # type: ignore[arg-type]
    message = no_batches_message(loader, 1)
    assert "holds 4 images, fewer than one batch of 6" in message and "drop_last" in message
    trainer = make_trainer()
    with pytest.raises(ValueError, match="holds 4 images, fewer than one batch of 6"):
        trainer.fit(loader, steps=1)
    assert "empty (len(data) == 0)" in no_batches_message([], 3)
    assert "in epoch 3" in no_batches_message([], 3)
    assert "one-shot iterator" in no_batches_message(iter([]), 2)


class _Positioned:
    """A stateful loader that accepts positions 0..3 only."""

    def __init__(self) -> None:
        self.position = 1

    def __iter__(self) -> Iterator[Tensor]:
        return iter([torch.zeros(1)] * 4)

    def state_dict(self) -> dict[str, int]:
        return {"position": self.position}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        position = state["position"]
        if not 0 <= position <= 3:
            raise ValueError(f"position must be in [0, 3], got {position}")
        self.position = position


def test_epoch_position_check_refuses_a_garbage_position_and_keeps_the_loaders() -> None:
    position, loader = EpochPosition(), _Positioned()
    assert position.prepare(loader, DistInfo(), seed=0) is loader
    position.check({"position": 2})  # accepted, then undone
    assert loader.position == 1
    with pytest.raises(ValueError, match="got 7"):
        position.check({"position": 7})
    assert loader.position == 1 and position.loader_state() == {"position": 1}
    with pytest.raises(KeyError):
        position.check({"epoch": 0})
    assert loader.position == 1
    images = gk.data.ToyFaces(12, image_size=8, seed=1).tensor()
    device_loader = gk.data.DeviceLoader(images, 6, seed=3)
    other = EpochPosition()
    other.prepare(device_loader, DistInfo(), seed=0)
    own = device_loader.state_dict()
    with pytest.raises(ValueError, match=r"position.* must be an int in \[0, 2\], got 99"):
        other.check({"epoch": 0, "position": 99})
    assert device_loader.state_dict() == own
