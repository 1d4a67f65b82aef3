"""CelebA (Liu et al., 2015, *Deep Learning Face Attributes in the Wild*) from local files.

Nothing is ever downloaded. ``root`` may be laid out in three ways, tried in this order:

1. **Official layout**: ``root/img_align_celeba/`` (the aligned 178×218 JPEGs; a doubly
   nested ``img_align_celeba/img_align_celeba/`` left by some unzip tools is accepted) with
   the annotation files next to it: ``list_eval_partition.txt`` (splits),
   ``list_attr_celeba.txt`` (40 binary attributes), and optionally ``identity_CelebA.txt``,
   ``list_bbox_celeba.txt``, ``list_landmarks_align_celeba.txt``.
2. **torchvision layout**: the same files one level down, in ``root/celeba/``.
3. **Flat folder**: any folder of face images (``.jpg .jpeg .png .bmp .webp``, searched
   recursively), e.g. a preprocessed 32×32 set. Annotation files found in ``root`` are used.

Annotation rows are matched to images by file *stem*, so ``000001.png`` converted from
``000001.jpg`` keeps its labels. Without ``list_eval_partition.txt`` the split is derived
from CelebA's file numbering (official partition: 000001-162770 train, 162771-182637
valid, 182638-202599 test); folders with other names only support ``split="all"``.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Literal, get_args

import numpy as np
import torch
from torch import Tensor
from torch.utils.data import Dataset

from gankit._validation import check_choice, check_crop, check_image_size
from gankit.data.folder import ImageFolder, find_images
from gankit.data.transforms import (
    CROP_PRESETS,
    IMAGE_EXTENSIONS,
    CropSpec,
    uint8_to_float,
)

__all__ = ["CELEBA_URL", "CelebA", "CelebAItem", "Split"]

Split = Literal["train", "valid", "test", "all"]
"""Which CelebA partition to use: ``train`` (0), ``valid`` (1), ``test`` (2) or ``all``."""

CelebAItem = Tensor | tuple[Tensor, Tensor] | tuple[Tensor, int]
"""What :class:`~gankit.data.CelebA` yields, depending on ``target``."""

CELEBA_URL = "https://mmlab.ie.cuhk.edu.hk/projects/CelebA.html"
_SPLIT_CODES = {"train": 0, "valid": 1, "test": 2}
_LAST_TRAIN, _LAST_VALID = 162770, 182637  # official partition by file number
_ATTR, _PARTITION = "list_attr_celeba.txt", "list_eval_partition.txt"
_IDENTITY, _BBOX = "identity_CelebA.txt", "list_bbox_celeba.txt"
_LANDMARKS = "list_landmarks_align_celeba.txt"


def _not_found(root: Path) -> FileNotFoundError:
    exts = " ".join(IMAGE_EXTENSIONS)
    return FileNotFoundError(
        f"CelebA not found under {str(root)!r}. Expected either the official layout "
        f"{str(root / 'img_align_celeba')!r}/ (the aligned JPEGs) with {_PARTITION!r} and "
        f"{_ATTR!r} next to it (also accepted one level down in {str(root / 'celeba')!r}/, "
        f"torchvision's layout), or a flat folder of face images ({exts}). CelebA is never "
        f"downloaded automatically: get 'img_align_celeba.zip' and the annotation files from "
        f"{CELEBA_URL}"
    )


def _locate(root: Path) -> tuple[Path, Path, list[str]]:
    """Return (annotation folder, image folder, sorted relative image paths)."""
    if not root.is_dir():
        raise _not_found(root)
    for base in (root, root / "celeba"):
        images = base / "img_align_celeba"
        if images.is_dir():
            files = find_images(images, recursive=False)
            nested = images / "img_align_celeba"
            if not files and nested.is_dir():
                images, files = nested, find_images(nested, recursive=False)
            if not files:
                raise FileNotFoundError(
                    f"{str(images)!r} holds no images; unzip img_align_celeba.zip from "
                    f"{CELEBA_URL} there"
                )
            return base, images, files
    files = find_images(root)
    if not files:
        raise _not_found(root)
    return root, root, files


def _read_table(path: Path, header: bool) -> tuple[list[str], list[str], np.ndarray]:
    """Parse a CelebA annotation file: ``[count, column names,] name v1 ... vk`` lines.

    Whitespace runs and trailing spaces are tolerated. Returns (column names, file stems,
    int64 values of shape (rows, k)).
    """
    if not path.is_file():
        raise FileNotFoundError(
            f"CelebA annotation file {str(path)!r} not found; get it from {CELEBA_URL}"
        )
    lines = path.read_text().splitlines()
    columns: list[str] = []
    if header:
        if len(lines) < 2:
            raise ValueError(f"{str(path)!r}: expected a count line and a column-name line")
        columns = lines[1].split()
        if columns and columns[0] == "image_id":  # list_bbox_celeba.txt names its key column
            columns = columns[1:]
        lines = lines[2:]
    tokens = " ".join(lines).split()
    width = len(columns) + 1 if header else 2
    if len(tokens) % width:
        raise ValueError(f"{str(path)!r}: expected {width} fields per row")
    table = np.array(tokens, dtype=object).reshape(-1, width)
    stems = [Path(name).stem for name in table[:, 0].tolist()]
    try:
        values = table[:, 1:].astype(np.int64)
    except ValueError as error:
        raise ValueError(f"{str(path)!r}: non-integer value ({error})") from error
    return columns, stems, values


class CelebA(Dataset[CelebAItem]):
    """CelebA faces, centre-cropped, resized and scaled to [-1, 1], with attribute labels.

    See the module docstring for the accepted folder layouts. Images are decoded lazily and
    unreadable files are skipped with a warning exactly as in
    :class:`~gankit.data.ImageFolder` (``strict=True`` raises instead); images listed
    in the partition file but absent on disk are left out with one warning (``strict``:
    :class:`FileNotFoundError`).

    Args:
        root: Dataset folder (see layouts above).
        image_size: Output side in pixels.
        split: ``"train"``, ``"valid"``, ``"test"`` or ``"all"``.
        crop: Centre crop before resizing: ``"full"`` (178 px on aligned CelebA),
            ``"face"`` (140 px), ``"dcgan"`` (108 px), a side in pixels, or ``None``; see
            :mod:`gankit.data.transforms`.
        target: ``None`` yields images; ``"attr"`` yields ``(image, attrs)`` with a 0/1
            int64 tensor of the 40 attributes; an attribute name such as ``"Smiling"``
            yields ``(image, label)`` with an ``int`` 0/1.
        attributes: Keep only images whose attributes have these values, e.g.
            ``{"Smiling": True, "Male": False}``.
        channels: 3 for RGB, 1 for grayscale.
        raw: Yield uint8 images in [0, 255] instead of floats in [-1, 1].
        strict: Raise on unreadable or missing images instead of skipping them.

    Raises:
        FileNotFoundError: If no CelebA layout is found under ``root`` (the message lists
            the expected paths and where to get CelebA), or a needed annotation file is
            missing.
        ValueError: For a bad ``split``, ``target``, ``attributes`` key or preprocessing
            argument, or a split that cannot be determined.

    Shape:
        - image: ``(C, image_size, image_size)``
        - attrs (``target="attr"``): :math:`(40,)`

    Example:
        >>> ds = CelebA("~/data/celeba", image_size=64, split="train", crop="dcgan",
        ...             target="Smiling")  # doctest: +SKIP
        >>> image, smiling = ds[0]  # doctest: +SKIP
        >>> CelebA("/nonexistent")
        Traceback (most recent call last):
        ...
        FileNotFoundError: CelebA not found under '/nonexistent'...

    """

    def __init__(
        self,
        root: str | os.PathLike[str],
        image_size: int = 64,
        split: Split = "train",
        *,
        crop: CropSpec = "full",
        target: Literal["attr"] | str | None = None,
        attributes: Mapping[str, bool] | None = None,
        channels: Literal[1, 3] = 3,
        raw: bool = False,
        strict: bool = False,
    ) -> None:
        check_choice("", "split", split, get_args(Split))
        check_image_size(image_size)
        check_crop(crop, CROP_PRESETS)
        self.root = Path(root).expanduser()
        self.split: Split = split
        self.target = target
        self.base, self.image_dir, files = _locate(self.root)
        self._tables: dict[str, tuple[list[str], list[str], np.ndarray]] = {}
        if split != "all":
            files = self._select_split(files, split, strict)
        need_attrs = target is not None or attributes is not None
        self._attr_rows = self._attr_index(files) if need_attrs else None
        if target is not None and target != "attr" and target not in self.attribute_names:
            allowed = ", ".join(repr(n) for n in ["attr", *self.attribute_names])
            raise ValueError(f"target must be None or one of {allowed}, got {target!r}")
        self._target_column = (
            self.attribute_names.index(target) if target not in (None, "attr") else -1
        )
        if attributes:
            files = self._filter(files, attributes)
        self._images = ImageFolder(
            self.image_dir,
            image_size,
            crop=crop,
            channels=channels,
            raw=True,
            strict=strict,
            files=files,
        )
        self.raw = raw

    # ------------------------------------------------------------------ annotations
    def _table(self, name: str, header: bool) -> tuple[list[str], list[str], np.ndarray]:
        if name not in self._tables:
            self._tables[name] = _read_table(self.base / name, header)
        return self._tables[name]

    def _select_split(self, files: list[str], split: str, strict: bool) -> list[str]:
        code = _SPLIT_CODES[split]
        stems = [Path(f).stem for f in files]
        if (self.base / _PARTITION).is_file():
            _, listed, values = self._table(_PARTITION, header=False)
            wanted = {s for s, v in zip(listed, values[:, 0].tolist(), strict=True) if v == code}
            present = set(stems)
            missing = sorted(wanted - present)
            if missing:
                message = (
                    f"{len(missing)} image(s) of split {split!r} listed in "
                    f"{str(self.base / _PARTITION)!r} are missing from "
                    f"{str(self.image_dir)!r}, e.g. {missing[:5]}"
                )
                if strict:
                    raise FileNotFoundError(message)
                warnings.warn(message, stacklevel=3)
            return [f for f, s in zip(files, stems, strict=True) if s in wanted]
        if not all(s.isdigit() for s in stems):
            raise ValueError(
                f"split={split!r} needs {str(self.base / _PARTITION)!r} or CelebA-numbered "
                f"file names (000001.jpg, ...); {str(self.root)!r} has neither, use split='all'"
            )
        bounds = (0, _LAST_TRAIN, _LAST_VALID, 10**12)
        return [
            f
            for f, s in zip(files, stems, strict=True)
            if bounds[code] < int(s) <= bounds[code + 1]
        ]

    def _attr_index(self, files: list[str]) -> np.ndarray:
        _, stems, _ = self._table(_ATTR, header=True)
        row_of = {s: i for i, s in enumerate(stems)}
        rows = [row_of.get(Path(f).stem, -1) for f in files]
        if -1 in rows:
            name = files[rows.index(-1)]
            raise ValueError(f"{str(self.base / _ATTR)!r} has no row for image {name!r}")
        return np.asarray(rows, dtype=np.int64)

    def _filter(self, files: list[str], attributes: Mapping[str, bool]) -> list[str]:
        names = self.attribute_names
        assert self._attr_rows is not None
        keep = np.ones(len(files), dtype=bool)
        values = self._table(_ATTR, header=True)[2][self._attr_rows]
        for key, wanted in attributes.items():
            if key not in names:
                allowed = ", ".join(repr(n) for n in names)
                raise ValueError(f"attributes key must be one of {allowed}, got {key!r}")
            if not isinstance(wanted, bool):
                raise TypeError(f"attributes[{key!r}] must be a bool, got {wanted!r}")
            keep &= (values[:, names.index(key)] > 0) == wanted
        self._attr_rows = self._attr_rows[keep]
        return [f for f, k in zip(files, keep.tolist(), strict=True) if k]

    def _per_item(self, name: str, header: bool) -> Tensor:
        _, stems, values = self._table(name, header)
        row_of = {s: i for i, s in enumerate(stems)}
        rows = [row_of.get(Path(f).stem, -1) for f in self.files]
        if -1 in rows:
            missing = self.files[rows.index(-1)]
            raise ValueError(f"{str(self.base / name)!r} has no row for image {missing!r}")
        return torch.from_numpy(values[np.asarray(rows, dtype=np.int64)])

    @property
    def files(self) -> list[str]:
        """Image paths of the items, relative to ``image_dir``."""
        return self._images.files

    @property
    def skipped(self) -> list[str]:
        """Unreadable files skipped so far (relative paths)."""
        return self._images.skipped

    @property
    def attribute_names(self) -> list[str]:
        """The 40 attribute names, in file order (from ``list_attr_celeba.txt``)."""
        return list(self._table(_ATTR, header=True)[0])

    @property
    def attr(self) -> Tensor:
        """0/1 int64 attributes of every item, shape :math:`(N, 40)`."""
        if self._attr_rows is None:
            self._attr_rows = self._attr_index(self.files)
        values = self._table(_ATTR, header=True)[2][self._attr_rows]
        return torch.from_numpy((values > 0).astype(np.int64))

    @property
    def identity(self) -> Tensor:
        """Celebrity identity of every item (``identity_CelebA.txt``), shape :math:`(N,)`."""
        return self._per_item(_IDENTITY, header=False)[:, 0]

    @property
    def bbox(self) -> Tensor:
        """Face boxes ``x, y, w, h`` from ``list_bbox_celeba.txt``, shape ``(N, 4)``.

        The coordinates refer to the *in-the-wild* images, not the aligned ones.
        """
        return self._per_item(_BBOX, header=True)

    @property
    def landmarks(self) -> Tensor:
        """Five landmarks ``x, y`` from ``list_landmarks_align_celeba.txt``, shape ``(N, 10)``.

        Coordinates are pixels of the aligned 178×218 image, before cropping.
        """
        return self._per_item(_LANDMARKS, header=True)

    # ------------------------------------------------------------------ items
    def __len__(self) -> int:
        return len(self._images)

    def __getitem__(self, index: int) -> CelebAItem:
        """Return item ``index``: the image, or ``(image, attrs)`` / ``(image, label)``."""
        used, raw = self._images.load_uint8(index)
        image = raw if self.raw else uint8_to_float(raw)
        if self.target is None:
            return image
        assert self._attr_rows is not None
        row = self._table(_ATTR, header=True)[2][self._attr_rows[used]]
        if self.target == "attr":
            return image, torch.from_numpy((row > 0).astype(np.int64))
        return image, int(row[self._target_column] > 0)
