"""load_generator validates the config stored in a checkpoint before building (issue 16.5)."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest
import torch

import gankit as gk
from gankit.train.checkpoint import load_generator
from tests.train.nets import tiny_conv_pair


def _checkpoint_with_generator_field(tmp_path: Path, field: str, value: object) -> Path:
    """A real checkpoint whose recorded generator config has ``field=value`` (not validated)."""
    G, D = tiny_conv_pair()
    forged = copy.copy(G.config)
    object.__setattr__(forged, field, value)  # what a hostile or corrupted file can hold
    G.config = forged
    trainer = gk.Trainer(G, D, config=gk.TrainerConfig(device="cpu"))
    return trainer.save(tmp_path / "run" / "step-00000000.pt")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        (
            "width",
            2**40,
            r"GeneratorConfig\.width must be an int in \[1, 16384\], got 1099511627776",
        ),
        ("latent_dim", 10**400, r"GeneratorConfig\.latent_dim must be an int in \[1, 65536\]"),
        ("negative_slope", 10**400, r"GeneratorConfig\.negative_slope must be a number in"),
        ("num_classes", 2**20, r"GeneratorConfig with .*num_classes=1048576.* describes a net"),
        ("channels", "3", r"GeneratorConfig\.channels must be an int .*got '3' \(str\)"),
    ],
)
def test_load_generator_refuses_an_unbounded_config_naming_file_and_field(
    tmp_path: Path, field: str, value: object, message: str
) -> None:
    path = _checkpoint_with_generator_field(tmp_path, field, value)
    for given in (path, path.parent):  # a file, or the directory holding it
        with pytest.raises(gk.train.CheckpointError) as err:
            load_generator(given)
        text = str(err.value)
        assert text.startswith(f"{path}: invalid generator_config: "), text
        assert re.search(message, text), text


def test_load_generator_still_loads_a_valid_checkpoint(tmp_path: Path) -> None:
    G, D = tiny_conv_pair()
    path = gk.Trainer(G, D, config=gk.TrainerConfig(device="cpu")).save(tmp_path / "ok.pt")
    loaded = load_generator(path)
    z = torch.randn(2, G.latent_dim)
    torch.testing.assert_close(loaded(z), G.eval()(z))
