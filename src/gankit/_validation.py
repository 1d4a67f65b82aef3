"""Small argument checks shared by the configs.

Every failure is a ``ValueError`` that names the field, the value received and what is
allowed.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from typing import Any


def _fail(owner: str, field: str, value: Any, allowed: str) -> ValueError:
    return ValueError(f"{owner}.{field} must be {allowed}, got {value!r}")


def check_int(
    owner: str, field: str, value: Any, *, minimum: int, maximum: int | None = None
) -> int:
    """Return ``value`` if it is an ``int`` (not a ``bool``) within ``[minimum, maximum]``."""
    allowed = f"an int >= {minimum}" if maximum is None else f"an int in [{minimum}, {maximum}]"
    if isinstance(value, bool) or not isinstance(value, int):
        raise _fail(owner, field, value, allowed)
    if value < minimum or (maximum is not None and value > maximum):
        raise _fail(owner, field, value, allowed)
    return value


def check_optional_int(
    owner: str, field: str, value: Any, *, minimum: int, maximum: int | None = None
) -> int | None:
    """Like :func:`check_int` but ``None`` is allowed too."""
    if value is None:
        return None
    try:
        return check_int(owner, field, value, minimum=minimum, maximum=maximum)
    except ValueError:
        allowed = f"None or an int >= {minimum}"
        if maximum is not None:
            allowed = f"None or an int in [{minimum}, {maximum}]"
        raise _fail(owner, field, value, allowed) from None


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
    """Return ``value`` as a float if it is a finite real number in the given interval."""
    left = "[" if include_min else "("
    right = "]" if include_max else ")"
    allowed = f"a number in {left}{minimum}, {maximum}{right}"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _fail(owner, field, value, allowed)
    v = float(value)
    if math.isnan(v):
        raise _fail(owner, field, value, allowed)
    below = v < minimum if include_min else v <= minimum
    above = v > maximum if include_max else v >= maximum
    if below or above:
        raise _fail(owner, field, value, allowed)
    return v


def check_choice(owner: str, field: str, value: Any, choices: Collection[str]) -> str:
    """Return ``value`` if it is one of ``choices`` (strings)."""
    if not isinstance(value, str) or value not in choices:
        listed = ", ".join(repr(c) for c in choices)
        raise _fail(owner, field, value, f"one of {listed}")
    return value


def check_bool(owner: str, field: str, value: Any) -> bool:
    """Return ``value`` if it is a ``bool``."""
    if not isinstance(value, bool):
        raise _fail(owner, field, value, "True or False")
    return value
