"""Datasets and loaders for GAN training; nothing is ever downloaded.

CelebA and generic image folders (:class:`~gankit.data.CelebA`,
:class:`~gankit.data.ImageFolder`), a parallel one-off decode into a memory-mapped uint8
cache (:func:`~gankit.data.prepare_cache`, :class:`~gankit.data.CachedImages`), an
on-device shuffling loader (:class:`~gankit.data.DeviceLoader`) and
:class:`~gankit.data.ToyFaces`, an embedded procedural face dataset.

Example:
    >>> from gankit.data import DeviceLoader, ToyFaces
    >>> faces = ToyFaces(64, image_size=16)
    >>> batch = next(iter(DeviceLoader(faces, batch_size=8)))
    >>> batch.shape, batch.dtype
    (torch.Size([8, 3, 16, 16]), torch.float32)

"""

from __future__ import annotations

from gankit.data.cache import CACHE_FORMAT, CACHE_VERSION, CachedImages, prepare_cache
from gankit.data.celeba import CELEBA_URL, CelebA, CelebAItem, Split
from gankit.data.device_loader import DeviceLoader, SupportsTensor
from gankit.data.folder import CorruptImageWarning, ImageFolder, find_images
from gankit.data.toyfaces import ToyFaces
from gankit.data.transforms import (
    CROP_PRESETS,
    IMAGE_EXTENSIONS,
    CropPreset,
    CropSpec,
    UnreadableImageError,
    float_to_uint8,
    load_image,
    preprocess,
    uint8_to_float,
)

__all__ = [
    "CACHE_FORMAT",
    "CACHE_VERSION",
    "CELEBA_URL",
    "CROP_PRESETS",
    "IMAGE_EXTENSIONS",
    "CachedImages",
    "CelebA",
    "CelebAItem",
    "CorruptImageWarning",
    "CropPreset",
    "CropSpec",
    "DeviceLoader",
    "ImageFolder",
    "Split",
    "SupportsTensor",
    "ToyFaces",
    "UnreadableImageError",
    "find_images",
    "float_to_uint8",
    "load_image",
    "prepare_cache",
    "preprocess",
    "uint8_to_float",
]
