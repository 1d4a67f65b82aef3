"""gankit: typed PyTorch building blocks for generative adversarial networks.

The ``gankit`` command's code (:mod:`gankit.cli`) is imported only when
``gankit.cli`` is first used, so ``import gankit`` stays light.

Example:
    >>> import gankit as gk
    >>> g_cfg, d_cfg = gk.models.dcgan(image_size=32)
    >>> G = gk.models.build_generator(g_cfg)

"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from gankit import augment, data, losses, metrics, models, recipes, train
from gankit._version import __version__
from gankit.train import Trainer, TrainerConfig

if TYPE_CHECKING:
    from gankit import cli

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

_LAZY = ("cli",)


def __getattr__(name: str) -> Any:
    """Import :mod:`gankit.cli` on first use (PEP 562)."""
    if name in _LAZY:
        module = importlib.import_module(f"gankit.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'gankit' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
