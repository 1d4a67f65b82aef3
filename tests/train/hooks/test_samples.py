"""gankit.train.hooks.samples: sample grids from fixed noise."""

from __future__ import annotations

from pathlib import Path

import torch

from gankit.train.hooks import SampleGrid
from tests.train.nets import fit_with_hooks


def test_sample_grid_writes_pngs_from_fixed_noise(tmp_path: Path) -> None:
    from PIL import Image

    hook = SampleGrid(tmp_path, n=6, nrow=3, every_n_steps=2, every_n_epochs=1)
    fit_with_hooks([hook], steps=4)
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["epoch-0001.png", "final.png", "step-00000002.png", "step-00000004.png"]
    w, h = Image.open(tmp_path / "final.png").size
    assert (w, h) == (3 * 8 + 4 * 2, 2 * 8 + 3 * 2)
    z = hook.z
    assert z is not None and z.shape == (6, 8)
    assert torch.equal(hook.state_dict()["z"], z)
