"""Differentiable augmentation (DiffAugment; Zhao, Liu, Lin, Zhu & Han, 2020, arXiv:2006.10738).

The discriminator sees real *and* fake images through the same random, differentiable
transforms, so it cannot memorize a small training set while the generator still gets
gradients through the transforms. Three policies, as in the paper:

- ``color``: brightness shift in [-0.5, 0.5], saturation scale in [0, 2] and contrast
  scale in [0.5, 1.5] (each about the image's own mean), per image;
- ``translation``: an integer shift of up to 1/8 of the image size in each direction,
  zero-filled, per image;
- ``cutout``: a zeroed square of half the image size at a random place, per image.

Every image draws its own parameters (fully vectorized, no host synchronisation, the
default RNG only, so the transforms run inside CUDA graphs). Inputs are images in
[-1, 1] of shape ``(B, C, H, W)``; outputs have the same shape, dtype and memory format.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from torch import Tensor, nn

__all__ = ["POLICIES", "DiffAugment", "color", "cutout", "translation"]


def _uniform(x: Tensor, low: float, high: float) -> Tensor:
    return torch.rand(x.shape[0], 1, 1, 1, device=x.device, dtype=x.dtype) * (high - low) + low


def color(x: Tensor) -> Tensor:
    """Random brightness, saturation and contrast, per image.

    Example:
        >>> color(torch.zeros(2, 3, 4, 4)).shape
        torch.Size([2, 3, 4, 4])
    """
    x = x + _uniform(x, -0.5, 0.5)
    mean = x.mean(dim=1, keepdim=True)
    x = (x - mean) * _uniform(x, 0.0, 2.0) + mean
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    return (x - mean) * _uniform(x, 0.5, 1.5) + mean


def translation(x: Tensor, ratio: float = 0.125) -> Tensor:
    """Shift each image by up to ``ratio`` of its size in each direction, filling with zeros.

    Example:
        >>> translation(torch.ones(2, 3, 8, 8)).shape
        torch.Size([2, 3, 8, 8])
    """
    b, c, h, w = x.shape
    sh, sw = int(h * ratio + 0.5), int(w * ratio + 0.5)
    dy = torch.randint(-sh, sh + 1, (b, 1, 1), device=x.device)
    dx = torch.randint(-sw, sw + 1, (b, 1, 1), device=x.device)
    ys = torch.arange(h, device=x.device).view(1, h, 1) + dy
    xs = torch.arange(w, device=x.device).view(1, 1, w) + dx
    inside = (ys >= 0) & (ys < h) & (xs >= 0) & (xs < w)
    index = (ys.clamp(0, h - 1) * w + xs.clamp(0, w - 1)).view(b, 1, h * w).expand(b, c, h * w)
    moved = x.reshape(b, c, h * w).gather(2, index).view(b, c, h, w)
    out = moved * inside.unsqueeze(1).to(x.dtype)
    return out.contiguous(memory_format=_format(x))


def cutout(x: Tensor, ratio: float = 0.5) -> Tensor:
    """Zero a square of ``ratio`` times the image size at a random place in each image.

    Example:
        >>> 4 <= (cutout(torch.ones(1, 1, 8, 8)) == 0).sum().item() <= 16  # 4x4, maybe clipped
        True
    """
    b, _, h, w = x.shape
    ch, cw = int(h * ratio + 0.5), int(w * ratio + 0.5)
    cy = torch.randint(0, h + (1 - ch % 2), (b, 1, 1), device=x.device)
    cx = torch.randint(0, w + (1 - cw % 2), (b, 1, 1), device=x.device)
    y0, x0 = cy - ch // 2, cx - cw // 2  # the square's corner, possibly outside the image
    ys = torch.arange(h, device=x.device).view(1, h, 1)
    xs = torch.arange(w, device=x.device).view(1, 1, w)
    cut = (ys >= y0) & (ys < y0 + ch) & (xs >= x0) & (xs < x0 + cw)
    keep = ~cut
    return x * keep.unsqueeze(1).to(x.dtype)


def _format(x: Tensor) -> torch.memory_format:
    if x.ndim == 4 and x.is_contiguous(memory_format=torch.channels_last) and not x.is_contiguous():
        return torch.channels_last
    return torch.contiguous_format


POLICIES: dict[str, Callable[[Tensor], Tensor]] = {
    "color": color,
    "translation": translation,
    "cutout": cutout,
}
"""The DiffAugment policies by name, applied in this order."""


class DiffAugment(nn.Module):
    """Apply DiffAugment policies to a batch, each image with its own random parameters.

    Args:
        policy: policy names (``"color"``, ``"translation"``, ``"cutout"``), as a list or a
            comma-separated string; the paper's default is all three.
        probability: apply each policy to each image with this probability (1: always;
            :class:`~gankit.augment.AdaptiveAugment` adapts it, as in ADA).

    Raises:
        ValueError: naming an unknown policy or a probability outside [0, 1].

    Example:
        >>> augment = DiffAugment("color,translation,cutout")
        >>> augment(torch.zeros(4, 3, 16, 16)).shape
        torch.Size([4, 3, 16, 16])
        >>> torch.equal(DiffAugment(probability=0.0)(torch.ones(2, 3, 8, 8)), torch.ones(2, 3, 8, 8))
        True
    """

    p: Tensor

    def __init__(
        self, policy: str | Sequence[str] = "color,translation,cutout", *, probability: float = 1.0
    ) -> None:
        super().__init__()
        names = [p.strip() for p in policy.split(",")] if isinstance(policy, str) else list(policy)
        names = [n for n in names if n]
        unknown = [n for n in names if n not in POLICIES]
        if unknown or not names:
            raise ValueError(
                f"DiffAugment policy must name some of {', '.join(POLICIES)}, got {policy!r}"
            )
        self.policy = [n for n in POLICIES if n in names]
        if isinstance(probability, bool) or not isinstance(probability, (int, float)):
            raise TypeError(f"DiffAugment probability must be a number, got {probability!r}")
        if not 0.0 <= float(probability) <= 1.0:
            raise ValueError(f"DiffAugment probability must be in [0, 1], got {probability!r}")
        self.register_buffer("p", torch.tensor(float(probability)))

    def forward(self, images: Tensor) -> Tensor:
        """Augment ``images`` ``(B, C, H, W)``."""
        if images.ndim != 4:
            raise ValueError(
                f"DiffAugment expects images of shape (B, C, H, W), got {tuple(images.shape)}"
            )
        p = self.p
        x = images
        for name in self.policy:
            apply = torch.rand(x.shape[0], 1, 1, 1, device=x.device) < p.to(x.device)
            x = torch.where(apply, POLICIES[name](x), x)
        return x

    def extra_repr(self) -> str:
        """The policy."""
        return f"policy={','.join(self.policy)}"
