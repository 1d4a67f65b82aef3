"""Argument checks shared by every gankit module: one rule for all of them.

A wrong *type* raises :class:`TypeError`, a bad *value* of the right type raises
:class:`ValueError`; either message names the argument (``Owner.field`` for a config
field, the bare argument name for a function argument), the value received and what is
allowed, e.g. ``TrainerConfig.n_critic must be an int >= 1, got 0``. Long values are
shortened in messages (``reprlib``), so a 400-digit int or a huge list stays readable.

Numbers are checked before they are converted: ``float(10**400)`` raises
``OverflowError``, so :func:`check_float` refuses such an int with a ``ValueError``
naming the field instead.

Sane upper bounds for sizes that allocate memory (a config read from a file is checked
against them before anything is built):

========================  =========================================================
:data:`MAX_IMAGE_SIZE`    image side in pixels, ``2**13`` (8192)
:data:`MAX_CHANNELS`      image channels, ``2**10``
:data:`MAX_WIDTH`         feature maps of a conv stage, MLP hidden size, embedding size, ``2**14``
:data:`MAX_LATENT_DIM`    latent size, ``2**16``
:data:`MAX_DATA_DIM`      MLP data size, ``2**20``
:data:`MAX_NUM_CLASSES`   classes of a conditional net, ``2**20``
:data:`MAX_PARAMETERS`    parameters of one built net, ``2**30`` (4 GiB in float32)
:data:`MAX_FEATURES`      feature size of metric statistics, ``2**14``
:data:`MAX_GRID_IMAGES`   images sampled at once for a grid or a log, ``2**16``
:data:`MAX_CROP`          crop side in pixels of the source image, ``2**16``
:data:`INT64_MAX`         any other int, ``2**63 - 1`` (what torch can hold)
========================  =========================================================
"""

from __future__ import annotations

import math
import reprlib
from collections.abc import Collection, Mapping
from typing import TYPE_CHECKING, Any, TypeAlias

import numpy as np
import numpy.typing as npt
import torch
from torch import Tensor, nn

__all__ = [
    "INT64_MAX",
    "MAX_CHANNELS",
    "MAX_CROP",
    "MAX_DATA_DIM",
    "MAX_FEATURES",
    "MAX_GRID_IMAGES",
    "MAX_IMAGE_SIZE",
    "MAX_LATENT_DIM",
    "MAX_NUM_CLASSES",
    "MAX_PARAMETERS",
    "MAX_WIDTH",
    "ArrayLike",
    "as_float64",
    "as_logits",
    "check_bool",
    "check_choice",
    "check_crop",
    "check_device",
    "check_finite",
    "check_float",
    "check_image_size",
    "check_int",
    "check_int_tuple",
    "check_non_negative",
    "check_optional_bool",
    "check_optional_float",
    "check_optional_int",
    "check_optional_str",
    "check_parameter_count",
    "check_positive",
    "check_positive_int",
    "check_range",
    "check_reduction",
    "choice_error",
    "module_device",
    "show",
]

if TYPE_CHECKING:
    from gankit.losses.base import Reduction

INT64_MAX = 2**63 - 1
"""Largest int any field accepts when it states no smaller bound."""
MAX_IMAGE_SIZE = 2**13
"""Largest image side (pixels) of a config, dataset or cache."""
MAX_CHANNELS = 2**10
"""Largest number of image channels."""
MAX_WIDTH = 2**14
"""Largest number of feature maps of one stage, MLP hidden size or embedding size."""
MAX_LATENT_DIM = 2**16
"""Largest latent size."""
MAX_DATA_DIM = 2**20
"""Largest data size of an MLP net."""
MAX_NUM_CLASSES = 2**20
"""Largest number of classes of a conditional net."""
MAX_PARAMETERS = 2**30
"""Largest number of parameters of one net described by a config (4 GiB in float32)."""
MAX_CROP = 2**16
"""Largest crop side (pixels of the source image)."""
MAX_FEATURES = 2**14
"""Largest feature size of running feature statistics (its covariance: 2 GiB in float64)."""
MAX_GRID_IMAGES = 2**16
"""Largest number of images sampled at once for a grid or a log."""

ArrayLike: TypeAlias = "npt.NDArray[Any] | torch.Tensor"
"""A numpy array or a torch tensor of real numbers."""

_SHORT = reprlib.Repr()
_SHORT.maxstring = 60
_SHORT.maxother = 60
_SHORT.maxlong = 40
_SHORT.maxlist = _SHORT.maxtuple = _SHORT.maxset = _SHORT.maxdict = 6

_LOW_PRECISION = (torch.float16, torch.bfloat16)
_REDUCTIONS = ("mean", "sum")


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


def _name(owner: str, field: str) -> str:
    return f"{owner}.{field}" if owner else field


def _value_error(owner: str, field: str, value: Any, allowed: str) -> ValueError:
    return ValueError(f"{_name(owner, field)} must be {allowed}, got {show(value)}")


def _type_error(owner: str, field: str, value: Any, allowed: str) -> TypeError:
    return TypeError(
        f"{_name(owner, field)} must be {allowed}, got {show(value)} ({type(value).__name__})"
    )


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
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
    if not _is_int(value):
        raise _type_error(owner, field, value, _int_range(minimum, maximum))
    if value < minimum or (maximum is not None and value > maximum):
        raise _value_error(owner, field, value, _int_range(minimum, maximum))
    if maximum is None and value > INT64_MAX:
        raise _value_error(owner, field, value, _int_range(minimum, INT64_MAX))
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
        raise _type_error(owner, field, value, "None or " + _int_range(minimum, maximum)) from None
    except ValueError:
        hi = INT64_MAX if maximum is None and value > INT64_MAX else maximum
        raise _value_error(owner, field, value, "None or " + _int_range(minimum, hi)) from None


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
    if not _is_number(value):
        raise _type_error(owner, field, value, allowed)
    try:
        v = float(value)
    except OverflowError:  # an int beyond the float range
        raise _value_error(owner, field, value, allowed) from None
    if not math.isfinite(v):
        raise _value_error(owner, field, value, allowed)
    below = v < minimum if include_min else v <= minimum
    above = v > maximum if include_max else v >= maximum
    if below or above:
        raise _value_error(owner, field, value, allowed)
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
        raise _type_error(owner, field, value, allowed) from None
    except ValueError:
        raise _value_error(owner, field, value, allowed) from None


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
        raise _type_error(owner, field, value, allowed)
    if value not in choices:
        raise _value_error(owner, field, value, allowed)
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
        return _type_error(owner, field, value, allowed)
    return _value_error(owner, field, value, allowed)


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
        raise _type_error(owner, field, value, "True or False")
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
        raise _type_error(owner, field, value, "None, True or False")
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
        raise _type_error(owner, field, value, "None or a non-empty str")
    if value == "":
        raise _value_error(owner, field, value, "None or a non-empty str")
    return value


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
    if not isinstance(value, tuple) or not all(_is_int(item) for item in value):
        raise _type_error(owner, field, value, allowed)
    if not 1 <= len(value) <= max_length:
        raise _value_error(owner, field, value, allowed)
    for i, item in enumerate(value):
        check_int(owner, f"{field}[{i}]", item, minimum=minimum, maximum=maximum)
    return value


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
        raise _type_error(owner, field, value, allowed)
    if value == "auto":
        return value
    try:
        device = torch.device(value)
    except (RuntimeError, ValueError):
        raise _value_error(owner, field, value, allowed) from None
    name = _name(owner, field)
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
        maximum = MAX_PARAMETERS
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
            raise _value_error("", name, value, allowed)
        return value
    if not _is_int(value):
        raise _type_error("", name, value, allowed)
    return check_int("", name, value, minimum=1, maximum=MAX_CROP)


# ---------------------------------------------------------------- arrays and tensors


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


# ---------------------------------------------------------------- loss arguments


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
        raise _type_error("", "reduction", reduction, allowed)
    if reduction == "mean":
        return "mean"
    if reduction == "sum":
        return "sum"
    raise _value_error("", "reduction", reduction, allowed)


def _real(name: str, value: object, allowed: str) -> float:
    """``float(value)`` for an int or float (NaN and inf pass); TypeError/ValueError else."""
    if not _is_number(value):
        raise _type_error("", name, value, allowed)
    try:
        return float(value)  # type: ignore[arg-type]
    except OverflowError:  # an int beyond the float range
        raise _value_error("", name, value, allowed) from None


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
        raise _value_error("", name, value, allowed)
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
        raise _value_error("", name, value, "a finite number")
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
        raise _value_error("", name, value, "a finite number >= 0")
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
        raise _value_error("", name, value, "a finite number > 0")
    return v
