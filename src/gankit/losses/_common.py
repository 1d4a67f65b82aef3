"""Reduction and ``repr`` helpers shared by the loss modules.

Argument checks live in :mod:`gankit._validation`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from torch import Tensor

__all__ = ["format_repr", "reduce_values"]

if TYPE_CHECKING:
    from gankit.losses.base import Reduction


def reduce_values(values: Tensor, reduction: Reduction) -> Tensor:
    """Reduce ``values`` over all elements with ``"mean"`` or ``"sum"``."""
    return values.mean() if reduction == "mean" else values.sum()


def format_repr(name: str, fields: Mapping[str, object]) -> str:
    """Return ``name(key=value, ...)`` with ``repr`` of each value."""
    args = ", ".join(f"{key}={value!r}" for key, value in fields.items())
    return f"{name}({args})"
