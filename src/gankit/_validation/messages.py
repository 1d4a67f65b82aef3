"""Error messages of the checks: ``Owner.field must be <allowed>, got <value>``.

Long values are shortened (``reprlib``), so a 400-digit int or a huge list stays readable.
"""

from __future__ import annotations

import reprlib
from typing import Any

__all__ = [
    "field_name",
    "show",
    "type_error",
    "value_error",
]

_SHORT = reprlib.Repr()
_SHORT.maxstring = 60
_SHORT.maxother = 60
_SHORT.maxlong = 40
_SHORT.maxlist = _SHORT.maxtuple = _SHORT.maxset = _SHORT.maxdict = 6


def show(value: object) -> str:
    """Return a short ``repr`` of ``value`` for an error message.

    Args:
        value: Anything.

    Returns:
        ``repr(value)``, shortened with ``...`` when it is long.

    Example:
        >>> show(0.5), show(10**400)
        ('0.5', '100...000')
    """
    return _SHORT.repr(value)


def field_name(owner: str, field: str) -> str:
    """Return the name an error message gives a field: ``Owner.field``, or ``field`` alone.

    Args:
        owner: The config class (``""`` for a plain function argument).
        field: The field or argument name.

    Returns:
        ``f"{owner}.{field}"``, or ``field`` when ``owner`` is empty.

    Example:
        >>> field_name("EMA", "decay"), field_name("", "splits")
        ('EMA.decay', 'splits')
    """
    return f"{owner}.{field}" if owner else field


def value_error(owner: str, field: str, value: Any, allowed: str) -> ValueError:
    """Return the ``ValueError`` for a value of the right type that is not allowed.

    Args:
        owner: The config class (``""`` for a plain function argument).
        field: The field or argument name.
        value: The value received.
        allowed: What is allowed, e.g. ``"an int >= 1"``.

    Returns:
        ``ValueError("Owner.field must be <allowed>, got <value>")``.

    Example:
        >>> value_error("TrainerConfig", "n_critic", 0, "an int >= 1")
        ValueError('TrainerConfig.n_critic must be an int >= 1, got 0')
    """
    return ValueError(f"{field_name(owner, field)} must be {allowed}, got {show(value)}")


def type_error(owner: str, field: str, value: Any, allowed: str) -> TypeError:
    """Return the ``TypeError`` for a value of the wrong type; it names the type too.

    Args:
        owner: The config class (``""`` for a plain function argument).
        field: The field or argument name.
        value: The value received.
        allowed: What is allowed, e.g. ``"an int >= 1"``.

    Returns:
        ``TypeError("Owner.field must be <allowed>, got <value> (<type>)")``.

    Example:
        >>> type_error("", "splits", "10", "an int >= 1")
        TypeError("splits must be an int >= 1, got '10' (str)")
    """
    return TypeError(
        f"{field_name(owner, field)} must be {allowed}, got {show(value)} ({type(value).__name__})"
    )
