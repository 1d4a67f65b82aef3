"""gankit: typed PyTorch building blocks for generative adversarial networks.

Example:
    >>> import gankit as gk
    >>> g_cfg, d_cfg = gk.models.dcgan(image_size=32)
    >>> G = gk.models.build_generator(g_cfg)

"""

from __future__ import annotations

from gankit import augment, cli, data, losses, metrics, models, recipes, train
from gankit._version import __version__
from gankit.train import Trainer, TrainerConfig

__all__ = [
    "Trainer",
    "TrainerConfig",
    "__version__",
    "augment",
    "cli",
    "data",
    "losses",
    "metrics",
    "models",
    "recipes",
    "train",
]
