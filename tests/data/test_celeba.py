from __future__ import annotations

import re
import shutil
import warnings
from pathlib import Path

import pytest
import torch
from PIL import Image

from gankit.data.celeba import CELEBA_URL, CelebA
from gankit.data.folder import CorruptImageWarning
from gankit.data.transforms import UnreadableImageError
from tests.data.celeba_tree import (
    ATTRIBUTE_NAMES,
    NUMBERS,
    SPLIT_SIZES,
    attr_value,
    corrupt,
    face_array,
    make_official,
    split_of,
    write_annotations,
    write_images,
)


def _number(name: str) -> int:
    return int(Path(name).stem)


@pytest.mark.parametrize("split", ["train", "valid", "test", "all"])
def test_official_split_sizes(celeba_root: Path, split: str) -> None:
    ds = CelebA(celeba_root, 16, split)  # type: ignore[arg-type]
    assert len(ds) == SPLIT_SIZES[split]
    code = {"train": 0, "valid": 1, "test": 2}.get(split)
    assert all(code is None or split_of(_number(f)) == code for f in ds.files)
    x = ds[0]
    assert isinstance(x, torch.Tensor) and x.shape == (3, 16, 16) and x.dtype == torch.float32
    assert x.min() >= -1.0 and x.max() <= 1.0


def test_attribute_names_and_targets(celeba_root: Path) -> None:
    ds = CelebA(celeba_root, 8, "all", target="attr")
    assert ds.attribute_names == ATTRIBUTE_NAMES
    for i, name in enumerate(ds.files):
        _, attrs = ds[i]
        assert isinstance(attrs, torch.Tensor) and attrs.dtype == torch.int64
        expected = [int(attr_value(_number(name), j) > 0) for j in range(40)]
        assert attrs.tolist() == expected
        assert ds.attr[i].tolist() == expected
    smiling = CelebA(celeba_root, 8, "all", target="Smiling")
    for i, name in enumerate(smiling.files):
        _, label = smiling[i]
        assert label == int(_number(name) % 2 == 0) and isinstance(label, int)


def test_attribute_filtering(celeba_root: Path) -> None:
    ds = CelebA(celeba_root, 8, "all", attributes={"Smiling": True, "Male": False})
    numbers = [_number(f) for f in ds.files]
    expected = [n for n in NUMBERS if n % 2 == 0 and n % 3 != 0]
    assert numbers == expected
    with_target = CelebA(celeba_root, 8, "train", target="attr", attributes={"Male": True})
    male = ATTRIBUTE_NAMES.index("Male")
    assert len(with_target) == sum(1 for n in NUMBERS[:6] if n % 3 == 0)
    assert all(with_target[i][1][male] == 1 for i in range(len(with_target)))  # type: ignore[index]


def test_other_annotations(celeba_root: Path) -> None:
    ds = CelebA(celeba_root, 8, "valid")
    numbers = [_number(f) for f in ds.files]
    assert ds.identity.tolist() == [1000 + n % 97 for n in numbers]
    assert ds.bbox.tolist() == [[n % 90, n % 70, 100 + n % 50, 120 + n % 40] for n in numbers]
    assert ds.landmarks.shape == (3, 10)
    assert ds.landmarks[0].tolist() == [60 + (numbers[0] + k) % 50 for k in range(10)]


def test_crop_presets_on_real_geometry(celeba_root: Path) -> None:
    raw = torch.from_numpy(face_array(NUMBERS[0])).permute(2, 0, 1)
    for crop, side in [("full", 178), ("face", 140), ("dcgan", 108), (100, 100)]:
        ds = CelebA(celeba_root, side, "train", crop=crop, raw=True)  # type: ignore[arg-type]
        x = ds[0]
        assert isinstance(x, torch.Tensor) and x.dtype == torch.uint8
        top, left = (218 - side) // 2, (178 - side) // 2
        expected = raw[:, top : top + side, left : left + side].int()
        assert (x.int() - expected).abs().float().mean() < 4  # JPEG noise only


def test_torchvision_and_nested_layouts(tmp_path: Path) -> None:
    make_official(tmp_path / "celeba")
    assert len(CelebA(tmp_path, 8, "test")) == 3
    nested = tmp_path / "nested"
    write_images(nested / "img_align_celeba" / "img_align_celeba")
    write_annotations(nested)
    assert len(CelebA(nested, 8, "valid")) == 3


def test_flat_folder_uses_numbering_and_stems(tmp_path: Path) -> None:
    write_images(tmp_path, ext=".png")
    assert len(CelebA(tmp_path, 8, "train")) == 6
    assert len(CelebA(tmp_path, 8, "test")) == 3
    with pytest.raises(FileNotFoundError, match=r"list_attr_celeba\.txt"):
        CelebA(tmp_path, 8, "all", target="attr")
    write_annotations(tmp_path)  # annotation rows name .jpg, images are .png: matched by stem
    ds = CelebA(tmp_path, 8, "all", target="Male")
    assert [ds[i][1] for i in range(len(ds))] == [int(n % 3 == 0) for n in NUMBERS]


def test_flat_folder_without_numbers(tmp_path: Path) -> None:
    for name in ["cat.png", "dog.png"]:
        Image.fromarray(face_array(1, 32, 32)).save(tmp_path / name)
    assert len(CelebA(tmp_path, 8, "all")) == 2
    with pytest.raises(ValueError, match=r"split='train' needs .*use split='all'"):
        CelebA(tmp_path, 8, "train")


def test_partition_file_missing_falls_back_to_numbering(tmp_path: Path) -> None:
    make_official(tmp_path)
    (tmp_path / "list_eval_partition.txt").unlink()
    assert len(CelebA(tmp_path, 8, "valid")) == 3


def test_missing_dataset_message(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError) as info:
        CelebA(tmp_path / "nowhere")
    message = str(info.value)
    for part in ["img_align_celeba", "list_eval_partition.txt", "list_attr_celeba.txt"]:
        assert part in message
    assert str(tmp_path / "nowhere") in message and CELEBA_URL in message
    assert "flat folder" in message
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="CelebA not found"):
        CelebA(tmp_path / "empty")
    (tmp_path / "empty" / "img_align_celeba").mkdir()
    with pytest.raises(FileNotFoundError, match="holds no images"):
        CelebA(tmp_path / "empty")


def test_missing_attr_file_names_path(tmp_path: Path) -> None:
    make_official(tmp_path)
    (tmp_path / "list_attr_celeba.txt").unlink()
    assert len(CelebA(tmp_path, 8)) == 6  # images only: no attribute file needed
    with pytest.raises(FileNotFoundError, match=re.escape(str(tmp_path / "list_attr_celeba.txt"))):
        CelebA(tmp_path, 8, target="Smiling")


def test_images_missing_from_disk(tmp_path: Path) -> None:
    make_official(tmp_path)
    (tmp_path / "img_align_celeba" / "000002.jpg").unlink()
    with pytest.warns(UserWarning, match=r"1 image\(s\) of split 'train'.*000002"):
        ds = CelebA(tmp_path, 8, "train")
    assert len(ds) == 5
    with pytest.raises(FileNotFoundError, match="000002"):
        CelebA(tmp_path, 8, "train", strict=True)


def test_corrupt_image_skipped_with_consistent_label(tmp_path: Path) -> None:
    make_official(tmp_path)
    corrupt(tmp_path / "img_align_celeba" / "000002.jpg")
    ds = CelebA(tmp_path, 8, "train", target="Smiling")
    with pytest.warns(CorruptImageWarning, match=r"000002\.jpg.*1 unreadable"):
        image, label = ds[1]
    assert label == int(3 % 2 == 0)  # the label of 000003, the item returned instead
    assert torch.equal(image, ds[2][0])  # type: ignore[index]
    assert ds.skipped == ["000002.jpg"]
    strict = CelebA(tmp_path, 8, "train", strict=True)
    with pytest.raises(UnreadableImageError, match=r"000002\.jpg"):
        strict[1]


def test_argument_errors(celeba_root: Path) -> None:
    with pytest.raises(
        ValueError, match="split must be one of 'train', 'valid', 'test', 'all', got 'training'"
    ):
        CelebA(celeba_root, split="training")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="target must be None or one of 'attr', '5_o_Clock"):
        CelebA(celeba_root, target="Smile")
    with pytest.raises(ValueError, match=r"attributes key must be one of .*got 'Smile'"):
        CelebA(celeba_root, attributes={"Smile": True})
    with pytest.raises(TypeError, match=r"attributes\['Male'\] must be a bool"):
        CelebA(celeba_root, attributes={"Male": 1})  # type: ignore[dict-item]


def test_malformed_attr_file(tmp_path: Path) -> None:
    make_official(tmp_path)
    path = tmp_path / "list_attr_celeba.txt"
    path.write_text(path.read_text() + "000099.jpg 1 -1\n")
    with pytest.raises(ValueError, match="fields per row"):
        CelebA(tmp_path, target="attr")


def test_grayscale_and_raw(celeba_root: Path) -> None:
    x = CelebA(celeba_root, 12, channels=1, raw=True)[0]
    assert isinstance(x, torch.Tensor) and x.shape == (1, 12, 12) and x.dtype == torch.uint8


def test_no_warning_on_clean_tree(celeba_root: Path, tmp_path: Path) -> None:
    shutil.copytree(celeba_root, tmp_path / "copy")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ds = CelebA(tmp_path / "copy", 8, "all", target="attr")
        for i in range(len(ds)):
            ds[i]
