"""gankit: typed PyTorch building blocks for generative adversarial networks.

Example:
    >>> import gankit as gk
    >>> g_cfg, d_cfg = gk.models.dcgan(image_size=32)
    >>> G = gk.models.build_generator(g_cfg)

"""

from __future__ import annotations

from gankit import models
from gankit._version import __version__

__all__ = ["__version__", "models"]
