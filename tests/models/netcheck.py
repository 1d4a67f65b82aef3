"""Checks shared by the tests of the image nets (shapes, gradients, labels, training)."""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor, nn

import gankit as gk
from gankit.models import ConditionalBatchNorm2d, R3GANBlock, SelfAttention2d


def labels_for(net: nn.Module, batch: int, seed: int = 0) -> Tensor | None:
    """Valid labels for ``net`` (class indices or 0/1 attribute vectors), or ``None``."""
    gen = torch.Generator().manual_seed(seed)
    attributes = int(getattr(net, "num_attributes", 0))
    if attributes:
        return torch.randint(0, 2, (batch, attributes), generator=gen)
    classes = int(getattr(net, "num_classes", 0))
    if classes:
        return torch.randint(0, classes, (batch,), generator=gen)
    return None


def wake_up(net: nn.Module) -> None:
    """Make zero-initialized weights non-zero so every branch gets gradients.

    Attention gates, the last conv of R3GAN blocks and the linear gain/bias maps of a
    conditional batch norm start at zero on purpose (each starts as the identity or
    unconditional), which also stops the gradient to what feeds them.
    """
    gen = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, SelfAttention2d):
                m.gamma.fill_(0.5)
            if isinstance(m, R3GANBlock):
                m.project.weight.copy_(0.1 * torch.randn(m.project.weight.shape, generator=gen))
            if isinstance(m, ConditionalBatchNorm2d):
                for layer in (m.gain, m.bias):
                    if isinstance(layer, nn.Linear):
                        layer.weight.copy_(0.1 * torch.randn(layer.weight.shape, generator=gen))


def run_pair(G: nn.Module, D: nn.Module, batch: int = 2) -> tuple[Tensor, Tensor]:
    """Return ``(images, logits)`` of ``D(G(z, y), y)`` for valid random inputs."""
    z = torch.randn(batch, G.latent_dim)  # type: ignore[arg-type]
    y = labels_for(G, batch)
    args: list[Any] = [] if y is None else [y]
    images = G(z, *args)
    return images, D(images, *args)


def parameters_without_gradient(net: nn.Module) -> list[str]:
    """Names of parameters whose gradient is missing or not finite."""
    return [
        name
        for name, p in net.named_parameters()
        if p.grad is None or not bool(torch.isfinite(p.grad).all())
    ]


def parameters_with_zero_gradient(net: nn.Module) -> list[str]:
    """Names of parameters whose gradient is identically zero."""
    return [
        name
        for name, p in net.named_parameters()
        if p.grad is not None and not bool(p.grad.abs().sum() > 0)
    ]


def faces(n: int, size: int, batch: int) -> list[Tensor]:
    """ToyFaces as a list of image batches."""
    dataset = gk.data.ToyFaces(n, image_size=size, seed=0)
    images = torch.stack([dataset[i] for i in range(n)])
    return list(images.split(batch))


def all_finite(net: nn.Module) -> bool:
    """Whether every parameter and buffer of ``net`` is finite."""
    tensors = [*net.parameters(), *net.buffers()]
    return all(bool(torch.isfinite(t).all()) for t in tensors if t.is_floating_point())
