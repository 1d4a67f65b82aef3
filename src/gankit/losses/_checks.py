"""Private argument checks and dtype helpers shared by the loss modules."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING

import torch
from torch import Tensor

if TYPE_CHECKING:
    from gankit.losses.base import Reduction

_REDUCTIONS = ("mean", "sum")
_LOW_PRECISION = (torch.float16, torch.bfloat16)


def check_reduction(reduction: str) -> Reduction:
    """Return ``reduction`` if it is a valid :data:`Reduction`, else raise ``ValueError``."""
    if reduction == "mean":
        return "mean"
    if reduction == "sum":
        return "sum"
    raise ValueError(f"reduction must be one of {_REDUCTIONS}, got {reduction!r}")


def check_range(name: str, value: float, low: float, high: float) -> float:
    """Return ``value`` if it lies in the closed interval ``[low, high]``, else raise."""
    if not (low <= value <= high):  # also rejects NaN
        raise ValueError(f"{name} must be in [{low:g}, {high:g}], got {value!r}")
    return float(value)


def check_finite(name: str, value: float) -> float:
    """Return ``value`` if it is a finite number, else raise ``ValueError``."""
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    return float(value)


def check_non_negative(name: str, value: float) -> float:
    """Return ``value`` if it is finite and ``>= 0``, else raise ``ValueError``."""
    if not (math.isfinite(value) and value >= 0.0):
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
    return float(value)


def check_positive(name: str, value: float) -> float:
    """Return ``value`` if it is finite and ``> 0``, else raise ``ValueError``."""
    if not (math.isfinite(value) and value > 0.0):
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
    return float(value)


def as_float(name: str, logits: Tensor) -> Tensor:
    """Validate ``logits`` and upcast half / bfloat16 to float32 (float64 is kept).

    Losses are computed in at least single precision so that logits produced under
    ``torch.autocast`` (for example bfloat16 logits of magnitude ``1e4``) give finite
    values and gradients.
    """
    if not isinstance(logits, Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(logits).__name__}")
    if not logits.is_floating_point():
        raise TypeError(f"{name} must be a floating-point tensor, got dtype {logits.dtype}")
    if logits.numel() == 0:
        raise ValueError(f"{name} must be non-empty, got shape {tuple(logits.shape)}")
    return logits.float() if logits.dtype in _LOW_PRECISION else logits


def reduce_values(values: Tensor, reduction: Reduction) -> Tensor:
    """Reduce ``values`` over all elements with ``"mean"`` or ``"sum"``."""
    return values.mean() if reduction == "mean" else values.sum()


def format_repr(name: str, fields: Mapping[str, object]) -> str:
    """Return ``name(key=value, ...)`` with ``repr`` of each value."""
    args = ", ".join(f"{key}={value!r}" for key, value in fields.items())
    return f"{name}({args})"
