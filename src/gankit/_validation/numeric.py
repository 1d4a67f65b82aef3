"""Checks of int and float arguments and config fields.

Numbers are checked before they are converted: ``float(10**400)`` raises
``OverflowError``, so :func:`check_float` refuses such an int with a ``ValueError``
naming the field instead.
"""

from __future__ import annotations

import math
from typing import Any

from gankit._validation.bounds import INT64_MAX
from gankit._validation.messages import type_error, value_error

__all__ = [
    "check_float",
    "check_int",
    "check_optional_float",
    "check_optional_int",
    "check_positive_int",
    "is_int",
    "is_number",
]


def is_int(value: object) -> bool:
    """Return whether ``value`` is an ``int`` and not a ``bool``.

    Args:
        value: Anything.

    Returns:
        ``True`` for an ``int`` other than ``True`` / ``False``.

    Example:
        >>> is_int(3), is_int(True), is_int(3.0)
        (True, False, False)
    """
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value: object) -> bool:
    """Return whether ``value`` is an ``int`` or ``float`` and not a ``bool``.

    Args:
        value: Anything.

    Returns:
        ``True`` for an ``int`` or ``float`` (NaN and inf included), ``False`` for a ``bool``.

    Example:
        >>> is_number(0.5), is_number(True), is_number("1")
        (True, False, False)
    """
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _bound(n: int) -> str:
    """``n`` as written in messages: large powers of two as ``2**k``."""
    if n == INT64_MAX:
        return "2**63 - 1"
    if n >= 2**20 and n & (n - 1) == 0:
        return f"2**{n.bit_length() - 1}"
    return str(n)


def _int_range(minimum: int, maximum: int | None) -> str:
    if maximum is None:
        return f"an int >= {minimum}"
    return f"an int in [{_bound(minimum)}, {_bound(maximum)}]"


def check_int(
    owner: str, field: str, value: Any, *, minimum: int, maximum: int | None = None
) -> int:
    """Return ``value`` if it is an ``int`` (not a ``bool``) within ``[minimum, maximum]``.

    Without ``maximum``, :data:`INT64_MAX` bounds the value: nothing larger fits a torch
    integer.

    Args:
        owner: The config class (``""`` for a plain function argument).
        field: The field or argument name.
        value: The value to check.
        minimum: Smallest allowed value.
        maximum: Largest allowed value.

    Returns:
        ``value`` unchanged.

    Raises:
        TypeError: If ``value`` is not an ``int``.
        ValueError: If it is outside the range.

    Example:
        >>> check_int("TrainerConfig", "n_critic", 5, minimum=1)
        5
        >>> check_int("TrainerConfig", "n_critic", 0, minimum=1)
        Traceback (most recent call last):
        ValueError: TrainerConfig.n_critic must be an int >= 1, got 0
    """
    if not is_int(value):
        raise type_error(owner, field, value, _int_range(minimum, maximum))
    if value < minimum or (maximum is not None and value > maximum):
        raise value_error(owner, field, value, _int_range(minimum, maximum))
    if maximum is None and value > INT64_MAX:
        raise value_error(owner, field, value, _int_range(minimum, INT64_MAX))
    return int(value)


def check_optional_int(
    owner: str, field: str, value: Any, *, minimum: int, maximum: int | None = None
) -> int | None:
    """Like :func:`check_int`, but ``None`` is allowed too.

    Args:
        owner: The config class (``""`` for a plain function argument).
        field: The field or argument name.
        value: The value to check.
        minimum: Smallest allowed value.
        maximum: Largest allowed value.

    Returns:
        ``value`` unchanged.

    Raises:
        TypeError: If ``value`` is neither ``None`` nor an ``int``.
        ValueError: If it is outside the range.

    Example:
        >>> check_optional_int("Checkpoint", "keep_last", None, minimum=1) is None
        True
    """
    if value is None:
        return None
    try:
        return check_int(owner, field, value, minimum=minimum, maximum=maximum)
    except TypeError:
        raise type_error(owner, field, value, "None or " + _int_range(minimum, maximum)) from None
    except ValueError:
        hi = INT64_MAX if maximum is None and value > INT64_MAX else maximum
        raise value_error(owner, field, value, "None or " + _int_range(minimum, hi)) from None


def check_positive_int(name: str, value: object, *, minimum: int = 1) -> int:
    """Return ``value`` if it is an ``int`` (not ``bool``) of at least ``minimum``.

    The check of a plain function argument: :func:`check_int` without an owner.

    Args:
        name: Argument name used in error messages.
        value: The value to check.
        minimum: Smallest allowed value.

    Returns:
        ``value`` unchanged.

    Raises:
        TypeError: If ``value`` is not an ``int``.
        ValueError: If ``value < minimum`` or above :data:`INT64_MAX`.

    Example:
        >>> check_positive_int("splits", 10)
        10
    """
    return check_int("", name, value, minimum=minimum)


def _float_range(
    minimum: float, maximum: float, include_min: bool, include_max: bool, prefix: str = ""
) -> str:
    if math.isinf(maximum) and math.isinf(minimum):
        return f"{prefix}a finite number"
    if math.isinf(maximum):
        op = ">=" if include_min else ">"
        return f"{prefix}a finite number {op} {minimum}"
    left = "[" if include_min else "("
    right = "]" if include_max else ")"
    return f"{prefix}a number in {left}{minimum}, {maximum}{right}"


def check_float(
    owner: str,
    field: str,
    value: Any,
    *,
    minimum: float,
    maximum: float,
    include_min: bool = True,
    include_max: bool = True,
) -> float:
    """Return ``value`` as a float if it is a finite real number in the given interval.

    Ints are accepted; one too large for a float (``10**400``) is a ``ValueError``, not
    an ``OverflowError``. NaN and infinities are always refused.

    Args:
        owner: The config class (``""`` for a plain function argument).
        field: The field or argument name.
        value: The value to check.
        minimum: Lower end of the interval.
        maximum: Upper end of the interval (``math.inf``: no upper end).
        include_min: Whether ``minimum`` itself is allowed.
        include_max: Whether ``maximum`` itself is allowed.

    Returns:
        ``float(value)``.

    Raises:
        TypeError: If ``value`` is not an ``int`` or ``float`` (``bool`` is refused).
        ValueError: If it is not finite or outside the interval.

    Example:
        >>> check_float("EMA", "decay", 0.999, minimum=0.0, maximum=1.0, include_max=False)
        0.999
        >>> check_float("TrainerConfig", "lr_g", 10**400, minimum=0.0, maximum=10.0)
        Traceback (most recent call last):
        ValueError: TrainerConfig.lr_g must be a number in [0.0, 10.0], got 100...000
    """
    allowed = _float_range(minimum, maximum, include_min, include_max)
    if not is_number(value):
        raise type_error(owner, field, value, allowed)
    try:
        v = float(value)
    except OverflowError:  # an int beyond the float range
        raise value_error(owner, field, value, allowed) from None
    if not math.isfinite(v):
        raise value_error(owner, field, value, allowed)
    below = v < minimum if include_min else v <= minimum
    above = v > maximum if include_max else v >= maximum
    if below or above:
        raise value_error(owner, field, value, allowed)
    return v


def check_optional_float(
    owner: str,
    field: str,
    value: Any,
    *,
    minimum: float,
    maximum: float,
    include_min: bool = True,
    include_max: bool = True,
) -> float | None:
    """Like :func:`check_float`, but ``None`` is allowed too.

    Args:
        owner: The config class (``""`` for a plain function argument).
        field: The field or argument name.
        value: The value to check.
        minimum: Lower end of the interval.
        maximum: Upper end of the interval.
        include_min: Whether ``minimum`` itself is allowed.
        include_max: Whether ``maximum`` itself is allowed.

    Returns:
        ``None`` or ``float(value)``.

    Raises:
        TypeError: If ``value`` is neither ``None`` nor a number.
        ValueError: If it is not finite or outside the interval.

    Example:
        >>> check_optional_float("TrainerConfig", "grad_clip_norm", None, minimum=0, maximum=1)
    """
    if value is None:
        return None
    allowed = _float_range(minimum, maximum, include_min, include_max, prefix="None or ")
    try:
        return check_float(
            owner,
            field,
            value,
            minimum=minimum,
            maximum=maximum,
            include_min=include_min,
            include_max=include_max,
        )
    except TypeError:
        raise type_error(owner, field, value, allowed) from None
    except ValueError:
        raise value_error(owner, field, value, allowed) from None
