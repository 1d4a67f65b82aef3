r"""Conditioning layers: label checks, label encoders and class-conditional batch norm.

Two kinds of labels condition a net:

- **class labels** (``num_classes > 0``): an int64 tensor of shape ``(B,)`` with values
  in ``[0, num_classes)``;
- **attribute vectors** (``num_attributes > 0``, multi-label, e.g. CelebA's 40 binary
  attributes): a tensor of shape ``(B, num_attributes)`` with values in ``[0, 1]`` (bool,
  int or float; :class:`gankit.data.CelebA` with ``target="attr"`` yields 0/1 int64). An
  int64 tensor of shape ``(B,)`` is also accepted and read as one-hot attribute vectors,
  so that the cycling labels of :meth:`gankit.Trainer.sample` and
  :class:`~gankit.train.hooks.SampleGrid` work (label ``k`` switches attribute ``k`` on).

Values are checked on CPU tensors (where it costs no device synchronisation); on an
accelerator, and while compiling, only dtype and shape are checked and an out-of-range
class index trips the embedding's device-side assertion instead.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import Tensor, nn

__all__ = ["ConditionalBatchNorm2d", "LabelEncoder", "check_condition"]


def _compiling() -> bool:
    """``torch.compiler.is_compiling()``, also on torch < 2.3 (where dynamo has it)."""
    check: Callable[[], bool] | None = getattr(torch.compiler, "is_compiling", None)
    if check is None:  # pragma: no cover - torch 2.1 / 2.2
        check = getattr(torch._dynamo, "is_compiling", lambda: False)
    return bool(check())


def _values_checked(labels: Tensor) -> bool:
    """Whether checking values here is free: a CPU tensor outside compilation."""
    return labels.device.type == "cpu" and not _compiling()


def check_condition(
    owner: str, num_classes: int, num_attributes: int, labels: Tensor | None, batch: int
) -> None:
    """Raise ``ValueError`` / ``TypeError`` unless ``labels`` fit the net's conditioning.

    Args:
        owner: the net's class name, for the message.
        num_classes: classes of a class-conditional net (0: none).
        num_attributes: attributes of a multi-label net (0: none).
        labels: what the caller passed.
        batch: the batch size of the other input.

    Raises:
        ValueError: missing labels for a conditional net, labels for an unconditional
            one, a wrong shape, or (CPU tensors) a value out of range.
        TypeError: a non-tensor or a wrong dtype.

    Example:
        >>> check_condition("Net", 3, 0, torch.tensor([0, 2]), 2)
        >>> check_condition("Net", 3, 0, torch.tensor([0, 3]), 2)
        Traceback (most recent call last):
        ...
        ValueError: Net labels must be class indices in [0, 3), got values in [0, 3]
    """
    if not num_classes and not num_attributes:
        if labels is not None:
            raise ValueError(f"{owner} is unconditional (num_classes=0) but labels were given")
        return
    what = (
        f"class labels of shape ({batch},)"
        if num_classes
        else f"attribute vectors of shape ({batch}, {num_attributes})"
    )
    if labels is None:
        count = f"num_classes={num_classes}" if num_classes else f"num_attributes={num_attributes}"
        raise ValueError(f"{owner} is conditional ({count}): pass labels, {what}")
    if not isinstance(labels, Tensor):
        raise TypeError(f"{owner} expects labels as a torch.Tensor, got {type(labels).__name__}")
    if num_classes or (labels.ndim == 1 and not labels.is_floating_point()):
        _check_indices(owner, num_classes or num_attributes, labels, batch, what)
        return
    if labels.shape != (batch, num_attributes):
        raise ValueError(f"{owner} expects {what}, got shape {tuple(labels.shape)}")
    if labels.is_complex():
        raise TypeError(f"{owner} expects real attribute values, got dtype {labels.dtype}")
    if _values_checked(labels) and labels.numel():
        low, high = labels.min().item(), labels.max().item()
        if low < 0 or high > 1:
            raise ValueError(
                f"{owner} attribute values must be in [0, 1] (0/1 flags), got values in "
                f"[{low}, {high}]"
            )


def _check_indices(owner: str, count: int, labels: Tensor, batch: int, what: str) -> None:
    if labels.shape != (batch,):
        raise ValueError(f"{owner} expects {what}, got shape {tuple(labels.shape)}")
    if labels.is_floating_point() or labels.is_complex() or labels.dtype == torch.bool:
        raise TypeError(f"{owner} expects integer class labels, got dtype {labels.dtype}")
    if _values_checked(labels) and labels.numel():
        low, high = int(labels.min()), int(labels.max())
        if low < 0 or high >= count:
            raise ValueError(
                f"{owner} labels must be class indices in [0, {count}), got values in "
                f"[{low}, {high}]"
            )


class LabelEncoder(nn.Module):
    r"""Map class labels or attribute vectors to learned embedding vectors.

    Class labels go through an ``nn.Embedding(num_classes, dim)``; attribute vectors
    through a bias-free ``nn.Linear(num_attributes, dim)`` (the embedding of a
    multi-hot vector is the sum of its attributes' embeddings). Exactly one of
    ``num_classes`` and ``num_attributes`` is positive.

    Args:
        dim: size of the embedding.
        num_classes: number of classes, or 0.
        num_attributes: number of binary attributes, or 0.

    Shape:
        - labels: :math:`(B,)` int64, or :math:`(B, A)` attribute values.
        - output: :math:`(B, \text{dim})`.

    Example:
        >>> enc = LabelEncoder(8, num_attributes=40)
        >>> enc(torch.randint(0, 2, (3, 40))).shape
        torch.Size([3, 8])
    """

    def __init__(self, dim: int, *, num_classes: int = 0, num_attributes: int = 0) -> None:
        super().__init__()
        if (num_classes > 0) == (num_attributes > 0):
            raise ValueError(
                "LabelEncoder needs exactly one of num_classes and num_attributes > 0, got "
                f"num_classes={num_classes}, num_attributes={num_attributes}"
            )
        self.num_classes = num_classes
        self.num_attributes = num_attributes
        self.embed: nn.Embedding | nn.Linear
        if num_classes:
            self.embed = nn.Embedding(num_classes, dim)
        else:
            self.embed = nn.Linear(num_attributes, dim, bias=False)

    def forward(self, labels: Tensor) -> Tensor:
        """Return the embeddings of ``labels``."""
        if isinstance(self.embed, nn.Embedding):
            out: Tensor = self.embed(labels)
            return out
        if labels.ndim == 1:  # class-style indices: one-hot attribute vectors
            labels = F.one_hot(labels.long(), self.num_attributes)
        weight = self.embed.weight
        return F.linear(labels.to(weight.dtype), weight)


class ConditionalBatchNorm2d(nn.Module):
    r"""Batch norm whose gain and bias depend on the label (class-conditional BN).

    .. math::

        y = \gamma(c) \odot \frac{x - \mu_B}{\sqrt{\sigma_B^2 + \epsilon}} + \beta(c).

    With ``num_classes`` the gain and bias are looked up per class (de Vries et al., 2017,
    arXiv:1707.00683; Miyato & Koyama, 2018, arXiv:1802.05637), initialized to 1 and 0.
    With ``embedding_dim`` they are linear functions of a conditioning vector ``c``
    (BigGAN's shared embedding, Brock et al., 2019, arXiv:1809.11096):
    :math:`\gamma = 1 + W_\gamma c`, :math:`\beta = W_\beta c`. The normalization itself
    is an ``nn.BatchNorm2d(affine=False)`` submodule ``bn``, so
    ``torch.nn.SyncBatchNorm.convert_sync_batchnorm`` converts it for DDP.

    Args:
        num_features: channels ``C``.
        num_classes: classes for per-class gain/bias, or 0.
        embedding_dim: size of the conditioning vector, or 0 (exactly one is positive).
        eps: the batch norm epsilon.
        momentum: the batch norm running-statistics momentum.

    Shape:
        - x: :math:`(B, C, H, W)`; cond: :math:`(B,)` int64 class labels or
          :math:`(B, \text{embedding\_dim})`; output: like ``x``.

    Example:
        >>> cbn = ConditionalBatchNorm2d(4, num_classes=3)
        >>> cbn(torch.randn(2, 4, 5, 5), torch.tensor([0, 2])).shape
        torch.Size([2, 4, 5, 5])
    """

    def __init__(
        self,
        num_features: int,
        *,
        num_classes: int = 0,
        embedding_dim: int = 0,
        eps: float = 1e-5,
        momentum: float = 0.1,
    ) -> None:
        super().__init__()
        if (num_classes > 0) == (embedding_dim > 0):
            raise ValueError(
                "ConditionalBatchNorm2d needs exactly one of num_classes and embedding_dim "
                f"> 0, got num_classes={num_classes}, embedding_dim={embedding_dim}"
            )
        self.num_features = num_features
        self.bn = nn.BatchNorm2d(num_features, eps=eps, momentum=momentum, affine=False)
        self.gain: nn.Embedding | nn.Linear
        self.bias: nn.Embedding | nn.Linear
        if num_classes:
            self.gain = nn.Embedding(num_classes, num_features)
            self.bias = nn.Embedding(num_classes, num_features)
            nn.init.ones_(self.gain.weight)
        else:
            self.gain = nn.Linear(embedding_dim, num_features, bias=False)
            self.bias = nn.Linear(embedding_dim, num_features, bias=False)
            nn.init.zeros_(self.gain.weight)
        nn.init.zeros_(self.bias.weight)

    def forward(self, x: Tensor, cond: Tensor) -> Tensor:
        """Normalize ``x`` and apply the gain and bias of ``cond``."""
        gain: Tensor = self.gain(cond)
        if isinstance(self.gain, nn.Linear):
            gain = gain + 1.0
        bias: Tensor = self.bias(cond)
        h: Tensor = self.bn(x)
        return h * gain.to(h.dtype)[:, :, None, None] + bias.to(h.dtype)[:, :, None, None]
