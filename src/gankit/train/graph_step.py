"""Running whole training steps as CUDA graphs: what makes a step capturable, and the runner.

:class:`GraphedStep` takes a bound :class:`~gankit.train.TrainingStep` and runs
:meth:`~gankit.train.TrainingStep.run` through :class:`~gankit.train.graphs.StepGraphs`,
one graph per kind of step (input shapes, which updates carry the lazy penalty, the
optimizers' settings). The capture backend is a parameter, so the whole path runs on the
CPU with :class:`~gankit.train.graphs.EagerCapture` in tests.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import torch
from torch import Tensor
from torch.optim import Optimizer

from gankit.train.distributed import DistInfo
from gankit.train.graphs import CaptureBackend, CUDACapture, StepGraphs
from gankit.train.hook import Hook
from gankit.train.step import Batch, Logs, TrainingStep

__all__ = ["GraphedStep", "check_graph_hooks", "check_graphs_supported", "lr_on_device"]


def check_graphs_supported(
    *,
    device: torch.device,
    dist: DistInfo,
    optimizers: dict[str, Optimizer | None],
    step: TrainingStep,
    capture: CaptureBackend | None,
) -> None:
    """Refuse set-ups whose step cannot be captured, saying what to change.

    Args:
        device: the training device.
        dist: the DDP set-up.
        optimizers: user-given optimizers by argument name (``None``: the default Adam).
        step: the training step.
        capture: the capture backend; ``None`` means CUDA graphs on ``device``.

    Raises:
        ValueError: naming what cannot be captured and what to do instead.

    Example:
        >>> check_graphs_supported(device=torch.device("cpu"), dist=DistInfo(), optimizers={},
        ...                        step=TrainingStep(), capture=None)
        Traceback (most recent call last):
        ...
        ValueError: TrainerConfig.cuda_graphs=True needs a CUDA device, but training runs on cpu; ...
    """
    if torch.torch_version.TorchVersion(torch.__version__) < "2.5":
        raise ValueError(
            "TrainerConfig.cuda_graphs=True needs torch >= 2.5 (learning-rate schedulers "
            f"must update a tensor learning rate in place), but this is {torch.__version__}"
        )
    if not type(step).capturable:
        raise ValueError(
            f"TrainerConfig.cuda_graphs=True: the training step {type(step).__name__} says it "
            "cannot be captured (capturable = False); drop cuda_graphs"
        )
    if capture is None or isinstance(capture, CUDACapture):
        for name, opt in optimizers.items():
            if opt is not None and not all(g.get("capturable") for g in opt.param_groups):
                raise ValueError(
                    f"TrainerConfig.cuda_graphs=True needs optimizers that can be captured, "
                    f"but {name} ({type(opt).__name__}) was created without capturable=True; "
                    f"create it with e.g. torch.optim.Adam(params, lr, capturable=True)"
                )
        if device.type != "cuda":
            raise ValueError(
                f"TrainerConfig.cuda_graphs=True needs a CUDA device, but training runs on "
                f"{device}; drop cuda_graphs or pass device='cuda'"
            )
    if dist.enabled:
        raise ValueError(
            "TrainerConfig.cuda_graphs=True is not supported under DDP (gradient "
            "all-reduce is not captured); drop cuda_graphs for multi-GPU runs"
        )


def check_graph_hooks(hooks: Sequence[tuple[str, Hook]]) -> None:
    """Refuse hooks that must run inside a captured step (``on_before_optimizer_step``).

    Example:
        >>> check_graph_hooks([("Hook", Hook())])
    """
    for key, hook in hooks:
        if type(hook).on_before_optimizer_step is not Hook.on_before_optimizer_step:
            raise ValueError(
                f"hook {key} overrides on_before_optimizer_step, which cannot run inside "
                "a captured step (TrainerConfig.cuda_graphs=True); drop the hook or "
                "cuda_graphs"
            )


def lr_on_device(optimizer: Optimizer, device: torch.device) -> list[Tensor | None]:
    """Hold Adam's (and AdamW's) learning rates in device tensors a captured step reads.

    Schedulers then change them in place (``fill_``) instead of replacing a float that the
    graph baked in. Other optimizers keep float rates (not all of them accept tensors);
    for them a new rate makes a new kind of step.

    Returns:
        The tensor of each group, or ``None`` where the rate stays a float.

    Example:
        >>> opt = torch.optim.Adam([torch.zeros(1, requires_grad=True)], lr=0.1)
        >>> lr_on_device(opt, torch.device("cpu"))[0]
        tensor(0.1000)
    """
    slots: list[Tensor | None] = []
    for group in optimizer.param_groups:
        if not isinstance(optimizer, (torch.optim.Adam, torch.optim.AdamW)):
            slots.append(None)
            continue
        lr = group["lr"]
        if not (isinstance(lr, Tensor) and lr.device == device):
            lr = group["lr"] = torch.tensor(float(lr), dtype=torch.float32, device=device)
        slots.append(lr)
    return slots


class GraphedStep:
    """Runs whole steps of a bound :class:`~gankit.train.TrainingStep` through CUDA graphs.

    Args:
        step: the bound step.
        device: the training device.
        capture: the capture backend (default: :class:`~gankit.train.graphs.CUDACapture`).
        warmup: eager runs of each kind before it is captured.
        device_lr: hold Adam's learning rates in device tensors the graphs read (what
            CUDA graphs need); off, each new learning rate makes a new kind of step.

    Example:
        >>> from gankit.train.graphs import EagerCapture
        >>> GraphedStep(TrainingStep(), torch.device("cpu"), EagerCapture()).graphs.warmup
        3
    """

    def __init__(
        self,
        step: TrainingStep,
        device: torch.device,
        capture: CaptureBackend | None = None,
        *,
        warmup: int = 3,
        device_lr: bool = True,
    ) -> None:
        self.step = step
        self.device = device
        self.device_lr = device_lr
        self.graphs = StepGraphs(device, warmup=warmup, capture=capture)
        self._lr_slots: dict[int, list[Tensor | None]] = {}

    def attach_optimizers(self) -> None:
        """Put the bound optimizers' learning rates into device tensors (again after a load)."""
        self.graphs.reset()  # loading replaces the optimizer tensors the graphs read
        if self.device_lr:
            self._lr_slots = {id(o): lr_on_device(o, self.device) for o in self._optimizers()}

    def optimizer_settings(self) -> tuple[Any, ...]:
        """What a captured step bakes in from the optimizers' groups (part of its kind).

        A learning rate that was replaced instead of updated in place (by hand, or by a
        scheduler of an older torch) is first written into the device tensor the graphs
        read. Other settings (betas, eps, weight decay) are read when a step is captured,
        so a change makes a new kind of step.
        """
        out = []
        for optimizer in self._optimizers():
            slots = self._lr_slots.get(id(optimizer), [])
            for group, slot in itertools.zip_longest(optimizer.param_groups, slots):
                if slot is not None and group["lr"] is not slot:
                    lr = group["lr"]
                    if isinstance(lr, Tensor):
                        slot.copy_(lr)
                    else:
                        slot.fill_(lr)
                    group["lr"] = slot
                skip = ("params", "param_names", "initial_lr")
                out.append(tuple((k, _frozen(v)) for k, v in group.items() if k not in skip))
        return tuple(out)

    def run(self, batches: list[Batch], regularize: tuple[bool, ...]) -> tuple[list[Logs], Logs]:
        """Run one whole step (warm-up, capture or replay) and return its logs.

        Raises:
            RuntimeError: if the step changed its own attributes during a warm-up run
                (such Python state would be frozen on replay).
        """
        flat = [t for b in batches for t in (b.real, b.labels)]
        shapes = tuple(None if t is None else (t.shape, t.stride(), t.dtype) for t in flat)
        key = (regularize, shapes, self.optimizer_settings())
        step = self.step

        def fn(static: list[Tensor | None]) -> tuple[list[Logs], Logs]:
            pairs = [Batch(_tensor(static[2 * i]), static[2 * i + 1]) for i in range(len(batches))]
            before = _attributes(step)
            out = step.run(pairs, regularize)
            changed = sorted(k for k, v in _attributes(step).items() if before.get(k) is not v)
            if changed:
                raise RuntimeError(
                    f"the training step {type(step).__name__} changed its attribute(s) "
                    f"{', '.join(changed)} during a step; under CUDA graphs Python code runs "
                    "only while a step is captured, so such state would stop changing. Keep "
                    "it in a device tensor updated in place, or train with cuda_graphs=False"
                )
            return out

        return self.graphs.run(key, flat, fn)

    def _optimizers(self) -> tuple[Optimizer, Optimizer]:
        ctx = self.step.context
        return ctx.g_optimizer, ctx.d_optimizer


def _tensor(t: Tensor | None) -> Tensor:
    assert t is not None
    return t


def _attributes(step: TrainingStep) -> dict[str, object]:
    return dict(vars(step))


def _frozen(value: Any) -> Any:
    """A hashable stand-in for an optimizer setting (tensors by identity)."""
    if isinstance(value, (list, tuple)):
        return tuple(_frozen(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _frozen(v)) for k, v in value.items()))
    try:
        hash(value)
    except TypeError:
        return id(value)
    return value
