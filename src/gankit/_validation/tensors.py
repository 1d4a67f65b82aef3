"""Checks of arrays, tensors and devices: conversion to float64, loss logits, module device."""

from __future__ import annotations

from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt
import torch
from torch import Tensor, nn

from gankit._validation.messages import field_name, show, type_error, value_error

__all__ = [
    "ArrayLike",
    "as_float64",
    "as_logits",
    "check_device",
    "module_device",
]

ArrayLike: TypeAlias = "npt.NDArray[Any] | torch.Tensor"
"""A numpy array or a torch tensor of real numbers."""

_LOW_PRECISION = (torch.float16, torch.bfloat16)


def check_device(owner: str, field: str, value: Any) -> str:
    """Return ``value`` if it names a device this machine has, or ``"auto"``.

    The string is parsed with :class:`torch.device`; ``"cpu"`` is always available,
    ``"cuda"``/``"cuda:N"`` only when CUDA is available and ``N`` is below
    ``torch.cuda.device_count()``, ``"mps"`` only where MPS is available.

    Args:
        owner: The config class (``""`` for a plain function argument).
        field: The field or argument name.
        value: The value to check.

    Returns:
        ``value`` unchanged.

    Raises:
        TypeError: If ``value`` is not a ``str``.
        ValueError: If it is not a device string, or names a device this machine lacks.

    Example:
        >>> check_device("TrainerConfig", "device", "cpu")
        'cpu'
    """
    allowed = "'auto' or a device string such as 'cpu', 'cuda' or 'cuda:1'"
    if not isinstance(value, str):
        raise type_error(owner, field, value, allowed)
    if value == "auto":
        return value
    try:
        device = torch.device(value)
    except (RuntimeError, ValueError):
        raise value_error(owner, field, value, allowed) from None
    name = field_name(owner, field)
    if device.type == "cpu":
        return value
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(
                f"{name} must be a device this machine has, got {show(value)}, but CUDA is "
                "not available here; use 'cpu' or 'auto'"
            )
        count = torch.cuda.device_count()
        if device.index is not None and device.index >= count:
            raise ValueError(
                f"{name} must be a device this machine has, got {show(value)}, but there "
                f"are {count} CUDA device(s) (indices 0 to {count - 1})"
            )
        return value
    if device.type == "mps" and torch.backends.mps.is_available():
        return value
    raise ValueError(
        f"{name} must be 'auto', 'cpu', 'cuda[:index]' or (where available) 'mps', "
        f"got {show(value)}"
    )


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
        raise TypeError(
            f"{name} must be a numpy array or torch tensor, got {show(value)} "
            f"({type(value).__name__})"
        )
    if ndim is not None and tensor.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimension(s), got shape {tuple(tensor.shape)}")
    if not bool(torch.isfinite(tensor).all()):
        raise ValueError(f"{name} contains non-finite values (NaN or inf)")
    return tensor


def as_logits(name: str, logits: object) -> Tensor:
    """Check a loss input and upcast half / bfloat16 to float32 (float64 is kept).

    Losses are computed in at least single precision so that logits produced under
    ``torch.autocast`` (for example bfloat16 logits of magnitude ``1e4``) give finite
    values and gradients.

    Args:
        name: Argument name used in error messages.
        logits: A non-empty floating-point tensor.

    Returns:
        ``logits`` in float32 or float64.

    Raises:
        TypeError: If it is not a floating-point tensor.
        ValueError: If it is empty.

    Example:
        >>> as_logits("real_logits", torch.zeros(2, dtype=torch.bfloat16)).dtype
        torch.float32
    """
    if not isinstance(logits, Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(logits).__name__}")
    if not logits.is_floating_point():
        raise TypeError(f"{name} must be a floating-point tensor, got dtype {logits.dtype}")
    if logits.numel() == 0:
        raise ValueError(f"{name} must be non-empty, got shape {tuple(logits.shape)}")
    return logits.float() if logits.dtype in _LOW_PRECISION else logits


def module_device(obj: object) -> torch.device:
    """Device of the first parameter or buffer of an ``nn.Module``, else CPU.

    Where an argument's tensors must go when no device is given.

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
