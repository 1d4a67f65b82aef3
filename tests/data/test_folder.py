from __future__ import annotations

import warnings
from pathlib import Path

import pytest
import torch
from PIL import Image

from gankit.data.folder import CorruptImageWarning, ImageFolder, find_images
from gankit.data.transforms import UnreadableImageError, load_image, uint8_to_float
from tests.data.celeba_tree import corrupt, face_array


def _folder(root: Path, names: list[str]) -> Path:
    for i, name in enumerate(names):
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(face_array(i, 24, 20)).save(path)
    return root


def test_find_images_recursive_sorted_case_insensitive(tmp_path: Path) -> None:
    _folder(tmp_path, ["b.PNG", "a.jpg", "sub/c.jpeg", "sub/deep/d.bmp", "e.webp"])
    (tmp_path / "notes.txt").write_text("x")
    (tmp_path / ".hidden.jpg").write_bytes(b"")
    _folder(tmp_path, [".cache/x.png"])
    assert find_images(tmp_path) == ["a.jpg", "b.PNG", "e.webp", "sub/c.jpeg", "sub/deep/d.bmp"]
    assert find_images(tmp_path, recursive=False) == ["a.jpg", "b.PNG", "e.webp"]
    assert find_images(tmp_path, extensions=[".png"]) == ["b.PNG"]


def test_find_images_missing_root(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="nope"):
        find_images(tmp_path / "nope")


def test_items_shape_range_and_decode_path(tmp_path: Path) -> None:
    _folder(tmp_path, ["a.png", "b.png", "c/d.png"])
    ds = ImageFolder(tmp_path, image_size=16, crop=None)
    assert len(ds) == 3
    for i in range(3):
        x = ds[i]
        assert x.shape == (3, 16, 16) and x.dtype == torch.float32
        assert x.min() >= -1.0 and x.max() <= 1.0
        expected = load_image(tmp_path / ds.files[i], 16, None)
        assert torch.equal(x, uint8_to_float(expected))
    raw = ImageFolder(tmp_path, 16, crop=None, raw=True)
    assert raw[-1].dtype == torch.uint8 and torch.equal(uint8_to_float(raw[-1]), ds[2])
    assert ImageFolder(tmp_path, 8, channels=1)[0].shape == (1, 8, 8)
    assert len(ImageFolder(tmp_path, 8, recursive=False)) == 2
    assert ImageFolder(tmp_path, 8, files=["b.png"]).files == ["b.png"]


def test_index_errors(tmp_path: Path) -> None:
    ds = ImageFolder(_folder(tmp_path, ["a.png"]), 8)
    with pytest.raises(IndexError):
        ds[1]
    with pytest.raises(IndexError):
        ds[-2]


def test_corrupt_file_is_skipped_with_warning(tmp_path: Path) -> None:
    _folder(tmp_path, ["a.png", "b.png", "c.png", "d.png"])
    corrupt(tmp_path / "b.png")
    corrupt(tmp_path / "c.png", "truncated")
    ds = ImageFolder(tmp_path, 8, raw=True)
    good_d = ds[3]
    with pytest.warns(CorruptImageWarning) as record:
        item = ds[1]
    messages = [str(w.message) for w in record]
    assert any("b.png" in m and "1 unreadable" in m for m in messages)
    assert any("c.png" in m and "2 unreadable" in m for m in messages)
    assert torch.equal(item, good_d)  # the next readable item
    assert ds.skipped == ["b.png", "c.png"]
    with warnings.catch_warnings():  # known-bad files are skipped silently afterwards
        warnings.simplefilter("error")
        assert torch.equal(ds[2], good_d)
        assert torch.equal(ds.load_uint8(1)[1], good_d)
        assert ds.load_uint8(1)[0] == 3


def test_corrupt_last_file_wraps_around(tmp_path: Path) -> None:
    _folder(tmp_path, ["a.png", "b.png"])
    corrupt(tmp_path / "b.png")
    ds = ImageFolder(tmp_path, 8)
    with pytest.warns(CorruptImageWarning, match=r"b\.png"):
        assert ds.load_uint8(1)[0] == 0


def test_strict_raises_naming_file(tmp_path: Path) -> None:
    _folder(tmp_path, ["a.png", "b.png"])
    corrupt(tmp_path / "b.png")
    ds = ImageFolder(tmp_path, 8, strict=True)
    ds[0]
    with pytest.raises(UnreadableImageError, match=r"b\.png"):
        ds[1]


def test_all_corrupt_raises(tmp_path: Path) -> None:
    _folder(tmp_path, ["a.png"])
    corrupt(tmp_path / "a.png")
    with pytest.warns(CorruptImageWarning), pytest.raises(UnreadableImageError, match="none"):
        ImageFolder(tmp_path, 8)[0]


def test_missing_or_empty_folder(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="missing"):
        ImageFolder(tmp_path / "missing")
    (tmp_path / "x.txt").write_text("")
    with pytest.raises(FileNotFoundError, match=r"no image files \(\.jpg.*found under"):
        ImageFolder(tmp_path)


def test_argument_validation(tmp_path: Path) -> None:
    _folder(tmp_path, ["a.png"])
    with pytest.raises(ValueError, match="channels must be one of 1, 3, got 2"):
        ImageFolder(tmp_path, 8, channels=2)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="crop"):
        ImageFolder(tmp_path, 8, crop="wide")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="image_size"):
        ImageFolder(tmp_path, 0)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"channels": True}, r"channels must be an int in \[1, 3\], got True \(bool\)"),
        ({"channels": 3.0}, r"channels must be an int in \[1, 3\], got 3\.0 \(float\)"),
        ({"strict": "yes"}, r"strict must be True or False, got 'yes' \(str\)"),
        ({"recursive": None}, r"recursive must be True or False, got None"),
        ({"image_size": 64.0}, r"image_size must be an int in \[2, 8192\], got 64\.0 \(float\)"),
        ({"crop": 1.5}, r"crop must be one of 'full', 'face', 'dcgan', an int .*got 1\.5"),
    ],
)
def test_wrong_types_are_type_errors(
    tmp_path: Path, kwargs: dict[str, object], message: str
) -> None:
    _folder(tmp_path, ["a.png"])
    with pytest.raises(TypeError, match=message):
        ImageFolder(tmp_path, **kwargs)  # type: ignore[arg-type]
