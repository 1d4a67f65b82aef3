"""The presets against independent, hand-written descriptions of the reference nets."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from gankit.models import build_discriminator, build_generator, celeba32, dcgan


def _reference_dcgan(
    nz: int = 100, ngf: int = 64, ndf: int = 64, nc: int = 3
) -> tuple[nn.Module, nn.Module]:
    """DCGAN 64x64 as described by Radford et al. (2016) and PyTorch's examples/dcgan."""

    def up(i: int, o: int, first: bool = False) -> list[nn.Module]:
        return [
            nn.ConvTranspose2d(i, o, 4, 1 if first else 2, 0 if first else 1, bias=False),
            nn.BatchNorm2d(o),
            nn.ReLU(True),
        ]

    def down(i: int, o: int, bn: bool = True) -> list[nn.Module]:
        layers: list[nn.Module] = [nn.Conv2d(i, o, 4, 2, 1, bias=False)]
        return layers + ([nn.BatchNorm2d(o)] if bn else []) + [nn.LeakyReLU(0.2, True)]

    G = nn.Sequential(
        nn.Unflatten(1, (nz, 1, 1)),
        *up(nz, ngf * 8, first=True),
        *up(ngf * 8, ngf * 4),
        *up(ngf * 4, ngf * 2),
        *up(ngf * 2, ngf),
        nn.ConvTranspose2d(ngf, nc, 4, 2, 1, bias=False),
        nn.Tanh(),
    )
    D = nn.Sequential(
        *down(nc, ndf, bn=False),
        *down(ndf, ndf * 2),
        *down(ndf * 2, ndf * 4),
        *down(ndf * 4, ndf * 8),
        nn.Conv2d(ndf * 8, 1, 4, 1, 0, bias=False),
        nn.Sigmoid(),
    )
    return G, D


def _reference_celeba32(nz: int = 100, conv_dim: int = 32) -> tuple[nn.Module, nn.Module]:
    """The seed write-ups' 32x32 nets: D = 4 convs (BN on the last 3) + linear; G = linear + 4 deconvs."""
    d = conv_dim

    class G(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc = nn.Linear(nz, d * 8 * 2 * 2)
            self.t = nn.Sequential(
                nn.ConvTranspose2d(d * 8, d * 4, 4, 2, 1, bias=False),
                nn.BatchNorm2d(d * 4),
                nn.ReLU(),
                nn.ConvTranspose2d(d * 4, d * 2, 4, 2, 1, bias=False),
                nn.BatchNorm2d(d * 2),
                nn.ReLU(),
                nn.ConvTranspose2d(d * 2, d, 4, 2, 1, bias=False),
                nn.BatchNorm2d(d),
                nn.ReLU(),
                nn.ConvTranspose2d(d, 3, 4, 2, 1, bias=False),
                nn.Tanh(),
            )

        def forward(self, z: torch.Tensor) -> torch.Tensor:
            out: torch.Tensor = self.t(self.fc(z).view(-1, d * 8, 2, 2))
            return out

    D = nn.Sequential(
        nn.Conv2d(3, d, 4, 2, 1, bias=False),
        nn.LeakyReLU(0.2),
        nn.Conv2d(d, d * 2, 4, 2, 1, bias=False),
        nn.BatchNorm2d(d * 2),
        nn.LeakyReLU(0.2),
        nn.Conv2d(d * 2, d * 4, 4, 2, 1, bias=False),
        nn.BatchNorm2d(d * 4),
        nn.LeakyReLU(0.2),
        nn.Conv2d(d * 4, d * 8, 4, 2, 1, bias=False),
        nn.BatchNorm2d(d * 8),
        nn.LeakyReLU(0.2),
        nn.Flatten(),
        nn.Linear(d * 8 * 2 * 2, 1),
    )
    return G(), D


def _signature(m: nn.Module) -> tuple[object, ...]:
    if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
        return (
            type(m).__name__,
            m.in_channels,
            m.out_channels,
            m.kernel_size,
            m.stride,
            m.padding,
            m.bias is not None,
        )
    if isinstance(m, nn.BatchNorm2d):
        return ("BatchNorm2d", m.num_features)
    if isinstance(m, nn.Linear):
        return ("Linear", m.in_features, m.out_features, m.bias is not None)
    if isinstance(m, nn.LeakyReLU):
        return ("LeakyReLU", m.negative_slope)
    return (type(m).__name__,)


_SHAPE_ONLY = (nn.Flatten, nn.Unflatten, nn.Sigmoid)


def _layers(net: nn.Module) -> list[nn.Module]:
    return [m for m in net.modules() if not list(m.children()) and not isinstance(m, _SHAPE_ONLY)]


def _copy_params(src: nn.Module, dst: nn.Module) -> None:
    src_state, dst_state = list(src.state_dict().values()), dst.state_dict()
    assert len(src_state) == len(dst_state)
    for (key, dst_t), src_t in zip(dst_state.items(), src_state, strict=True):
        assert dst_t.shape == src_t.shape, key
        dst_state[key] = src_t.clone()
    dst.load_state_dict(dst_state)


@pytest.mark.parametrize(
    ("preset", "reference", "latent", "size"),
    [(dcgan, _reference_dcgan, 100, 64), (celeba32, _reference_celeba32, 100, 32)],
)
def test_preset_matches_reference_layer_for_layer(preset, reference, latent, size) -> None:  # type: ignore[no-untyped-def]
    torch.manual_seed(0)
    g_cfg, d_cfg = preset()
    G, D = build_generator(g_cfg), build_discriminator(d_cfg)
    G_ref, D_ref = reference()
    assert [_signature(m) for m in _layers(G)] == [_signature(m) for m in _layers(G_ref)]
    assert [_signature(m) for m in _layers(D)] == [_signature(m) for m in _layers(D_ref)]

    # Same weights in the same order give the same function (D's Sigmoid is left to the loss).
    _copy_params(G_ref, G)
    _copy_params(D_ref, D)
    for net in (G, D, G_ref, D_ref):
        net.eval()
    z = torch.randn(4, latent)
    with torch.no_grad():
        img = G(z)
        torch.testing.assert_close(img, G_ref(z))
        ref_out = D_ref(img).reshape(-1)
        ours = D(img)
        if preset is dcgan:
            ours = torch.sigmoid(ours)
        torch.testing.assert_close(ours, ref_out)
    assert img.shape == (4, 3, size, size)


def test_dcgan_parameter_counts() -> None:
    g_cfg, d_cfg = dcgan()
    G, D = build_generator(g_cfg), build_discriminator(d_cfg)
    assert sum(p.numel() for p in G.parameters()) == 3_576_704
    assert sum(p.numel() for p in D.parameters()) == 2_765_568


def test_dcgan_other_sizes_and_widths() -> None:
    g_cfg, d_cfg = dcgan(image_size=128, g_width=8, d_width=8, channels=1, latent_dim=16)
    G, D = build_generator(g_cfg), build_discriminator(d_cfg)
    img = G(torch.randn(2, 16))
    assert img.shape == (2, 1, 128, 128)
    assert D(img).shape == (2,)
    with pytest.raises(ValueError, match="image_size"):
        dcgan(image_size=48)


def test_presets_can_be_conditional() -> None:
    g_cfg, d_cfg = celeba32(num_classes=2, width=4)
    G, D = build_generator(g_cfg), build_discriminator(d_cfg)
    y = torch.tensor([0, 1])
    assert D(G(torch.randn(2, 100), y), y).shape == (2,)


@pytest.mark.parametrize("preset", [dcgan, celeba32])
def test_presets_condition_on_attribute_vectors(preset: object) -> None:
    g_cfg, d_cfg = preset(num_attributes=40)  # type: ignore[operator]
    G, D = build_generator(g_cfg), build_discriminator(d_cfg)
    attrs = torch.randint(0, 2, (2, 40))
    size = g_cfg.image_size
    assert D(G(torch.randn(2, 100), attrs), attrs).shape == (2,)
    with pytest.raises(ValueError, match="pass labels"):
        D(torch.zeros(2, 3, size, size))
