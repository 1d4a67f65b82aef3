"""Evaluate FID (and optionally KID) of the generator during training."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import torch
from torch import Tensor

from gankit._validation import check_bool, check_int, check_optional_int
from gankit.metrics import (
    FID,
    fid_from_statistics,
    generate_features,
    kernel_inception_distance,
    statistics_from_features,
)
from gankit.train.hook import Hook, every
from gankit.train.sampling import sample_stream

if TYPE_CHECKING:
    from gankit.train.state import TrainState
    from gankit.train.trainer import Trainer

__all__ = ["FIDEvaluation"]


class FIDEvaluation(Hook):
    """Every N steps or epochs, generate ``num_samples`` images and add ``fid`` to the metrics.

    The value is added to the ``on_log`` metrics (by steps) or to ``state.epoch_metrics``
    (by epochs), so hooks after this one see it: :class:`MetricsLogger` logs it and
    ``Checkpoint(monitor="fid")`` keeps the best checkpoint. Put this hook before them.
    Samples come from the EMA generator when an :class:`EMA` hook exists (``ema=True``),
    in eval mode, from a private noise generator seeded with ``seed`` (the same noise at
    every evaluation; training RNGs are untouched). With ``kid_real_features`` the
    generated features are kept and KID (mean and std) is reported too. The number of
    samples is logged as ``fid_samples``: FID is biased for small sample counts, so
    compare values only at equal counts.

    Args:
        fid: a :class:`gankit.metrics.FID` holding the extractor and real statistics
            (see :meth:`gankit.metrics.FID.from_images`).
        num_samples: generated images per evaluation (10,000 or 50,000 for reporting).
        every_n_steps: evaluate at the first log event at least this many steps after
            the last evaluation (``log_every`` should divide it).
        every_n_epochs: evaluate every this many epochs.
        ema: prefer the EMA generator.
        seed: seed of the evaluation noise.
        kid_real_features: real features ``(n, d)`` to also compute KID against.

    Example:
        >>> import torch
        >>> from gankit.metrics import FID, statistics_from_features
        >>> fid = FID(torch.nn.Flatten(), statistics_from_features(torch.randn(100, 12)))
        >>> FIDEvaluation(fid, num_samples=64, every_n_epochs=1).num_samples
        64
    """

    def __init__(
        self,
        fid: FID,
        *,
        num_samples: int = 10_000,
        every_n_steps: int | None = None,
        every_n_epochs: int | None = 1,
        ema: bool = True,
        seed: int = 0,
        kid_real_features: Tensor | None = None,
    ) -> None:
        if not isinstance(fid, FID):
            raise TypeError(f"fid must be a gankit.metrics.FID, got {type(fid).__name__}")
        self.fid = fid
        self.num_samples = check_int("FIDEvaluation", "num_samples", num_samples, minimum=2)
        self.every_n_steps = check_optional_int(
            "FIDEvaluation", "every_n_steps", every_n_steps, minimum=1
        )
        self.every_n_epochs = check_optional_int(
            "FIDEvaluation", "every_n_epochs", every_n_epochs, minimum=1
        )
        self.ema = check_bool("FIDEvaluation", "ema", ema)
        self.seed = check_int("FIDEvaluation", "seed", seed, minimum=0)
        self.kid_real_features = kid_real_features
        self.history: list[tuple[int, float]] = []
        self._last_step = 0

    @torch.no_grad()
    def evaluate(self, trainer: Trainer) -> dict[str, float]:
        """Compute the metrics now and return them."""
        net = trainer.sampling_generator(ema=self.ema)
        generator_fn = sample_stream(
            net,
            latent_dim=trainer.latent_dim,
            num_classes=trainer.num_classes,
            device=trainer.device,
            seed=self.seed,
        )
        was_training = net.training
        net.eval()
        try:
            if self.kid_real_features is None:
                result = self.fid(generator_fn, self.num_samples)
                metrics = {"fid": result.value}
            else:
                feats = generate_features(
                    generator_fn,
                    self.num_samples,
                    self.fid.extractor,
                    batch_size=self.fid.batch_size,
                    device=self.fid.device,
                )
                value = fid_from_statistics(
                    self.fid.real_statistics,
                    statistics_from_features(feats),
                    protocol=self.fid.protocol,
                ).value
                size = min(1000, len(feats), len(self.kid_real_features))
                kid = kernel_inception_distance(self.kid_real_features, feats, subset_size=size)
                metrics = {"fid": value, "kid": kid.mean, "kid_std": kid.std}
        finally:
            net.train(was_training)
        metrics["fid_samples"] = float(self.num_samples)
        return metrics

    def on_log(self, trainer: Trainer, state: TrainState, metrics: dict[str, float]) -> None:
        """Evaluate when ``every_n_steps`` have passed and add the values to ``metrics``."""
        if self.every_n_steps is not None and state.step - self._last_step >= self.every_n_steps:
            metrics.update(self._run(trainer, state))

    def on_epoch_end(self, trainer: Trainer, state: TrainState) -> None:
        """Evaluate every ``every_n_epochs`` epochs and add the values to the epoch metrics."""
        if every(state.epoch, self.every_n_epochs):
            state.epoch_metrics.update(self._run(trainer, state))

    def _run(self, trainer: Trainer, state: TrainState) -> dict[str, float]:
        values = self.evaluate(trainer)
        self._last_step = state.step
        self.history.append((state.step, values["fid"]))
        return values

    def state_dict(self) -> dict[str, Any]:
        """Return the evaluation history."""
        return {"history": [list(h) for h in self.history], "last_step": self._last_step}

    def load_state_dict(self, state: Any) -> None:
        """Restore the evaluation history."""
        self.history = [(int(s), float(v)) for s, v in state.get("history", [])]
        self._last_step = int(state.get("last_step", 0))
