"""Image decoding and the standard preprocessing: center crop, resize, scale to [-1, 1].

Crop presets for aligned CelebA (178×218 px, face roughly centred):

- ``"full"``: the largest centred square, i.e. 178×178 on aligned CelebA. Equivalent to
  "resize the short side, then centre crop", the recipe of most PyTorch DCGAN examples;
  keeps hair, ears and some background.
- ``"face"``: a tighter centred 140×140 square, common in later GAN/VAE work on 64×64
  CelebA: forehead to chin, little background.
- ``"dcgan"``: the centred 108×108 square of the widely used TensorFlow re-implementation
  of DCGAN (Radford et al., 2016, *Unsupervised Representation Learning with Deep
  Convolutional Generative Adversarial Networks*) for CelebA: eyes, nose and mouth only.

An ``int`` crop is a centred square of that many pixels (images smaller than the crop are
zero-padded by ``torchvision.transforms.v2.functional.center_crop``); ``None`` skips the
crop and resizes the whole image to a square (non-square images are stretched).
"""

from __future__ import annotations

import os
from typing import Literal

import numpy as np
import torch
from torch import Tensor

__all__ = [
    "CROP_PRESETS",
    "IMAGE_EXTENSIONS",
    "CropPreset",
    "CropSpec",
    "UnreadableImageError",
    "float_to_uint8",
    "load_image",
    "preprocess",
    "uint8_to_float",
]

CropPreset = Literal["full", "face", "dcgan"]
"""Named centre-crop presets; see :mod:`gankit.data.transforms`."""

CropSpec = int | CropPreset | None
"""Type of ``crop`` arguments: a preset name, a square side in pixels, or ``None``."""

CROP_PRESETS: dict[str, int | None] = {"full": None, "face": 140, "dcgan": 108}
"""Side of each preset in pixels (``None`` = the image's shorter side)."""

IMAGE_EXTENSIONS: tuple[str, ...] = (".jpg", ".jpeg", ".png", ".bmp", ".webp")
"""File extensions (lower case) recognised as images."""


class UnreadableImageError(OSError):
    """An image file could not be opened or decoded (missing, truncated, corrupt).

    Args:
        path: The file.
        reason: What went wrong, e.g. the decoder's message.

    Example:
        >>> str(UnreadableImageError("a.jpg", "truncated"))
        "cannot read image file 'a.jpg': truncated"

    """

    def __init__(self, path: str | os.PathLike[str], reason: str) -> None:
        super().__init__(f"cannot read image file {os.fspath(path)!r}: {reason}")
        self.path = os.fspath(path)
        self.reason = reason

    def __reduce__(self) -> tuple[type[UnreadableImageError], tuple[str, str]]:
        # Rebuild from (path, reason) so the error survives a process-pool round trip.
        return type(self), (self.path, self.reason)


def preprocess(image: Tensor, image_size: int, crop: CropSpec = "full") -> Tensor:
    """Centre-crop a square and resize it to ``image_size`` × ``image_size``.

    Resizing uses antialiased bilinear interpolation
    (``torchvision.transforms.v2.functional.resize``); a uint8 input gives a uint8
    output, so decoded files and caches agree exactly.

    Args:
        image: An image tensor.
        image_size: Output side in pixels.
        crop: Crop preset name, square side in pixels, or ``None`` (no crop).

    Returns:
        The square image, same dtype as ``image``.

    Shape:
        - image: :math:`(C, H, W)`
        - output: ``(C, image_size, image_size)``

    Example:
        >>> img = torch.zeros(3, 218, 178, dtype=torch.uint8)
        >>> preprocess(img, 64, "dcgan").shape
        torch.Size([3, 64, 64])

    """
    from torchvision.transforms.v2 import functional as F  # heavy: imported when used

    side: int | None
    if isinstance(crop, str):
        side = CROP_PRESETS[crop]
        if side is None:
            side = min(image.shape[-2:])
    else:
        side = crop
    if side is not None and tuple(image.shape[-2:]) != (side, side):
        image = F.center_crop(image, [side, side])
    if tuple(image.shape[-2:]) != (image_size, image_size):
        image = F.resize(image, [image_size, image_size], antialias=True)
    return image


def load_image(
    path: str | os.PathLike[str],
    image_size: int,
    crop: CropSpec = "full",
    channels: Literal[1, 3] = 3,
) -> Tensor:
    """Decode an image file with Pillow and :func:`~gankit.data.preprocess` it.

    This is the single decode path used by every dataset and by the cache builder.

    Args:
        path: Image file (any format Pillow reads: JPEG, PNG, BMP, WebP, ...).
        image_size: Output side in pixels.
        crop: Crop preset name, square side in pixels, or ``None``.
        channels: 3 for RGB, 1 for grayscale.

    Returns:
        A uint8 tensor.

    Shape:
        - output: ``(channels, image_size, image_size)``

    Raises:
        UnreadableImageError: If the file is missing, truncated or not an image.

    Example:
        >>> import tempfile, os
        >>> from PIL import Image
        >>> path = os.path.join(tempfile.mkdtemp(), "a.png")
        >>> Image.new("RGB", (178, 218), (255, 0, 0)).save(path)
        >>> load_image(path, 32)[:, 0, 0].tolist()
        [255, 0, 0]

    """
    from PIL import Image  # imported when used: ``import gankit`` stays light

    try:
        with Image.open(path) as im:
            array = np.asarray(im.convert("RGB" if channels == 3 else "L"))
    except Exception as error:  # any decoder failure: truncated, corrupt, unsupported...
        raise UnreadableImageError(path, f"{type(error).__name__}: {error}") from error
    image = torch.from_numpy(array.copy())
    image = image.permute(2, 0, 1) if image.ndim == 3 else image.unsqueeze(0)
    return preprocess(image.contiguous(), image_size, crop).contiguous()


def uint8_to_float(images: Tensor, dtype: torch.dtype = torch.float32) -> Tensor:
    """Map uint8 pixels to floats in [-1, 1]: :math:`x / 127.5 - 1`.

    Args:
        images: uint8 tensor of any shape.
        dtype: Floating output dtype.

    Returns:
        A new float tensor; 0 maps to -1 and 255 to 1.

    Example:
        >>> uint8_to_float(torch.tensor([0, 255], dtype=torch.uint8)).tolist()
        [-1.0, 1.0]

    """
    return images.to(dtype).div_(127.5).sub_(1.0)


def float_to_uint8(images: Tensor) -> Tensor:
    """Map floats in [-1, 1] back to uint8 pixels, the inverse of :func:`~gankit.data.uint8_to_float`.

    Values are clamped to [0, 255] after scaling and rounded to the nearest integer.

    Args:
        images: Float tensor of any shape, nominally in [-1, 1].

    Returns:
        A uint8 tensor of the same shape.

    Example:
        >>> x = torch.arange(256, dtype=torch.uint8)
        >>> bool((float_to_uint8(uint8_to_float(x)) == x).all())
        True

    """
    return images.add(1.0).mul_(127.5).round_().clamp_(0, 255).to(torch.uint8)
