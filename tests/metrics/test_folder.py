from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from gankit.metrics import ImageFiles, preprocess_images, stack_images


def _save(path: Path, size: tuple[int, int], seed: int, mode: str = "RGB") -> np.ndarray:
    rng = np.random.default_rng(seed)
    shape = (size[1], size[0], 3) if mode == "RGB" else (size[1], size[0])
    pixels = rng.integers(0, 256, shape, dtype=np.uint8)
    Image.fromarray(pixels).save(path)
    return pixels


def test_images_keep_their_size_and_pixels(tmp_path: Path) -> None:
    rgb = _save(tmp_path / "a.png", (40, 30), 0)
    gray = _save(tmp_path / "b.png", (20, 20), 1, mode="L")
    files = ImageFiles(tmp_path)
    assert files.files == ["a.png", "b.png"] and len(files) == 2
    assert torch.equal(files[0], torch.from_numpy(rgb).permute(2, 0, 1))
    assert torch.equal(files[1], torch.from_numpy(gray)[None].expand(3, -1, -1))  # as RGB


def test_crop_and_resize_only_when_asked(tmp_path: Path) -> None:
    pixels = _save(tmp_path / "a.png", (40, 30), 0)
    cropped = ImageFiles(tmp_path, crop="full")[0]
    assert torch.equal(cropped, torch.from_numpy(pixels[:, 5:35]).permute(2, 0, 1))
    assert ImageFiles(tmp_path, crop=10)[0].shape == (3, 10, 10)
    assert ImageFiles(tmp_path, image_size=16, crop=None)[0].shape == (3, 16, 16)
    with pytest.raises(ValueError, match="image_size must be None or an int >= 2, got 1"):
        ImageFiles(tmp_path, image_size=1)


def test_unreadable_file_is_named(tmp_path: Path) -> None:
    (tmp_path / "bad.png").write_bytes(b"no image here")
    with pytest.raises(ValueError, match=r"cannot read image '.*bad\.png'"):
        ImageFiles(tmp_path)[0]
    with pytest.raises(FileNotFoundError, match="no image files"):
        ImageFiles(tmp_path, files=[])


def test_stack_images_one_size_or_each_resized() -> None:
    g = torch.Generator().manual_seed(0)
    a = torch.randint(0, 256, (3, 8, 8), generator=g, dtype=torch.uint8)
    b = torch.randint(0, 256, (3, 9, 7), generator=g, dtype=torch.uint8)
    assert torch.equal(stack_images([a, a]), torch.stack([a, a]))
    mixed = stack_images([a, b], convention="clean-fid")
    assert mixed.dtype == torch.float32 and mixed.shape == (2, 3, 299, 299)
    torch.testing.assert_close(mixed[1:], preprocess_images(b[None], convention="clean-fid"))
    # an extractor with value_range (-1, 1) leaves the mapped images as they are
    torch.testing.assert_close(preprocess_images(mixed), mixed, rtol=0, atol=2e-7)
