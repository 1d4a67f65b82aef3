from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from gankit.augment import POLICIES, DiffAugment, color, cutout, translation

sizes = st.sampled_from([4, 8, 16])


@settings(deadline=None, max_examples=25)
@given(
    batch=st.integers(1, 6),
    channels=st.sampled_from([1, 3]),
    size=sizes,
    policy=st.lists(st.sampled_from(list(POLICIES)), min_size=1, unique=True),
    dtype=st.sampled_from([torch.float32, torch.float64, torch.bfloat16]),
    channels_last=st.booleans(),
)
def test_shape_dtype_layout_and_range(
    batch: int,
    channels: int,
    size: int,
    policy: list[str],
    dtype: torch.dtype,
    channels_last: bool,
) -> None:
    x = torch.rand(batch, channels, size, size, dtype=dtype) * 2 - 1
    if channels_last:
        x = x.contiguous(memory_format=torch.channels_last)
    y = DiffAugment(policy)(x)
    assert y.shape == x.shape and y.dtype == x.dtype
    assert torch.isfinite(y.float()).all()
    # color moves values by at most brightness 0.5 and scales deviations by at most 2 * 1.5,
    # so |y| <= (1 + 0.5) * (1 + 2 * 1.5 * 2) is a generous bound; geometric ops only move or zero
    bound = 10.5 if "color" in policy else 1.0
    assert float(y.float().abs().max()) <= bound + 1e-2
    if channels_last and x.shape[1] > 1:
        assert y.is_contiguous(memory_format=torch.channels_last) or "translation" not in policy


def test_probability_zero_is_the_identity_and_one_always_augments() -> None:
    x = torch.rand(16, 3, 8, 8) * 2 - 1
    assert torch.equal(DiffAugment(probability=0.0)(x), x)
    torch.manual_seed(0)
    y = DiffAugment("translation", probability=1.0)(x)
    assert not torch.equal(y, x)


def test_translation_moves_content_by_an_integer_shift_within_an_eighth() -> None:
    torch.manual_seed(1)
    x = torch.arange(16 * 16, dtype=torch.float64).view(1, 1, 16, 16).repeat(32, 1, 1, 1) + 1
    y = translation(x)
    for img, out in zip(x, y, strict=True):
        found = False
        for dy in range(-2, 3):
            for dx in range(-2, 3):
                shifted = torch.zeros_like(img)
                src = img[:, max(0, dy) : 16 + min(0, dy), max(0, dx) : 16 + min(0, dx)]
                shifted[:, max(0, -dy) : 16 + min(0, -dy), max(0, -dx) : 16 + min(0, -dx)] = src
                found = found or torch.equal(shifted, out)
        assert found  # every output is the input shifted by at most 16/8 = 2 pixels


def test_cutout_zeroes_one_square_of_half_the_size_at_most() -> None:
    torch.manual_seed(2)
    y = cutout(torch.ones(64, 1, 16, 16))
    zeros = (y == 0).flatten(1).sum(1)
    assert bool(((zeros >= 16) & (zeros <= 64)).all())  # 8x8, clipped to at least 4x4
    rows = (y == 0).any(dim=3).flatten(1).sum(1)
    cols = (y == 0).any(dim=2).flatten(1).sum(1)
    assert bool((rows * cols == zeros).all())  # the zeros form one rectangle


def test_each_image_gets_its_own_parameters() -> None:
    torch.manual_seed(3)
    x = torch.rand(1, 3, 16, 16).repeat(64, 1, 1, 1)
    for fn in (color, translation, cutout):
        y = fn(x)
        distinct = {tuple(v.flatten()[:64].tolist()) for v in y}
        assert len(distinct) > 10, fn.__name__


def test_gradients_flow_through_every_policy() -> None:
    torch.manual_seed(4)
    x = torch.rand(3, 3, 8, 8, dtype=torch.float64, requires_grad=True)
    for name, fn in POLICIES.items():
        state = torch.get_rng_state()

        def f(inp: torch.Tensor, fn=fn, state=state) -> torch.Tensor:  # same draws every call
            torch.set_rng_state(state)
            return fn(inp)

        assert torch.autograd.gradcheck(f, (x,)), name


def test_bad_policies_and_probabilities_are_refused() -> None:
    with pytest.raises(ValueError, match="policy must name some of color"):
        DiffAugment("rotate")
    with pytest.raises(ValueError, match=r"probability must be in \[0, 1\], got 1.5"):
        DiffAugment(probability=1.5)
    with pytest.raises(TypeError, match="probability must be a number"):
        DiffAugment(probability="1")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"\(B, C, H, W\)"):
        DiffAugment()(torch.zeros(3, 8, 8))
