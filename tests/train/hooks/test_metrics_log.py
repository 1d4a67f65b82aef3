"""gankit.train.hooks.metrics_log: CSV and JSON-lines logs that survive a resume."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

import gankit as gk
from gankit.train.hooks import Checkpoint, MetricsLogger
from tests.train.nets import fit_with_hooks


def test_metrics_logger_writes_csv_and_jsonl_and_trims_on_resume(tmp_path: Path) -> None:
    fit_with_hooks(
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
        fit_with_hooks([MetricsLogger(tmp_path)], steps=2)

    # Resuming from step 2 drops the rows logged after it, then logs them again.
    fit_with_hooks(
        [MetricsLogger(tmp_path)], steps=6, resume=tmp_path / "ckpt" / "step-00000002.pt"
    )
    rows = [json.loads(line) for line in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows if r["kind"] == "log"] == [2, 4, 6]


def test_metrics_logger_extends_the_csv_header_for_new_metrics(tmp_path: Path) -> None:
    class AddFid(gk.train.Hook):
        def on_log(
            self, trainer: gk.Trainer, state: gk.train.TrainState, metrics: dict[str, float]
        ) -> None:
            if state.step == 4:
                metrics["fid"] = 12.5

    fit_with_hooks([AddFid(), MetricsLogger(tmp_path)], steps=4)
    with (tmp_path / "metrics.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert "fid" in rows[0] and rows[0]["fid"] == "" and rows[1]["fid"] == "12.5"
