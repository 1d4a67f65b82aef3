"""Reproducible sampling from a generator, without touching the training RNGs."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor, nn


def sample_stream(
    generator: nn.Module,
    *,
    latent_dim: int,
    num_classes: int = 0,
    device: torch.device | str = "cpu",
    seed: int = 0,
) -> Callable[[int], Tensor]:
    """Return ``draw(b)``: the next ``b`` samples of a fixed-seed stream from ``generator``.

    The noise comes from a private CPU ``torch.Generator`` seeded with ``seed`` (so the
    same seed gives the same stream on every device, and the global RNGs are untouched);
    conditional generators get labels cycling through ``0 .. num_classes - 1``. Calls run
    under ``torch.no_grad()`` and return float32. Put the generator in eval mode first if
    its output depends on the mode. Used by the FID hook and the ``gankit`` command.

    Args:
        generator: maps ``(b, latent_dim)`` noise (and ``(b,)`` labels) to samples.
        latent_dim: size of the noise vector.
        num_classes: classes of a conditional generator (0: unconditional).
        device: where the noise goes.
        seed: seed of the stream.

    Returns:
        A function of the batch size.

    Example:
        >>> G = torch.nn.Linear(4, 2)
        >>> draw = sample_stream(G, latent_dim=4, seed=1)
        >>> a = draw(3); b = sample_stream(G, latent_dim=4, seed=1)(3)
        >>> torch.equal(a, b), a.shape
        (True, torch.Size([3, 2]))
    """
    gen = torch.Generator().manual_seed(seed)
    count = 0

    @torch.no_grad()
    def draw(b: int) -> Tensor:
        nonlocal count
        z = torch.randn(b, latent_dim, generator=gen).to(device)
        extra = [(torch.arange(count, count + b) % num_classes).to(device)] if num_classes else []
        count += b
        out: Tensor = generator(z, *extra)
        return out.float()

    return draw
