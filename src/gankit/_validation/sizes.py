"""Checks of sizes that allocate memory: image sides, crops, int tuples, parameter counts."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from gankit._validation.bounds import MAX_CROP, MAX_IMAGE_SIZE
from gankit._validation.messages import show, type_error, value_error
from gankit._validation.numeric import check_int, is_int

__all__ = [
    "check_crop",
    "check_image_size",
    "check_int_tuple",
    "check_parameter_count",
]


def check_int_tuple(
    owner: str,
    field: str,
    value: Any,
    *,
    minimum: int,
    maximum: int,
    max_length: int,
) -> tuple[int, ...]:
    """Return ``value`` if it is a non-empty tuple of ints in ``[minimum, maximum]``.

    Args:
        owner: The config class (``""`` for a plain function argument).
        field: The field or argument name.
        value: The value to check.
        minimum: Smallest allowed item.
        maximum: Largest allowed item.
        max_length: Most items allowed.

    Returns:
        ``value`` unchanged.

    Raises:
        TypeError: If ``value`` is not a tuple, or an item is not an ``int``.
        ValueError: If it is empty, too long, or an item is out of range.

    Example:
        >>> check_int_tuple("MLPGeneratorConfig", "hidden_dims", (64, 64), minimum=1,
        ...                 maximum=2**14, max_length=64)
        (64, 64)
    """
    allowed = f"a tuple of 1 to {max_length} ints in [{minimum}, {maximum}]"
    if not isinstance(value, tuple) or not all(is_int(item) for item in value):
        raise type_error(owner, field, value, allowed)
    if not 1 <= len(value) <= max_length:
        raise value_error(owner, field, value, allowed)
    for i, item in enumerate(value):
        check_int(owner, f"{field}[{i}]", item, minimum=minimum, maximum=maximum)
    return value


def check_parameter_count(
    owner: str, count: int, fields: Mapping[str, object], *, maximum: int | None = None
) -> int:
    """Refuse a config whose net would hold more than ``maximum`` parameters.

    Args:
        owner: The config class.
        count: The number of parameters the config describes (an upper estimate).
        fields: The fields that set the size, with their values, for the message.
        maximum: The bound; default :data:`MAX_PARAMETERS` (read at call time).

    Returns:
        ``count`` unchanged.

    Raises:
        ValueError: If ``count > maximum``, naming the fields and their values.

    Example:
        >>> check_parameter_count("GeneratorConfig", 3_576_704, {"width": 64})
        3576704
    """
    if maximum is None:
        # The package's name, not bounds.MAX_PARAMETERS: patching
        # gankit._validation.MAX_PARAMETERS (as the tests do) must take effect.
        from gankit import _validation

        maximum = _validation.MAX_PARAMETERS
    if count > maximum:
        listed = ", ".join(f"{k}={show(v)}" for k, v in fields.items())
        raise ValueError(
            f"{owner} with {listed} describes a net of about {count:.3g} parameters, more "
            f"than the {maximum:.3g} allowed; make one of these fields smaller"
        )
    return count


def check_image_size(value: object, name: str = "image_size") -> int:
    """Return an output image side if it is an ``int`` in ``[2, MAX_IMAGE_SIZE]``.

    1×1 images are refused by torch's resize.

    Args:
        value: The value to check.
        name: Argument name used in error messages.

    Returns:
        ``value`` unchanged.

    Raises:
        TypeError: If it is not an ``int``.
        ValueError: If it is out of range.

    Example:
        >>> check_image_size(64)
        64
    """
    return check_int("", name, value, minimum=2, maximum=MAX_IMAGE_SIZE)


def check_crop(value: object, presets: Collection[str], name: str = "crop") -> int | str | None:
    """Return a crop argument if it is a preset name, an int side in pixels or ``None``.

    Args:
        value: The value to check.
        presets: The preset names allowed (``gankit.data.CROP_PRESETS``).
        name: Argument name used in error messages.

    Returns:
        ``value`` unchanged.

    Raises:
        TypeError: If ``value`` is not a ``str``, ``int`` or ``None``.
        ValueError: If it is an unknown name or an int outside ``[1, MAX_CROP]``.

    Example:
        >>> check_crop("dcgan", ("full", "face", "dcgan")), check_crop(None, ())
        ('dcgan', None)
    """
    names = ", ".join(repr(p) for p in presets)
    allowed = f"one of {names}, an int in [1, {MAX_CROP}] or None"
    if value is None:
        return None
    if isinstance(value, str):
        if value not in presets:
            raise value_error("", name, value, allowed)
        return value
    if not is_int(value):
        raise type_error("", name, value, allowed)
    return check_int("", name, value, minimum=1, maximum=MAX_CROP)
