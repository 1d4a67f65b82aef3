from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from gankit.data.toyfaces import ToyFaces, _render, _uniforms
from gankit.data.transforms import uint8_to_float


@given(st.integers(0, 2**63), st.integers(8, 16), st.integers(0, 600), st.integers(1, 300))
def test_item_depends_only_on_seed_index_and_size(seed: int, size: int, i: int, extra: int) -> None:
    small, big = ToyFaces(i + 1, size, seed), ToyFaces(i + 1 + extra, size, seed)
    assert torch.equal(small[i], big[i])
    assert torch.equal(small[-1], big[i])


def test_batch_rendering_is_bit_identical_to_single() -> None:
    for size, ss in [(9, 1), (16, 2), (13, 3)]:
        block = _render(4, np.arange(40, 80), size, ss)
        for j in (0, 17, 39):
            assert torch.equal(_render(4, np.array([40 + j]), size, ss)[0], block[j])


def test_tensor_matches_items_and_range() -> None:
    faces = ToyFaces(300, image_size=12, seed=3)
    block = faces.tensor()
    assert block.shape == (300, 3, 12, 12) and block.dtype == torch.uint8
    for i in (0, 255, 256, 299):
        item = faces[i]
        assert item.dtype == torch.float32 and item.shape == (3, 12, 12)
        assert torch.equal(item, uint8_to_float(block[i]))
    as_float = uint8_to_float(block)
    assert as_float.min() >= -1 and as_float.max() <= 1
    assert block.min() < 40 and block.max() > 215  # uses most of the range


def test_seeds_differ_and_faces_vary() -> None:
    a, b = ToyFaces(16, 16, seed=0).tensor(), ToyFaces(16, 16, seed=1).tensor()
    assert not torch.equal(a, b)
    assert torch.equal(a, ToyFaces(16, 16, seed=0).tensor())
    flat = a.view(16, -1)
    assert len({tuple(row.tolist()) for row in flat}) == 16
    assert (flat.float().std(0) > 0).float().mean() > 0.9  # almost every pixel varies


def test_faces_are_centred_on_a_varied_background() -> None:
    x = uint8_to_float(ToyFaces(200, 32, seed=2).tensor())
    centre = x[:, :, 12:20, 12:20]  # face region: warm skin tones (red > blue)
    assert (centre[:, 0] - centre[:, 2]).mean() > 0.1
    per_face = x.mean((2, 3))
    assert per_face.std(0).min() > 0.05  # colours vary across faces


def test_sizes_and_supersampling() -> None:
    for size in (8, 9, 31, 64):
        assert ToyFaces(2, size)[1].shape == (3, size, size)
    plain, smooth = ToyFaces(4, 16).tensor(), ToyFaces(4, 16, supersample=2).tensor()
    assert plain.shape == smooth.shape
    diff = (plain.float() - smooth.float()).abs().mean()
    assert 0 < diff < 10  # same faces, slightly different anti-aliasing


def test_uniforms_are_uniform_and_independent() -> None:
    u = _uniforms(0, np.arange(4000), 8)
    assert u.min() >= 0 and u.max() < 1
    assert np.allclose(u.mean(0), 0.5, atol=0.03)
    corr = np.corrcoef(u.T)
    assert np.abs(corr - np.eye(8)).max() < 0.06
    assert np.array_equal(_uniforms(0, np.array([7]), 8)[0], u[7])


def test_rendering_restores_thread_count() -> None:
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        ToyFaces(3, 8).tensor()
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)


def test_empty_and_index_errors() -> None:
    assert ToyFaces(0, 8).tensor().shape == (0, 3, 8, 8)
    faces = ToyFaces(3, 8)
    with pytest.raises(IndexError):
        faces[3]
    with pytest.raises(IndexError):
        faces[-4]


def test_argument_errors() -> None:
    with pytest.raises(ValueError, match=r"image_size must be an int in \[8, 8192\], got 7"):
        ToyFaces(1, 7)
    with pytest.raises(ValueError, match="n must be an int >= 0, got -1"):
        ToyFaces(-1)
    with pytest.raises(ValueError, match=r"supersample must be an int in \[1, 16\], got 0"):
        ToyFaces(1, supersample=0)
    with pytest.raises(TypeError, match=r"seed must be an int .*got 1\.5 \(float\)"):
        ToyFaces(1, seed=1.5)  # type: ignore[arg-type]
