"""Fabricate tiny CelebA trees with the real annotation file formats (and their quirks)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
from PIL import Image

ATTRIBUTE_NAMES = [
    "5_o_Clock_Shadow",
    "Arched_Eyebrows",
    "Attractive",
    "Bags_Under_Eyes",
    "Bald",
    "Bangs",
    "Big_Lips",
    "Big_Nose",
    "Black_Hair",
    "Blond_Hair",
    "Blurry",
    "Brown_Hair",
    "Bushy_Eyebrows",
    "Chubby",
    "Double_Chin",
    "Eyeglasses",
    "Goatee",
    "Gray_Hair",
    "Heavy_Makeup",
    "High_Cheekbones",
    "Male",
    "Mouth_Slightly_Open",
    "Mustache",
    "Narrow_Eyes",
    "No_Beard",
    "Oval_Face",
    "Pale_Skin",
    "Pointy_Nose",
    "Receding_Hairline",
    "Rosy_Cheeks",
    "Sideburns",
    "Smiling",
    "Straight_Hair",
    "Wavy_Hair",
    "Wearing_Earrings",
    "Wearing_Hat",
    "Wearing_Lipstick",
    "Wearing_Necklace",
    "Wearing_Necktie",
    "Young",
]
LANDMARK_NAMES = [
    "lefteye_x",
    "lefteye_y",
    "righteye_x",
    "righteye_y",
    "nose_x",
    "nose_y",
    "leftmouth_x",
    "leftmouth_y",
    "rightmouth_x",
    "rightmouth_y",
]

# 6 train, 3 valid, 3 test images, numbered as in the official partition
NUMBERS = (1, 2, 3, 4, 5, 6, 162771, 162772, 162773, 182638, 182639, 182640)
SPLIT_SIZES = {"train": 6, "valid": 3, "test": 3, "all": 12}


def split_of(number: int) -> int:
    return 0 if number <= 162770 else 1 if number <= 182637 else 2


def attr_value(number: int, j: int) -> int:
    """Deterministic +1/-1 attribute; Smiling = even number, Male = multiple of 3."""
    name = ATTRIBUTE_NAMES[j]
    if name == "Smiling":
        return 1 if number % 2 == 0 else -1
    if name == "Male":
        return 1 if number % 3 == 0 else -1
    return 1 if (number * 7 + j * 3) % 5 < 2 else -1


def face_array(number: int, width: int = 178, height: int = 218) -> np.ndarray:
    """A distinct, smooth RGB test image (smooth, so JPEG keeps it recognisable)."""
    yy, xx = np.mgrid[0:height, 0:width]
    r = (xx * 255 // max(1, width - 1) + number * 37) % 256
    g = (yy * 255 // max(1, height - 1) + number * 11) % 256
    b = np.full_like(xx, number * 53 % 256)
    return np.stack([r, g, b], axis=-1).astype(np.uint8)


def _rows(numbers: Iterable[int], values: dict[int, list[int]], ext: str = ".jpg") -> list[str]:
    # right-aligned 2-wide values joined by single spaces -> "-1  1" runs, trailing space
    return [f"{n:06d}{ext} " + " ".join(f"{v:>2}" for v in values[n]) + " " for n in numbers]


def write_annotations(base: Path, numbers: Iterable[int] = NUMBERS) -> None:
    numbers = list(numbers)
    attrs = {n: [attr_value(n, j) for j in range(40)] for n in numbers}
    lines = [str(len(numbers)), " ".join(ATTRIBUTE_NAMES) + " ", *_rows(numbers, attrs)]
    (base / "list_attr_celeba.txt").write_text("\n".join(lines) + "\n")
    (base / "list_eval_partition.txt").write_text(
        "".join(f"{n:06d}.jpg {split_of(n)}\n" for n in numbers)
    )
    (base / "identity_CelebA.txt").write_text(
        "".join(f"{n:06d}.jpg {1000 + n % 97}\n" for n in numbers)
    )
    bbox = [
        str(len(numbers)),
        "image_id x_1 y_1 width height ",
        *(f"{n:06d}.jpg    {n % 90:>3} {n % 70:>3} {100 + n % 50:>3} {120 + n % 40:>3}"
          for n in numbers),
    ]  # fmt: skip
    (base / "list_bbox_celeba.txt").write_text("\n".join(bbox) + "\n")
    marks = [
        str(len(numbers)),
        " ".join(LANDMARK_NAMES),
        *(f"{n:06d}.jpg " + "  ".join(f"{60 + (n + k) % 50:>3}" for k in range(10))
          for n in numbers),
    ]  # fmt: skip
    (base / "list_landmarks_align_celeba.txt").write_text("\r\n".join(marks) + "\r\n")


def write_images(folder: Path, numbers: Iterable[int] = NUMBERS, ext: str = ".jpg") -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for n in numbers:
        Image.fromarray(face_array(n)).save(folder / f"{n:06d}{ext}", quality=95)


def make_official(root: Path, numbers: Iterable[int] = NUMBERS) -> Path:
    """``root/img_align_celeba/*.jpg`` plus the five annotation files in ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    write_images(root / "img_align_celeba", numbers)
    write_annotations(root, numbers)
    return root


def corrupt(path: Path, how: str = "garbage") -> None:
    if how == "garbage":
        path.write_bytes(b"this is not a jpeg" * 20)
    else:  # truncated
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 3])
