from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
import torch
from torch import nn

from gankit.metrics import (
    file_sha256,
    folder_fingerprint,
    images_fingerprint,
    weights_fingerprint,
)


def test_file_sha256_is_the_content_hash(tmp_path: Path) -> None:
    path = tmp_path / "w.pth"
    path.write_bytes(b"weights" * 1000)
    assert file_sha256(path) == "sha256:" + hashlib.sha256(b"weights" * 1000).hexdigest()
    with pytest.raises(FileNotFoundError, match="does not exist"):
        file_sha256(tmp_path / "missing")


def test_folder_fingerprint_sees_names_sizes_and_mtimes(tmp_path: Path) -> None:
    for name in ("a.png", "b.png"):
        (tmp_path / name).write_bytes(b"1234")
    os.utime(tmp_path / "a.png", ns=(10**18, 10**18))
    base = folder_fingerprint(tmp_path, ["a.png", "b.png"])
    assert base == folder_fingerprint(tmp_path, ["b.png", "a.png"])  # order of the list
    assert base != folder_fingerprint(tmp_path, ["a.png"])  # a file fewer
    (tmp_path / "a.png").write_bytes(b"12345")  # other size
    os.utime(tmp_path / "a.png", ns=(10**18, 10**18))
    resized = folder_fingerprint(tmp_path, ["a.png", "b.png"])
    assert resized != base
    (tmp_path / "a.png").write_bytes(b"54321")  # same size, new mtime
    assert folder_fingerprint(tmp_path, ["a.png", "b.png"]) != resized
    # the documented blind spot: same size and a restored mtime
    os.utime(tmp_path / "a.png", ns=(10**18, 10**18))
    assert folder_fingerprint(tmp_path, ["a.png", "b.png"]) == resized
    with pytest.raises(FileNotFoundError, match=r"c\.png"):
        folder_fingerprint(tmp_path, ["c.png"])


def test_images_fingerprint_is_content_and_order_independent() -> None:
    g = torch.Generator().manual_seed(0)
    x = torch.randint(0, 256, (10, 3, 4, 4), generator=g, dtype=torch.uint8)
    base = images_fingerprint(x)
    assert base.startswith("images:10:")
    assert images_fingerprint(x[torch.randperm(10, generator=g)]) == base
    assert images_fingerprint([x[:3], (x[3:], None)]) == base  # batches and tuples
    changed = x.clone()
    changed[4, 1, 2, 3] ^= 1  # one bit of one pixel
    assert images_fingerprint(changed) != base
    assert images_fingerprint(x.reshape(10, 3, 2, 8)) != base  # shape counts
    assert images_fingerprint(x, max_samples=4) == images_fingerprint(x[:4])
    assert images_fingerprint([x[:3], x[3:]], max_samples=4) == images_fingerprint(x[:4])
    with pytest.raises(TypeError, match="must yield tensors"):
        images_fingerprint([["not a tensor"]])  # type: ignore[list-item]


def test_weights_fingerprint_sources() -> None:
    torch.manual_seed(0)
    a = nn.Linear(3, 2)
    b = nn.Linear(3, 2)
    assert weights_fingerprint(a) != weights_fingerprint(b)
    b.load_state_dict(a.state_dict())
    assert weights_fingerprint(a) == weights_fingerprint(b)
    with torch.no_grad():
        b.bias[0] += 1e-6
    assert weights_fingerprint(a) != weights_fingerprint(b)
    a.weights_sha256 = "sha256:given"  # type: ignore[assignment]
    assert weights_fingerprint(a) == "sha256:given"

    def extract(images: torch.Tensor) -> torch.Tensor:
        return images.flatten(1)

    assert weights_fingerprint(extract) == f"callable:{__name__}.{extract.__qualname__}"
