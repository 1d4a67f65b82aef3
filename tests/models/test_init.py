from __future__ import annotations

import pytest
import torch
from torch import nn

from gankit.models import (
    DiscriminatorConfig,
    build_discriminator,
    build_generator,
    dcgan,
    dcgan_init,
)
from gankit.models.layers import spectral_norm_all


def _big_net() -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(64, 256, 4),
        nn.BatchNorm2d(256),
        nn.ConvTranspose2d(256, 128, 4),
        nn.GroupNorm(4, 128),
        nn.Linear(512, 512),
        nn.LayerNorm(512),
    )


def test_dcgan_init_statistics() -> None:
    torch.manual_seed(0)
    net = dcgan_init(_big_net())
    for m in net.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            assert m.weight.mean().item() == pytest.approx(0.0, abs=2e-3)
            assert m.weight.std().item() == pytest.approx(0.02, rel=0.05)
            assert torch.all(m.bias == 0)
        if isinstance(m, (nn.BatchNorm2d, nn.GroupNorm, nn.LayerNorm)):
            assert m.weight.mean().item() == pytest.approx(1.0, abs=0.01)
            assert m.weight.std().item() == pytest.approx(0.02, rel=0.3)
            assert torch.all(m.bias == 0)


def test_dcgan_init_reaches_through_spectral_norm() -> None:
    torch.manual_seed(0)
    net = spectral_norm_all(nn.Sequential(nn.Linear(400, 400)))
    dcgan_init(net, std=0.5)
    original = net[0].parametrizations.weight.original
    assert original.std().item() == pytest.approx(0.5, rel=0.05)


def test_builders_apply_dcgan_init_by_default_and_can_skip_it() -> None:
    torch.manual_seed(0)
    G = build_generator(dcgan()[0])
    assert G.blocks[0][0].weight.std().item() == pytest.approx(0.02, rel=0.05)
    D = build_discriminator(DiscriminatorConfig(weight_init="pytorch"))
    assert D.blocks[2][0].weight.std().item() > 0.005  # kaiming-uniform scale for 256*16 inputs
    assert D.blocks[2][1].weight.eq(1).all()


def test_dcgan_init_rejects_bad_std() -> None:
    with pytest.raises(ValueError, match="std must be a finite number > 0, got -1"):
        dcgan_init(nn.Linear(2, 2), std=-1)
    with pytest.raises(ValueError, match="std must be a finite number > 0, got 1000"):
        dcgan_init(nn.Linear(2, 2), std=10**400)
    with pytest.raises(TypeError, match=r"std must be a finite number > 0, got '0\.02' \(str\)"):
        dcgan_init(nn.Linear(2, 2), std="0.02")  # type: ignore[arg-type]
