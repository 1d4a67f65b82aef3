"""The sngan / sagan / r3gan presets against layer-by-layer counts of the source configs.

Each count below is computed from the layer lists of the source configuration (the
papers' appendix tables and the authors' code, cited in the presets' docstrings), with
the formulas of ``nn.Conv2d`` / ``nn.Linear`` / ``nn.BatchNorm2d`` written out here, not
taken from gankit; the docstrings quote the same numbers.
"""

from __future__ import annotations

from itertools import pairwise

import pytest
import torch

import gankit as gk
from gankit.models import r3gan, sagan, sngan


def conv(cin: int, cout: int, k: int, *, bias: bool = True, groups: int = 1) -> int:
    return cout * (cin // groups) * k * k + (cout if bias else 0)


def linear(fan_in: int, fan_out: int, *, bias: bool = True) -> int:
    return fan_in * fan_out + (fan_out if bias else 0)


def batch_norm(c: int) -> int:
    return 2 * c


def attention(c: int) -> int:
    """SAGAN block: query and key C -> C/8, value C -> C/2, output C/2 -> C, gamma."""
    return 2 * conv(c, c // 8, 1, bias=False) + 2 * conv(c, c // 2, 1, bias=False) + 1


def resnet_generator(
    latent: int, side: int, widths: list[int], attend: frozenset[int] = frozenset()
) -> int:
    """Dense to side x side x widths[0], up blocks widths[i] -> widths[i+1], BN-ReLU-conv3."""
    n = linear(latent, widths[0] * side * side)
    for i, (cin, cout) in enumerate(pairwise(widths)):
        n += batch_norm(cin) + conv(cin, cout, 3) + batch_norm(cout) + conv(cout, cout, 3)
        n += conv(cin, cout, 1)  # the shortcut: the resolution always changes
        n += attention(cout) if i in attend else 0
    return n + batch_norm(widths[-1]) + conv(widths[-1], 3, 3)


def resnet_discriminator(
    downs: list[int],
    extras: list[int],
    *,
    hidden_is_input: bool = True,
    attend: frozenset[int] = frozenset(),
) -> int:
    """Down blocks (the first "optimized"), blocks without downsampling, sum pool, dense."""
    n, cin = 0, 3
    for i, cout in enumerate(downs):
        hidden = cin if hidden_is_input and i else cout
        n += conv(cin, hidden, 3) + conv(hidden, cout, 3) + conv(cin, cout, 1)
        n += attention(cout) if i in attend else 0
        cin = cout
    for cout in extras:
        hidden = cin if hidden_is_input else cout
        n += conv(cin, hidden, 3) + conv(hidden, cout, 3)
        n += conv(cin, cout, 1) if cin != cout else 0
        cin = cout
    return n + linear(cin, 1)


def r3gan_block(c: int, groups: int, expansion: int = 2) -> int:
    inner = c * expansion
    return (
        conv(c, inner, 1, bias=False)
        + conv(inner, inner, 3, bias=False, groups=groups)
        + conv(inner, c, 1, bias=False)
        + 2 * inner  # the two biased activations
    )


def r3gan_pair(widths: list[int], groups: list[int], latent: int = 64) -> tuple[int, int]:
    blocks = sum(2 * r3gan_block(w, g) for w, g in zip(widths, groups, strict=True))
    transitions = sum(conv(a, b, 1, bias=False) for a, b in pairwise(widths) if a != b)
    g = linear(latent, widths[0], bias=False) + widths[0] * 16 + blocks + transitions
    g += conv(widths[-1], 3, 1, bias=False)
    d = conv(3, widths[-1], 1, bias=False) + blocks + transitions
    d += conv(widths[0], widths[0], 4, bias=False, groups=widths[0]) + linear(
        widths[0], 1, bias=False
    )
    return g, d


EXPECTED = {
    # Miyato et al. 2018, Table 4 (CIFAR-10).
    ("sngan", 32): (
        resnet_generator(128, 4, [256] * 4),
        resnet_discriminator([128, 128], [128, 128]),
    ),
    # Table 5 (STL-10).
    ("sngan", 48): (
        resnet_generator(128, 6, [512, 256, 128, 64]),
        resnet_discriminator([64, 128, 256, 512], [1024]),
    ),
    # Miyato & Koyama 2018, 64x64 nets.
    ("sngan", 64): (
        resnet_generator(128, 4, [1024, 512, 256, 128, 64]),
        resnet_discriminator([64, 128, 256, 512, 1024], []),
    ),
    # Miyato et al. 2018, Table 6 (ImageNet 128).
    ("sngan", 128): (
        resnet_generator(128, 4, [1024, 1024, 512, 256, 128, 64]),
        resnet_discriminator([64, 128, 256, 512, 1024], [1024]),
    ),
    # Zhang et al. 2019, released 128x128 nets: attention after G's 64x64 block (index 3)
    # and D's 32x32 block (index 1); D blocks widen in their first conv.
    ("sagan", 128): (
        resnet_generator(128, 4, [1024, 1024, 512, 256, 128, 64], attend={3}),
        resnet_discriminator([64, 128, 256, 512, 1024], [1024], hidden_is_input=False, attend={1}),
    ),
    # Huang et al. 2024, train.py presets FFHQ-64 and CIFAR10.
    ("r3gan", 64): r3gan_pair([768, 768, 768, 768, 384], [96, 96, 96, 96, 48]),
    ("r3gan", 32): r3gan_pair([192] * 4, [96] * 4),
}
PRESETS = {"sngan": sngan, "sagan": sagan, "r3gan": r3gan}


def _count(net: torch.nn.Module) -> int:
    return sum(p.numel() for p in net.parameters())


def _build(cfg: gk.models.ModelConfig) -> torch.nn.Module:
    """Build on the meta device: shapes without allocating or initializing 30M weights."""
    with torch.device("meta"):
        return gk.models.build(cfg)


@pytest.mark.parametrize(("name", "size"), sorted(EXPECTED))
def test_parameter_counts_match_the_source_configs(name: str, size: int) -> None:
    g_cfg, d_cfg = PRESETS[name](size)
    expected_g, expected_d = EXPECTED[name, size]
    assert (_count(_build(g_cfg)), _count(_build(d_cfg))) == (
        expected_g,
        expected_d,
    )
    doc = PRESETS[name].__doc__ or ""
    assert f"G {expected_g:,}" in doc and f"D {expected_d:,}" in doc


def test_conditional_variants_add_the_class_parameters() -> None:
    g, d = sngan(32, num_classes=10)
    base_g, base_d = EXPECTED["sngan", 32]
    # 3 blocks x 2 conditional BNs: 10 gains and biases per channel replace the affine pair.
    assert _count(_build(g)) == base_g + 6 * (2 * 256 * 10 - 2 * 256)
    assert _count(_build(d)) == base_d + 10 * 128  # projection embedding
    g, d = r3gan(32, num_attributes=40)
    base_g, base_d = EXPECTED["r3gan", 32]
    assert _count(_build(g)) == base_g + 40 * 64 + 64 * 192
    assert _count(_build(d)) == base_d + 40 * 192 + 192 * 191


@pytest.mark.parametrize("preset", [sngan, sagan, r3gan])
def test_presets_reject_other_sizes(preset: object) -> None:
    for bad in (16, 100, 64.0, "64", True):
        with pytest.raises(ValueError, match=r"image_size=\.\.\.\) must be one of"):
            preset(bad)  # type: ignore[operator]


def test_sagan_keeps_the_attention_positions_relative() -> None:
    for size in (32, 64, 128, 256):
        g, d = sagan(size)
        assert (g.attention, d.attention) == ((size // 2,), (size // 4,))
        assert g.spectral_norm and d.spectral_norm
