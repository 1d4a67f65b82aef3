"""Checks of loss arguments: the reduction and real-valued hyperparameters."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from gankit._validation.messages import type_error, value_error
from gankit._validation.numeric import is_number

__all__ = [
    "check_finite",
    "check_non_negative",
    "check_positive",
    "check_range",
    "check_reduction",
]

if TYPE_CHECKING:
    from gankit.losses.base import Reduction

_REDUCTIONS = ("mean", "sum")


def check_reduction(reduction: object) -> Reduction:
    """Return ``reduction`` if it is a valid :data:`~gankit.losses.Reduction`.

    Args:
        reduction: The value to check.

    Returns:
        ``"mean"`` or ``"sum"``.

    Raises:
        TypeError: If it is not a ``str``.
        ValueError: If it is another string.

    Example:
        >>> check_reduction("sum")
        'sum'
    """
    allowed = f"one of {_REDUCTIONS}"
    if not isinstance(reduction, str):
        raise type_error("", "reduction", reduction, allowed)
    if reduction == "mean":
        return "mean"
    if reduction == "sum":
        return "sum"
    raise value_error("", "reduction", reduction, allowed)


def _real(name: str, value: object, allowed: str) -> float:
    """``float(value)`` for an int or float (NaN and inf pass); TypeError/ValueError else."""
    if not is_number(value):
        raise type_error("", name, value, allowed)
    try:
        return float(value)  # type: ignore[arg-type]
    except OverflowError:  # an int beyond the float range
        raise value_error("", name, value, allowed) from None


def check_range(name: str, value: object, low: float, high: float) -> float:
    """Return ``value`` as a float if it is a number in the closed interval ``[low, high]``.

    Args:
        name: Argument name used in error messages.
        value: The value to check.
        low: Lower end.
        high: Upper end.

    Returns:
        ``float(value)``.

    Raises:
        TypeError: If it is not a number.
        ValueError: If it is NaN or outside the interval.

    Example:
        >>> check_range("label_smoothing", 0.1, 0.0, 0.5)
        0.1
    """
    allowed = f"in [{low:g}, {high:g}]"
    v = _real(name, value, allowed)
    if not low <= v <= high:  # also refuses NaN
        raise value_error("", name, value, allowed)
    return v


def check_finite(name: str, value: object) -> float:
    """Return ``value`` as a float if it is a finite number.

    Args:
        name: Argument name used in error messages.
        value: The value to check.

    Returns:
        ``float(value)``.

    Raises:
        TypeError: If it is not a number.
        ValueError: If it is NaN, infinite or too large for a float.

    Example:
        >>> check_finite("a", -1)
        -1.0
    """
    v = _real(name, value, "a finite number")
    if not math.isfinite(v):
        raise value_error("", name, value, "a finite number")
    return v


def check_non_negative(name: str, value: object) -> float:
    """Return ``value`` as a float if it is a finite number ``>= 0``.

    Args:
        name: Argument name used in error messages.
        value: The value to check.

    Returns:
        ``float(value)``.

    Raises:
        TypeError: If it is not a number.
        ValueError: If it is negative or not finite.

    Example:
        >>> check_non_negative("gamma", 0)
        0.0
    """
    v = _real(name, value, "a finite number >= 0")
    if not (math.isfinite(v) and v >= 0.0):
        raise value_error("", name, value, "a finite number >= 0")
    return v


def check_positive(name: str, value: object) -> float:
    """Return ``value`` as a float if it is a finite number ``> 0``.

    Args:
        name: Argument name used in error messages.
        value: The value to check.

    Returns:
        ``float(value)``.

    Raises:
        TypeError: If it is not a number.
        ValueError: If it is not positive or not finite.

    Example:
        >>> check_positive("target", 1)
        1.0
    """
    v = _real(name, value, "a finite number > 0")
    if not (math.isfinite(v) and v > 0.0):
        raise value_error("", name, value, "a finite number > 0")
    return v
