"""Published training recipes: a pair of nets with the loss and optimizer settings it was trained with.

A :class:`Recipe` is what ``gankit train --arch NAME`` (and the example) start from; library
users can take one and change any part. Recipes know the models, the losses and the
trainer's config, but nothing of the loop.

Example:
    >>> r = recipe("dcgan64")
    >>> r.image_size, type(r.loss).__name__, r.trainer_config(device="cpu").betas
    (64, 'NonSaturating', (0.5, 0.999))
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from torch import nn

from gankit.losses import (
    AdversarialLoss,
    Hinge,
    NonSaturating,
    R1R2Penalty,
    Regularizer,
    RelativisticPairing,
)
from gankit.models import build, celeba32, dcgan, r3gan, sagan, sngan
from gankit.models.serialize import ModelConfig
from gankit.train.config import TrainerConfig
from gankit.train.hook import Hook
from gankit.train.hooks.r3gan_schedule import R3GANSchedule

__all__ = ["RECIPES", "Recipe", "recipe"]


@dataclass(frozen=True, kw_only=True)
class Recipe:
    """A generator/discriminator pair with the training settings of its source.

    Args:
        name: the recipe's name, e.g. ``"dcgan64"``.
        generator: the generator's config.
        discriminator: the discriminator's config.
        loss: the adversarial loss.
        regularizer: a discriminator penalty, or ``None``.
        trainer: :class:`~gankit.TrainerConfig` fields the source prescribes
            (learning rates, betas, ``n_critic``, ...).
        hooks: factories of the hooks the recipe needs besides logging (e.g. the R3GAN
            schedule); :meth:`make_hooks` calls them, so every run gets fresh hooks.
        source: where the recipe comes from (paper, official configuration).

    Example:
        >>> r = recipe("celeba32")
        >>> G, D = r.build()
        >>> G.latent_dim, r.trainer["lr_g"]
        (100, 0.0002)
    """

    name: str
    generator: ModelConfig
    discriminator: ModelConfig
    loss: AdversarialLoss
    regularizer: Regularizer | None = None
    trainer: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    hooks: tuple[Callable[[], Hook], ...] = ()
    source: str = ""

    @property
    def image_size(self) -> int:
        """The side of the generated images."""
        return int(getattr(self.generator, "image_size", 0))

    def build(self) -> tuple[nn.Module, nn.Module]:
        """Build ``(generator, discriminator)`` from the configs.

        Example:
            >>> G, D = recipe("celeba32").build()
            >>> type(G).__name__
            'ConvGenerator'
        """
        return build(self.generator), build(self.discriminator)

    def make_hooks(self) -> list[Hook]:
        """Return fresh instances of the hooks the recipe needs (possibly none).

        Example:
            >>> [type(h).__name__ for h in recipe("r3gan32").make_hooks()]
            ['R3GANSchedule']
        """
        return [factory() for factory in self.hooks]

    def trainer_config(self, **overrides: Any) -> TrainerConfig:
        """Return a :class:`~gankit.TrainerConfig` with the recipe's settings and ``overrides``.

        Example:
            >>> recipe("dcgan64").trainer_config(device="cpu", lr_g=1e-4).lr_g
            0.0001
        """
        return TrainerConfig(**{**self.trainer, **overrides})


_DCGAN_TRAINER: Mapping[str, Any] = {"lr_g": 2e-4, "lr_d": 2e-4, "betas": (0.5, 0.999)}


def _dcgan64(*, num_classes: int = 0) -> Recipe:
    g, d = dcgan(image_size=64, num_classes=num_classes)
    return Recipe(
        name="dcgan64",
        generator=g,
        discriminator=d,
        loss=NonSaturating(),
        trainer=_DCGAN_TRAINER,
        source="Radford et al. 2016 (arXiv:1511.06434), PyTorch examples/dcgan",
    )


def _celeba32(*, num_classes: int = 0) -> Recipe:
    g, d = celeba32(num_classes=num_classes)
    return Recipe(
        name="celeba32",
        generator=g,
        discriminator=d,
        loss=NonSaturating(),
        trainer=_DCGAN_TRAINER,
        source="the 32x32 face-generation write-ups gankit grew from (DCGAN recipe)",
    )


# Miyato et al. 2018 (arXiv:1802.05957), ResNet experiments: hinge loss, Adam 2e-4,
# betas (0, 0.9), five D updates per G update (their code also decays lr linearly).
_SNGAN_TRAINER: Mapping[str, Any] = {"lr_g": 2e-4, "lr_d": 2e-4, "betas": (0.0, 0.9), "n_critic": 5}
# Zhang et al. 2019 (arXiv:1805.08318), section 5: hinge loss, TTUR (G 1e-4, D 4e-4),
# Adam betas (0, 0.9), one D update per G update.
_SAGAN_TRAINER: Mapping[str, Any] = {"lr_g": 1e-4, "lr_d": 4e-4, "betas": (0.0, 0.9), "n_critic": 1}
# Huang et al. 2024 (arXiv:2501.05441), train.py presets: Adam betas (0, 0.9 -> 0.99),
# lr 2e-4 -> 5e-5, gamma 2 -> 0.2 (R3GANSchedule ramps them), one D update per G update.
_R3GAN_TRAINER: Mapping[str, Any] = {"lr_g": 2e-4, "lr_d": 2e-4, "betas": (0.0, 0.9), "n_critic": 1}


def _sized(
    family: str,
    preset: Callable[..., tuple[ModelConfig, ModelConfig]],
    size: int,
    *,
    loss: Callable[[], AdversarialLoss],
    trainer: Mapping[str, Any],
    source: str,
    regularizer: Callable[[], Regularizer] | None = None,
    hooks: tuple[Callable[[], Hook], ...] = (),
) -> Callable[..., Recipe]:
    """A recipe factory for ``preset(size)``; loss and regularizer are made fresh per recipe."""

    def factory(*, num_classes: int = 0) -> Recipe:
        g, d = preset(size, num_classes=num_classes)
        return Recipe(
            name=f"{family}{size}",
            generator=g,
            discriminator=d,
            loss=loss(),
            regularizer=None if regularizer is None else regularizer(),
            trainer=trainer,
            hooks=hooks,
            source=source,
        )

    return factory


def _sngan(size: int) -> Callable[..., Recipe]:
    source = "Miyato et al. 2018 (arXiv:1802.05957), ResNet SNGAN; Miyato & Koyama 2018"
    return _sized("sngan", sngan, size, loss=Hinge, trainer=_SNGAN_TRAINER, source=source)


def _sagan(size: int) -> Callable[..., Recipe]:
    source = "Zhang et al. 2019 (arXiv:1805.08318), the authors' released nets"
    return _sized("sagan", sagan, size, loss=Hinge, trainer=_SAGAN_TRAINER, source=source)


def _r3gan(size: int) -> Callable[..., Recipe]:
    return _sized(
        "r3gan",
        r3gan,
        size,
        loss=RelativisticPairing,
        regularizer=lambda: R1R2Penalty(gamma=2.0),
        trainer=_R3GAN_TRAINER,
        hooks=(R3GANSchedule,),
        source="Huang et al. 2024 (arXiv:2501.05441), R3GAN train.py presets",
    )


RECIPES: dict[str, Callable[..., Recipe]] = {
    "celeba32": _celeba32,
    "dcgan64": _dcgan64,
    "r3gan32": _r3gan(32),
    "r3gan64": _r3gan(64),
    "sagan64": _sagan(64),
    "sagan128": _sagan(128),
    "sngan32": _sngan(32),
    "sngan48": _sngan(48),
    "sngan64": _sngan(64),
    "sngan128": _sngan(128),
}
"""Recipe factories by name; each takes ``num_classes=`` (0: unconditional)."""


def recipe(name: str, *, num_classes: int = 0) -> Recipe:
    """Return the recipe ``name`` (one of :data:`RECIPES`).

    Args:
        name: e.g. ``"dcgan64"`` or ``"celeba32"``.
        num_classes: make both nets class-conditional on this many classes.

    Returns:
        The :class:`Recipe`.

    Raises:
        TypeError: if ``name`` is not a string.
        ValueError: naming the value and the known recipes.

    Example:
        >>> recipe("nope")
        Traceback (most recent call last):
        ...
        ValueError: recipe name must be one of celeba32, dcgan64, r3gan32, r3gan64, sagan128, sagan64, sngan128, sngan32, sngan48, sngan64, got 'nope'
    """
    if not isinstance(name, str):
        raise TypeError(f"recipe name must be a str, got {type(name).__name__}")
    if name not in RECIPES:
        raise ValueError(f"recipe name must be one of {', '.join(sorted(RECIPES))}, got {name!r}")
    return RECIPES[name](num_classes=num_classes)
