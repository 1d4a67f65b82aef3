"""TrainerConfig: every field validated at construction by the one rule (issue 16.6)."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

import pytest
import torch

import gankit as gk
from gankit.train.graphs import EagerCapture
from gankit.train.restore import plain_values
from tests.train.nets import image_loader, tiny_conv_pair


def _machine(monkeypatch: pytest.MonkeyPatch, gpus: int) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: gpus > 0)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: gpus)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"lr_g": 10**400}, r"TrainerConfig\.lr_g must be a number in \(0\.0, 10\.0\], got 1"),
        ({"lr_d": -(10**400)}, r"TrainerConfig\.lr_d must be a number in \(0\.0, 10\.0\], got -1"),
        (
            {"betas": (0.5, 10**400)},
            r"TrainerConfig\.betas\[1\] must be a number in \[0\.0, 1\.0\)",
        ),
        ({"grad_clip_norm": 10**400}, r"grad_clip_norm must be None or a number in \(0\.0, 1"),
        (
            {"regularizer_interval": 10**400},
            r"regularizer_interval must be an int in \[1, 2\*\*63 - 1\], got 1000",
        ),
        ({"n_critic": 2**63}, r"TrainerConfig\.n_critic must be an int in \[1, 2\*\*63 - 1\]"),
        ({"log_every": 2**64}, r"TrainerConfig\.log_every must be an int in \[1, 2\*\*63 - 1\]"),
        ({"seed": 2**63}, r"TrainerConfig\.seed must be None or an int in \[0, 2\*\*63 - 1\]"),
        ({"seed": -1}, r"TrainerConfig\.seed must be None or an int >= 0, got -1"),
        ({"betas": (0.5,)}, r"TrainerConfig\.betas must be a tuple of two numbers in \[0, 1\)"),
        ({"device": "gpu:banana"}, r"TrainerConfig\.device must be .*got 'gpu:banana'"),
        ({"device": ""}, r"TrainerConfig\.device must be .*got ''"),
        ({"device": "meta"}, r"TrainerConfig\.device must be .*got 'meta'"),
    ],
)
def test_bad_values_are_value_errors_naming_the_field(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        gk.TrainerConfig(**kwargs)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"cuda_graphs": "yes"}, r"TrainerConfig\.cuda_graphs must be True or False, got 'yes' \("),
        (
            {"fused_adam": 1},
            r"TrainerConfig\.fused_adam must be None, True or False, got 1 \(int\)",
        ),
        (
            {"betas": [0.5, 0.9]},
            r"TrainerConfig\.betas must be a tuple .*got \[0\.5, 0\.9\] \(list\)",
        ),
        ({"betas": (0.5, "0.9")}, r"TrainerConfig\.betas must be a tuple of two numbers"),
        ({"n_critic": 5.0}, r"TrainerConfig\.n_critic must be an int >= 1, got 5\.0 \(float\)"),
        ({"seed": "0"}, r"TrainerConfig\.seed must be None or an int >= 0, got '0' \(str\)"),
        ({"device": None}, r"TrainerConfig\.device must be 'auto' or a device string"),
        ({"device": torch.device("cpu")}, r"TrainerConfig\.device must be 'auto' or a device"),
        ({"precision": None}, r"TrainerConfig\.precision must be one of 'fp32', 'bf16', 'fp16'"),
        ({"lr_g": "2e-4"}, r"TrainerConfig\.lr_g must be a number in \(0\.0, 10\.0\], got '2e-4'"),
    ],
)
def test_wrong_types_are_type_errors_naming_the_field(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(TypeError, match=message):
        gk.TrainerConfig(**kwargs)


@pytest.mark.parametrize("device", ["cuda", "cuda:0"])
def test_cuda_is_refused_at_construction_without_cuda(
    monkeypatch: pytest.MonkeyPatch, device: str
) -> None:
    # Issue 16.6: accepted here, then failing later in Trainer().
    _machine(monkeypatch, 0)
    with pytest.raises(
        ValueError, match=rf"TrainerConfig\.device .*'{device}'.*CUDA is not available"
    ):
        gk.TrainerConfig(device=device)
    assert gk.TrainerConfig(device="auto").device == "auto"
    assert gk.TrainerConfig(device="cpu").device == "cpu"


def test_cuda_index_is_checked_against_the_device_count(monkeypatch: pytest.MonkeyPatch) -> None:
    _machine(monkeypatch, 2)
    assert gk.TrainerConfig(device="cuda").device == "cuda"
    assert gk.TrainerConfig(device="cuda:1").device == "cuda:1"
    with pytest.raises(ValueError, match=r"TrainerConfig\.device .*'cuda:2'.*2 CUDA device\(s\)"):
        gk.TrainerConfig(device="cuda:2")


def test_defaults_and_largest_values_are_accepted() -> None:
    cfg = gk.TrainerConfig(
        lr_g=10, lr_d=1, betas=(0, 0.5), regularizer_interval=2**63 - 1, seed=2**63 - 1
    )
    assert cfg.lr_g == 10 and cfg.regularizer_interval == 2**63 - 1


def test_a_cuda_graphs_checkpoint_records_the_whole_config(tmp_path: Path) -> None:
    G, D = tiny_conv_pair()
    config = gk.TrainerConfig(device="cpu", cuda_graphs=True, precision="bf16", n_critic=2)
    trainer = gk.Trainer(G, D, config=config, graph_capture=EagerCapture())
    trainer.fit(image_loader(), steps=1)
    saved = dict(gk.train.load_checkpoint(trainer.save(tmp_path / "run.pt"))["trainer_config"])
    saved["betas"] = tuple(saved["betas"])
    assert gk.TrainerConfig(**saved) == config


def test_config_validation_names_the_field_value_and_range() -> None:
    with pytest.raises(ValueError, match=r"TrainerConfig.n_critic must be an int >= 1, got 0"):
        gk.TrainerConfig(n_critic=0)
    with pytest.raises(
        ValueError,
        match=r"TrainerConfig.precision must be one of 'fp32', 'bf16', 'fp16', got 'fp8'",
    ):
        gk.TrainerConfig(precision="fp8")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"betas\[1\] must be a number in \[0.0, 1.0\)"):
        gk.TrainerConfig(betas=(0.5, 1.0))


@pytest.mark.parametrize(
    ("field", "value", "got"),
    [
        ("lr_g", 0.0, "0.0"),
        ("lr_d", -1e-4, "-0.0001"),
        ("lr_g", float("nan"), "nan"),
        ("betas", (0.5,), "(0.5,)"),
        ("betas", (-0.1, 0.9), "-0.1"),
        ("n_critic", 0, "0"),
        ("regularizer_interval", 0, "0"),
        ("grad_clip_norm", 0.0, "0.0"),
        ("device", "", "''"),
        ("seed", -1, "-1"),
        ("log_every", 0, "0"),
    ],
)
def test_bad_values_raise_value_error_naming_the_field_and_value(
    field: str, value: Any, got: str
) -> None:
    with pytest.raises(ValueError, match=rf"TrainerConfig\.{field}.*got {re.escape(got)}$"):
        gk.TrainerConfig(**{field: value})


@pytest.mark.parametrize(
    ("field", "value"),
    [("channels_last", "yes"), ("compile", 1), ("n_critic", 2.0), ("lr_g", "0.1")],
)
def test_wrong_types_are_refused_naming_the_field(field: str, value: Any) -> None:
    # TypeError where the validation helpers say "wrong type", ValueError in older versions
    with pytest.raises((TypeError, ValueError), match=rf"TrainerConfig\.{field}"):
        gk.TrainerConfig(**{field: value})


def test_cuda_graphs_and_fp16_cannot_be_combined() -> None:
    with pytest.raises(
        ValueError, match="cuda_graphs=True cannot be combined with precision='fp16'"
    ):
        gk.TrainerConfig(cuda_graphs=True, precision="fp16")
    gk.TrainerConfig(cuda_graphs=True, precision="bf16")  # bf16 has no host-side scaler


def test_configs_are_frozen_and_round_trip_through_plain_values() -> None:
    config = gk.TrainerConfig(lr_g=1e-3, betas=(0.0, 0.99), n_critic=5, grad_clip_norm=1.0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.n_critic = 2  # type: ignore[misc]
    plain = plain_values(dataclasses.asdict(config))
    assert plain["betas"] == [0.0, 0.99]
    assert gk.TrainerConfig(**{**plain, "betas": tuple(plain["betas"])}) == config
