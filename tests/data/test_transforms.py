from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image
from torchvision.transforms.v2 import functional as F

from gankit.data.transforms import (
    CROP_PRESETS,
    UnreadableImageError,
    float_to_uint8,
    load_image,
    preprocess,
    uint8_to_float,
)
from tests.data.celeba_tree import face_array


def _image(h: int = 218, w: int = 178) -> torch.Tensor:
    return torch.from_numpy(face_array(3, w, h)).permute(2, 0, 1).contiguous()


@pytest.mark.parametrize(("preset", "side"), [("face", 140), ("dcgan", 108)])
def test_fixed_presets_are_centred_squares(preset: str, side: int) -> None:
    img = _image()
    top, left = (218 - side) // 2, (178 - side) // 2
    expected = img[:, top : top + side, left : left + side]
    assert CROP_PRESETS[preset] == side
    assert torch.equal(preprocess(img, side, preset), expected)  # type: ignore[arg-type]


def test_full_preset_is_largest_centred_square() -> None:
    img = _image()
    out = preprocess(img, 178, "full")
    assert torch.equal(out, img[:, 20:198, :])
    wide = _image(50, 80)
    assert torch.equal(preprocess(wide, 50, "full"), wide[:, :, 15:65])


def test_int_crop_equals_preset_and_none_only_resizes() -> None:
    img = _image()
    assert torch.equal(preprocess(img, 32, 108), preprocess(img, 32, "dcgan"))
    expected = F.resize(img, [16, 16], antialias=True)
    assert torch.equal(preprocess(img, 16, None), expected)


@given(
    st.integers(8, 80),
    st.integers(8, 80),
    st.integers(2, 40),
    st.sampled_from(["full", "face", "dcgan", None, 20]),
)
def test_preprocess_shape_and_dtype(h: int, w: int, size: int, crop: object) -> None:
    out = preprocess(torch.zeros(3, h, w, dtype=torch.uint8), size, crop)  # type: ignore[arg-type]
    assert out.shape == (3, size, size)
    assert out.dtype == torch.uint8


def test_uint8_float_round_trip_and_range() -> None:
    x = torch.arange(256, dtype=torch.uint8)
    f = uint8_to_float(x)
    assert f.dtype == torch.float32
    assert f[0] == -1.0 and f[-1] == 1.0
    assert torch.all(f[1:] > f[:-1])
    assert torch.equal(float_to_uint8(f), x)
    assert uint8_to_float(x, torch.float64).dtype == torch.float64
    assert torch.equal(float_to_uint8(torch.tensor([-3.0, 3.0])), torch.tensor([0, 255]).byte())


@pytest.mark.parametrize("ext", [".jpg", ".png", ".bmp", ".webp"])
def test_load_image_formats(tmp_path: Path, ext: str) -> None:
    array = face_array(5, 40, 30)
    path = tmp_path / f"img{ext}"
    Image.fromarray(array).save(path, **({"lossless": True} if ext == ".webp" else {}))
    out = load_image(path, 30, "full")
    assert out.shape == (3, 30, 30) and out.dtype == torch.uint8
    if ext != ".jpg":  # lossless formats decode exactly
        expected = torch.from_numpy(array).permute(2, 0, 1)[:, :, 5:35]
        assert torch.equal(out, expected)


def test_load_image_grayscale_and_channels(tmp_path: Path) -> None:
    path = tmp_path / "g.png"
    Image.fromarray(np.full((10, 10), 77, dtype=np.uint8)).save(path)
    rgb = load_image(path, 10)
    assert rgb.shape == (3, 10, 10) and bool((rgb == 77).all())
    gray = load_image(path, 10, channels=1)
    assert gray.shape == (1, 10, 10)


@pytest.mark.parametrize("content", [b"", b"not an image at all", None])
def test_unreadable_image_names_the_file(tmp_path: Path, content: bytes | None) -> None:
    path = tmp_path / "bad.jpg"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(UnreadableImageError, match=r"bad\.jpg") as info:
        load_image(path, 8)
    assert info.value.path == str(path)
    again = pickle.loads(pickle.dumps(info.value))
    assert isinstance(again, UnreadableImageError) and str(again) == str(info.value)


def test_truncated_jpeg_is_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "t.jpg"
    Image.fromarray(face_array(1)).save(path)
    path.write_bytes(path.read_bytes()[:500])
    with pytest.raises(UnreadableImageError, match=r"t\.jpg"):
        load_image(path, 8)
