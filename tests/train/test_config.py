"""gankit.train.config: TrainerConfig validation and its round trip through a checkpoint."""

from __future__ import annotations

from pathlib import Path

import pytest

import gankit as gk
from gankit.train.graphs import EagerCapture
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
