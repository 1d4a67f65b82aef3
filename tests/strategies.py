"""Hypothesis strategies shared by the test modules (one place, imported everywhere)."""

from __future__ import annotations

import dataclasses
import math
from functools import reduce
from typing import Any

from hypothesis import strategies as st

from gankit.models import (
    DiscriminatorConfig,
    GeneratorConfig,
    MLPDiscriminatorConfig,
    MLPGeneratorConfig,
    R3GANDiscriminatorConfig,
    R3GANGeneratorConfig,
    ResNetDiscriminatorConfig,
    ResNetGeneratorConfig,
)
from gankit.models.config import DOWNSAMPLES, HEADS, RESIZE_MODES, STEMS, UPSAMPLES, WEIGHT_INITS
from gankit.models.layers import ACTIVATIONS, MLP_NORMS, NORMS, OUTPUT_ACTIVATIONS
from gankit.models.resnet_config import BLOCK_HIDDENS, CLASS_EMBEDDINGS, RESNET_INITS, SHORTCUTS

# ---------------------------------------------------------------- conv model configs

MAX_IMAGE_SIDE = 64  # keeps the property tests fast on CPU; larger sizes have their own tests


@st.composite
def _geometry(draw: st.DrawFn) -> dict[str, Any]:
    """image_size / start_size / num_stages in one of the three ways a user can give them."""
    start = draw(st.integers(1, 6))
    stages = draw(st.integers(1, 4))
    size = start * 2**stages
    if size > MAX_IMAGE_SIDE:
        stages = max(1, int(math.log2(MAX_IMAGE_SIDE // start)))
        size = start * 2**stages
    how = draw(st.sampled_from(["start", "stages", "both", "default"]))
    if how == "default" or (how == "start" and start == 4):
        return {"image_size": 4 * 2**stages}
    if how == "start":
        return {"image_size": size, "start_size": start}
    if how == "stages":
        return {"image_size": size, "num_stages": stages}
    return {"image_size": size, "start_size": start, "num_stages": stages}


def _common(draw: st.DrawFn) -> dict[str, Any]:
    return {
        **draw(_geometry()),
        "channels": draw(st.integers(1, 4)),
        "width": draw(st.integers(1, 6)),
        "width_growth": draw(st.sampled_from([1.0, 1.5, 2.0])),
        "max_width": draw(st.none() | st.integers(1, 12)),
        "spectral_norm": draw(st.booleans()),
        "activation": draw(st.sampled_from(ACTIVATIONS)),
        "negative_slope": draw(st.floats(0.0, 0.5)),
        "conv_bias": draw(st.none() | st.booleans()),
        "num_classes": draw(st.sampled_from([0, 0, 3])),
        "weight_init": draw(st.sampled_from(WEIGHT_INITS)),
    }


def _with_norm(draw: st.DrawFn, cfg: Any) -> Any:
    g = reduce(math.gcd, cfg.widths)
    # On a 1x1 map a group must hold more than one channel, or there is nothing to normalize.
    ok_groups = [
        d for d in range(1, g + 1) if g % d == 0 and (cfg.first_size > 1 or cfg.widths[-1] // d > 1)
    ]
    norms = [
        n
        for n in NORMS
        if not (n == "instance" and cfg.first_size < 2)
        and not (n == "group" and not ok_groups)
        and not (n == "layer" and cfg.first_size == 1 and cfg.widths[-1] == 1)
    ]
    norm = draw(st.sampled_from(norms))
    groups = draw(st.sampled_from(ok_groups)) if norm == "group" else 32
    return dataclasses.replace(cfg, norm=norm, norm_groups=groups)


@st.composite
def generator_configs(draw: st.DrawFn) -> GeneratorConfig:
    """Any valid small :class:`GeneratorConfig`."""
    upsample = draw(st.sampled_from(UPSAMPLES))
    kernels = [2, 4] if upsample == "transposed" else [1, 3]
    cfg = GeneratorConfig(
        **_common(draw),
        norm="none",
        latent_dim=draw(st.integers(1, 8)),
        class_embedding_dim=draw(st.none() | st.integers(1, 4)),
        stem=draw(st.sampled_from(STEMS)),
        stem_norm_act=draw(st.booleans()),
        upsample=upsample,
        resize_mode=draw(st.sampled_from(RESIZE_MODES)),
        kernel_size=draw(st.none() | st.sampled_from(kernels)),
        output_activation=draw(st.sampled_from(OUTPUT_ACTIVATIONS)),
    )
    return _with_norm(draw, cfg)  # type: ignore[no-any-return]


@st.composite
def discriminator_configs(draw: st.DrawFn) -> DiscriminatorConfig:
    """Any valid small :class:`DiscriminatorConfig`."""
    downsample = draw(st.sampled_from(DOWNSAMPLES))
    kernels = [2, 3, 4] if downsample == "strided" else [1, 3]
    cfg = DiscriminatorConfig(
        **_common(draw),
        norm="none",
        input_norm=draw(st.booleans()),
        downsample=downsample,
        head=draw(st.sampled_from(HEADS)),
        head_bias=draw(st.booleans()),
        kernel_size=draw(st.none() | st.sampled_from(kernels)),
    )
    return _with_norm(draw, cfg)  # type: ignore[no-any-return]


# Field -> values that are never valid for it, whatever the other fields are.
INVALID_CONV_VALUES: dict[str, list[Any]] = {
    "image_size": [0, 1, -64, 100, 63, 3, 64.0, "64", None, True],
    "channels": [0, -1, 1.5, "3", None],
    "width": [0, -8, 2.5, None],
    "width_growth": [0.5, 0.0, -2.0, float("nan"), float("inf"), "2", None],
    "max_width": [0, -1, 1.5, "512"],
    "start_size": [0, -4, 2.5, "4"],
    "num_stages": [0, -1, 13, 1.5],
    "norm": ["spectral", "batchnorm", "BATCH", "", None, 1],
    "norm_groups": [0, -1, 1.5],
    "spectral_norm": [1, "yes", None],
    "activation": ["relu6", "LeakyReLU", "", None],
    "negative_slope": [-0.1, 1.0, 2.0, float("nan"), "0.2"],
    "kernel_size": [0, -3, 16, 3.0],
    "conv_bias": [1, "no"],
    "num_classes": [-1, 2.0, None],
    "weight_init": ["xavier", "", None],
}
INVALID_GENERATOR_VALUES: dict[str, list[Any]] = {
    **INVALID_CONV_VALUES,
    "latent_dim": [0, -100, 100.0, None],
    "class_embedding_dim": [0, -1, 2.5],
    "stem": ["deconv", "", None],
    "stem_norm_act": [0, "true"],
    "upsample": ["pixelshuffle", "nearest", None],
    "resize_mode": ["bicubic", None],
    "output_activation": ["relu", "Tanh", None],
}
INVALID_DISCRIMINATOR_VALUES: dict[str, list[Any]] = {
    **INVALID_CONV_VALUES,
    "input_norm": [0, "no"],
    "downsample": ["maxpool", None],
    "head": ["mlp", None],
    "head_bias": [None, 0],
}


@st.composite
def invalid_overrides(draw: st.DrawFn, table: dict[str, list[Any]]) -> dict[str, Any]:
    """One field set to a value that no valid config may have."""
    field = draw(st.sampled_from(sorted(table)))
    return {field: draw(st.sampled_from(table[field]))}


# ---------------------------------------------------------------- MLP model configs


def _mlp_common(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "data_dim": draw(st.integers(1, 5)),
        "hidden_dims": tuple(draw(st.lists(st.integers(1, 8), min_size=1, max_size=3))),
        "norm": draw(st.sampled_from(MLP_NORMS)),
        "spectral_norm": draw(st.booleans()),
        "activation": draw(st.sampled_from(ACTIVATIONS)),
        "negative_slope": draw(st.floats(0.0, 0.5)),
        "num_classes": draw(st.sampled_from([0, 0, 3])),
        "weight_init": draw(st.sampled_from(WEIGHT_INITS)),
    }


@st.composite
def mlp_generator_configs(draw: st.DrawFn) -> MLPGeneratorConfig:
    """Any valid small :class:`MLPGeneratorConfig`."""
    return MLPGeneratorConfig(
        **_mlp_common(draw),
        latent_dim=draw(st.integers(1, 6)),
        output_activation=draw(st.sampled_from(OUTPUT_ACTIVATIONS)),
    )


@st.composite
def mlp_discriminator_configs(draw: st.DrawFn) -> MLPDiscriminatorConfig:
    """Any valid small :class:`MLPDiscriminatorConfig`."""
    return MLPDiscriminatorConfig(**_mlp_common(draw))


INVALID_MLP_VALUES: dict[str, list[Any]] = {
    "data_dim": [0, -2, 2.0, None],
    "hidden_dims": [(), [64, 64], (0,), (64, -1), (64, 2.5), 64, None],
    "norm": ["group", "instance", None],
    "spectral_norm": [None, 1],
    "activation": ["swish", None],
    "negative_slope": [-1.0, 1.0],
    "num_classes": [-3],
    "weight_init": ["orthogonal"],
}


# ---------------------------------------------------------------- losses (logits)

LOGIT_BOUND = 10.0  # float64 logits in [-10, 10]: no saturation hides a strict decrease


def logit_lists(
    min_size: int = 1, max_size: int = 8, bound: float = LOGIT_BOUND
) -> st.SearchStrategy[list[float]]:
    """Non-empty lists of finite logits in ``[-bound, bound]``."""
    return st.lists(
        st.floats(-bound, bound, allow_nan=False, allow_infinity=False),
        min_size=min_size,
        max_size=max_size,
    )


@st.composite
def logits_and_steps(
    draw: st.DrawFn, min_step: float = 0.0, max_step: float = 2.0
) -> tuple[list[float], list[float]]:
    """Logits and same-length non-negative steps in ``[min_step, max_step]``."""
    values = draw(logit_lists())
    steps = draw(
        st.lists(
            st.floats(min_step, max_step, allow_nan=False),
            min_size=len(values),
            max_size=len(values),
        )
    )
    return values, steps


# ---------------------------------------------------------------- metrics (feature batches)


@st.composite
def batch_splits(draw: st.DrawFn, total: int) -> list[int]:
    """Sizes of consecutive batches (each >= 1) that add up to ``total``."""
    cuts = draw(st.sets(st.integers(1, max(1, total - 1)), max_size=min(8, total - 1)))
    bounds = [0, *sorted(c for c in cuts if 0 < c < total), total]
    return [bounds[i + 1] - bounds[i] for i in range(len(bounds) - 1)]


# ---------------------------------------------------------------- fuzzing configs (issue 16)


def matches_annotation(value: Any, hint: Any) -> bool:
    """Whether ``value`` has the *type* a dataclass field annotation asks for.

    The oracle of the one validation rule: a value of the wrong type must raise
    ``TypeError``, a value of the right type that is out of range ``ValueError``. ``bool``
    is not an ``int`` here, an ``int`` is a ``float``, a ``Literal`` of strings is a ``str``
    and ``tuple[X, ...]`` needs every item to be an ``X`` (its length is a value).
    """
    import types  # imported here: this file's head is shared by every test module
    import typing

    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is type(None):
        return value is None
    if origin in (typing.Union, types.UnionType):
        return any(matches_annotation(value, arm) for arm in args)
    if origin is typing.Literal:
        return any(isinstance(value, type(a)) and not isinstance(value, bool) for a in args)
    if origin is tuple:
        if not isinstance(value, tuple):
            return False
        if len(args) == 2 and args[1] is Ellipsis:
            return all(matches_annotation(v, args[0]) for v in value)
        return all(matches_annotation(v, args[0]) for v in value) and len(set(args)) == 1
    if hint is bool:
        return isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if hint is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if hint is str:
        return isinstance(value, str)
    raise NotImplementedError(f"no oracle for annotation {hint!r}")


def expected_error(cls: type, field: str, value: Any) -> type[Exception]:
    """``TypeError`` if ``value`` has the wrong type for ``cls.field``, else ``ValueError``."""
    import typing

    hint = typing.get_type_hints(cls)[field]
    return ValueError if matches_annotation(value, hint) else TypeError


_AWKWARD_NUMBERS = [
    0,
    1,
    2,
    3,
    4,
    8,
    64,
    -1,
    -(2**63),
    2**31,
    2**63 - 1,
    2**63,
    2**64,
    10**400,
    -(10**400),
    0.0,
    0.5,
    1.0,
    -0.5,
    1e-300,
    1e308,
    float("nan"),
    float("inf"),
    float("-inf"),
]
_AWKWARD_STRINGS = [
    "",
    "auto",
    "cpu",
    "cuda",
    "cuda:7",
    "meta",
    "gpu:banana",
    "batch",
    "relu",
    "64",
]


def fuzz_values() -> st.SearchStrategy[Any]:
    """Arbitrary values of the kinds that reach configs by mistake or from hostile files.

    Huge ints (beyond int64 and float range), floats including NaN, infinities and
    ``10**400``-sized ints, ``None``, bools, strings, lists and tuples.
    """
    scalars = st.one_of(
        st.sampled_from(_AWKWARD_NUMBERS),
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(),
        st.sampled_from(_AWKWARD_STRINGS),
        st.text(max_size=6),
    )
    return st.one_of(
        scalars,
        st.lists(scalars, max_size=3),
        st.lists(scalars, max_size=3).map(tuple),
        st.tuples(st.integers(-2, 70), st.integers(-2, 70)),
    )


@st.composite
def fuzzed_fields(draw: st.DrawFn, cls: type, *, max_fields: int = 3) -> dict[str, Any]:
    """One to ``max_fields`` fields of the dataclass ``cls`` set to :func:`fuzz_values`."""
    names = sorted(f.name for f in dataclasses.fields(cls))
    chosen = draw(st.lists(st.sampled_from(names), min_size=1, max_size=max_fields, unique=True))
    return {name: draw(fuzz_values()) for name in chosen}


AWKWARD_VALUES: list[Any] = [
    *_AWKWARD_NUMBERS,
    *_AWKWARD_STRINGS,
    None,
    True,
    False,
    [],
    [1, 2],
    (),
    (1,),
    (64, 64),
    (0.5, 0.999),
    (10**400,),
    {},
]
"""Every value :func:`fuzz_values` favours, for exhaustive one-field sweeps."""
# ---------------------------------------------------------------- ResNet and R3GAN configs

RESNET_MAX_SIDE = 32  # the residual nets are heavier than the DCGAN ones: keep them small


@st.composite
def _resnet_geometry(draw: st.DrawFn) -> dict[str, Any]:
    start = draw(st.integers(1, 4))
    stages = draw(st.integers(1, 3))
    while start * 2**stages > RESNET_MAX_SIDE:
        stages -= 1
    stages = max(stages, 1)
    how = draw(st.sampled_from(["start", "stages", "both"]))
    size = start * 2**stages
    if how == "start":
        return {"image_size": size, "start_size": start}
    if how == "stages":
        return {"image_size": size, "num_stages": stages}
    return {"image_size": size, "start_size": start, "num_stages": stages}


def _resnet_common(draw: st.DrawFn) -> dict[str, Any]:
    conditioning = draw(st.sampled_from(["none", "none", "classes", "attributes"]))
    return {
        **draw(_resnet_geometry()),
        "channels": draw(st.integers(1, 3)),
        "width": draw(st.integers(1, 6)),
        "width_growth": draw(st.sampled_from([1.0, 1.5, 2.0])),
        "max_width": draw(st.none() | st.integers(1, 12)),
        "num_classes": 3 if conditioning == "classes" else 0,
        "num_attributes": 5 if conditioning == "attributes" else 0,
        "shortcut": draw(st.sampled_from(SHORTCUTS)),
        "weight_init": draw(st.sampled_from(RESNET_INITS)),
    }


def _attention(draw: st.DrawFn, sizes: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(draw(st.lists(st.sampled_from(sizes), unique=True, max_size=2)))


@st.composite
def resnet_generator_configs(draw: st.DrawFn) -> ResNetGeneratorConfig:
    """Any valid small :class:`ResNetGeneratorConfig`."""
    cfg = ResNetGeneratorConfig(
        **_resnet_common(draw),
        spectral_norm=draw(st.booleans()),
        latent_dim=draw(st.integers(1, 8)),
        class_embedding=draw(st.sampled_from(CLASS_EMBEDDINGS)),
        embedding_dim=draw(st.integers(1, 6)),
        output_activation=draw(st.sampled_from(OUTPUT_ACTIVATIONS)),
    )
    return dataclasses.replace(cfg, attention=_attention(draw, cfg.attention_sizes))


@st.composite
def resnet_discriminator_configs(draw: st.DrawFn) -> ResNetDiscriminatorConfig:
    """Any valid small :class:`ResNetDiscriminatorConfig` (norm: none, batch or layer)."""
    cfg = ResNetDiscriminatorConfig(
        **_resnet_common(draw),
        spectral_norm=draw(st.booleans()),
        extra_blocks=draw(st.integers(0, 2)),
        norm=draw(st.sampled_from(["none", "batch", "layer"])),
        minibatch_std=draw(st.sampled_from([0, 0, 1, 2])),
        block_hidden=draw(st.sampled_from(BLOCK_HIDDENS)),
    )
    return dataclasses.replace(cfg, attention=_attention(draw, cfg.attention_sizes))


INVALID_RESNET_VALUES: dict[str, list[Any]] = {
    "image_size": [0, 1, 63, 99, 64.0, "64", None, True],  # odd: no num_stages >= 1 fits
    "channels": [0, -1, 1.5, None],
    "width": [0, -8, 2.5, None],
    "width_growth": [0.5, float("nan"), "2", None],
    "max_width": [0, -1, 1.5],
    "start_size": [0, -4, 2.5],
    "num_stages": [0, 13, 1.5],
    "spectral_norm": [1, "yes", None],
    "attention": [(0,), (-4,), [16], 16, (16, 16), ("16",), (16.0,), None],
    "num_classes": [-1, 2.0, None],
    "num_attributes": [-1, 40.0, None],
    "shortcut": ["always", "", None],
    "weight_init": ["dcgan", "", None],
}
INVALID_RESNET_GENERATOR_VALUES: dict[str, list[Any]] = {
    **INVALID_RESNET_VALUES,
    "latent_dim": [0, -1, 128.0, None],
    "class_embedding": ["hierarchical", None],
    "embedding_dim": [0, -3, 1.5, None],
    "output_activation": ["relu", None],
}
INVALID_RESNET_DISCRIMINATOR_VALUES: dict[str, list[Any]] = {
    **INVALID_RESNET_VALUES,
    "extra_blocks": [-1, 17, 1.0, None],
    "norm": ["spectral", "batchnorm", None],
    "norm_groups": [0, -1, 1.5],
    "minibatch_std": [-1, 2.0, None],
    "block_hidden": ["hidden", None],
}


@st.composite
def r3gan_configs(
    draw: st.DrawFn, kind: type[R3GANGeneratorConfig] | type[R3GANDiscriminatorConfig]
) -> R3GANGeneratorConfig | R3GANDiscriminatorConfig:
    """Any valid small R3GAN generator or discriminator config (``kind``)."""
    stages = draw(st.integers(1, 3))
    expansion = draw(st.integers(1, 3))
    widths, groups = [], []
    for _ in range(stages + 1):
        g = draw(st.sampled_from([1, 2, 4]))
        widths.append(g * draw(st.integers(1, 3)))
        groups.append(g)
    conditioning = draw(st.sampled_from(["none", "none", "classes", "attributes"]))
    kwargs: dict[str, Any] = {
        "image_size": 4 * 2**stages,
        "channels": draw(st.integers(1, 3)),
        "widths": tuple(widths),
        "cardinalities": tuple(groups),
        "blocks_per_stage": draw(st.integers(1, 2)),
        "expansion": expansion,
        "num_classes": 3 if conditioning == "classes" else 0,
        "num_attributes": 5 if conditioning == "attributes" else 0,
        "embedding_dim": draw(st.none() | st.integers(1, 6)),
    }
    if kind is R3GANGeneratorConfig:
        kwargs["latent_dim"] = draw(st.integers(1, 8))
        kwargs["output_activation"] = draw(st.sampled_from(OUTPUT_ACTIVATIONS))
    return kind(**kwargs)


INVALID_R3GAN_VALUES: dict[str, list[Any]] = {
    "image_size": [0, 4, 48, 100, 64.0, None],
    "channels": [0, 1.5, None],
    "widths": [(), [8, 8, 8, 8, 8], (8,), (8, 8, 8, 8, 0), (8, 8, 8, 8, 2.5), None],
    "cardinalities": [(), (1,), (1, 1, 1, 1, 0), (5, 5, 5, 5, 5), None],
    "blocks_per_stage": [0, 65, 1.0, None],
    "expansion": [0, 17, 2.0, None],
    "num_classes": [-1, 1.0, None],
    "num_attributes": [-1, None],
    "embedding_dim": [0, -1, 2.5],
}
