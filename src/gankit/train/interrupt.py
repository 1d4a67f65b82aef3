"""Ctrl-C and SIGTERM: finish the step, save, then tell the caller honestly.

The first SIGINT (Ctrl-C) or SIGTERM (what cluster schedulers send before they kill a
job) asks the loop to stop after the current step and the hooks for a checkpoint
(``state.should_stop`` and ``state.should_save``). When ``fit`` has wound down it raises
:class:`TrainingInterrupted`, a :class:`KeyboardInterrupt` that says at which step the
run stopped and where it was saved, so a script does not mistake an interrupted run for
a finished one. A second signal aborts at once, without saving.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

from gankit.train.state import TrainState

__all__ = ["TrainingInterrupted", "stop_on_signals"]


class TrainingInterrupted(KeyboardInterrupt):
    """``fit`` stopped early because of SIGINT or SIGTERM, after saving what it could.

    Attributes:
        step: the step the run stopped at (the step the checkpoint holds).
        signal: the signal number (``signal.SIGINT`` or ``signal.SIGTERM``).
        checkpoint: the checkpoint written at the stop (or the newest one this run
            wrote), or ``None`` if no hook saved one.
        exit_code: the conventional exit status, ``128 + signal`` (130 for Ctrl-C, 143 for
            SIGTERM).

    Example:
        >>> err = TrainingInterrupted(12, signal.SIGTERM, Path("run/step-00000012.pt"))
        >>> err.exit_code, str(err)
        (143, 'interrupted (SIGTERM) at step 12; checkpoint: run/step-00000012.pt')
    """

    def __init__(self, step: int, signum: int, checkpoint: Path | None) -> None:
        self.step, self.signal, self.checkpoint = step, signum, checkpoint
        self.exit_code = 128 + int(signum)
        where = str(checkpoint) if checkpoint is not None else "none saved"
        super().__init__(
            f"interrupted ({signal.Signals(signum).name}) at step {step}; checkpoint: {where}"
        )


@contextlib.contextmanager
def stop_on_signals(state: TrainState) -> Iterator[list[int]]:
    """Within the block, SIGINT/SIGTERM set ``state.should_stop`` and ``should_save``.

    Yields a list that receives the number of the first signal caught. Outside the main
    thread (where Python cannot install handlers) it does nothing. Forked DataLoader
    workers ignore the handler; the main process handles the signal.

    Example:
        >>> with stop_on_signals(TrainState()) as caught:
        ...     pass
        >>> caught
        []
    """
    caught: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield caught
        return
    owner = os.getpid()
    previous = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}

    def handler(signum: int, frame: FrameType | None) -> None:
        if os.getpid() != owner:
            return  # a forked DataLoader worker: the main process handles it
        if caught:
            for s, h in previous.items():
                signal.signal(s, h)
            raise KeyboardInterrupt
        caught.append(signum)
        state.should_stop = state.should_save = True
        print(
            f"\n{signal.Signals(signum).name}: stopping after the current step and saving a "
            "checkpoint (send it again to abort without saving).",
            file=sys.stderr,
            flush=True,
        )

    for s in previous:
        signal.signal(s, handler)
    try:
        yield caught
    finally:
        for s, h in previous.items():
            signal.signal(s, h)
