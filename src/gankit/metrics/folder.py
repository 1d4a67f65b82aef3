"""Image files for FID: decoded at their own size unless a resize is asked for.

FID implementations resize every image to 299×299 inside the feature extractor, so a
folder's images go there at their own size (as pytorch-fid does). Resizing them first to
a training resolution (``image_size``) is a different measurement: it is only done when
asked for and is then part of the statistics' key. Decoding runs in ``DataLoader``
workers, overlapped with feature extraction; :func:`~gankit.metrics.stack_images` batches
images of one size as they are and resizes a batch of mixed sizes to 299×299 one by one.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch
from torch import Tensor
from torch.utils.data import Dataset

from gankit.metrics.inception import FIDConvention, preprocess_images

if TYPE_CHECKING:
    from gankit.data import CropSpec

__all__ = ["ImageFiles", "stack_images"]


class ImageFiles(Dataset[Tensor]):
    """Image files as uint8 tensors at their own size (optionally cropped and resized).

    Files are decoded with Pillow and converted to RGB (as pytorch-fid does). An
    unreadable file raises ``ValueError`` naming it: a skipped file would change the
    statistics without a word.

    Args:
        root: Folder of images (searched recursively, see :func:`gankit.data.find_images`).
        files: Use these relative paths instead of scanning ``root``.
        image_size: Resize to this square side (antialiased, as
            :func:`gankit.data.preprocess`); ``None`` keeps each image's size.
        crop: Centre crop before any resize: a preset of :data:`gankit.data.CROP_PRESETS`,
            a side in pixels, or ``None`` (no crop).

    Raises:
        FileNotFoundError: If ``root`` is missing or holds no image.
        ValueError: If ``image_size`` is given and below 2.

    Shape:
        - item: ``(3, H, W)`` uint8 (``H = W = image_size`` when resizing)

    Example:
        >>> import tempfile, pathlib
        >>> from PIL import Image
        >>> d = pathlib.Path(tempfile.mkdtemp())
        >>> Image.new("RGB", (40, 30)).save(d / "a.png")
        >>> ImageFiles(d)[0].shape, ImageFiles(d, image_size=16, crop="full")[0].shape
        (torch.Size([3, 30, 40]), torch.Size([3, 16, 16]))
    """

    def __init__(
        self,
        root: str | os.PathLike[str],
        *,
        files: Sequence[str] | None = None,
        image_size: int | None = None,
        crop: CropSpec = None,
    ) -> None:
        from gankit.data import find_images  # imports Pillow: only when used

        self.root = Path(root)
        self.files = list(files) if files is not None else find_images(self.root)
        if not self.files:
            raise FileNotFoundError(f"no image files found under {str(self.root)!r}")
        if image_size is not None and (isinstance(image_size, bool) or image_size < 2):
            raise ValueError(f"image_size must be None or an int >= 2, got {image_size!r}")
        self.image_size = image_size
        self.crop = crop

    def __len__(self) -> int:
        return len(self.files)

    def __getitem__(self, index: int) -> Tensor:
        """Decode file ``index`` to a uint8 ``(3, H, W)`` tensor."""
        from PIL import Image

        path = self.root / self.files[index]
        try:
            with Image.open(path) as im:
                array = np.asarray(im.convert("RGB"))
        except Exception as error:  # any decoder failure: truncated, corrupt, unsupported
            raise ValueError(
                f"cannot read image {str(path)!r}: {type(error).__name__}: {error}"
            ) from None
        image = torch.from_numpy(array.copy()).permute(2, 0, 1).contiguous()
        return self._transform(image)

    def _transform(self, image: Tensor) -> Tensor:
        from torchvision.transforms.v2 import functional as F

        if self.image_size is not None:
            from gankit.data import preprocess

            return preprocess(image, self.image_size, self.crop).contiguous()
        if self.crop is None:
            return image
        from gankit.data import CROP_PRESETS

        side = CROP_PRESETS[self.crop] if isinstance(self.crop, str) else self.crop
        side = min(image.shape[-2:]) if side is None else side
        cropped: Tensor = F.center_crop(image, [side, side])
        return cropped.contiguous()


def stack_images(images: Sequence[Tensor], convention: FIDConvention = "pytorch-fid") -> Tensor:
    """Batch images: stacked as they are if they share a size, else resized one by one.

    Images of one size are stacked unchanged (the extractor resizes them). A batch of
    mixed sizes cannot be stacked, so each image is mapped to the extractor's input
    (resized to 299×299 by ``convention``, scaled to ``[-1, 1]``) by
    :func:`~gankit.metrics.preprocess_images`, which an extractor with the default
    ``value_range=(-1, 1)`` passes through unchanged.

    Args:
        images: uint8 ``(C, H, W)`` images.
        convention: Resize convention for mixed sizes.

    Returns:
        ``(N, C, H, W)`` uint8 (one size) or ``(N, 3, 299, 299)`` float32 (mixed sizes).

    Example:
        >>> import torch
        >>> a, b = torch.zeros(3, 8, 8, dtype=torch.uint8), torch.zeros(3, 9, 7, dtype=torch.uint8)
        >>> stack_images([a, a]).shape, stack_images([a, b]).shape
        (torch.Size([2, 3, 8, 8]), torch.Size([2, 3, 299, 299]))
    """
    if len({tuple(image.shape) for image in images}) <= 1:
        return torch.stack(list(images))
    return torch.cat([preprocess_images(image[None], convention=convention) for image in images])
