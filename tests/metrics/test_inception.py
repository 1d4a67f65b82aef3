from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn
from torchvision.models.inception import InceptionA, InceptionC, InceptionE

from gankit.metrics import (
    CLEAN_FID_PROTOCOL,
    INCEPTION_NUM_CLASSES,
    INCEPTION_NUM_FEATURES,
    INCEPTION_PROTOCOL,
    FIDInceptionV3,
    InceptionFeatureExtractor,
    preprocess_images,
    protocol_name,
)
from gankit.metrics.inception import _InceptionA, _InceptionC, _InceptionE


class StandIn(nn.Module):
    """Small deterministic network with the extractor's (features, logits) interface."""

    def __init__(self, logits: bool = True) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.conv = nn.Conv2d(3, 8, 5, stride=4)
        self.fc = nn.Linear(8, 5) if logits else None

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        assert x.shape[1:] == (3, 299, 299)
        features = torch.relu(self.conv(x)).mean((2, 3))
        return features, None if self.fc is None else self.fc(features)


def _bilinear_reference(image: npt.NDArray[np.float64], size: int) -> npt.NDArray[np.float64]:
    """Half-pixel-centre bilinear resize with edge clamping (align_corners=False), in numpy."""

    def weights(n_in: int) -> npt.NDArray[np.float64]:
        matrix = np.zeros((size, n_in))
        for i in range(size):
            src = max((i + 0.5) * n_in / size - 0.5, 0.0)
            lo = min(int(np.floor(src)), n_in - 1)
            hi = min(lo + 1, n_in - 1)
            frac = src - lo
            matrix[i, lo] += 1 - frac
            matrix[i, hi] += frac
        return matrix

    rows, cols = weights(image.shape[-2]), weights(image.shape[-1])
    return np.asarray(rows @ image @ cols.T, dtype=np.float64)


def test_state_dict_keys_follow_pytorch_fid_layout() -> None:
    state = FIDInceptionV3().state_dict()
    convs = {key.rsplit(".", 2)[0] for key in state if key.endswith(".conv.weight")}
    assert len(convs) == 94
    assert {"Conv2d_1a_3x3", "Mixed_5b.branch5x5_2", "Mixed_7c.branch3x3dbl_3b"} <= convs
    assert state["fc.weight"].shape == (INCEPTION_NUM_CLASSES, INCEPTION_NUM_FEATURES)
    assert "Mixed_6e.branch7x7dbl_5.bn.running_var" in state
    assert not any(key.startswith("AuxLogits") for key in state)
    assert all(
        bn.eps == 0.001 for bn in FIDInceptionV3().modules() if isinstance(bn, nn.BatchNorm2d)
    )
    assert "fc.weight" not in FIDInceptionV3(classifier=False).state_dict()


@pytest.mark.parametrize(
    ("ours", "theirs", "args", "channels", "pool_channels"),
    [
        (_InceptionA, InceptionA, (16,), 16, 8),
        (_InceptionC, InceptionC, (16,), 16, 192),
        (_InceptionE, InceptionE, (16,), 16, 192),
    ],
)
def test_pool_branches_exclude_padding(
    ours: type[nn.Module],
    theirs: type[nn.Module],
    args: tuple[int],
    channels: int,
    pool_channels: int,
) -> None:
    """Same weights as torchvision: only the pool branch at the border differs."""
    extra = {"pool_features": pool_channels} if theirs is InceptionA else {}
    if theirs is InceptionC:
        extra = {"channels_7x7": 8}
    reference = theirs(*args, **extra).eval()
    patched = ours(*args, **extra).eval()
    patched.load_state_dict(reference.state_dict())
    x = torch.rand(1, channels, 6, 6)
    with torch.no_grad():
        got, expected = patched(x), reference(x)
    branch = slice(got.shape[1] - pool_channels, None)
    interior = (slice(None), branch, slice(1, -1), slice(1, -1))
    torch.testing.assert_close(got[:, : branch.start], expected[:, : branch.start])
    torch.testing.assert_close(got[interior], expected[interior])
    assert not torch.allclose(got[:, branch], expected[:, branch])


def test_last_block_max_pools() -> None:
    block = _InceptionE(4, max_pool=True).eval()
    for module in block.branch_pool.modules():  # identity pool projection: conv = I, bn = id
        if isinstance(module, nn.Conv2d):
            module.weight.data = torch.eye(192, 4)[:, :, None, None]
    x = torch.rand(1, 4, 5, 5)
    with torch.no_grad():
        pooled = block(x)[:, -192:][:, :4]
    expected = torch.relu(nn.functional.max_pool2d(x, 3, stride=1, padding=1) / (1 + 1e-3) ** 0.5)
    torch.testing.assert_close(pooled, expected)


@settings(max_examples=10)
@given(st.integers(1, 40), st.integers(1, 40), st.integers(0, 2**31 - 1))
def test_uint8_and_signed_float_give_same_input(h: int, w: int, seed: int) -> None:
    g = torch.Generator().manual_seed(seed)
    u8 = torch.randint(0, 256, (1, 3, h, w), generator=g, dtype=torch.uint8)
    from_uint8 = preprocess_images(u8)
    from_float = preprocess_images(u8.double() / 127.5 - 1)
    assert from_uint8.shape == (1, 3, 299, 299) and from_uint8.dtype == torch.float32
    torch.testing.assert_close(from_uint8, from_float, rtol=0, atol=2e-6)
    assert from_uint8.min() >= -1 and from_uint8.max() <= 1


def test_resize_is_bilinear_half_pixel_without_antialias() -> None:
    image = np.random.default_rng(0).random((7, 11))
    u8 = torch.from_numpy(np.round(image * 255)).to(torch.uint8)
    got = preprocess_images(u8.expand(1, 3, 7, 11))
    expected = 2 * _bilinear_reference(u8.numpy() / 255.0, 299) - 1
    np.testing.assert_allclose(got[0, 1].numpy(), expected, atol=2e-6)
    big = torch.randint(0, 256, (1, 3, 600, 600), dtype=torch.uint8)
    down = preprocess_images(big)[0, 0].double().numpy()
    expected_down = 2 * _bilinear_reference(big[0, 0].numpy() / 255, 299) - 1
    np.testing.assert_allclose(down, expected_down, atol=5e-4)  # float32 source coordinates


def test_299_input_is_only_rescaled_and_grey_is_repeated() -> None:
    u8 = torch.randint(0, 256, (2, 1, 299, 299), dtype=torch.uint8)
    out = preprocess_images(u8)
    torch.testing.assert_close(out, (2 * u8.float() / 255 - 1).expand(2, 3, 299, 299))


def test_value_range_declares_other_float_conventions() -> None:
    u8 = torch.randint(0, 256, (2, 3, 9, 9), dtype=torch.uint8)
    expected = preprocess_images(u8)
    unit = preprocess_images(u8.float() / 255, value_range=(0.0, 1.0))
    pixels = preprocess_images(u8.float(), value_range=(0, 255))
    torch.testing.assert_close(unit, expected, rtol=0, atol=2e-6)
    torch.testing.assert_close(pixels, expected, rtol=0, atol=2e-6)
    extractor = InceptionFeatureExtractor(StandIn(), value_range=(0.0, 1.0))
    torch.testing.assert_close(extractor(u8.float() / 255), extractor(u8), rtol=1e-5, atol=1e-6)
    for bad in ((1.0, 0.0), (0.0, float("inf")), (0.5, 0.5), (0, 10**400), (0.0, 1.0, 2.0)):
        with pytest.raises(ValueError, match="value_range must be finite"):
            preprocess_images(u8, value_range=bad)  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="value_range"):
            InceptionFeatureExtractor(StandIn(), value_range=bad)  # type: ignore[arg-type]
    for wrong in ([0.0, 1.0], (0.0, "1"), None):
        with pytest.raises(TypeError, match="value_range must be a tuple of two numbers"):
            preprocess_images(u8, value_range=wrong)  # type: ignore[arg-type]


def test_float_input_is_clamped() -> None:
    x = torch.full((1, 3, 4, 4), 3.0)
    torch.testing.assert_close(preprocess_images(x), torch.ones(1, 3, 299, 299))
    torch.testing.assert_close(preprocess_images(-x), -torch.ones(1, 3, 299, 299))


@pytest.mark.parametrize(
    ("images", "error", "match"),
    [
        (torch.zeros(3, 8, 8), ValueError, r"got \(3, 8, 8\)"),
        (torch.zeros(1, 4, 8, 8), ValueError, "C in \\(1, 3\\)"),
        (torch.zeros(1, 3, 8, 8, dtype=torch.int32), TypeError, "uint8 or floating point"),
        (np.zeros((1, 3, 8, 8)), TypeError, "must be a torch.Tensor"),
    ],
)
def test_preprocess_rejects_bad_images(images: object, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        preprocess_images(images)  # type: ignore[arg-type]


def test_extractor_uses_preprocessed_input_and_stays_frozen() -> None:
    network = StandIn()
    extractor = InceptionFeatureExtractor(network, source="stand-in")
    images = torch.rand(3, 3, 32, 32) * 2 - 1
    with torch.no_grad():
        expected, expected_logits = network(preprocess_images(images))
        features, logits = extractor.features_and_logits(images)
    torch.testing.assert_close(features, expected)
    assert logits is not None and expected_logits is not None
    torch.testing.assert_close(extractor.logits(images), expected_logits)
    extractor.train()
    assert not extractor.training and not network.training
    assert not any(p.requires_grad for p in extractor.parameters())
    assert extractor.protocol == INCEPTION_PROTOCOL and "stand-in" in repr(extractor)


def test_extractor_without_classifier_refuses_logits() -> None:
    extractor = InceptionFeatureExtractor(StandIn(logits=False), source="torchscript file")
    assert extractor(torch.zeros(1, 3, 8, 8)).shape == (1, 8)
    with pytest.raises(RuntimeError, match="torchscript file have no classifier"):
        extractor.logits(torch.zeros(1, 3, 8, 8))


def test_real_architecture_uint8_and_float_give_same_features() -> None:
    torch.manual_seed(0)
    network = FIDInceptionV3()
    for module in network.modules():  # keep activations O(1): no slow denormals on CPU
        if isinstance(module, nn.Conv2d):
            nn.init.kaiming_normal_(module.weight, nonlinearity="relu")
    extractor = InceptionFeatureExtractor(network)
    u8 = torch.randint(0, 256, (1, 3, 48, 48), dtype=torch.uint8)
    with torch.no_grad():
        from_uint8, logits = extractor.features_and_logits(u8)
        from_float = extractor(u8.float() / 127.5 - 1)
    assert from_uint8.shape == (1, INCEPTION_NUM_FEATURES)
    assert logits is not None and logits.shape == (1, INCEPTION_NUM_CLASSES)
    assert from_uint8.abs().mean() > 0.1
    torch.testing.assert_close(from_uint8, from_float, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("size", [(28, 28), (64, 48), (512, 400)])
def test_clean_fid_resize_is_pil_bicubic(size: tuple[int, int]) -> None:
    """Issue 18.3: the clean-fid option resizes as PIL's bicubic on float images does.

    torch's antialiased bicubic uses PIL's filter (a = -0.5, support scaled by the
    downsampling factor); they differ by float32 round-off, dominated by torch computing
    each tap's source position in float32: an error of at most ``eps32 * (in + out)``
    pixels, which moves the output by that times the slope, at most ``sum |k'| <= 2``
    times the pixel range per pixel, per pass (2 passes). PIL accumulates in double.
    """
    from PIL import Image

    h, w = size
    g = torch.Generator().manual_seed(0)
    u8 = torch.randint(0, 256, (1, 1, h, w), generator=g, dtype=torch.uint8)
    pil = Image.fromarray(u8[0, 0].numpy().astype(np.float32), mode="F")
    expected = np.asarray(pil.resize((299, 299), resample=Image.Resampling.BICUBIC))
    expected = np.clip(expected, 0, 255) / 255.0
    got = (preprocess_images(u8, convention="clean-fid")[0, 0].double().numpy() + 1) / 2
    eps = float(np.finfo(np.float32).eps)
    bound = 2 * 2 * eps * (max(h, w) + 299) + 8 * eps  # [0, 1] units; 8 eps: scaling, 2x - 1
    np.testing.assert_allclose(got, expected, rtol=0, atol=bound)
    bilinear = (preprocess_images(u8)[0, 0].double().numpy() + 1) / 2
    assert np.abs(bilinear - expected).max() > 100 * bound  # the conventions really differ


def test_conventions_are_named_and_validated() -> None:
    assert protocol_name() == INCEPTION_PROTOCOL
    assert protocol_name("clean-fid") == CLEAN_FID_PROTOCOL != INCEPTION_PROTOCOL
    with pytest.raises(ValueError, match="convention must be one of 'pytorch-fid', 'clean-fid'"):
        preprocess_images(torch.zeros(1, 3, 8, 8), convention="tf")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="convention must be one of"):
        InceptionFeatureExtractor(FIDInceptionV3(), convention="bad")  # type: ignore[arg-type]
    extractor = InceptionFeatureExtractor(FIDInceptionV3(), convention="clean-fid")
    assert extractor.protocol == CLEAN_FID_PROTOCOL and "clean-fid" in repr(extractor)
    same = torch.zeros(1, 3, 299, 299)  # 299x299 images are not resized by either
    torch.testing.assert_close(
        preprocess_images(same, convention="clean-fid"), preprocess_images(same)
    )
