"""Bounds on ints, shared by the checks of :mod:`gankit._validation`.

Sane upper bounds for sizes that allocate memory (a config read from a file is checked
against them before anything is built):

========================  =========================================================
:data:`MAX_IMAGE_SIZE`    image side in pixels, ``2**13`` (8192)
:data:`MAX_CHANNELS`      image channels, ``2**10``
:data:`MAX_WIDTH`         feature maps of a conv stage, MLP hidden size, embedding size, ``2**14``
:data:`MAX_LATENT_DIM`    latent size, ``2**16``
:data:`MAX_DATA_DIM`      MLP data size, ``2**20``
:data:`MAX_NUM_CLASSES`   classes of a conditional net, ``2**20``
:data:`MAX_PARAMETERS`    parameters of one built net, ``2**30`` (4 GiB in float32)
:data:`MAX_FEATURES`      feature size of metric statistics, ``2**14``
:data:`MAX_GRID_IMAGES`   images sampled at once for a grid or a log, ``2**16``
:data:`MAX_CROP`          crop side in pixels of the source image, ``2**16``
:data:`INT64_MAX`         any other int, ``2**63 - 1`` (what torch can hold)
========================  =========================================================
"""

from __future__ import annotations

__all__ = [
    "INT64_MAX",
    "MAX_CHANNELS",
    "MAX_CROP",
    "MAX_DATA_DIM",
    "MAX_FEATURES",
    "MAX_GRID_IMAGES",
    "MAX_IMAGE_SIZE",
    "MAX_LATENT_DIM",
    "MAX_NUM_CLASSES",
    "MAX_PARAMETERS",
    "MAX_WIDTH",
]

INT64_MAX = 2**63 - 1
"""Largest int any field accepts when it states no smaller bound."""
MAX_IMAGE_SIZE = 2**13
"""Largest image side (pixels) of a config, dataset or cache."""
MAX_CHANNELS = 2**10
"""Largest number of image channels."""
MAX_WIDTH = 2**14
"""Largest number of feature maps of one stage, MLP hidden size or embedding size."""
MAX_LATENT_DIM = 2**16
"""Largest latent size."""
MAX_DATA_DIM = 2**20
"""Largest data size of an MLP net."""
MAX_NUM_CLASSES = 2**20
"""Largest number of classes of a conditional net."""
MAX_PARAMETERS = 2**30
"""Largest number of parameters of one net described by a config (4 GiB in float32)."""
MAX_CROP = 2**16
"""Largest crop side (pixels of the source image)."""
MAX_FEATURES = 2**14
"""Largest feature size of running feature statistics (its covariance: 2 GiB in float64)."""
MAX_GRID_IMAGES = 2**16
"""Largest number of images sampled at once for a grid or a log."""
