"""The R3GAN schedules: cosine ramps of the learning rate, Adam's beta2 and gamma."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, ClassVar

from gankit._validation import check_float, check_int
from gankit.train.hook import Hook

if TYPE_CHECKING:
    from gankit.train.state import TrainState
    from gankit.train.trainer import Trainer

__all__ = ["R3GANSchedule"]


def _pair(name: str, value: object, low: float, high: float) -> tuple[float, float]:
    if not isinstance(value, tuple) or len(value) != 2:
        raise ValueError(f"R3GANSchedule.{name} must be a (start, end) tuple, got {value!r}")
    start = check_float("R3GANSchedule", f"{name}[0]", value[0], minimum=low, maximum=high)
    end = check_float("R3GANSchedule", f"{name}[1]", value[1], minimum=low, maximum=high)
    return start, end


class R3GANSchedule(Hook):
    r"""Ramp the learning rates, Adam's beta2 and the regularizer's gamma as R3GAN does.

    Before every step, with :math:`t = \min(1, \text{images seen} / \text{total\_images})`,
    each quantity moves from its start value :math:`a` to its end value :math:`b` along
    a cosine, :math:`b + (a - b)\,\tfrac12(1 + \cos \pi t)`: the learning rate of both
    optimizers (2e-4 to 5e-5), beta2 of both Adam optimizers (0.9 to 0.99; beta1 is
    kept) and ``trainer.regularizer.gamma`` (2 to 0.2), over 20M images. These are the
    values of the ``FFHQ-64`` and ``CIFAR10`` presets of the R3GAN code (Huang et al.,
    NeurIPS 2024, arXiv:2501.05441). The schedule depends only on
    ``state.images_seen``, so a resumed run continues it and the hook has no state of
    its own. It writes the optimizers' ``param_groups`` (so do not combine it with a
    learning-rate scheduler) and refuses ``TrainerConfig(cuda_graphs=True)``, whose
    captured steps would keep the first values.

    Args:
        total_images: images over which the ramps run (2e7 in the paper).
        lr: ``(start, end)`` learning rate.
        beta2: ``(start, end)`` Adam beta2.
        gamma: ``(start, end)`` regularizer weight; ignored if the regularizer has no
            ``gamma`` attribute (e.g. no regularizer).

    Example:
        >>> schedule = R3GANSchedule(total_images=1000)
        >>> schedule.values(0)["lr"], schedule.values(500)["gamma"], schedule.values(2000)["beta2"]
        (0.0002, 1.1, 0.99)
    """

    rank_zero_only: ClassVar[bool] = False

    def __init__(
        self,
        total_images: int = 20_000_000,
        *,
        lr: tuple[float, float] = (2e-4, 5e-5),
        beta2: tuple[float, float] = (0.9, 0.99),
        gamma: tuple[float, float] = (2.0, 0.2),
    ) -> None:
        self.total_images = check_int("R3GANSchedule", "total_images", total_images, minimum=1)
        self.lr = _pair("lr", lr, 0.0, 10.0)
        self.beta2 = _pair("beta2", beta2, 0.0, 0.999999)
        self.gamma = _pair("gamma", gamma, 0.0, 1e6)

    @staticmethod
    def ramp(start: float, end: float, fraction: float) -> float:
        """Return the cosine ramp from ``start`` to ``end`` at ``fraction`` in [0, 1].

        Example:
            >>> R3GANSchedule.ramp(1.0, 0.0, 0.5)
            0.5
        """
        t = min(max(fraction, 0.0), 1.0)
        return end + (start - end) * 0.5 * (1.0 + math.cos(math.pi * t))

    def values(self, images: int) -> dict[str, float]:
        """Return ``{"lr", "beta2", "gamma"}`` after ``images`` training images."""
        t = images / self.total_images
        return {
            "lr": self.ramp(*self.lr, t),
            "beta2": self.ramp(*self.beta2, t),
            "gamma": round(self.ramp(*self.gamma, t), 12),
        }

    def _apply(self, trainer: Trainer, images: int) -> None:
        v = self.values(images)
        for optimizer in (trainer.g_optimizer, trainer.d_optimizer):
            for group in optimizer.param_groups:
                group["lr"] = v["lr"]
                if "betas" in group:
                    group["betas"] = (group["betas"][0], v["beta2"])
        regularizer = trainer.regularizer
        if regularizer is not None and hasattr(regularizer, "gamma"):
            regularizer.gamma = v["gamma"]

    def on_fit_start(self, trainer: Trainer, state: TrainState) -> None:
        """Refuse CUDA graphs and set the values for the first step."""
        if trainer.config.cuda_graphs:
            raise ValueError(
                "R3GANSchedule changes the learning rate, Adam's beta2 and gamma every "
                "step, which TrainerConfig(cuda_graphs=True) would bake into the captured "
                "step; train without cuda_graphs"
            )
        self._apply(trainer, state.images_seen)

    def on_step_start(self, trainer: Trainer, state: TrainState) -> None:
        """Set the values for this step from ``state.images_seen``."""
        self._apply(trainer, state.images_seen)
