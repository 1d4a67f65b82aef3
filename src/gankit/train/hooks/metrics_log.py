"""Write every logged metric to CSV and JSON Lines files."""

from __future__ import annotations

import csv
import json
import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gankit.train.hook import Hook

if TYPE_CHECKING:
    from gankit.train.state import TrainState
    from gankit.train.trainer import Trainer

__all__ = ["MetricsLogger"]


class MetricsLogger(Hook):
    """Append one row per ``on_log`` (and per epoch end) to ``metrics.csv`` and ``metrics.jsonl``.

    Each row has ``step``, ``epoch``, ``images``, ``seconds`` (since the first fit
    started), ``kind`` (``"log"`` or ``"epoch"``) and the metrics. New metric names (e.g.
    ``fid`` appearing later) extend the CSV header. When a run resumes, rows past the
    resumed step are dropped first, so the files describe one consistent run. A fresh
    run refuses to write into files that already hold rows from another run.

    Args:
        directory: where ``metrics.csv`` and ``metrics.jsonl`` go.

    Raises:
        FileExistsError: at fit start of a fresh run when the files already hold rows.

    Example:
        >>> import tempfile
        >>> MetricsLogger(tempfile.mkdtemp()).jsonl_path.name
        'metrics.jsonl'
    """

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = Path(directory)
        self.csv_path = self.directory / "metrics.csv"
        self.jsonl_path = self.directory / "metrics.jsonl"
        self._elapsed = 0.0
        self._t0 = 0.0

    def _rows(self) -> list[dict[str, Any]]:
        if not self.jsonl_path.exists():
            return []
        return [
            json.loads(line) for line in self.jsonl_path.read_text().splitlines() if line.strip()
        ]

    def on_fit_start(self, trainer: Trainer, state: TrainState) -> None:
        """Check for a foreign run, trim rows past a resumed step, start the clock."""
        self.directory.mkdir(parents=True, exist_ok=True)
        rows = self._rows()
        if rows and state.step == 0 and state.batch_in_epoch == 0 and state.epoch == 0:
            raise FileExistsError(
                f"{self.jsonl_path} already holds {len(rows)} rows from another run; "
                "resume that run or choose a new directory"
            )
        kept = [r for r in rows if int(r["step"]) <= state.step]
        if len(kept) != len(rows):
            self._rewrite(kept)
        self._t0 = time.perf_counter()

    def _rewrite(self, rows: list[dict[str, Any]]) -> None:
        tmp = self.jsonl_path.with_suffix(".jsonl.tmp")
        tmp.write_text("".join(json.dumps(r) + "\n" for r in rows))
        os.replace(tmp, self.jsonl_path)
        self._write_csv(rows)

    def _write_csv(self, rows: list[dict[str, Any]]) -> None:
        fields: list[str] = []
        for r in rows:
            fields += [k for k in r if k not in fields]
        tmp = self.csv_path.with_suffix(".csv.tmp")
        with tmp.open("w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=fields)
            writer.writeheader()
            writer.writerows(rows)
        os.replace(tmp, self.csv_path)

    def _append(self, state: TrainState, kind: str, metrics: Mapping[str, float]) -> None:
        row: dict[str, Any] = {
            "step": state.step,
            "epoch": state.epoch,
            "images": state.images_seen,
            "seconds": round(self._elapsed + time.perf_counter() - self._t0, 3),
            "kind": kind,
            **{k: float(v) for k, v in metrics.items()},
        }
        with self.jsonl_path.open("a") as f:
            f.write(json.dumps(row) + "\n")
        header: list[str] = []
        if self.csv_path.exists():
            with self.csv_path.open(newline="") as f:
                header = next(csv.reader(f), [])
        if not header or any(k not in header for k in row):
            self._write_csv(self._rows())
        else:
            with self.csv_path.open("a", newline="") as f:
                csv.DictWriter(f, fieldnames=header).writerow(row)

    def on_log(self, trainer: Trainer, state: TrainState, metrics: dict[str, float]) -> None:
        """Append a ``log`` row."""
        self._append(state, "log", metrics)

    def on_epoch_end(self, trainer: Trainer, state: TrainState) -> None:
        """Append an ``epoch`` row with the epoch means."""
        self._append(state, "epoch", state.epoch_metrics)

    def on_fit_end(self, trainer: Trainer, state: TrainState) -> None:
        """Bank the elapsed time for a later ``fit`` call."""
        self._elapsed += time.perf_counter() - self._t0

    def state_dict(self) -> dict[str, Any]:
        """Return the wall time trained so far."""
        return {
            "seconds": self._elapsed + time.perf_counter() - self._t0 if self._t0 else self._elapsed
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore the wall time trained so far."""
        self._elapsed = float(state.get("seconds", 0.0))
