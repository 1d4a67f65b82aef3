"""A flat (optionally recursive) folder of images as a map-style dataset."""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from torch import Tensor
from torch.utils.data import Dataset

from gankit._validation import check_bool, check_crop, check_image_size, check_int
from gankit.data.transforms import (
    CROP_PRESETS,
    IMAGE_EXTENSIONS,
    CropSpec,
    UnreadableImageError,
    load_image,
    uint8_to_float,
)

__all__ = ["CorruptImageWarning", "ImageFolder", "find_images"]


class CorruptImageWarning(UserWarning):
    """Warned once per unreadable image file that is skipped."""


def find_images(
    root: str | os.PathLike[str],
    *,
    recursive: bool = True,
    extensions: Sequence[str] = IMAGE_EXTENSIONS,
) -> list[str]:
    """List the image files under ``root``, sorted, as ``/``-separated relative paths.

    Hidden files and folders (names starting with ``.``) are ignored; extensions are
    matched case-insensitively.

    Args:
        root: Folder to scan.
        recursive: Also scan sub-folders.
        extensions: Accepted file extensions, with the dot.

    Returns:
        Relative paths such as ``["a.jpg", "sub/b.png"]``.

    Raises:
        FileNotFoundError: If ``root`` is not a folder.

    Example:
        >>> import tempfile, pathlib
        >>> d = pathlib.Path(tempfile.mkdtemp())
        >>> for name in ["b.PNG", "a.jpg", "notes.txt"]:
        ...     (d / name).touch()
        >>> find_images(d)
        ['a.jpg', 'b.PNG']

    """
    top = Path(root)
    if not top.is_dir():
        raise FileNotFoundError(f"image folder {str(top)!r} does not exist or is not a folder")
    exts = tuple(e.lower() for e in extensions)
    found: list[str] = []
    for dirpath, dirnames, filenames in os.walk(top, followlinks=True):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".")) if recursive else []
        rel = Path(dirpath).relative_to(top)
        for name in filenames:
            if not name.startswith(".") and name.lower().endswith(exts):
                found.append((rel / name).as_posix())
    return sorted(found)


class ImageFolder(Dataset[Tensor]):
    """Every image under a folder, centre-cropped, resized and scaled to [-1, 1].

    Files are decoded lazily when an item is read, so construction is cheap and corrupt
    files are only found when read. An unreadable file is skipped: a
    :class:`~gankit.data.CorruptImageWarning` names it (once per file) with the running count, it is
    recorded in ``skipped``, and the next readable item (cyclically) is returned in its
    place, so a long training run never crashes on one bad JPEG. With ``strict=True`` an
    :class:`~gankit.data.UnreadableImageError` naming the file is raised instead.
    To weed out bad files up front, build a cache with :func:`~gankit.data.prepare_cache`.

    Args:
        root: Folder of images.
        image_size: Output side in pixels.
        crop: Crop preset (``"full"``, ``"face"``, ``"dcgan"``), square side in pixels, or
            ``None``; see :mod:`gankit.data.transforms`.
        channels: 3 for RGB, 1 for grayscale.
        raw: Return uint8 images in [0, 255] instead of floats in [-1, 1].
        strict: Raise on unreadable files instead of skipping them.
        recursive: Also use images in sub-folders.
        files: Use these relative paths instead of scanning ``root``.

    Raises:
        FileNotFoundError: If ``root`` is missing or holds no image.
        TypeError: For an argument of the wrong type.
        ValueError: For a bad ``image_size``, ``crop`` or ``channels``.

    Shape:
        - item: ``(C, image_size, image_size)``

    Example:
        >>> import tempfile, pathlib
        >>> from PIL import Image
        >>> d = pathlib.Path(tempfile.mkdtemp())
        >>> for i in range(3):
        ...     Image.new("RGB", (40, 30), (i * 100, 0, 0)).save(d / f"{i}.png")
        >>> ds = ImageFolder(d, image_size=16)
        >>> len(ds), ds[2].shape, ds[0].min().item()
        (3, torch.Size([3, 16, 16]), -1.0)

    """

    def __init__(
        self,
        root: str | os.PathLike[str],
        image_size: int = 64,
        *,
        crop: CropSpec = "full",
        channels: Literal[1, 3] = 3,
        raw: bool = False,
        strict: bool = False,
        recursive: bool = True,
        files: Sequence[str] | None = None,
    ) -> None:
        self.image_size = check_image_size(image_size)
        check_crop(crop, CROP_PRESETS)
        self.crop = crop
        check_int("", "channels", channels, minimum=1, maximum=3)  # bool and 3.0 refused
        if channels not in (1, 3):
            raise ValueError(f"channels must be one of 1, 3, got {channels!r}")
        for name, flag in (("raw", raw), ("strict", strict), ("recursive", recursive)):
            check_bool("", name, flag)
        self.channels: Literal[1, 3] = channels
        self.raw = raw
        self.strict = strict
        self.root = Path(root)
        self.files: list[str] = (
            list(files) if files is not None else find_images(self.root, recursive=recursive)
        )
        if files is None and not self.files:
            exts = ", ".join(IMAGE_EXTENSIONS)
            raise FileNotFoundError(f"no image files ({exts}) found under {str(self.root)!r}")
        self.skipped: list[str] = []
        self._bad: set[int] = set()

    def __len__(self) -> int:
        return len(self.files)

    def load_uint8(self, index: int) -> tuple[int, Tensor]:
        """Decode item ``index``, or the next readable one when that file is unreadable.

        Args:
            index: Item index, negative values count from the end.

        Returns:
            ``(used_index, image)``: the index actually decoded and its uint8 image.

        Shape:
            - image: ``(C, image_size, image_size)``

        Raises:
            IndexError: If ``index`` is out of range.
            UnreadableImageError: In strict mode, or when no file at all is readable.

        Example:
            >>> import tempfile, pathlib
            >>> from PIL import Image
            >>> d = pathlib.Path(tempfile.mkdtemp())
            >>> Image.new("RGB", (8, 8)).save(d / "a.png")
            >>> ImageFolder(d, 8).load_uint8(0)[1].dtype
            torch.uint8

        """
        n = len(self.files)
        if not -n <= index < n:
            raise IndexError(f"index {index} out of range for {n} images")
        index %= n
        for step in range(n):
            i = (index + step) % n
            if i in self._bad:
                continue
            path = self.root / self.files[i]
            try:
                return i, load_image(path, self.image_size, self.crop, self.channels)
            except UnreadableImageError as error:
                if self.strict:
                    raise
                self._bad.add(i)
                self.skipped.append(self.files[i])
                warnings.warn(
                    f"skipping unreadable image {str(path)!r} ({error.reason}); "
                    f"{len(self.skipped)} unreadable file(s) skipped so far",
                    CorruptImageWarning,
                    stacklevel=3,
                )
        raise UnreadableImageError(self.root, "none of the image files could be read")

    def __getitem__(self, index: int) -> Tensor:
        """Return image ``index`` as a float tensor in [-1, 1] (uint8 if ``raw``)."""
        image = self.load_uint8(index)[1]
        return image if self.raw else uint8_to_float(image)
