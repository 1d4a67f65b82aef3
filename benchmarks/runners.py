"""What ``throughput.py`` times: the modes, and a runner per mode that trains on demand.

A *runner* owns its nets, optimizers and data and trains ``steps`` more steps when
asked: :class:`GankitRunner` wraps :class:`gankit.Trainer` on a
:class:`gankit.data.DeviceLoader`; :class:`ReferenceRunner` wraps the hand-written
canonical DCGAN loop of ``reference_dcgan.py`` on JPEG or in-memory batches.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import bench_utils as bu
import reference_dcgan as ref
import torch
from torch import Tensor
from torch.utils.flop_counter import FlopCounterMode

import gankit as gk
from gankit.data import DeviceLoader
from gankit.train import Hook, Trainer, TrainState

LOG_EVERY = 10**9  # the trainer reads its loss accumulators once per fit (at epoch end)


@dataclass(frozen=True)
class Mode:
    """One way of training: the reference example or a gankit configuration."""

    help: str
    family: str = "gankit"  # or "reference"
    source: str = "device-loader"  # reference: "jpeg" or "memory"
    precision: str = "fp32"
    channels_last: bool = False
    compile: bool = False
    cuda_graphs: bool = False


MODES: dict[str, Mode] = {
    "ref-jpeg": Mode(
        "plain-PyTorch DCGAN example fed by a JPEG DataLoader with workers",
        family="reference",
        source="jpeg",
    ),
    "ref-mem": Mode(
        "the same example fed from a pre-normalised float tensor on the device",
        family="reference",
        source="memory",
    ),
    "eager": Mode("gk.Trainer, fp32, DeviceLoader over a uint8 block on the device"),
    "channels-last": Mode("eager + channels_last", channels_last=True),
    "bf16": Mode("eager + bf16 autocast", precision="bf16"),
    "bf16-cl": Mode("eager + bf16 autocast + channels_last", precision="bf16", channels_last=True),
    "compile": Mode("bf16-cl + torch.compile", precision="bf16", channels_last=True, compile=True),
    "graphs": Mode(
        "bf16-cl + CUDA graphs of the whole step (no compile)",
        precision="bf16",
        channels_last=True,
        cuda_graphs=True,
    ),
    "cuda-graphs": Mode(
        "compile + CUDA graphs of the whole step",
        precision="bf16",
        channels_last=True,
        compile=True,
        cuda_graphs=True,
    ),
}


class Runner(Protocol):
    """Something that trains ``steps`` steps when asked (state carries over)."""

    def prepare(self) -> None:
        """Untimed work before each timed window."""

    def run(self, steps: int) -> None:
        """Train ``steps`` more steps."""

    def close(self) -> None:
        """Release worker processes and memory."""


def gankit_nets(preset: str) -> tuple[torch.nn.Module, torch.nn.Module]:
    """The gankit generator and discriminator of a preset."""
    g_cfg, d_cfg = gk.models.dcgan(image_size=64) if preset == "dcgan64" else gk.models.celeba32()
    return gk.models.build_generator(g_cfg), gk.models.build_discriminator(d_cfg)


class _FirstStepClock(Hook):
    """Records when the first step ended (after a device sync)."""

    rank_zero_only = False

    def __init__(self, device: torch.device) -> None:
        self.device = device
        self.done_at: float | None = None

    def on_step_end(self, trainer: Trainer, state: TrainState) -> None:
        if self.done_at is None:
            bu.synchronize(self.device)
            self.done_at = time.perf_counter()


def _perturb(
    generator: torch.nn.Module, discriminator: torch.nn.Module, eps: float, seed: int
) -> None:
    """Scale every weight by ``1 + eps * N(0, 1)`` (a private RNG; global RNGs untouched)."""
    rng = torch.Generator().manual_seed(seed + 1)
    with torch.no_grad():
        for p in [*generator.parameters(), *discriminator.parameters()]:
            p.mul_(1 + eps * torch.randn(p.shape, generator=rng))


class GankitRunner:
    """A :class:`gankit.Trainer` on a :class:`gankit.data.DeviceLoader`.

    The loader holds exactly one window of batches, so each ``fit`` call ends on an epoch
    boundary (``fit(steps=...)`` targets are absolute: each call adds ``steps``).
    """

    def __init__(
        self,
        preset: str,
        mode: Mode,
        block: Tensor,
        batch_size: int,
        device: torch.device,
        seed: int,
        hooks: tuple[Hook, ...] = (),
        perturb: float = 0.0,
    ) -> None:
        torch.manual_seed(seed)
        generator, discriminator = gankit_nets(preset)
        if perturb:
            _perturb(generator, discriminator, perturb, seed)
        config = gk.TrainerConfig(
            device=str(device),
            precision=mode.precision,  # type: ignore[arg-type]
            channels_last=mode.channels_last,
            compile=mode.compile,
            cuda_graphs=mode.cuda_graphs,
            log_every=LOG_EVERY,
            seed=seed,
        )
        self.loader = DeviceLoader(
            block, batch_size, device=device, channels_last=mode.channels_last, seed=seed
        )
        self.clock = _FirstStepClock(device)
        self.trainer = Trainer(generator, discriminator, config=config, hooks=[self.clock, *hooks])

    def prepare(self) -> None:
        pass

    def run(self, steps: int) -> None:
        if steps % len(self.loader):
            raise ValueError(f"windows must be whole epochs of {len(self.loader)} steps")
        self.trainer.fit(self.loader, steps=self.trainer.state.step + steps)

    def close(self) -> None:
        del self.trainer, self.loader


class ReferenceRunner:
    """The canonical example's loop on an endless batch iterator."""

    def __init__(
        self,
        preset: str,
        batches: Iterator[Tensor],
        device: torch.device,
        seed: int,
        drain: int = 0,
    ) -> None:
        torch.manual_seed(seed)
        self.model = ref.ReferenceDCGAN(preset, device)
        self.batches = batches
        self.drain = drain

    def prepare(self) -> None:
        # Worker processes keep decoding while other modes are timed; consume what they
        # queued meanwhile so the timed window sees the steady-state decode rate.
        self.run(self.drain)

    def run(self, steps: int) -> None:
        for _ in range(steps):
            self.model.step(next(self.batches))

    def close(self) -> None:
        close = getattr(self.batches, "close", None)
        if callable(close):
            close()  # shuts the DataLoader workers down
        del self.model


_BLOCKS: dict[tuple[int, int, int], Tensor] = {}


@dataclass
class Case:
    """One preset at one batch size, with everything its runners need."""

    preset: str
    batch_size: int
    device: torch.device
    steps: int
    windows: int
    warmup: int
    seed: int
    jpeg_files: list[Path]
    jpeg_workers: int

    @property
    def image_size(self) -> int:
        return ref.image_size(self.preset)

    def block(self, n: int) -> Tensor:
        """``n`` uint8 ToyFaces at the preset's size (rendered once, shared read-only)."""
        key = (n, self.image_size, self.seed)
        if key not in _BLOCKS:
            _BLOCKS[key] = bu.toy_block(n, self.image_size, seed=self.seed)
        return _BLOCKS[key]


def build_runner(name: str, case: Case) -> Runner:
    """Construct the runner of mode ``name`` (moves its data to the device)."""
    mode = MODES[name]
    block = case.block(case.steps * case.batch_size)
    if mode.family == "gankit":
        return GankitRunner(case.preset, mode, block, case.batch_size, case.device, case.seed)
    if mode.source == "memory":
        batches = ref.memory_batches(block, case.batch_size, case.device, seed=case.seed)
        return ReferenceRunner(case.preset, batches, case.device, case.seed)
    _, batches = ref.jpeg_batches(
        case.jpeg_files, case.image_size, case.batch_size, case.jpeg_workers, seed=case.seed
    )
    drain = 2 * case.jpeg_workers  # DataLoader's default prefetch_factor per worker
    return ReferenceRunner(case.preset, batches, case.device, case.seed, drain=drain)


def count_flops(family: str, case: Case) -> int:
    """FLOPs of one fp32 eager training step of ``family`` (``gankit`` or ``reference``).

    gankit's count is the *model* FLOPs used for MFU in every mode: D on real, G, D on
    fake, and the generator step through D. The reference executes a little more (its
    generator step also computes D's weight gradients, which it then throws away).
    """
    block = case.block(case.batch_size)
    counter = FlopCounterMode(display=False)
    if family == "gankit":
        runner = GankitRunner(
            case.preset, MODES["eager"], block, case.batch_size, case.device, case.seed
        )
        with counter:
            runner.run(1)
    else:
        model = ref.ReferenceDCGAN(case.preset, case.device)
        real = block.to(case.device).float() / 127.5 - 1.0
        with counter:
            model.step(real)
    return int(counter.get_total_flops())
