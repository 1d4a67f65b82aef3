from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
import torch

import gankit as gk
from gankit.train.hooks import (
    Checkpoint,
    ConsoleSummary,
    LossPlot,
    MetricsLogger,
    ProgressBar,
    SampleGrid,
    TensorBoard,
)
from gankit.train.hooks.console import format_epoch_line
from tests.train.nets import image_loader, tiny_conv_pair


def _fit(
    hooks: list[gk.train.Hook],
    steps: int | None = None,
    epochs: int | None = None,
    resume: Path | None = None,
) -> gk.Trainer:
    G, D = tiny_conv_pair()
    trainer = gk.Trainer(G, D, config=gk.TrainerConfig(device="cpu", log_every=2), hooks=hooks)
    if steps is not None:
        trainer.fit(image_loader(), steps=steps, resume=resume)
    else:
        trainer.fit(image_loader(), epochs=epochs, resume=resume)
    return trainer


def test_console_summary_prints_the_seed_format(capsys: pytest.CaptureFixture[str]) -> None:
    trainer = _fit([ConsoleSummary()], epochs=2)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2
    m = trainer.state.epoch_metrics
    assert lines[1] == format_epoch_line(2, 2, m["d_loss"], m["g_loss"])
    assert lines[1].startswith("Epoch [    2/    2] | d_loss: ")
    assert (
        format_epoch_line(3, None, 1, 2) == "Epoch [    3/    ?] | d_loss: 1.0000 | g_loss: 2.0000"
    )


def test_metrics_logger_writes_csv_and_jsonl_and_trims_on_resume(tmp_path: Path) -> None:
    _fit(
        [MetricsLogger(tmp_path), Checkpoint(tmp_path / "ckpt", every_n_steps=2, keep_last=None)],
        steps=6,
    )
    rows = [json.loads(line) for line in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows if r["kind"] == "log"] == [2, 4, 6]
    assert [r["step"] for r in rows if r["kind"] == "epoch"] == [4]
    assert all({"d_loss", "g_loss", "seconds", "images"} <= r.keys() for r in rows)
    with (tmp_path / "metrics.csv").open() as f:
        csv_rows = list(csv.DictReader(f))
    assert [int(r["step"]) for r in csv_rows] == [r["step"] for r in rows]
    assert float(csv_rows[0]["d_loss"]) == pytest.approx(rows[0]["d_loss"])

    with pytest.raises(FileExistsError, match="already holds 4 rows from another run"):
        _fit([MetricsLogger(tmp_path)], steps=2)

    # Resuming from step 2 drops the rows logged after it, then logs them again.
    _fit([MetricsLogger(tmp_path)], steps=6, resume=tmp_path / "ckpt" / "step-00000002.pt")
    rows = [json.loads(line) for line in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows if r["kind"] == "log"] == [2, 4, 6]


def test_metrics_logger_extends_the_csv_header_for_new_metrics(tmp_path: Path) -> None:
    class AddFid(gk.train.Hook):
        def on_log(
            self, trainer: gk.Trainer, state: gk.train.TrainState, metrics: dict[str, float]
        ) -> None:
            if state.step == 4:
                metrics["fid"] = 12.5

    _fit([AddFid(), MetricsLogger(tmp_path)], steps=4)
    with (tmp_path / "metrics.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert "fid" in rows[0] and rows[0]["fid"] == "" and rows[1]["fid"] == "12.5"


def test_sample_grid_writes_pngs_from_fixed_noise(tmp_path: Path) -> None:
    from PIL import Image

    hook = SampleGrid(tmp_path, n=6, nrow=3, every_n_steps=2, every_n_epochs=1)
    _fit([hook], steps=4)
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["epoch-0001.png", "final.png", "step-00000002.png", "step-00000004.png"]
    w, h = Image.open(tmp_path / "final.png").size
    assert (w, h) == (3 * 8 + 4 * 2, 2 * 8 + 3 * 2)
    z = hook.z
    assert z is not None and z.shape == (6, 8)
    assert torch.equal(hook.state_dict()["z"], z)


def test_loss_plot_png(tmp_path: Path) -> None:
    plot = LossPlot(tmp_path / "losses.png")
    _fit([plot], steps=6)
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


def test_progress_bar_runs_quietly(capsys: pytest.CaptureFixture[str]) -> None:
    _fit([ProgressBar(disable=True)], steps=3)
    assert capsys.readouterr().err == ""


def test_checkpoint_retention_and_best(tmp_path: Path) -> None:
    class FakeMetric(gk.train.Hook):
        def on_log(
            self, trainer: gk.Trainer, state: gk.train.TrainState, metrics: dict[str, float]
        ) -> None:
            metrics["score"] = {2: 5.0, 4: 3.0, 6: 4.0, 8: 6.0}[state.step]

    hook = Checkpoint(tmp_path, every_n_steps=2, keep_last=2, monitor="score", mode="min")
    _fit([FakeMetric(), hook], steps=8)
    assert sorted(p.name for p in tmp_path.glob("step-*.pt")) == [
        "step-00000006.pt",
        "step-00000008.pt",
    ]
    best = gk.train.load_checkpoint(tmp_path / "best.pt")
    assert best["state"]["step"] == 4 and hook.best == 3.0


def test_tensorboard_hook_or_clear_message(tmp_path: Path) -> None:
    try:
        import tensorboard  # noqa: F401
    except ImportError:
        with pytest.raises(ImportError, match=r"gankit\[tensorboard\]"):
            TensorBoard(tmp_path)
        return
    _fit([TensorBoard(tmp_path, samples=4)], steps=4)
    assert any(p.name.startswith("events.out.tfevents") for p in tmp_path.iterdir())


def test_hook_arguments_are_validated() -> None:
    with pytest.raises(
        ValueError, match=r"ConsoleSummary\.every_n_epochs must be an int >= 1, got 0"
    ):
        ConsoleSummary(every_n_epochs=0)
