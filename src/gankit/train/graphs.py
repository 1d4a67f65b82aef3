"""Whole-step CUDA graphs for :class:`~gankit.Trainer` (``TrainerConfig(cuda_graphs=True)``).

A training step (``n_critic`` discriminator updates and one generator update, with their
forward and backward passes, the noise, the regularizer and both optimizer steps) is
recorded once as a CUDA graph and then *replayed*: one launch instead of a few hundred,
so small nets stop being limited by Python and kernel-launch overhead.

A graph replays exactly the kernels it recorded on exactly the memory it recorded, so
:class:`StepGraphs` keeps one graph per *kind* of step (the input shapes and which
discriminator updates carry the lazy regularizer) with its own static input buffers.
Each kind first runs a few times eagerly on a side stream ("warm-up": optimizer state,
cuDNN autotuning and ``torch.compile`` happen there), is then captured on that stream,
and from then on every step of that kind copies its batches into the static buffers and
replays. Warm-up runs are real training steps, so nothing is wasted or skipped.

What makes the step capturable is ensured by :class:`~gankit.Trainer`: optimizers with
``capturable=True`` and the learning rate in a device tensor (schedulers still work: they
write into it), no GradScaler (fp16 is refused), no hooks between backward and optimizer
step, no host synchronisation inside the step; BatchNorm buffers and Adam's moments are
updated in place, so they stay where the graph expects them.

Example:
    >>> graphs = StepGraphs(torch.device("cpu"), capture=EagerCapture())
    >>> x = torch.ones(2)
    >>> [graphs.run("double", [x], lambda static: static[0] * 2).tolist() for _ in range(2)]
    [[2.0, 2.0], [2.0, 2.0]]
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar, runtime_checkable

import torch
from torch import Tensor

__all__ = ["CUDACapture", "CaptureBackend", "EagerCapture", "StepGraphs"]

T = TypeVar("T")

_MAX_WARMING = 16  # kinds of step kept while they warm up


@runtime_checkable
class CaptureBackend(Protocol):
    """Runs a step function eagerly for warm-up and records it for replay.

    Example:
        >>> isinstance(EagerCapture(), CaptureBackend)
        True
    """

    def warm_up(self, fn: Callable[[], T]) -> T:
        """Run ``fn`` once, eagerly, where the capture will happen."""

    def capture(self, fn: Callable[[], T]) -> Callable[[], T]:
        """Record ``fn`` (without running it) and return a function that replays it."""


class CUDACapture:
    """Warm-up and capture on one side stream of ``device`` (see the PyTorch CUDA-graphs notes).

    The same stream serves warm-up and every capture so libraries that cache handles per
    stream (cuBLAS, cuDNN) have them before capture starts. Each graph gets its own
    memory pool: graphs of different kinds replay in any order, so they cannot share one.

    Args:
        device: the CUDA device the step runs on.

    Example:
        >>> backend = CUDACapture(torch.device("cuda", 0))  # no CUDA work until first use
        >>> backend.device
        device(type='cuda', index=0)
    """

    def __init__(self, device: torch.device) -> None:
        self.device = device
        self._stream: torch.cuda.Stream | None = None

    @property
    def stream(self) -> torch.cuda.Stream:
        """The side stream (created on first use)."""
        if self._stream is None:
            self._stream = torch.cuda.Stream(self.device)  # type: ignore[no-untyped-call]
        return self._stream

    def warm_up(self, fn: Callable[[], T]) -> T:
        """Run ``fn`` on the side stream, ordered after and before the current stream."""
        current = torch.cuda.current_stream(self.device)
        self.stream.wait_stream(current)
        with torch.cuda.stream(self.stream):
            out = fn()
        current.wait_stream(self.stream)
        return out

    def capture(self, fn: Callable[[], T]) -> Callable[[], T]:
        """Record ``fn`` into a new :class:`torch.cuda.CUDAGraph` with its own memory pool.

        The capture mode is ``"thread_local"``: other threads (a DataLoader's pin-memory
        thread allocating pinned buffers) may go on while this thread captures.
        """
        graph = torch.cuda.CUDAGraph()
        current = torch.cuda.current_stream(self.device)
        self.stream.wait_stream(current)
        try:
            with torch.cuda.graph(graph, stream=self.stream, capture_error_mode="thread_local"):
                out = fn()
        except BaseException as error:
            torch.cuda.set_stream(current)  # a failed capture_end leaves the side stream current
            if not isinstance(error, Exception):
                raise  # Ctrl-C and friends stay what they are
            # The first error raised inside the capture is the informative one.
            cause = error.__context__ if error.__context__ is not None else error
            raise RuntimeError(f"{type(cause).__name__}: {cause}") from error
        current.wait_stream(self.stream)

        def replay() -> T:
            graph.replay()
            return out

        return replay


class EagerCapture:
    """A stand-in that "replays" by calling the function again (CPU tests, debugging).

    It keeps every bit of :class:`StepGraphs`' bookkeeping (static buffers, warm-up
    counts, one entry per kind of step) while running eagerly, so a run with it must
    match a plain eager run exactly.

    Attributes:
        captures: how many functions were "captured".

    Example:
        >>> backend = EagerCapture()
        >>> replay = backend.capture(lambda: 42)
        >>> replay(), backend.captures
        (42, 1)
    """

    def __init__(self) -> None:
        self.captures = 0

    def warm_up(self, fn: Callable[[], T]) -> T:
        """Call ``fn``."""
        return fn()

    def capture(self, fn: Callable[[], T]) -> Callable[[], T]:
        """Count the capture and return ``fn`` itself as the "replay"."""
        self.captures += 1
        return fn


@dataclass
class _Entry(Generic[T]):
    """A kind of step: its static inputs, warm-up count and, once captured, its replay."""

    static: list[Tensor | None]
    runs: int = 0
    replay: Callable[[], T] | None = None


@dataclass
class StepGraphs:
    """One captured graph, with static input buffers, per kind of training step.

    Args:
        device: where the step runs.
        warmup: eager runs of each kind before it is captured (PyTorch's examples use 3).
        max_graphs: kinds to capture at most; further kinds run eagerly (each graph holds
            its own activation memory), with one warning. At most 16 kinds wait for
            their capture, the least recently seen being dropped, so a stream of
            one-off kinds (e.g. a schedule that changes Adam's betas every step) runs
            eagerly without piling up buffers or crowding out the kinds that recur.
        capture: the backend; default :class:`CUDACapture` on ``device``.

    Example:
        >>> graphs = StepGraphs(torch.device("cpu"), warmup=1, capture=EagerCapture())
        >>> for _ in range(3):
        ...     _ = graphs.run("k", [torch.zeros(1)], lambda static: static[0] + 1)
        >>> graphs.captured, graphs.capture.captures
        (1, 1)
    """

    device: torch.device
    warmup: int = 3
    max_graphs: int = 8
    capture: CaptureBackend | None = None
    _entries: dict[Hashable, _Entry[object]] = field(default_factory=dict, repr=False)
    _warned: bool = field(default=False, repr=False)

    def __post_init__(self) -> None:
        if self.warmup < 1:
            raise ValueError(f"StepGraphs.warmup must be an int >= 1, got {self.warmup!r}")
        if self.max_graphs < 0:
            raise ValueError(f"StepGraphs.max_graphs must be an int >= 0, got {self.max_graphs!r}")
        if self.capture is None:
            self.capture = CUDACapture(self.device)

    @property
    def captured(self) -> int:
        """How many kinds of step are captured (and replayed from now on)."""
        return sum(e.replay is not None for e in self._entries.values())

    def run(
        self,
        key: Hashable,
        inputs: Sequence[Tensor | None],
        fn: Callable[[list[Tensor | None]], T],
    ) -> T:
        """Run one step of kind ``key`` on ``inputs`` and return ``fn``'s outputs.

        ``fn`` must read its inputs only from the list it is given (the static buffers)
        and must do the same device work every time it is called for the same ``key``.
        After a replay the outputs are the graph's static tensors: read (or clone) them
        before the next step overwrites them.

        Args:
            key: what identifies the kind of step (shapes, flags); hashable.
            inputs: this step's tensors, copied into the kind's static buffers.
            fn: the step, called with the static buffers.

        Returns:
            ``fn``'s outputs (from the warm-up run or the replay).
        """
        assert self.capture is not None
        entry = self._entries.pop(key, None)
        if entry is None:
            warming = [k for k, e in self._entries.items() if e.replay is None]
            if len(warming) >= _MAX_WARMING:
                del self._entries[warming[0]]  # the least recently seen
            static = [None if t is None else torch.empty_like(t) for t in inputs]
            entry = _Entry(static)
        self._entries[key] = entry  # most recently seen last
        for buffer, value in zip(entry.static, inputs, strict=True):
            if buffer is not None and value is not None:
                buffer.copy_(value, non_blocking=True)
        if entry.replay is None:
            if entry.runs < self.warmup:
                entry.runs += 1
                return self.capture.warm_up(lambda: fn(entry.static))
            if self.captured >= self.max_graphs:
                self._warn_full()
                return self.capture.warm_up(lambda: fn(entry.static))  # stays eager
            try:
                entry.replay = self.capture.capture(lambda: fn(entry.static))
            except Exception as error:
                del self._entries[key]
                raise RuntimeError(
                    f"capturing the training step as a CUDA graph failed ({error}). A captured "
                    "step must not wait for the device on the host (.item(), float(tensor), "
                    "printing a tensor, data-dependent Python branches), use a random "
                    "generator other than the default one, or compile anything new. Train "
                    "without it: TrainerConfig(cuda_graphs=False)"
                ) from error
        return entry.replay()  # type: ignore[return-value]

    def _warn_full(self) -> None:
        if not self._warned:
            self._warned = True
            warnings.warn(
                f"{self.max_graphs} kinds of training step are captured as CUDA graphs; "
                "further kinds run eagerly (do batch shapes vary, or does a schedule change "
                "optimizer settings other than the learning rate every step?)",
                RuntimeWarning,
                stacklevel=3,
            )

    def reset(self) -> None:
        """Forget every graph (after the tensors they read were replaced, e.g. on load)."""
        self._entries.clear()
