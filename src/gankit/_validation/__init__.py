"""Argument checks shared by every gankit module: one rule for all of them.

A wrong *type* raises :class:`TypeError`, a bad *value* of the right type raises
:class:`ValueError`; either message names the argument (``Owner.field`` for a config
field, the bare argument name for a function argument), the value received and what is
allowed, e.g. ``TrainerConfig.n_critic must be an int >= 1, got 0``. Long values are
shortened in messages (``reprlib``), so a 400-digit int or a huge list stays readable.

Numbers are checked before they are converted: ``float(10**400)`` raises
``OverflowError``, so :func:`check_float` refuses such an int with a ``ValueError``
naming the field instead.

The checks live in one module per kind, all re-exported here:

* :mod:`~gankit._validation.bounds`: the ``MAX_*`` bounds and :data:`INT64_MAX`;
* :mod:`~gankit._validation.messages`: :func:`show` and the error messages;
* :mod:`~gankit._validation.numeric`: int and float checks;
* :mod:`~gankit._validation.choices`: string choices, bools, optional strings;
* :mod:`~gankit._validation.sizes`: image sides, crops, int tuples, parameter counts;
* :mod:`~gankit._validation.tensors`: arrays, tensors, logits and devices;
* :mod:`~gankit._validation.loss_args`: the reduction and real-valued loss arguments.

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

from gankit._validation.bounds import (
    INT64_MAX,
    MAX_CHANNELS,
    MAX_CROP,
    MAX_DATA_DIM,
    MAX_FEATURES,
    MAX_GRID_IMAGES,
    MAX_IMAGE_SIZE,
    MAX_LATENT_DIM,
    MAX_NUM_CLASSES,
    MAX_PARAMETERS,
    MAX_WIDTH,
)
from gankit._validation.choices import (
    check_bool,
    check_choice,
    check_optional_bool,
    check_optional_str,
    choice_error,
)
from gankit._validation.loss_args import (
    check_finite,
    check_non_negative,
    check_positive,
    check_range,
    check_reduction,
)
from gankit._validation.messages import show
from gankit._validation.numeric import (
    check_float,
    check_int,
    check_optional_float,
    check_optional_int,
    check_positive_int,
)
from gankit._validation.sizes import (
    check_crop,
    check_image_size,
    check_int_tuple,
    check_parameter_count,
)
from gankit._validation.tensors import ArrayLike, as_float64, as_logits, check_device, module_device

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
