"""gankit.train.hooks.tensorboard: TensorBoard scalars and images."""

from __future__ import annotations

from pathlib import Path

import pytest

from gankit.train.hooks import TensorBoard
from tests.train.nets import fit_with_hooks


def test_tensorboard_hook_or_clear_message(tmp_path: Path) -> None:
    try:
        import tensorboard  # noqa: F401
    except ImportError:
        with pytest.raises(ImportError, match=r"gankit\[tensorboard\]"):
            TensorBoard(tmp_path)
        return
    fit_with_hooks([TensorBoard(tmp_path, samples=4)], steps=4)
    assert any(p.name.startswith("events.out.tfevents") for p in tmp_path.iterdir())
