r"""Adaptive augmentation probability (ADA; Karras, Aittala, Hellsten, Laine, Lehtinen & Aila, 2020).

How often the discriminator sees augmented images is steered by how much it overfits. The
heuristic of the paper, :math:`r_t = \mathbb{E}[\operatorname{sign} D(x_{real})]`, is
1 when D is sure of every real image and 0 when it cannot tell; every ``interval`` batches,
``p`` moves by :math:`\operatorname{sign}(r_t - \text{target}) \cdot N / S` for the
:math:`N` images of those batches, so it can go from 0 to 1 within :math:`S` images
(500k in the paper; target 0.6, interval 4). Under a relativistic loss, where only
differences of logits matter, :class:`~gankit.train.TrainingStep` observes
:math:`D(x_{real}) - D(x_{fake})` per pair instead
(:meth:`~gankit.train.TrainingStep.overfitting_signal`).

Everything happens on the device with in-place updates of buffers (no host
synchronisation; CUDA-graph safe), and the state (``p`` and the running sums) is part of
the module's ``state_dict``, which checkpoints hold.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from gankit._validation import check_float, check_int
from gankit.augment.diffaugment import DiffAugment

__all__ = ["AdaptiveAugment"]


class AdaptiveAugment(nn.Module):
    r"""DiffAugment policies applied with a probability that adapts to D's overfitting.

    Args:
        augment: the augmentation whose ``p`` buffer is adapted; default all DiffAugment
            policies.
        target: the value of :math:`r_t` to hold (0.6 in the paper).
        speed_images: images over which ``p`` can go from 0 to 1 (500,000 in the paper).
        interval: batches between adjustments (4 in the paper).
        initial: the starting probability.

    Example:
        >>> ada = AdaptiveAugment(speed_images=1000, interval=1)
        >>> for _ in range(3):  # D is sure of every real image: p rises
        ...     ada.observe(torch.ones(100))
        >>> round(float(ada.p), 2)
        0.3
    """

    sign_sum: Tensor
    count: Tensor
    batches: Tensor
    rt: Tensor

    def __init__(
        self,
        augment: DiffAugment | None = None,
        *,
        target: float = 0.6,
        speed_images: float = 500_000,
        interval: int = 4,
        initial: float = 0.0,
    ) -> None:
        super().__init__()
        owner = "AdaptiveAugment"
        self.target = check_float(owner, "target", target, minimum=0.0, maximum=1.0)
        self.speed_images = check_float(
            owner, "speed_images", speed_images, minimum=0.0, maximum=1e15, include_min=False
        )
        self.interval = check_int(owner, "interval", interval, minimum=1, maximum=2**20)
        check_float(owner, "initial", initial, minimum=0.0, maximum=1.0)
        self.augment = augment if augment is not None else DiffAugment()
        if not isinstance(self.augment, DiffAugment):
            raise TypeError(f"{owner} adapts a DiffAugment, got {type(self.augment).__name__}")
        self.p.fill_(float(initial))
        self.register_buffer("sign_sum", torch.zeros(()))
        self.register_buffer("count", torch.zeros(()))
        self.register_buffer("batches", torch.zeros((), dtype=torch.long))
        self.register_buffer("rt", torch.zeros(()))

    @property
    def p(self) -> Tensor:
        """The current probability (a device tensor)."""
        p: Tensor = self.augment.p
        return p

    def forward(self, images: Tensor) -> Tensor:
        """Augment ``images`` with probability ``p`` per policy and image."""
        out: Tensor = self.augment(images)
        return out

    @torch.no_grad()
    def observe(self, real_logits: Tensor) -> None:
        """Add D's logits on a batch of (augmented) real images; adjust ``p`` every interval."""
        logits = real_logits.detach().float().reshape(-1)
        self.sign_sum += logits.sign().sum()
        self.count += logits.numel()
        self.batches += 1
        due = self.batches % self.interval == 0
        rt = self.sign_sum / self.count.clamp(min=1.0)
        step = (rt - self.target).sign() * (logits.numel() * self.interval / self.speed_images)
        p = self.p
        p.copy_(torch.where(due, (p + step).clamp(0.0, 1.0), p))
        self.rt.copy_(torch.where(due, rt, self.rt))
        self.sign_sum.copy_(torch.where(due, torch.zeros_like(rt), self.sign_sum))
        self.count.copy_(torch.where(due, torch.zeros_like(rt), self.count))

    def extra_repr(self) -> str:
        """The settings."""
        return f"target={self.target}, speed_images={self.speed_images:g}, interval={self.interval}"
