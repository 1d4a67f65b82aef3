"""Checks of a choice among strings, a ``bool`` flag and an optional non-empty ``str``."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from gankit._validation.messages import type_error, value_error

__all__ = [
    "check_bool",
    "check_choice",
    "check_optional_bool",
    "check_optional_str",
    "choice_error",
]


def check_choice(owner: str, field: str, value: Any, choices: Collection[str]) -> str:
    """Return ``value`` if it is one of ``choices`` (strings).

    Args:
        owner: The config class (``""`` for a plain function argument).
        field: The field or argument name.
        value: The value to check.
        choices: The allowed strings.

    Returns:
        ``value`` unchanged.

    Raises:
        TypeError: If ``value`` is not a ``str``.
        ValueError: If it is not one of ``choices``.

    Example:
        >>> check_choice("Checkpoint", "mode", "max", ("min", "max"))
        'max'
    """
    allowed = "one of " + ", ".join(repr(c) for c in choices)
    if not isinstance(value, str):
        raise type_error(owner, field, value, allowed)
    if value not in choices:
        raise value_error(owner, field, value, allowed)
    return value


def choice_error(owner: str, field: str, value: Any, choices: Collection[str]) -> Exception:
    """The error :func:`check_choice` raises for ``value``, to raise where dispatch fails.

    Args:
        owner: The config class (``""`` for a plain function argument).
        field: The field or argument name.
        value: The value that matched none of ``choices``.
        choices: The allowed strings.

    Returns:
        A ``TypeError`` if ``value`` is not a ``str``, else a ``ValueError``.

    Example:
        >>> choice_error("", "norm", 3, ("batch", "none"))
        TypeError("norm must be one of 'batch', 'none', got 3 (int)")
    """
    allowed = "one of " + ", ".join(repr(c) for c in choices)
    if not isinstance(value, str):
        return type_error(owner, field, value, allowed)
    return value_error(owner, field, value, allowed)


def check_bool(owner: str, field: str, value: Any) -> bool:
    """Return ``value`` if it is a ``bool``.

    Args:
        owner: The config class (``""`` for a plain function argument).
        field: The field or argument name.
        value: The value to check.

    Returns:
        ``value`` unchanged.

    Raises:
        TypeError: If ``value`` is not ``True`` or ``False`` (``1`` and ``"yes"`` neither).

    Example:
        >>> check_bool("EMA", "warmup", True)
        True
    """
    if not isinstance(value, bool):
        raise type_error(owner, field, value, "True or False")
    return value


def check_optional_bool(owner: str, field: str, value: Any) -> bool | None:
    """Return ``value`` if it is ``None`` or a ``bool``.

    Args:
        owner: The config class (``""`` for a plain function argument).
        field: The field or argument name.
        value: The value to check.

    Returns:
        ``value`` unchanged.

    Raises:
        TypeError: For anything else.

    Example:
        >>> check_optional_bool("TrainerConfig", "fused_adam", None) is None
        True
    """
    if value is not None and not isinstance(value, bool):
        raise type_error(owner, field, value, "None, True or False")
    return value


def check_optional_str(owner: str, field: str, value: Any) -> str | None:
    """Return ``value`` if it is ``None`` or a non-empty ``str``.

    Args:
        owner: The config class (``""`` for a plain function argument).
        field: The field or argument name.
        value: The value to check.

    Returns:
        ``value`` unchanged.

    Raises:
        TypeError: If it is neither ``None`` nor a ``str``.
        ValueError: If it is the empty string.

    Example:
        >>> check_optional_str("Checkpoint", "monitor", "fid")
        'fid'
    """
    if value is not None and not isinstance(value, str):
        raise type_error(owner, field, value, "None or a non-empty str")
    if value == "":
        raise value_error(owner, field, value, "None or a non-empty str")
    return value
