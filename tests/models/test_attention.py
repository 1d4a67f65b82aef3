"""Self-attention and minibatch standard deviation against their formulas."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from gankit.models import MinibatchStdDev, SelfAttention2d


def _attention_by_hand(att: SelfAttention2d, x: torch.Tensor) -> torch.Tensor:
    """y = x + gamma * v(sum_j softmax_j(f_i . g_j) h_j), written out with plain matmuls."""
    b, _, h, w = x.shape
    f = att.query(x).reshape(b, -1, h * w)  # (B, C/8, N)
    g = att.key(x).reshape(b, -1, h * w)
    v = att.value(x).reshape(b, -1, h * w)  # (B, C/2, N)
    beta = torch.softmax(f.transpose(1, 2) @ g, dim=-1)  # (B, N_i, N_j)
    o = (v @ beta.transpose(1, 2)).reshape(b, -1, h, w)
    return x + att.gamma * att.out(o)


@given(channels=st.integers(1, 20), side=st.integers(1, 5), batch=st.integers(1, 3))
def test_attention_matches_the_sagan_formula(channels: int, side: int, batch: int) -> None:
    torch.manual_seed(channels * 100 + side)
    att = SelfAttention2d(channels).double()
    with torch.no_grad():
        att.gamma.fill_(0.7)
    x = torch.randn(batch, channels, side, side, dtype=torch.float64)
    out = att(x)
    assert out.shape == x.shape
    # float64 throughout: the two orders of summation agree to ~1e-15 relative.
    torch.testing.assert_close(out, _attention_by_hand(att, x))


def test_attention_starts_as_identity_and_is_equivariant_to_position_shuffles() -> None:
    torch.manual_seed(0)
    att = SelfAttention2d(16).double()
    x = torch.randn(2, 16, 4, 4, dtype=torch.float64)
    assert torch.equal(att(x), x)
    with torch.no_grad():
        att.gamma.fill_(1.0)
    perm = torch.randperm(16)
    shuffled = x.flatten(2)[:, :, perm].reshape(x.shape)
    expected = att(x).flatten(2)[:, :, perm].reshape(x.shape)
    torch.testing.assert_close(att(shuffled), expected)


@given(
    group=st.integers(1, 4),
    groups=st.integers(1, 3),
    channels=st.integers(1, 3),
    side=st.integers(1, 3),
)
def test_minibatch_std_matches_its_definition(
    group: int, groups: int, channels: int, side: int
) -> None:
    batch = group * groups
    x = torch.randn(batch, channels, side, side, dtype=torch.float64)
    out = MinibatchStdDev(group_size=group)(x)
    assert out.shape == (batch, channels + 1, side, side)
    assert torch.equal(out[:, :channels], x)
    for i in range(batch):
        members = x[i % groups :: groups]  # sample i is in group i mod (B / group_size)
        assert len(members) == group
        std = (members.var(dim=0, correction=0) + 1e-8).sqrt().mean()
        torch.testing.assert_close(out[i, channels], torch.full((side, side), float(std)).double())


def test_minibatch_std_uses_the_whole_batch_when_smaller_and_checks_divisibility() -> None:
    x = torch.randn(3, 2, 2, 2)
    assert MinibatchStdDev(group_size=4)(x).shape == (3, 3, 2, 2)  # one group of 3
    with pytest.raises(ValueError, match="divisible by group_size=4"):
        MinibatchStdDev(group_size=4)(torch.randn(6, 2, 2, 2))
    for bad in (0, -1, 2.0, True):
        with pytest.raises(ValueError, match="group_size must be an int >= 1"):
            MinibatchStdDev(group_size=bad)  # type: ignore[arg-type]
