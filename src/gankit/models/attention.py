r"""Self-attention (SAGAN) and the minibatch standard deviation layer (ProGAN)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from gankit._validation import check_int

__all__ = ["MinibatchStdDev", "SelfAttention2d"]


class SelfAttention2d(nn.Module):
    r"""Self-attention over the positions of a feature map (Zhang et al., 2019, SAGAN).

    With 1×1 convs :math:`f, g` to ``C // 8`` channels (query, key), :math:`h` to
    ``C // 2`` channels (value) and :math:`v` back to ``C`` (arXiv:1805.08318, section 3,
    with the value bottleneck of the authors' released code):

    .. math::

        \beta = \operatorname{softmax}_j\big(f(x)_i^\top g(x)_j\big), \qquad
        y = x + \gamma\, v\Big(\textstyle\sum_j \beta_{ij}\, h(x)_j\Big),

    where :math:`\gamma` is a learned scalar initialized to 0, so the block starts as the
    identity. The attention itself is :func:`torch.nn.functional.scaled_dot_product_attention`
    with ``scale=1`` (SAGAN does not scale the logits). The convs have no bias.

    Args:
        channels: ``C``; the query/key width is ``max(1, C // 8)``, the value width
            ``max(1, C // 2)``.

    Shape:
        - x: :math:`(B, C, H, W)`; output: the same.

    Example:
        >>> att = SelfAttention2d(16)
        >>> x = torch.randn(2, 16, 4, 4)
        >>> torch.equal(att(x), x)  # gamma starts at 0
        True
    """

    def __init__(self, channels: int) -> None:
        super().__init__()
        qk, v = max(1, channels // 8), max(1, channels // 2)
        self.query = nn.Conv2d(channels, qk, 1, bias=False)
        self.key = nn.Conv2d(channels, qk, 1, bias=False)
        self.value = nn.Conv2d(channels, v, 1, bias=False)
        self.out = nn.Conv2d(v, channels, 1, bias=False)
        self.gamma = nn.Parameter(torch.zeros(()))

    def forward(self, x: Tensor) -> Tensor:
        """Return ``x`` plus the scaled attention output."""
        b, _, h, w = x.shape
        q = self.query(x).flatten(2).transpose(1, 2)  # (B, HW, C/8)
        k = self.key(x).flatten(2).transpose(1, 2)
        v = self.value(x).flatten(2).transpose(1, 2)  # (B, HW, C/2)
        att = F.scaled_dot_product_attention(q, k, v, scale=1.0)
        att = att.transpose(1, 2).reshape(b, -1, h, w)
        out: Tensor = x + self.gamma.to(x.dtype) * self.out(att.contiguous())
        return out


class MinibatchStdDev(nn.Module):
    r"""Append the minibatch standard deviation as extra channel(s) (Karras et al., 2018).

    The batch is split into groups of ``group_size`` samples (the whole batch if it is
    smaller; it must then divide the batch); within each group the standard deviation of
    every feature over the group is averaged over channels and positions, and this one
    number per group is appended as a constant feature map to each of its samples
    (ProGAN, arXiv:1710.10196, section 3). It lets the discriminator see the variety of
    a batch; note that it couples the samples of a group, which the per-sample gradient
    penalties (R1, R2, WGAN-GP) do not expect.

    Args:
        group_size: samples per group (4 in ProGAN / StyleGAN).

    Shape:
        - x: :math:`(B, C, H, W)`; output: :math:`(B, C + 1, H, W)`.

    Example:
        >>> MinibatchStdDev(group_size=2)(torch.randn(4, 3, 2, 2)).shape
        torch.Size([4, 4, 2, 2])
    """

    def __init__(self, group_size: int = 4) -> None:
        super().__init__()
        check_int("MinibatchStdDev", "group_size", group_size, minimum=1, maximum=2**20)
        self.group_size = group_size

    def forward(self, x: Tensor) -> Tensor:
        """Return ``x`` with the group standard deviation appended as a channel."""
        b, c, h, w = x.shape
        g = min(self.group_size, b)
        if b % g:
            raise ValueError(
                f"MinibatchStdDev needs a batch size divisible by group_size={g}, got {b}"
            )
        y = x.float().reshape(g, b // g, c, h, w)
        std = (y.var(dim=0, correction=0) + 1e-8).sqrt()  # (B/g, C, H, W)
        std = std.mean(dim=(1, 2, 3)).to(x.dtype)  # (B/g,)
        feat = std.repeat(g)[:, None, None, None].expand(b, 1, h, w)
        return torch.cat([x, feat], dim=1)
