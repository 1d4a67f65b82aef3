"""Input conversion and checks shared by the metric modules (private)."""

from __future__ import annotations

from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt
import torch
from torch import nn

ArrayLike: TypeAlias = "npt.NDArray[Any] | torch.Tensor"
"""A numpy array or a torch tensor of real numbers."""


def as_float64(name: str, value: object, *, ndim: int | None = None) -> torch.Tensor:
    """Convert a numpy array or tensor to a finite float64 tensor, naming ``name`` on error.

    Args:
        name: Argument name used in error messages.
        value: A ``numpy.ndarray`` or ``torch.Tensor`` of real numbers.
        ndim: Required number of dimensions, or ``None`` for any.

    Returns:
        A float64 tensor on the device of ``value`` (CPU for numpy input).

    Raises:
        TypeError: If ``value`` is not an array or tensor, or is complex or boolean.
        ValueError: If ``value`` has the wrong number of dimensions or non-finite entries.

    Example:
        >>> import numpy as np
        >>> as_float64("mu", np.zeros(3), ndim=1).dtype
        torch.float64
    """
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "fiu":
            raise TypeError(f"{name} must hold real numbers, got numpy dtype {value.dtype}")
        tensor = torch.from_numpy(np.array(value, dtype=np.float64))  # a writable copy
    elif isinstance(value, torch.Tensor):
        if value.is_complex() or value.dtype == torch.bool:
            raise TypeError(f"{name} must hold real numbers, got tensor dtype {value.dtype}")
        tensor = value.detach().to(torch.float64)
    else:
        raise TypeError(f"{name} must be a numpy array or torch tensor, got {type(value).__name__}")
    if ndim is not None and tensor.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimension(s), got shape {tuple(tensor.shape)}")
    if not bool(torch.isfinite(tensor).all()):
        raise ValueError(f"{name} contains non-finite values (NaN or inf)")
    return tensor


def check_positive_int(name: str, value: object, *, minimum: int = 1) -> int:
    """Return ``value`` if it is an ``int`` (not ``bool``) of at least ``minimum``.

    Args:
        name: Argument name used in error messages.
        value: The value to check.
        minimum: Smallest allowed value.

    Returns:
        ``value`` unchanged.

    Raises:
        TypeError: If ``value`` is not an ``int``.
        ValueError: If ``value < minimum``.

    Example:
        >>> check_positive_int("splits", 10)
        10
    """
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return value


def module_device(obj: object) -> torch.device:
    """Device of the first parameter or buffer of an ``nn.Module``, else CPU.

    Args:
        obj: Any object, typically a feature extractor.

    Returns:
        The device where ``obj`` computes, as far as it can be told.

    Example:
        >>> module_device(torch.nn.Linear(2, 2)), module_device(lambda x: x)
        (device(type='cpu'), device(type='cpu'))
    """
    if isinstance(obj, nn.Module):
        for tensor in (*obj.parameters(), *obj.buffers()):
            return tensor.device
    return torch.device("cpu")
