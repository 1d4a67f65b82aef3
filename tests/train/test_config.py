"""gankit.train.config: TrainerConfig validation and its round trip through a checkpoint."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

import pytest

import gankit as gk
from gankit.train.graphs import EagerCapture
from gankit.train.restore import plain_values
from tests.train.nets import image_loader, tiny_conv_pair


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
