from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from gankit.data.cache import CachedImages
from gankit.data.device_loader import DeviceLoader
from gankit.data.toyfaces import ToyFaces
from gankit.data.transforms import uint8_to_float


def _indexed(n: int) -> torch.Tensor:
    """Images whose two pixels encode their own index (n <= 65536)."""
    idx = torch.arange(n)
    return torch.stack([idx // 256, idx % 256], 1).to(torch.uint8).view(n, 1, 1, 2)


def _decode(batch: torch.Tensor) -> list[int]:
    pixels = ((batch + 1.0) * 127.5).round().long().view(len(batch), 2)
    return (pixels[:, 0] * 256 + pixels[:, 1]).tolist()


def _epoch(loader: DeviceLoader[torch.Tensor]) -> list[list[int]]:
    return [_decode(b) for b in loader]


loader_args = st.fixed_dictionaries(
    {
        "n": st.integers(1, 300),
        "batch_size": st.integers(1, 64),
        "drop_last": st.booleans(),
        "shuffle": st.booleans(),
        "seed": st.integers(0, 2**40),
    }
).filter(lambda a: not a["drop_last"] or a["batch_size"] <= a["n"])


@given(loader_args)
def test_each_epoch_is_a_permutation(args: dict[str, int]) -> None:
    n = args.pop("n")
    loader = DeviceLoader(_indexed(n), **args)  # type: ignore[arg-type]
    for epoch in range(2):
        assert loader.epoch == epoch
        batches = _epoch(loader)
        assert len(batches) == len(loader)
        flat = [i for b in batches for i in b]
        assert len(set(flat)) == len(flat) and set(flat) <= set(range(n))
        bs = args["batch_size"]
        if args["drop_last"]:
            assert len(loader) == n // bs and all(len(b) == bs for b in batches)
        else:
            assert sorted(flat) == list(range(n)) and len(loader) == -(-n // bs)
            assert all(len(b) == bs for b in batches[:-1])
        if not args["shuffle"]:
            assert flat == list(range(len(flat)))


@given(loader_args, st.integers(0, 50))
def test_order_is_a_pure_function_of_seed_and_epoch(args: dict[str, int], epoch: int) -> None:
    n = args.pop("n")
    a = DeviceLoader(_indexed(n), **args)  # type: ignore[arg-type]
    b = DeviceLoader(_indexed(n), **args)  # type: ignore[arg-type]
    a.set_epoch(epoch)
    for _ in range(epoch):  # b reaches the same epoch by iterating
        list(b)
    assert b.epoch == epoch
    assert _epoch(a) == _epoch(b)
    assert torch.equal(a.indices(epoch), b.indices(epoch))


def test_epochs_and_seeds_differ() -> None:
    loader = DeviceLoader(_indexed(100), 10)
    orders = [loader.indices(e).tolist() for e in range(5)]
    assert len({tuple(o) for o in orders}) == 5
    other = DeviceLoader(_indexed(100), 10, seed=1)
    assert other.indices(0).tolist() != orders[0]


@given(loader_args, st.data())
def test_state_dict_resumes_mid_epoch(args: dict[str, int], data: st.DataObject) -> None:
    n = args.pop("n")
    reference = DeviceLoader(_indexed(n), **args)  # type: ignore[arg-type]
    reference.set_epoch(3)
    full = _epoch(reference)
    k = data.draw(st.integers(0, len(full)))
    loader = DeviceLoader(_indexed(n), **args)  # type: ignore[arg-type]
    loader.set_epoch(3)
    iterator = iter(loader)
    consumed = [_decode(next(iterator)) for _ in range(k)]
    state = loader.state_dict()
    assert consumed == full[:k]
    resumed = DeviceLoader(_indexed(n), **args)  # type: ignore[arg-type]
    resumed.load_state_dict(state)
    resumed.set_epoch(state["epoch"])  # what a trainer does before iterating: keeps position
    rest = _epoch(resumed)
    if k == len(full):  # a finished epoch resumes at the next one
        assert state == {"epoch": 4, "position": 0}
        assert rest == _epoch(reference)
    else:
        assert state == {"epoch": 3, "position": k}
        assert rest == full[k:]
        assert resumed.state_dict() == {"epoch": 4, "position": 0}


@given(st.integers(1, 200), st.integers(1, 5), st.booleans(), st.integers(0, 3))
def test_rank_shards_are_disjoint_and_cover(
    n: int, world_size: int, drop_last: bool, epoch: int
) -> None:
    if n < world_size:
        with pytest.raises(ValueError, match=f"at least world_size={world_size} images"):
            DeviceLoader(_indexed(n), 1, rank=world_size - 1, world_size=world_size)
        return
    shards = []
    for rank in range(world_size):
        loader = DeviceLoader(
            _indexed(n), 1, rank=rank, world_size=world_size, drop_last=drop_last, seed=5
        )
        loader.set_epoch(epoch)
        shards.append([i for b in _epoch(loader) for i in b])
    flat = [i for s in shards for i in s]
    assert len(set(flat)) == len(flat)
    if drop_last:
        assert {len(s) for s in shards} == {n // world_size}
    else:
        assert sorted(flat) == list(range(n))
    perm = DeviceLoader(_indexed(n), 1, seed=5).indices(epoch).tolist()
    assert sorted(flat) == sorted(perm[: len(flat)])  # together: a prefix of the permutation


def test_labels_follow_images_and_values_are_exact() -> None:
    n = 50
    images = torch.randint(0, 256, (n, 3, 4, 4), dtype=torch.uint8)
    labels = torch.arange(n) * 10
    loader = DeviceLoader(images, 8, labels=labels, dtype=torch.float64)
    seen = []
    for x, y in loader:
        assert x.dtype == torch.float64 and x.shape == (8, 3, 4, 4)
        assert torch.equal(x, uint8_to_float(images[y // 10], torch.float64))
        seen += y.tolist()
    assert len(set(seen)) == 48
    np_loader = DeviceLoader(images.numpy(), 5, labels=labels.numpy(), shuffle=False)
    x, y = next(iter(np_loader))
    assert torch.equal(y, labels[:5]) and torch.equal(x, uint8_to_float(images[:5]))


def test_channels_last_and_sources(tmp_path: Path) -> None:
    faces = ToyFaces(20, image_size=8)
    loader = DeviceLoader(faces, 4, channels_last=True)
    batch = next(iter(loader))
    assert batch.is_contiguous(memory_format=torch.channels_last)
    assert loader.images.data_ptr() != 0 and torch.equal(loader.images, faces.tensor())
    np.save(tmp_path / "c.npy", faces.tensor().numpy())
    cached = DeviceLoader(CachedImages(tmp_path / "c.npy"), 4, shuffle=False)
    assert torch.equal(next(iter(cached)), torch.stack([faces[i] for i in range(4)]))
    block = faces.tensor()
    assert DeviceLoader(block, 4).images is block  # already on the device: no copy


def test_set_epoch_protocol() -> None:
    loader = DeviceLoader(_indexed(10), 2)
    iterator = iter(loader)
    next(iterator)
    next(iterator)
    assert (loader.epoch, loader.position) == (0, 2)
    loader.set_epoch(0)  # current epoch: position kept
    assert loader.position == 2
    loader.set_epoch(1)
    assert (loader.epoch, loader.position) == (1, 0)
    assert len(list(loader)) == 5 and loader.epoch == 2
    loader.set_epoch(1)  # going back restarts that epoch
    assert len(list(loader)) == 5


def test_errors() -> None:
    with pytest.raises(TypeError, match="images must be uint8"):
        DeviceLoader(torch.zeros(4, 1, 2, 2), 2)
    with pytest.raises(TypeError, match="images must be a Tensor"):
        DeviceLoader([1, 2], 2)  # type: ignore[call-overload]
    with pytest.raises(ValueError, match="batch_size must be an int >= 1, got 0"):
        DeviceLoader(_indexed(4), 0)
    with pytest.raises(ValueError, match="at least world_size=1 images"):
        DeviceLoader(_indexed(0), 1)
    with pytest.raises(
        ValueError,
        match=r"batch_size=5 is more than the 4 images per epoch .* pass batch_size <= 4 or drop_last=False",
    ):
        DeviceLoader(_indexed(4), 5)
    assert len(DeviceLoader(_indexed(4), 5, drop_last=False)) == 1
    with pytest.raises(ValueError, match=r"rank must be an int in \[0, 1\], got 2"):
        DeviceLoader(_indexed(4), 1, rank=2, world_size=2)
    with pytest.raises(ValueError, match="labels must have length 4"):
        DeviceLoader(_indexed(4), 1, labels=torch.zeros(3))
    with pytest.raises(ValueError, match="dtype must be a floating dtype"):
        DeviceLoader(_indexed(4), 1, dtype=torch.int32)
    loader = DeviceLoader(_indexed(4), 1)
    with pytest.raises(ValueError, match="epoch must be an int >= 0, got -1"):
        loader.set_epoch(-1)
    with pytest.raises(ValueError, match=r"state\['position'\] must be an int in \[0, 4\], got 9"):
        loader.load_state_dict({"epoch": 0, "position": 9})
    with pytest.raises(
        ValueError, match=r"state must hold 'epoch' and 'position', got no \['epoch'\]"
    ):
        loader.load_state_dict({"position": 0})
    with pytest.raises(TypeError, match=r"state\['epoch'\] must be an int >= 0, got '0' \(str\)"):
        loader.load_state_dict({"epoch": "0", "position": 0})


@pytest.mark.gpu
def test_cuda_batches_stay_on_device() -> None:
    images = _indexed(64)
    loader = DeviceLoader(images, 8, device="cuda", labels=torch.arange(64))
    cpu = DeviceLoader(images, 8, labels=torch.arange(64))
    for (x, y), (xc, yc) in zip(loader, cpu, strict=True):
        assert x.is_cuda and y.is_cuda
        assert torch.equal(x.cpu(), xc) and torch.equal(y.cpu(), yc)
