"""The one validation rule (gankit._validation): TypeError for a wrong type, ValueError for a
bad value, the message naming the argument, the value and what is allowed."""

from __future__ import annotations

import dataclasses
import math
import re
import typing
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import gankit as gk
from gankit import _validation as V
from gankit._validation import (
    as_float64,
    as_logits,
    check_bool,
    check_choice,
    check_crop,
    check_device,
    check_finite,
    check_float,
    check_image_size,
    check_int,
    check_int_tuple,
    check_non_negative,
    check_optional_bool,
    check_optional_float,
    check_optional_int,
    check_parameter_count,
    check_positive,
    check_positive_int,
    check_range,
    check_reduction,
    module_device,
    show,
)
from gankit.models import (
    DiscriminatorConfig,
    GeneratorConfig,
    MLPDiscriminatorConfig,
    MLPGeneratorConfig,
)
from tests.strategies import AWKWARD_VALUES, fuzz_values, fuzzed_fields, matches_annotation

HUGE = 10**400  # float(HUGE) raises OverflowError


# ---------------------------------------------------------------- ints


def test_check_int_accepts_ints_in_range() -> None:
    assert check_int("C", "n", 3, minimum=1) == 3
    assert check_int("C", "n", 5, minimum=1, maximum=5) == 5
    assert check_int("C", "n", V.INT64_MAX, minimum=0) == V.INT64_MAX


@pytest.mark.parametrize("value", [True, False, 2.0, "3", None, [1], np.int64(3)])
def test_check_int_wrong_type_is_a_type_error(value: object) -> None:
    with pytest.raises(TypeError, match=r"^C\.n must be an int >= 1, got ") as err:
        check_int("C", "n", value, minimum=1)
    assert repr(value) in str(err.value) and type(value).__name__ in str(err.value)


def test_check_int_bad_value_is_a_value_error_naming_field_value_and_range() -> None:
    with pytest.raises(ValueError, match=r"^TrainerConfig\.n_critic must be an int >= 1, got 0$"):
        check_int("TrainerConfig", "n_critic", 0, minimum=1)
    with pytest.raises(ValueError, match=r"^C\.k must be an int in \[1, 15\], got 16$"):
        check_int("C", "k", 16, minimum=1, maximum=15)
    with pytest.raises(ValueError, match=r"^C\.n must be an int in \[1, 2\*\*40\], got 0$"):
        check_int("C", "n", 0, minimum=1, maximum=2**40)


@pytest.mark.parametrize("value", [2**63, 2**64, HUGE])
def test_ints_beyond_int64_are_refused_even_without_a_maximum(value: int) -> None:
    # Issue 16.6: ints >= 2**63 were accepted and then failed at build time.
    with pytest.raises(ValueError, match=r"^C\.n must be an int in \[1, 2\*\*63 - 1\], got \d"):
        check_int("C", "n", value, minimum=1)
    with pytest.raises(ValueError, match=r"^C\.n must be None or an int in \[1, 2\*\*63 - 1\]"):
        check_optional_int("C", "n", value, minimum=1)


def test_check_optional_int() -> None:
    assert check_optional_int("C", "n", None, minimum=1) is None
    assert check_optional_int("C", "n", 4, minimum=1, maximum=4) == 4
    with pytest.raises(TypeError, match=r"^C\.n must be None or an int >= 1, got '4' \(str\)$"):
        check_optional_int("C", "n", "4", minimum=1)
    with pytest.raises(ValueError, match=r"^C\.n must be None or an int in \[1, 3\], got 4$"):
        check_optional_int("C", "n", 4, minimum=1, maximum=3)


def test_check_positive_int_is_check_int_without_owner() -> None:
    assert check_positive_int("splits", 10) == 10
    with pytest.raises(TypeError, match=r"^n must be an int >= 1, got True \(bool\)$"):
        check_positive_int("n", True)
    with pytest.raises(TypeError, match=r"^n must be an int >= 1, got 2\.0 \(float\)$"):
        check_positive_int("n", 2.0)
    with pytest.raises(ValueError, match=r"^n must be an int >= 2, got 1$"):
        check_positive_int("n", 1, minimum=2)


def test_check_int_tuple() -> None:
    kw: dict[str, Any] = {"minimum": 1, "maximum": 8, "max_length": 2}
    assert check_int_tuple("C", "dims", (1, 8), **kw) == (1, 8)
    for wrong in ([1, 2], 3, (1, 2.0), (True,), None):
        with pytest.raises(TypeError, match=r"^C\.dims must be a tuple of 1 to 2 ints in \[1, 8\]"):
            check_int_tuple("C", "dims", wrong, **kw)
    for bad in ((), (1, 2, 3)):
        with pytest.raises(ValueError, match=re.escape("C.dims must be a tuple of 1 to 2 ints")):
            check_int_tuple("C", "dims", bad, **kw)
    with pytest.raises(ValueError, match=r"^C\.dims\[1\] must be an int in \[1, 8\], got 9$"):
        check_int_tuple("C", "dims", (1, 9), **kw)


# ---------------------------------------------------------------- floats


def test_check_float_accepts_ints_and_floats_in_range() -> None:
    assert check_float("C", "x", 1, minimum=0.0, maximum=2.0) == 1.0
    assert isinstance(check_float("C", "x", 1, minimum=0.0, maximum=2.0), float)
    assert check_float("C", "x", 0.5, minimum=0.0, maximum=1.0, include_max=False) == 0.5


@pytest.mark.parametrize("value", [HUGE, -HUGE, 2**1024])
def test_check_float_refuses_ints_beyond_float_range_with_a_value_error(value: int) -> None:
    # Issue 16.6: float(10**400) raised OverflowError from inside the check.
    with pytest.raises(ValueError, match=r"^C\.lr must be a number in \[0\.0, 10\.0\], got -?\d+"):
        check_float("C", "lr", value, minimum=0.0, maximum=10.0)
    with pytest.raises(ValueError, match=r"^C\.lr must be None or a number in"):
        check_optional_float("C", "lr", value, minimum=0.0, maximum=10.0)


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_check_float_refuses_non_finite_values(value: float) -> None:
    with pytest.raises(ValueError, match=rf"^C\.x must be a finite number >= 0\.0, got {value}$"):
        check_float("C", "x", value, minimum=0.0, maximum=math.inf)


@pytest.mark.parametrize("value", ["0.1", None, True, [0.1], torch.tensor(0.1)])
def test_check_float_wrong_type_is_a_type_error(value: object) -> None:
    with pytest.raises(TypeError, match=r"^C\.x must be a number in \[0\.0, 1\.0\), got ") as err:
        check_float("C", "x", value, minimum=0.0, maximum=1.0, include_max=False)
    assert type(value).__name__ in str(err.value)


def test_check_float_interval_ends() -> None:
    with pytest.raises(ValueError, match=r"^C\.x must be a number in \(0\.0, 1\.0\], got 0\.0$"):
        check_float("C", "x", 0.0, minimum=0.0, maximum=1.0, include_min=False)
    with pytest.raises(ValueError, match=r"^C\.x must be a number in \[0\.0, 1\.0\), got 1$"):
        check_float("C", "x", 1, minimum=0.0, maximum=1.0, include_max=False)


def test_check_optional_float() -> None:
    assert check_optional_float("C", "x", None, minimum=0.0, maximum=1.0) is None
    assert check_optional_float("C", "x", 1, minimum=0.0, maximum=1.0) == 1.0
    with pytest.raises(TypeError, match=r"^C\.x must be None or a number in \[0\.0, 1\.0\]"):
        check_optional_float("C", "x", "1", minimum=0.0, maximum=1.0)


# ---------------------------------------------------------------- choices, bools, devices


def test_check_choice() -> None:
    assert check_choice("C", "mode", "max", ("min", "max")) == "max"
    with pytest.raises(ValueError, match=r"^C\.mode must be one of 'min', 'max', got 'MAX'$"):
        check_choice("C", "mode", "MAX", ("min", "max"))
    for wrong in (None, 1, ["max"], b"max"):
        with pytest.raises(TypeError, match=r"^C\.mode must be one of 'min', 'max', got .*\("):
            check_choice("C", "mode", wrong, ("min", "max"))


def test_check_bool_and_optional_bool() -> None:
    assert check_bool("C", "flag", False) is False
    assert check_optional_bool("C", "flag", None) is None
    assert check_optional_bool("C", "flag", True) is True
    for wrong in (1, 0, "yes", None, np.bool_(True)):
        with pytest.raises(TypeError, match=r"^C\.flag must be True or False, got "):
            check_bool("C", "flag", wrong)
    with pytest.raises(TypeError, match=r"^C\.flag must be None, True or False, got 'no' \(str\)"):
        check_optional_bool("C", "flag", "no")


def _machine(monkeypatch: pytest.MonkeyPatch, gpus: int) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: gpus > 0)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: gpus)


@pytest.mark.parametrize("value", ["auto", "cpu", "cpu:0"])
def test_check_device_accepts_auto_and_cpu_everywhere(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    _machine(monkeypatch, 0)
    assert check_device("T", "device", value) == value


@pytest.mark.parametrize("value", ["cuda", "cuda:0"])
def test_check_device_refuses_cuda_without_cuda(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    # Issue 16.6: TrainerConfig(device="cuda") was accepted and failed later in Trainer().
    _machine(monkeypatch, 0)
    with pytest.raises(ValueError, match=rf"^T\.device .*got '{value}', but CUDA is not available"):
        check_device("T", "device", value)


def test_check_device_checks_the_cuda_index(monkeypatch: pytest.MonkeyPatch) -> None:
    _machine(monkeypatch, 2)
    assert check_device("T", "device", "cuda") == "cuda"
    assert check_device("T", "device", "cuda:1") == "cuda:1"
    with pytest.raises(ValueError, match=r"got 'cuda:2', but there are 2 CUDA device\(s\)"):
        check_device("T", "device", "cuda:2")


@pytest.mark.parametrize("value", ["gpu:banana", "", "cuda:-1", "meta", "cpu cpu"])
def test_check_device_refuses_other_strings(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    _machine(monkeypatch, 1)
    with pytest.raises(ValueError, match=rf"^T\.device must be .*got {re.escape(repr(value))}"):
        check_device("T", "device", value)


@pytest.mark.parametrize("value", [None, 0, torch.device("cpu"), ["cpu"]])
def test_check_device_wrong_type_is_a_type_error(value: object) -> None:
    with pytest.raises(TypeError, match=r"^T\.device must be 'auto' or a device string"):
        check_device("T", "device", value)


# ---------------------------------------------------------------- sizes


def test_check_parameter_count_names_the_fields() -> None:
    assert check_parameter_count("G", 10, {"width": 1}, maximum=10) == 10
    with pytest.raises(
        ValueError, match=r"^G with width=3, latent_dim=4 describes a net of about 11 parameters"
    ):
        check_parameter_count("G", 11, {"width": 3, "latent_dim": 4}, maximum=10)


def test_check_parameter_count_reads_the_bound_at_call_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    check_parameter_count("G", 2**30, {})
    monkeypatch.setattr(V, "MAX_PARAMETERS", 100)
    with pytest.raises(ValueError, match="more than the 100 allowed"):
        check_parameter_count("G", 101, {})


def test_image_size_and_crop() -> None:
    assert check_image_size(64) == 64 and check_image_size(V.MAX_IMAGE_SIZE) == V.MAX_IMAGE_SIZE
    with pytest.raises(ValueError, match=r"^image_size must be an int in \[2, 8192\], got 1$"):
        check_image_size(1)
    with pytest.raises(ValueError, match=r"^size must be an int in \[2, 8192\], got 8193$"):
        check_image_size(8193, "size")
    with pytest.raises(TypeError, match=r"^image_size must be an int .*got True \(bool\)$"):
        check_image_size(True)
    presets = ("full", "face", "dcgan")
    assert check_crop(None, presets) is None and check_crop(64, presets) == 64
    assert check_crop("face", presets) == "face"
    with pytest.raises(ValueError, match=r"^crop must be one of 'full', 'face', 'dcgan'.*'tight'"):
        check_crop("tight", presets)
    with pytest.raises(ValueError, match=r"^crop must be an int in \[1, 65536\], got 0$"):
        check_crop(0, presets)
    with pytest.raises(ValueError, match=r"^crop must be an int in \[1, 65536\], got 1000"):
        check_crop(HUGE, presets)
    with pytest.raises(TypeError, match=r"^crop must be one of .* or None, got 1\.5 \(float\)$"):
        check_crop(1.5, presets)


def test_show_keeps_messages_short() -> None:
    assert show("ab") == "'ab'" and show(None) == "None"
    assert len(show(HUGE)) < 50 and show(HUGE).startswith("1000")
    assert len(show(list(range(10**4)))) < 60


# ---------------------------------------------------------------- loss arguments


def test_loss_argument_checks() -> None:
    assert check_reduction("mean") == "mean" and check_reduction("sum") == "sum"
    with pytest.raises(
        ValueError, match=r"^reduction must be one of \('mean', 'sum'\), got 'none'"
    ):
        check_reduction("none")
    with pytest.raises(TypeError, match=r"^reduction must be one of .*got None \(NoneType\)$"):
        check_reduction(None)
    assert check_range("p", 1, 0.0, 1.0) == 1.0
    assert check_finite("a", -2) == -2.0
    assert check_non_negative("gamma", 0) == 0.0
    assert check_positive("scale", 0.5) == 0.5
    with pytest.raises(ValueError, match=r"^p must be in \[0, 1\], got nan$"):
        check_range("p", math.nan, 0.0, 1.0)
    with pytest.raises(ValueError, match=r"^a must be a finite number, got inf$"):
        check_finite("a", math.inf)
    with pytest.raises(ValueError, match=r"^gamma must be a finite number >= 0, got -0\.1$"):
        check_non_negative("gamma", -0.1)
    with pytest.raises(ValueError, match=r"^scale must be a finite number > 0, got 0$"):
        check_positive("scale", 0)


@pytest.mark.parametrize(
    "check",
    [
        lambda v: check_range("w", v, 0.0, 1.0),
        lambda v: check_finite("w", v),
        lambda v: check_non_negative("w", v),
        lambda v: check_positive("w", v),
    ],
)
def test_loss_checks_follow_the_one_rule(check: Any) -> None:
    for wrong in ("0.5", None, True, [0.5]):
        with pytest.raises(TypeError, match=r"^w must be .*got .*\("):
            check(wrong)
    with pytest.raises(ValueError, match=r"^w must be .*got 1000"):
        check(HUGE)


def test_as_logits_upcasts_half_precision_and_checks_type() -> None:
    assert as_logits("x", torch.zeros(2, dtype=torch.float16)).dtype == torch.float32
    assert as_logits("x", torch.zeros(2, dtype=torch.float64)).dtype == torch.float64
    with pytest.raises(TypeError, match=r"^x must be a torch\.Tensor, got list$"):
        as_logits("x", [0.0])
    with pytest.raises(
        TypeError, match=r"^x must be a floating-point tensor, got dtype torch\.int64"
    ):
        as_logits("x", torch.zeros(2, dtype=torch.int64))
    with pytest.raises(ValueError, match=r"^x must be non-empty, got shape \(0,\)$"):
        as_logits("x", torch.zeros(0))


# ---------------------------------------------------------------- arrays (metrics)


def test_as_float64_converts_numpy_and_torch() -> None:
    from_numpy = as_float64("x", np.arange(3, dtype=np.int32), ndim=1)
    from_torch = as_float64("x", torch.arange(3, dtype=torch.float16), ndim=1)
    assert from_numpy.dtype == from_torch.dtype == torch.float64
    assert torch.equal(from_numpy, from_torch)


@pytest.mark.parametrize(
    "value", [[1.0, 2.0], np.array([1 + 1j]), torch.tensor([True]), np.array(["a"])]
)
def test_as_float64_rejects_non_real_input(value: object) -> None:
    with pytest.raises(TypeError, match="my_arg"):
        as_float64("my_arg", value)


def test_as_float64_names_argument_for_bad_ndim_and_non_finite() -> None:
    with pytest.raises(ValueError, match=r"sigma must have 2 dimension\(s\), got shape \(3,\)"):
        as_float64("sigma", np.zeros(3), ndim=2)
    for bad in (np.nan, np.inf, -np.inf):
        with pytest.raises(ValueError, match="mu contains non-finite"):
            as_float64("mu", np.array([0.0, bad]))


def test_module_device() -> None:
    assert module_device(torch.nn.Linear(2, 2)) == torch.device("cpu")
    assert module_device(torch.nn.ReLU()) == torch.device("cpu")
    assert module_device(lambda x: x) == torch.device("cpu")
    with_buffer = torch.nn.BatchNorm1d(2, affine=False)
    assert module_device(with_buffer) == torch.device("cpu")
    if torch.cuda.is_available():  # pragma: no cover - only on GPU machines
        assert module_device(torch.nn.Linear(2, 2).cuda()).type == "cuda"


# ---------------------------------------------------------------- fuzzing every config (16.6)

_CONFIGS: list[type] = [
    GeneratorConfig,
    DiscriminatorConfig,
    MLPGeneratorConfig,
    MLPDiscriminatorConfig,
    gk.TrainerConfig,
]


def _names_a_field(error: BaseException | None, fields: Iterable[str]) -> bool:
    message = str(error)
    return any(re.search(rf"\b{re.escape(f)}\b", message) for f in fields)


def _construct(factory: Callable[..., Any], kwargs: dict[str, Any], hints: dict[str, Any]) -> Any:
    """Call ``factory(**kwargs)`` and check the one rule against the annotations ``hints``.

    Only TypeError/ValueError naming a fuzzed argument may escape (anything else, e.g.
    OverflowError or AttributeError, fails the test); a value of the wrong type is never
    accepted; TypeError only if some value has the wrong type, and surely if all do.
    """
    wrong = [k for k, v in kwargs.items() if not matches_annotation(v, hints[k])]
    refused: TypeError | ValueError | None = None
    try:
        made = factory(**kwargs)
    except (TypeError, ValueError) as error:
        refused = error
    else:
        assert not wrong, f"{kwargs}: accepted a value of the wrong type for {wrong}"
        return made
    assert _names_a_field(refused, kwargs), f"{kwargs} -> {type(refused).__name__}: {refused}"
    if not wrong:
        assert isinstance(refused, ValueError), f"{kwargs} -> TypeError: {refused}"
    elif len(wrong) == len(kwargs):
        assert isinstance(refused, TypeError), f"{kwargs} -> ValueError: {refused}"
    return None


def _cheap(cfg: Any) -> bool:
    if isinstance(cfg, (GeneratorConfig, DiscriminatorConfig)):
        sizes = (cfg.image_size, max(cfg.widths), cfg.channels * 8, cfg.num_classes)
    else:
        sizes = (cfg.data_dim, max(cfg.hidden_dims), len(cfg.hidden_dims), cfg.num_classes)
    extra = (getattr(cfg, "latent_dim", 0), getattr(cfg, "class_embedding_dim", 0) or 0)
    return max(*sizes, *extra) <= 128


def _build_and_run(cfg: Any) -> None:
    """An accepted model config builds, and the net maps a batch of 2 to the right shape."""
    net = gk.models.build(cfg)
    labels = torch.zeros(2, dtype=torch.long) if cfg.num_classes else None
    with torch.no_grad():
        if isinstance(cfg, GeneratorConfig):
            out = net(torch.randn(2, cfg.latent_dim), labels)
            assert out.shape == (2, cfg.channels, cfg.image_size, cfg.image_size)
        elif isinstance(cfg, DiscriminatorConfig):
            out = net(torch.randn(2, cfg.channels, cfg.image_size, cfg.image_size), labels)
            assert out.shape == (2,)
        elif isinstance(cfg, MLPGeneratorConfig):
            assert net(torch.randn(2, cfg.latent_dim), labels).shape == (2, cfg.data_dim)
        else:
            assert net(torch.randn(2, cfg.data_dim), labels).shape == (2,)


def _tiny_mlp_pair() -> tuple[torch.nn.Module, torch.nn.Module]:
    G = gk.models.build_mlp_generator(
        MLPGeneratorConfig(latent_dim=2, data_dim=1, hidden_dims=(4,))
    )
    D = gk.models.build_mlp_discriminator(MLPDiscriminatorConfig(data_dim=1, hidden_dims=(4,)))
    return G, D


def _use(cfg: Any) -> None:
    """What an accepted config must allow: a Trainer, or a working net (when cheap)."""
    if isinstance(cfg, gk.TrainerConfig):
        if not cfg.cuda_graphs:  # CUDA-only; the Trainer checks the device it resolves
            G, D = _tiny_mlp_pair()
            assert gk.Trainer(G, D, config=cfg).config is cfg
    elif _cheap(cfg):
        _build_and_run(cfg)


@pytest.mark.parametrize("cls", _CONFIGS, ids=lambda c: c.__name__)
def test_every_field_of_every_config_against_awkward_values(cls: type) -> None:
    """Each field alone set to each awkward value (huge ints, 10**400, NaN, None, ...)."""
    hints = typing.get_type_hints(cls)
    for field in dataclasses.fields(cls):
        for value in AWKWARD_VALUES:
            cfg = _construct(cls, {field.name: value}, hints)
            if cfg is not None:
                _use(cfg)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), cls=st.sampled_from(_CONFIGS))
def test_fuzzed_configs_raise_only_type_or_value_errors_naming_the_field(
    data: st.DataObject, cls: type
) -> None:
    """Issue 16.6: arbitrary values in any fields of any config are refused at construction
    with TypeError/ValueError naming a field, and every accepted config works."""
    kwargs = data.draw(fuzzed_fields(cls), label="fields")
    cfg = _construct(cls, kwargs, typing.get_type_hints(cls))
    if cfg is not None:
        _use(cfg)


_FUZZ_DIR = "gankit-fuzz-never-written"  # hooks keep the path; nothing is written on construction


def _fid() -> Any:
    stats = gk.metrics.GaussianStatistics(np.zeros(2), np.eye(2), 4)
    return gk.metrics.FID(lambda x: x.flatten(1)[:, :2], stats)


H, L = gk.train.hooks, gk.losses
# Classes whose keyword arguments are validated: (class, factory, the arguments fuzzed).
_TARGETS: dict[str, tuple[type, Callable[..., Any], list[str]]] = {
    "EMA": (H.EMA, H.EMA, ["decay", "half_life_images", "warmup", "every"]),
    "Checkpoint": (
        H.Checkpoint,
        lambda **kw: H.Checkpoint(_FUZZ_DIR, **kw),
        ["every_n_steps", "every_n_epochs", "keep_last", "monitor", "mode"],
    ),
    "ConsoleSummary": (H.ConsoleSummary, H.ConsoleSummary, ["every_n_epochs"]),
    "SampleGrid": (
        H.SampleGrid,
        lambda **kw: H.SampleGrid(_FUZZ_DIR, **kw),
        ["n", "nrow", "every_n_steps", "every_n_epochs", "seed", "ema"],
    ),
    "ProgressBar": (H.ProgressBar, H.ProgressBar, ["disable"]),
    "FIDEvaluation": (
        H.FIDEvaluation,
        lambda **kw: H.FIDEvaluation(_fid(), **kw),
        ["num_samples", "every_n_steps", "every_n_epochs", "ema", "seed"],
    ),
    "NonSaturating": (
        L.NonSaturating,
        L.NonSaturating,
        ["real_target", "fake_target", "flip_prob", "reduction"],
    ),
    "LeastSquares": (L.LeastSquares, L.LeastSquares, ["a", "b", "c", "reduction"]),
    "Hinge": (L.Hinge, L.Hinge, ["reduction"]),
    "RelativisticAverage": (L.RelativisticAverage, L.RelativisticAverage, ["flavour", "reduction"]),
    "GradientPenalty": (L.GradientPenalty, L.GradientPenalty, ["weight", "target", "one_sided"]),
    "DRAGANPenalty": (L.DRAGANPenalty, L.DRAGANPenalty, ["weight", "scale", "target"]),
    "R1Penalty": (L.R1Penalty, L.R1Penalty, ["gamma"]),
    "ToyFaces": (
        gk.data.ToyFaces,
        lambda **kw: gk.data.ToyFaces(**{"n": 2, **kw}),
        ["n", "image_size", "seed", "supersample"],
    ),
    "DeviceLoader": (
        gk.data.DeviceLoader,
        lambda **kw: gk.data.DeviceLoader(
            torch.zeros(8, 1, 2, 2, dtype=torch.uint8), **{"batch_size": 2, **kw}
        ),
        ["batch_size", "shuffle", "drop_last", "seed", "channels_last", "rank", "world_size"],
    ),
    "FeatureStatistics": (
        gk.metrics.FeatureStatistics,
        gk.metrics.FeatureStatistics,
        ["num_features"],
    ),
}


@pytest.mark.parametrize("target", sorted(_TARGETS))
def test_every_argument_against_awkward_values(target: str) -> None:
    cls, factory, names = _TARGETS[target]
    hints = typing.get_type_hints(cls.__init__)
    for name in names:
        for value in AWKWARD_VALUES:
            _construct(factory, {name: value}, hints)


@settings(max_examples=100, deadline=None)
@given(data=st.data(), target=st.sampled_from(sorted(_TARGETS)))
def test_fuzzed_hook_loss_data_and_metric_arguments(data: st.DataObject, target: str) -> None:
    cls, factory, names = _TARGETS[target]
    chosen = data.draw(st.lists(st.sampled_from(names), min_size=1, max_size=2, unique=True))
    kwargs = {name: data.draw(fuzz_values(), label=name) for name in chosen}
    _construct(factory, kwargs, typing.get_type_hints(cls.__init__))
