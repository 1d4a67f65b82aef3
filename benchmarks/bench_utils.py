"""Shared helpers of the gankit benchmarks: devices, timing, peaks, data, output.

Imported by ``throughput.py`` and ``data_path.py`` (run them from the repository root as
``python benchmarks/<script>.py``; the script's folder is then on ``sys.path``).
"""

from __future__ import annotations

import argparse
import datetime
import io
import json
import os
import platform
import shlex
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import torch

CELEBA_IMAGES = 202_599
"""Images in CelebA (all splits): the 'one epoch' of the targets."""

# Dense (no sparsity) peak TFLOP/s per GPU, from the vendor data sheets. Matched by
# substring of torch.cuda.get_device_name(), most specific first.
PEAK_TFLOPS: tuple[tuple[str, dict[str, float]], ...] = (
    ("H200 NVL", {"bf16": 835.0, "tf32": 417.5, "fp32": 60.0}),
    ("H200", {"bf16": 989.4, "tf32": 494.7, "fp32": 66.9}),
    ("H100 NVL", {"bf16": 835.0, "tf32": 417.5, "fp32": 60.0}),
    ("H100 PCIe", {"bf16": 756.0, "tf32": 378.0, "fp32": 51.2}),
    ("H100", {"bf16": 989.4, "tf32": 494.7, "fp32": 66.9}),  # SXM, e.g. "H100 80GB HBM3"
    ("A100", {"bf16": 312.0, "tf32": 156.0, "fp32": 19.5}),
)


def cpu_cores() -> int:
    """CPU cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def resolve_device(name: str) -> torch.device:
    """``"auto"`` -> CUDA if available else CPU; otherwise ``torch.device(name)``."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    device = torch.device(name)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise SystemExit(f"--device {name}: CUDA is not available on this machine")
    return device


def synchronize(device: torch.device) -> None:
    """Wait for all queued work on ``device`` (no-op on the CPU)."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def time_call(fn: Callable[[], object], device: torch.device) -> float:
    """Seconds ``fn`` takes: CUDA events around it on a GPU, ``perf_counter`` on the CPU."""
    if device.type != "cuda":
        start = time.perf_counter()
        fn()
        return time.perf_counter() - start
    synchronize(device)
    begin = torch.cuda.Event(enable_timing=True)  # type: ignore[no-untyped-call]
    end = torch.cuda.Event(enable_timing=True)  # type: ignore[no-untyped-call]
    begin.record()
    fn()
    end.record()
    end.synchronize()
    return float(begin.elapsed_time(end)) / 1000.0


def median(values: Sequence[float]) -> float:
    """The median of a non-empty sequence."""
    return float(statistics.median(values))


def device_name(device: torch.device) -> str:
    """A human-readable name of the device (GPU model or CPU model)."""
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    name = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                name = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{name} ({cpu_cores()} cores, {torch.get_num_threads()} torch threads)"


def peak_tflops(device: torch.device, precision: str) -> tuple[float | None, str]:
    """Dense peak TFLOP/s of ``device`` for ``precision`` (``bf16``/``fp32``), and a note.

    fp32 convolutions on NVIDIA GPUs run on TF32 tensor cores when
    ``torch.backends.cudnn.allow_tf32`` is true (PyTorch's default), so their peak is TF32.
    Unknown devices (and every CPU) give ``None`` with a note saying so.
    """
    if device.type != "cuda":
        return None, "no peak table for CPUs: MFU not reported"
    name = torch.cuda.get_device_name(device)
    key = precision
    if precision == "fp32" and torch.backends.cudnn.allow_tf32:
        key = "tf32"
    for pattern, peaks in PEAK_TFLOPS:
        if pattern in name:
            return peaks[key], f"{pattern} dense {key} peak"
    return None, f"unknown device {name!r}: no peak in the table, MFU not reported"


def environment(device: torch.device) -> dict[str, Any]:
    """Metadata of the measurement: device, versions, date, exact command."""
    import gankit

    return {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "command": "python " + shlex.join(sys.argv),
        "device": str(device),
        "device_name": device_name(device),
        "torch": torch.__version__,
        "cuda": torch.version.cuda,
        "gankit": gankit.__version__,
        "python": platform.python_version(),
        "cpu_cores": cpu_cores(),
        "torch_threads": torch.get_num_threads(),
    }


def toy_block(n: int, image_size: int, seed: int = 0, distinct: int = 1024) -> torch.Tensor:
    """``n`` uint8 ToyFaces ``(n, 3, S, S)``: at most ``distinct`` rendered, then tiled."""
    from gankit.data import ToyFaces

    pool = ToyFaces(min(n, distinct), image_size=image_size, seed=seed).tensor()
    reps = -(-n // len(pool))
    return pool.repeat(reps, 1, 1, 1)[:n].contiguous()


def write_jpegs(
    folder: Path, n: int, *, seed: int = 0, distinct: int = 256, quality: int = 95
) -> list[Path]:
    """Write ``n`` CelebA-like JPEGs (178×218, ``000001.jpg`` ...) into ``folder``.

    ``distinct`` ToyFaces are rendered at 128 px, stretched to 178×218 and encoded once;
    the files cycle through those encodings (decode cost is what matters).
    """
    from PIL import Image

    pool = toy_block(min(n, distinct), 128, seed=seed, distinct=distinct)
    encoded = []
    for face in pool:
        image = Image.fromarray(face.permute(1, 2, 0).numpy()).resize(
            (178, 218), Image.Resampling.BICUBIC
        )
        buffer = io.BytesIO()
        image.save(buffer, format="JPEG", quality=quality)
        encoded.append(buffer.getvalue())
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for i in range(n):
        path = folder / f"{i + 1:06d}.jpg"
        path.write_bytes(encoded[i % len(encoded)])
        files.append(path)
    return files


def csv_list(text: str) -> list[str]:
    """Split a comma-separated argparse value into non-empty items."""
    items = [item.strip() for item in text.split(",") if item.strip()]
    if not items:
        raise argparse.ArgumentTypeError(f"expected a comma-separated list, got {text!r}")
    return items


def fmt(value: float | None, digits: int = 1) -> str:
    """Format a number for a Markdown table (``n/a`` for ``None``)."""
    if value is None:
        return "n/a"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.{digits}f}"


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A GitHub Markdown table."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def emit(
    report: dict[str, Any], markdown: str, json_path: Path | None, md_path: Path | None
) -> None:
    """Print the Markdown and write the JSON / Markdown files when asked."""
    print(markdown)
    if json_path is not None:
        json_path.parent.mkdir(parents=True, exist_ok=True)
        json_path.write_text(json.dumps(report, indent=2) + "\n")
    if md_path is not None:
        md_path.parent.mkdir(parents=True, exist_ok=True)
        md_path.write_text(markdown + "\n")
