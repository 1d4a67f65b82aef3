"""Writing and restoring a run's parts: checksums, portable values, all-or-nothing loading.

:meth:`gankit.Trainer.save` stores a SHA-256 digest of every top-level checkpoint entry
(:func:`entry_digests`): tensors by dtype, shape and every byte of their data, other values
by their ``repr``. :func:`verify_digests` recomputes them on load, so a flipped bit in any
tensor payload or stored value is reported as a :class:`~gankit.train.CheckpointError`
naming the entry, instead of loading changed weights. :func:`load_parts` restores several
state dicts so that either all of them load, or none does.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import torch
from torch import Tensor, nn
from torch.optim import Optimizer

from gankit.train.checkpoint import CheckpointError, rng_state, set_rng_state
from gankit.train.hook import Hook, SamplingSource
from gankit.train.meters import LossMeters
from gankit.train.position import EpochPosition
from gankit.train.state import TrainState

__all__ = [
    "check_checkpoint",
    "check_fits",
    "check_rng_states",
    "checked_part",
    "entry_digests",
    "load_part",
    "load_parts",
    "plain_values",
    "portable_optimizer_state",
    "portable_state",
    "verify_digests",
]

# Optimizer settings that belong to the running trainer, not to a checkpoint: loading one
# saved with other implementation switches (e.g. under CUDA graphs) keeps the trainer's own.
_IMPL_KEYS = ("capturable", "fused", "foreach", "differentiable")
_NOT_SETTINGS = {*_IMPL_KEYS, "params", "param_names", "initial_lr"}
_LOAD_ERRORS = (RuntimeError, ValueError, KeyError, TypeError, AttributeError, IndexError)


def _short(error: BaseException) -> str:
    detail = str(error).strip().splitlines()
    return " ".join(detail[:4]) + (" ..." if len(detail) > 4 else "")


@contextlib.contextmanager
def checked_part(path: object, part: str) -> Iterator[None]:
    """Turn an error while checking one part of a checkpoint into a :class:`CheckpointError`.

    Example:
        >>> with checked_part("run.pt", "state"):
        ...     {}["step"]
        Traceback (most recent call last):
        ...
        gankit.train.checkpoint.CheckpointError: run.pt: the saved state is unusable: 'step'
    """
    try:
        yield
    except _LOAD_ERRORS as e:
        raise CheckpointError(f"{path}: the saved {part} is unusable: {_short(e)}") from None


def check_rng_states(*states: Mapping[str, Any] | None) -> None:
    """Check that RNG snapshots can be restored, leaving every RNG as it was.

    Example:
        >>> check_rng_states(rng_state(), None)
    """
    current = rng_state()
    try:
        for state in states:
            if state is not None:
                set_rng_state(state)
    finally:
        set_rng_state(current)


def check_fits(module: nn.Module, state: Any) -> None:
    """Check that ``state`` has exactly ``module``'s state-dict keys and shapes.

    Raises:
        TypeError: if ``state`` is not a mapping of tensors.
        ValueError: naming missing, unexpected or differently shaped entries.

    Example:
        >>> check_fits(torch.nn.Linear(2, 2), torch.nn.Linear(2, 3).state_dict())
        Traceback (most recent call last):
        ...
        ValueError: weight has shape (3, 2), this net's (2, 2); bias has shape (3,), this net's (2,)
    """
    if not isinstance(state, Mapping):
        raise TypeError(f"expected a state dict, got {type(state).__name__}")
    own = module.state_dict()
    problems = [f"{k} missing" for k in own if k not in state]
    problems += [f"unexpected {k}" for k in state if k not in own]
    for k, v in own.items():
        saved = state.get(k)
        if isinstance(saved, Tensor) and saved.shape != v.shape:
            problems.append(f"{k} has shape {tuple(saved.shape)}, this net's {tuple(v.shape)}")
        elif k in state and not isinstance(saved, Tensor):
            problems.append(f"{k} is not a tensor")
    if problems:
        raise ValueError("; ".join(problems[:4]) + (" ..." if len(problems) > 4 else ""))


def _feed(h: Any, value: Any) -> None:
    if isinstance(value, Tensor):
        t = value.detach().cpu().contiguous()
        h.update(f"T{t.dtype}{tuple(t.shape)}".encode())
        h.update(t.reshape(-1).view(torch.uint8).numpy().data)  # no copy of the payload
    elif isinstance(value, Mapping):
        h.update(f"D{len(value)}".encode())
        for k, v in value.items():
            h.update(repr(k).encode())
            _feed(h, v)
    elif isinstance(value, (list, tuple)):
        h.update(f"L{len(value)}".encode())
        for v in value:
            _feed(h, v)
    else:
        h.update(f"V{value!r}".encode())


def entry_digests(ckpt: Mapping[str, Any]) -> dict[str, str]:
    """SHA-256 of every entry of ``ckpt`` except ``"checksums"``.

    Example:
        >>> d = entry_digests({"w": torch.zeros(2), "step": 3})
        >>> sorted(d), len(d["w"])
        (['step', 'w'], 64)
    """
    out = {}
    for key, value in ckpt.items():
        if key != "checksums":
            h = hashlib.sha256()
            _feed(h, value)
            out[key] = h.hexdigest()
    return out


def verify_digests(ckpt: Mapping[str, Any], path: object) -> None:
    """Check ``ckpt["checksums"]`` against its entries.

    Raises:
        CheckpointError: naming ``path`` and the entries whose data changed, or missing
            or unexpected entries.

    Example:
        >>> ckpt = {"w": torch.zeros(2)}
        >>> ckpt["checksums"] = entry_digests(ckpt)
        >>> verify_digests(ckpt, "run.pt")
        >>> ckpt["w"][0] = 1.0
        >>> verify_digests(ckpt, "run.pt")
        Traceback (most recent call last):
        ...
        gankit.train.checkpoint.CheckpointError: run.pt: corrupted: the data of w does not match ...
    """
    saved = ckpt.get("checksums")
    if not isinstance(saved, Mapping):
        raise CheckpointError(f"{path}: corrupted or not written by gankit: it has no checksums")
    actual = entry_digests(ckpt)
    changed = sorted(k for k in actual.keys() & saved.keys() if actual[k] != saved[k])
    missing = sorted(saved.keys() - actual.keys())
    extra = sorted(actual.keys() - saved.keys())
    if changed or missing or extra:
        parts = [f"the data of {', '.join(changed)} does not match its checksum"] if changed else []
        parts += [f"{', '.join(missing)} missing"] if missing else []
        parts += [f"{', '.join(extra)} not covered by a checksum"] if extra else []
        raise CheckpointError(
            f"{path}: corrupted: {'; '.join(parts)} (a damaged disk or transfer?); "
            "use an earlier checkpoint"
        )


def portable_optimizer_state(state: dict[str, Any]) -> dict[str, Any]:
    """An optimizer state dict with tensor learning rates as floats (loads anywhere).

    Example:
        >>> opt = torch.optim.Adam([torch.zeros(1, requires_grad=True)], lr=torch.tensor(0.1))
        >>> portable_optimizer_state(opt.state_dict())["param_groups"][0]["lr"]
        0.10000000149011612
    """
    groups = [
        {
            k: float(v) if k in ("lr", "initial_lr") and isinstance(v, Tensor) else v
            for k, v in g.items()
        }
        for g in state["param_groups"]
    ]
    return {**state, "param_groups": groups}


def portable_state(obj: Any) -> Any:
    """``obj.state_dict()``, with an optimizer's learning rates as floats.

    Example:
        >>> sorted(portable_state(torch.nn.Linear(1, 1)))
        ['bias', 'weight']
    """
    state = obj.state_dict()
    return portable_optimizer_state(state) if isinstance(obj, Optimizer) else state


def plain_values(value: Any) -> Any:
    """Convert tuples to lists recursively so the value loads with ``weights_only=True``.

    Example:
        >>> plain_values({"betas": (0.5, 0.999)})
        {'betas': [0.5, 0.999]}
    """
    if isinstance(value, dict):
        return {k: plain_values(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain_values(v) for v in value]
    return value


def load_part(obj: Any, state: Any) -> None:
    """``obj.load_state_dict(state)``; for optimizers, checked and kept runnable here.

    An optimizer's saved groups may not have settings that ``obj``'s lack (SGD's
    ``momentum`` for an Adam), so a checkpoint of another optimizer is refused instead of
    failing at the next step. The trainer's own implementation switches (fused, capturable,
    foreach) are kept, and Adam's ``step`` counters moved where they must live.

    Raises:
        ValueError: for an optimizer state of another kind of optimizer.

    Example:
        >>> params = [torch.zeros(1, requires_grad=True)]
        >>> load_part(torch.optim.Adam(params), torch.optim.SGD(params, lr=0.1).state_dict())
        Traceback (most recent call last):
        ...
        ValueError: it was saved by another kind of optimizer than this Adam (it has the settings ...)
    """
    if not isinstance(obj, Optimizer):
        obj.load_state_dict(state)
        return
    for own, saved in zip(obj.param_groups, state["param_groups"], strict=False):
        # Settings a newer torch added may be missing (the optimizer fills them in); a
        # setting this optimizer does not have means the state is another optimizer's.
        foreign = saved.keys() - own.keys() - _NOT_SETTINGS
        if foreign:
            raise ValueError(
                f"it was saved by another kind of optimizer than this {type(obj).__name__} "
                f"(it has the settings {', '.join(sorted(foreign))})"
            )
    impl = [{k: g[k] for k in _IMPL_KEYS if k in g} for g in obj.param_groups]
    obj.load_state_dict(state)
    for group, own_impl in zip(obj.param_groups, impl, strict=True):
        group.update(own_impl)
        on_device = bool(group.get("capturable") or group.get("fused"))
        for p in group["params"]:
            step = obj.state.get(p, {}).get("step")
            if not isinstance(step, Tensor):
                continue
            if on_device and (step.device != p.device or step.dtype != torch.float32):
                obj.state[p]["step"] = step.to(p.device, torch.float32)
            elif not on_device and step.device.type != "cpu":
                obj.state[p]["step"] = step.cpu()


def load_parts(parts: Sequence[tuple[str, Any, Any]], path: object) -> None:
    """Load ``(name, obj, state)`` triples all or nothing.

    Raises:
        CheckpointError: naming ``path`` and the first part that does not fit; every
            part is then back as it was.

    Example:
        >>> net = torch.nn.Linear(2, 2)
        >>> load_parts([("generator", net, torch.nn.Linear(3, 3).state_dict())], "run.pt")
        Traceback (most recent call last):
        ...
        gankit.train.checkpoint.CheckpointError: run.pt: the saved generator does not fit ...
    """
    backup = [(obj, copy.deepcopy(obj.state_dict())) for _, obj, _ in parts]
    for name, obj, state in parts:
        try:
            load_part(obj, state)
        except _LOAD_ERRORS as e:
            for restored, old in backup:
                load_part(restored, old)
            raise CheckpointError(
                f"{path}: the saved {name} does not fit this trainer (different architecture "
                f"or settings?): {_short(e)}"
            ) from None


def check_checkpoint(
    ckpt: Mapping[str, Any],
    path: object,
    *,
    required: Sequence[str],
    hooks: Sequence[tuple[str, Hook]],
    generator: nn.Module,
    position: EpochPosition,
) -> LossMeters:
    """Check every part of a run's checkpoint that can be checked without changing anything.

    The required entries, the counters, the running sums, the RNG states, the data
    position (against the loader ``position`` prepared, if any) and the weights of a
    sampling hook (against ``generator``'s shapes).

    Returns:
        The running sums, loaded into new meters on ``generator``'s device.

    Raises:
        CheckpointError: naming ``path`` and the part.

    Example:
        >>> check_checkpoint({}, "run.pt", required=["generator"], hooks=[],
        ...                  generator=torch.nn.Linear(1, 1), position=EpochPosition())
        Traceback (most recent call last):
        ...
        gankit.train.checkpoint.CheckpointError: run.pt: checkpoint has no 'generator' entry
    """
    for key in required:
        if key not in ckpt:
            raise CheckpointError(f"{path}: checkpoint has no {key!r} entry")
    device = next((p.device for p in generator.parameters()), torch.device("cpu"))
    meters = LossMeters(device)
    with checked_part(path, "state (counters)"):
        TrainState().load_state_dict(ckpt["state"])
    with checked_part(path, "running_sums"):
        if ckpt.get("running_sums"):
            meters.load_state_dict(ckpt["running_sums"])
    with checked_part(path, "rng (random number generator states)"):
        check_rng_states(ckpt["rng"], ckpt.get("epoch_rng"))
    with checked_part(path, "data position"):
        position.check(ckpt.get("data"))
    states = ckpt.get("hooks", {})
    for key, hook in hooks:
        if isinstance(hook, SamplingSource) and key in states:
            with checked_part(path, f"{hook.sampling_entry} of hook {key}"):
                check_fits(generator, states[key].get(hook.sampling_entry))
    return meters
