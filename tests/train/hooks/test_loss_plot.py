"""gankit.train.hooks.loss_plot: the loss plot PNG."""

from __future__ import annotations

from pathlib import Path

import pytest

from gankit.train.hooks import LossPlot
from tests.train.nets import fit_with_hooks


def test_loss_plot_png(tmp_path: Path) -> None:
    plot = LossPlot(tmp_path / "losses.png")
    fit_with_hooks([plot], steps=6)
    assert (tmp_path / "losses.png").stat().st_size > 1000
    assert plot.steps == [2, 4, 6] and len(plot.d_loss) == 3


def test_loss_plot_says_how_to_install_matplotlib(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import builtins

    real_import = builtins.__import__

    def no_mpl(name: str, *args: object, **kwargs: object) -> object:
        if name.startswith("matplotlib"):
            raise ImportError("no matplotlib")
        return real_import(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(builtins, "__import__", no_mpl)
    with pytest.raises(ImportError, match=r"pip install 'gankit\[plot\]'"):
        LossPlot(tmp_path / "x.png")
