"""Tiny nets and data shared by the trainer tests."""

from __future__ import annotations

import torch
from torch.utils.data import DataLoader, TensorDataset

import gankit as gk


def tiny_conv_pair(seed: int = 0, num_classes: int = 0) -> tuple[torch.nn.Module, torch.nn.Module]:
    torch.manual_seed(seed)
    g_cfg, d_cfg = gk.models.dcgan(
        image_size=8, g_width=4, d_width=4, latent_dim=8, num_classes=num_classes
    )
    return gk.models.build_generator(g_cfg), gk.models.build_discriminator(d_cfg)


def tiny_mlp_pair(seed: int = 0) -> tuple[torch.nn.Module, torch.nn.Module]:
    torch.manual_seed(seed)
    G = gk.models.build_mlp_generator(
        gk.models.MLPGeneratorConfig(latent_dim=2, data_dim=1, hidden_dims=(16,))
    )
    D = gk.models.build_mlp_discriminator(
        gk.models.MLPDiscriminatorConfig(data_dim=1, hidden_dims=(16,))
    )
    return G, D


def image_loader(
    n: int = 24, batch_size: int = 6, labels: bool = False, seed: int = 123
) -> DataLoader:
    gen = torch.Generator().manual_seed(seed)
    x = torch.rand(n, 3, 8, 8, generator=gen) * 2 - 1
    if labels:
        y = torch.randint(0, 3, (n,), generator=gen)
        return DataLoader(TensorDataset(x, y), batch_size=batch_size, shuffle=True, drop_last=True)
    return DataLoader(x, batch_size=batch_size, shuffle=True, drop_last=True)  # type: ignore[arg-type]
