"""Periodic, best-by-metric and on-interrupt checkpoints with retention."""

from __future__ import annotations

import os
import re
import shutil
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from gankit._validation import check_choice, check_optional_int, check_optional_str
from gankit.train.checkpoint import latest_checkpoint, step_checkpoints
from gankit.train.hook import Hook, every

if TYPE_CHECKING:
    from gankit.train.state import TrainState
    from gankit.train.trainer import Trainer

__all__ = ["Checkpoint"]


_TEMPORARY = re.compile(r"^\.(step-\d{8,}|last|best)\.pt\..+\.tmp$|^\.best\.pt\.tmp$")


def _replace_with_link(source: Path, dest: Path) -> None:
    """Make ``dest`` the same file as ``source`` in one atomic rename (copy without links)."""
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    try:
        try:
            os.link(source, tmp)
        except OSError:  # no hard links here (some network and FAT file systems)
            shutil.copyfile(source, tmp)
        os.replace(tmp, dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


class Checkpoint(Hook):
    """Save the whole run every N steps or epochs, at the end, on request and when best.

    Files are ``DIRECTORY/step-00001234.pt`` (atomic writes; the newest ``keep_last`` are
    kept), plus ``best.pt`` when ``monitor`` names a logged metric. A checkpoint is also
    written whenever a hook or Ctrl-C sets ``state.should_save``, and at the end of
    ``fit``. Resume with ``trainer.fit(data, ..., resume=DIRECTORY)`` (the newest file) or
    a file path.

    ``DIRECTORY/last.pt`` is always the newest complete checkpoint: after each save it is
    replaced, in one :func:`os.replace`, by a hard link to the new ``step-*.pt`` (a copy
    where the file system has no hard links), so it is a full checkpoint that loads
    anywhere a file path is accepted, costs no extra disk space, and survives the pruning
    of old ``step-*.pt`` files. When a run starts, the hook deletes the temporary files
    that a hard kill (``kill -9``, power loss) during a write can leave in ``DIRECTORY``
    (``.step-*.pt.*.tmp`` and the like); no finished checkpoint is ever touched.

    Args:
        directory: where to write.
        every_n_steps: save every this many steps (``None``: never by steps).
        every_n_epochs: save every this many epochs (``None``: never by epochs).
        keep_last: how many ``step-*.pt`` files to keep (``None``: all).
        monitor: a metric from ``on_log`` / ``on_epoch_end`` (e.g. ``"fid"``) to keep the
            best checkpoint by.
        mode: ``"min"`` or ``"max"``: which direction of ``monitor`` is better.

    Example:
        >>> import tempfile
        >>> hook = Checkpoint(tempfile.mkdtemp(), every_n_epochs=1, keep_last=2)
        >>> hook.keep_last
        2
    """

    def __init__(
        self,
        directory: str | os.PathLike[str],
        *,
        every_n_steps: int | None = None,
        every_n_epochs: int | None = 1,
        keep_last: int | None = 3,
        monitor: str | None = None,
        mode: Literal["min", "max"] = "min",
    ) -> None:
        self.directory = Path(directory)
        self.every_n_steps = check_optional_int(
            "Checkpoint", "every_n_steps", every_n_steps, minimum=1
        )
        self.every_n_epochs = check_optional_int(
            "Checkpoint", "every_n_epochs", every_n_epochs, minimum=1
        )
        self.keep_last = check_optional_int("Checkpoint", "keep_last", keep_last, minimum=1)
        self.monitor = check_optional_str("Checkpoint", "monitor", monitor)
        self.mode = check_choice("Checkpoint", "mode", mode, ("min", "max"))
        self.best: float | None = None
        self.last_saved: Path | None = None
        self._last_step: int | None = None

    def save(self, trainer: Trainer, state: TrainState) -> Path:
        """Write ``step-XXXXXXXX.pt`` now, point ``last.pt`` at it and prune old ones."""
        path = trainer.save(self.directory / f"step-{state.step:08d}.pt")
        self.last_saved, self._last_step = path, state.step
        state.should_save = False
        if path.is_file():  # rank 0 only under DDP
            _replace_with_link(path, self.directory / "last.pt")
        self._prune()
        return path

    def remove_stale_temporaries(self) -> list[Path]:
        """Delete temporaries that a killed write left in the directory; return them.

        Matches only the names :func:`~gankit.train.atomic_save` and this hook give their
        temporary files (``.step-*.pt.*.tmp``, ``.last.pt.*.tmp``, ``.best.pt.*.tmp``).

        Example:
            >>> import tempfile, pathlib
            >>> d = pathlib.Path(tempfile.mkdtemp())
            >>> _ = (d / ".step-00000004.pt.k2j3.tmp").write_bytes(b"torn")
            >>> [p.name for p in Checkpoint(d).remove_stale_temporaries()]
            ['.step-00000004.pt.k2j3.tmp']
        """
        if not self.directory.is_dir():
            return []
        stale = sorted(p for p in self.directory.iterdir() if _TEMPORARY.match(p.name))
        for p in stale:
            p.unlink(missing_ok=True)
        return stale

    def _prune(self) -> None:
        if self.keep_last is None:
            return
        for _, p in step_checkpoints(self.directory)[: -self.keep_last]:
            p.unlink(missing_ok=True)

    def on_fit_start(self, trainer: Trainer, state: TrainState) -> None:
        """Move checkpoints of an abandoned branch (steps after the resumed one) aside.

        They would otherwise take ``keep_last`` slots and be picked by ``resume=DIRECTORY``.
        Nothing is deleted: they go to ``DIRECTORY/abandoned-after-step-XXXXXXXX/``. Stale
        temporary files of killed writes are removed first.
        """
        stale = self.remove_stale_temporaries()
        if stale:
            print(
                f"Checkpoint: removed {len(stale)} unfinished temporary file(s) of an earlier, "
                f"killed run from {self.directory}",
                file=sys.stderr,
                flush=True,
            )
        newer = [p for step, p in step_checkpoints(self.directory) if step > state.step]
        if not newer:
            return
        aside = self.directory / f"abandoned-after-step-{state.step:08d}"
        aside.mkdir(exist_ok=True)
        for p in newer:
            os.replace(p, aside / p.name)
        current = latest_checkpoint(self.directory)
        if current is not None:
            _replace_with_link(current, self.directory / "last.pt")
        else:
            (self.directory / "last.pt").unlink(missing_ok=True)
        print(
            f"Checkpoint: moved {len(newer)} checkpoint(s) newer than step {state.step} to {aside}",
            file=sys.stderr,
            flush=True,
        )

    def on_step_end(self, trainer: Trainer, state: TrainState) -> None:
        """Save every ``every_n_steps`` steps, or when asked through ``state.should_save``."""
        if every(state.step, self.every_n_steps) or state.should_save:
            path = self.save(trainer, state)
            if state.should_stop:
                print(
                    f"Checkpoint saved to {path} (resume with trainer.fit(..., "
                    f"resume='{path}') or gankit train ... --resume {path})",
                    file=sys.stderr,
                    flush=True,
                )

    def on_epoch_end(self, trainer: Trainer, state: TrainState) -> None:
        """Save every ``every_n_epochs`` epochs (once per step at most)."""
        if every(state.epoch, self.every_n_epochs) and self._last_step != state.step:
            self.save(trainer, state)
        self._check_best(trainer, state, state.epoch_metrics)

    def on_log(self, trainer: Trainer, state: TrainState, metrics: dict[str, float]) -> None:
        """Keep ``best.pt`` when the monitored metric improves."""
        self._check_best(trainer, state, metrics)

    def _check_best(
        self, trainer: Trainer, state: TrainState, metrics: Mapping[str, float]
    ) -> None:
        if self.monitor is None or self.monitor not in metrics:
            return
        value = float(metrics[self.monitor])
        better = self.best is None or (
            value < self.best if self.mode == "min" else value > self.best
        )
        if better:
            self.best = value
            if self.last_saved is not None and self._last_step == state.step:
                _replace_with_link(self.last_saved, self.directory / "best.pt")
            else:
                trainer.save(self.directory / "best.pt")

    def on_fit_end(self, trainer: Trainer, state: TrainState) -> None:
        """Save the final state unless this step was just saved."""
        if self._last_step != state.step:
            self.save(trainer, state)
        state.should_save = False  # whatever asked for a save has it now

    def on_exception(self, trainer: Trainer, state: TrainState, error: BaseException) -> None:
        """Say which checkpoint is the last good one."""
        last = self.last_saved or latest_checkpoint(self.directory)
        if last is not None:
            print(f"The last good checkpoint is {last}", file=sys.stderr, flush=True)

    def state_dict(self) -> dict[str, Any]:
        """Return the best monitored value."""
        return {"best": self.best}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore the best monitored value."""
        best = state.get("best")
        self.best = None if best is None else float(best)
