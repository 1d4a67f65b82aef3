"""The hook base class: one typed no-op method per training event.

Events fire in this order (``fit(data, epochs=1)`` with ``n_critic=1``; pinned by
``tests/train/test_hook.py``)::

    on_fit_start
      on_epoch_start
        on_step_start
          on_before_optimizer_step(name="discriminator")
          on_discriminator_step
          on_before_optimizer_step(name="generator")
          on_generator_step
          on_log                      (every ``log_every`` steps)
        on_step_end
        ...                           (one block per step)
      on_epoch_end
    on_fit_end

With ``n_critic = k`` the two discriminator events repeat k times per step. Under
``TrainerConfig(cuda_graphs=True)`` the step's device work runs first, as one graph
replay, and the same events then fire in the same order (without
``on_before_optimizer_step``, which such a trainer refuses); their loss tensors are
rewritten by the next replay. ``on_exception``
replaces the rest when an exception escapes, and ``on_save_checkpoint`` /
``on_load_checkpoint`` fire inside :meth:`~gankit.Trainer.save` / :meth:`~gankit.Trainer.load`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Protocol, runtime_checkable

from torch import Tensor, nn
from torch.optim import Optimizer

if TYPE_CHECKING:
    from gankit.train.state import TrainState
    from gankit.train.trainer import Trainer

__all__ = ["Hook", "NetName", "SamplingSource", "every", "keyed"]

NetName = Literal["generator", "discriminator"]


class Hook:
    """Base class for training hooks; override the events you need.

    Every method is a no-op here. Hooks receive the trainer and its
    :class:`~gankit.train.TrainState`; they steer the loop only through the state's flags
    (``should_stop``, ``should_save``). Hooks with state to resume implement
    :meth:`state_dict` / :meth:`load_state_dict`; it is saved in every checkpoint.

    Attributes:
        rank_zero_only: under DDP, fire this hook's events on rank 0 only (logging,
            sample grids, checkpoints). Hooks that must run on every rank set it False.

    Example:
        >>> class StopAt(Hook):
        ...     def __init__(self, step: int) -> None:
        ...         self.at = step
        ...     def on_step_end(self, trainer, state):
        ...         if state.step >= self.at:
        ...             state.should_stop = True
        >>> StopAt(100).state_dict()
        {}
    """

    rank_zero_only: ClassVar[bool] = True

    @property
    def state_key(self) -> str:
        """The key of this hook's state in checkpoints, by default the class name.

        Two hooks with the same key get ``#1``, ``#2``, ... appended in list order. Override
        it when two instances of one class must keep their states apart regardless of
        order, e.g. ``f"SampleGrid[{self.directory}]"``.
        """
        return type(self).__name__

    def on_fit_start(self, trainer: Trainer, state: TrainState) -> None:
        """Fire once when ``fit`` starts, after a checkpoint is loaded if resuming."""

    def on_fit_end(self, trainer: Trainer, state: TrainState) -> None:
        """Fire once when ``fit`` returns normally (also after a Ctrl-C stop)."""

    def on_epoch_start(self, trainer: Trainer, state: TrainState) -> None:
        """Fire before the first batch of an epoch (``state.epoch`` is its 0-based index)."""

    def on_epoch_end(self, trainer: Trainer, state: TrainState) -> None:
        """Fire after the last batch of an epoch; ``state.epoch_metrics`` hold its means."""

    def on_step_start(self, trainer: Trainer, state: TrainState) -> None:
        """Fire before the first discriminator update of a step."""

    def on_step_end(self, trainer: Trainer, state: TrainState) -> None:
        """Fire after the generator update; ``state.step`` already counts it."""

    def on_before_optimizer_step(
        self, trainer: Trainer, state: TrainState, name: NetName, optimizer: Optimizer
    ) -> None:
        """Fire after backward (gradients unscaled and clipped), before ``optimizer.step()``."""

    def on_discriminator_step(
        self, trainer: Trainer, state: TrainState, losses: Mapping[str, Tensor]
    ) -> None:
        """Fire after each discriminator update with its losses still on the device."""

    def on_generator_step(
        self, trainer: Trainer, state: TrainState, losses: Mapping[str, Tensor]
    ) -> None:
        """Fire after each generator update with its losses still on the device."""

    def on_log(self, trainer: Trainer, state: TrainState, metrics: dict[str, float]) -> None:
        """Fire every ``log_every`` steps with the interval's mean losses read to the host.

        Hooks may add entries (an evaluation hook adds ``fid``); hooks later in the list,
        such as loggers and checkpoints, see them.
        """

    def on_save_checkpoint(
        self, trainer: Trainer, state: TrainState, checkpoint: dict[str, Any]
    ) -> None:
        """Fire before a checkpoint is written; may add entries or raise to veto the save."""

    def on_load_checkpoint(
        self, trainer: Trainer, state: TrainState, checkpoint: Mapping[str, Any]
    ) -> None:
        """Fire after a checkpoint is loaded into the trainer."""

    def on_exception(self, trainer: Trainer, state: TrainState, error: BaseException) -> None:
        """Fire when an exception escapes the loop, before it is re-raised."""

    def state_dict(self) -> dict[str, Any]:
        """Return what this hook needs to resume (tensors and plain Python values only)."""
        return {}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned."""


@runtime_checkable
class SamplingSource(Protocol):
    """A hook that offers a module to sample from in place of the generator (e.g. EMA).

    :meth:`gankit.Trainer.sampling_generator` (and so :meth:`~gankit.Trainer.sample`,
    sample grids and FID) uses the first hook in the list whose :meth:`sampling_module`
    returns a module. Checkpoints record which hook it was and under which entry of that
    hook's :meth:`~Hook.state_dict` the module's weights are, so
    :func:`~gankit.train.load_generator` with ``ema=True`` finds them without knowing the
    hook's class.

    Attributes:
        sampling_entry: the entry of the hook's state dict that holds the module's
            ``state_dict()``.

    Example:
        >>> from gankit.train.hooks import EMA
        >>> isinstance(EMA(), SamplingSource), EMA.sampling_entry
        (True, 'module')
    """

    sampling_entry: ClassVar[str]

    def sampling_module(self) -> nn.Module | None:
        """Return the module to sample from, or ``None`` while there is none yet."""


def every(count: int, n: int | None) -> bool:
    """Return True when a counter that just reached ``count`` is a multiple of ``n``.

    The "every N" filter of built-in hooks (ignite's ``Events.X(every=n)``): ``n=None``
    or ``count=0`` never fires.

    Args:
        count: the counter, e.g. ``state.step`` or ``state.epoch``.
        n: the period, or ``None`` for never.

    Returns:
        Whether an event filtered by "every ``n``" fires now.

    Example:
        >>> [s for s in range(1, 11) if every(s, 4)]
        [4, 8]
    """
    return n is not None and n > 0 and count > 0 and count % n == 0


def keyed(hooks: Sequence[Hook]) -> list[tuple[str, Hook]]:
    """Pair each hook with its checkpoint key: its ``state_key``, ``#n`` added for repeats.

    Example:
        >>> [key for key, _ in keyed([Hook(), Hook()])]
        ['Hook', 'Hook#1']
    """
    seen: dict[str, int] = {}
    out = []
    for hook in hooks:
        name = hook.state_key
        n = seen.get(name, 0)
        seen[name] = n + 1
        out.append((name if n == 0 else f"{name}#{n}", hook))
    return out
