"""gankit.train.hooks.checkpointing: periodic, best and retained checkpoints."""

from __future__ import annotations

from pathlib import Path

import gankit as gk
from gankit.train.hooks import Checkpoint
from tests.train.nets import fit_with_hooks, image_loader, make_trainer


def test_checkpoint_retention_and_best(tmp_path: Path) -> None:
    class FakeMetric(gk.train.Hook):
        def on_log(
            self, trainer: gk.Trainer, state: gk.train.TrainState, metrics: dict[str, float]
        ) -> None:
            metrics["score"] = {2: 5.0, 4: 3.0, 6: 4.0, 8: 6.0}[state.step]

    hook = Checkpoint(tmp_path, every_n_steps=2, keep_last=2, monitor="score", mode="min")
    fit_with_hooks([FakeMetric(), hook], steps=8)
    assert sorted(p.name for p in tmp_path.glob("step-*.pt")) == [
        "step-00000006.pt",
        "step-00000008.pt",
    ]
    best = gk.train.load_checkpoint(tmp_path / "best.pt")
    assert best["state"]["step"] == 4 and hook.best == 3.0


def test_resume_moves_an_abandoned_branchs_checkpoints_aside(tmp_path: Path) -> None:
    make_trainer([Checkpoint(tmp_path, every_n_steps=2, every_n_epochs=None, keep_last=None)]).fit(
        image_loader(), steps=6
    )
    resumed = make_trainer(
        [Checkpoint(tmp_path, every_n_steps=2, every_n_epochs=None, keep_last=None)]
    )
    resumed.fit(image_loader(), steps=3, resume=tmp_path / "step-00000002.pt")
    names = sorted(p.name for p in tmp_path.glob("step-*.pt"))
    assert names == ["step-00000002.pt", "step-00000003.pt"]
    aside = sorted(p.name for p in (tmp_path / "abandoned-after-step-00000002").iterdir())
    assert aside == ["step-00000004.pt", "step-00000006.pt"]
    assert gk.train.latest_checkpoint(tmp_path) == tmp_path / "step-00000003.pt"
