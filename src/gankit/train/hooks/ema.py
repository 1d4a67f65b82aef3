"""Exponential moving average of the generator weights."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

import torch
from torch import Tensor, nn

from gankit._validation import (
    check_bool,
    check_float,
    check_int,
    check_optional_float,
)
from gankit.train.hook import Hook

if TYPE_CHECKING:
    from gankit.train.state import TrainState
    from gankit.train.trainer import Trainer


class EMA(Hook):
    r"""Keep an exponential moving average of the generator (Karras et al., 2018).

    After every ``every``-th generator update,
    :math:`\theta_{ema} \leftarrow \beta\,\theta_{ema} + (1-\beta)\,\theta` for the
    parameters, and buffers (BatchNorm statistics) are copied. The decay is either fixed
    (``decay``) or set by a half-life in images, :math:`\beta = 0.5^{n/h}` for ``n``
    images per update (as in Karras et al., 2022, "EDM"). With ``warmup`` the decay is
    :math:`\min(\beta, (1 + t) / (10 + t))` after ``t`` updates, so early averages do not
    remember the random initialization. Updates are device operations (``_foreach_lerp_``).

    :meth:`gankit.Trainer.sample`, :class:`SampleGrid` and metrics use the average;
    checkpoints hold it.

    Args:
        decay: the fixed decay in ``[0, 1)``, used unless ``half_life_images`` is set.
        half_life_images: images after which an old weight counts half.
        warmup: ramp the decay up from 0.1 as in TensorFlow's moving averages.
        every: update every this many steps (the decay is applied per update).

    Example:
        >>> ema = EMA(decay=0.999)
        >>> ema.decay_at(updates=0, images=64), ema.decay_at(updates=10_000, images=64)
        (0.1, 0.999)
    """

    def __init__(
        self,
        decay: float = 0.999,
        *,
        half_life_images: float | None = None,
        warmup: bool = True,
        every: int = 1,
    ) -> None:
        self.decay = check_float("EMA", "decay", decay, minimum=0.0, maximum=1.0, include_max=False)
        check_optional_float(
            "EMA",
            "half_life_images",
            half_life_images,
            minimum=0.0,
            maximum=1e15,
            include_min=False,
        )
        self.half_life_images = half_life_images
        self.warmup = check_bool("EMA", "warmup", warmup)
        self.every = check_int("EMA", "every", every, minimum=1)
        self.module: nn.Module | None = None
        self.updates = 0
        self._last_images = 0
        self._pending: Mapping[str, Any] | None = None

    sampling_entry: ClassVar[str] = "module"

    def sampling_module(self) -> nn.Module | None:
        """Return the averaged generator (the :class:`~gankit.train.SamplingSource` capability)."""
        return self.module

    def decay_at(self, updates: int, images: int) -> float:
        """Return the decay used for update number ``updates`` covering ``images`` images."""
        beta = self.decay
        if self.half_life_images is not None:
            beta = 0.5 ** (max(images, 1) / self.half_life_images)
        if self.warmup:
            beta = min(beta, (1 + updates) / (10 + updates))
        return beta

    def _ensure(self, trainer: Trainer) -> nn.Module:
        if self.module is None:
            self.module = copy.deepcopy(trainer.generator).eval().requires_grad_(False)
            if self._pending is not None:
                self.module.load_state_dict(self._pending["module"])
                self._pending = None
        return self.module

    def on_fit_start(self, trainer: Trainer, state: TrainState) -> None:
        """Create the average from the generator (or from a loaded checkpoint)."""
        self._ensure(trainer)
        self._last_images = state.images_seen

    def on_load_checkpoint(
        self, trainer: Trainer, state: TrainState, checkpoint: Mapping[str, Any]
    ) -> None:
        """Rebuild the average from the loaded state."""
        if self._pending is not None:
            self.module = None
            self._ensure(trainer)
        self._last_images = state.images_seen

    @torch.no_grad()
    def on_generator_step(
        self, trainer: Trainer, state: TrainState, losses: Mapping[str, Tensor]
    ) -> None:
        """Blend the generator into the average after every ``every``-th generator update.

        Right after the update, before ``on_log`` and ``on_step_end``: a checkpoint
        written there holds this step's average whatever the order of the hooks.
        """
        if (state.step + 1) % self.every:  # state.step counts this step from on_step_end
            return
        ema = self._ensure(trainer)
        beta = self.decay_at(self.updates, state.images_seen - self._last_images)
        self._last_images = state.images_seen
        ema_params: list[Tensor] = list(ema.parameters())
        params = [p.detach() for p in trainer.generator.parameters()]
        torch._foreach_lerp_(ema_params, params, 1.0 - beta)
        for b_ema, b in zip(ema.buffers(), trainer.generator.buffers(), strict=True):
            b_ema.copy_(b)
        self.updates += 1

    def state_dict(self) -> dict[str, Any]:
        """Return the averaged weights and the update count."""
        if self.module is None:
            return {"updates": self.updates} if self._pending is None else dict(self._pending)
        return {"module": self.module.state_dict(), "updates": self.updates}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Keep the state until the trainer's generator is available to copy."""
        self.updates = int(state.get("updates", 0))
        if "module" in state:
            self._pending = state
            if self.module is not None:
                self.module.load_state_dict(state["module"])
                self._pending = None
