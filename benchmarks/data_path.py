"""Data-path throughput: JPEG decoding, cache building, the DeviceLoader, FID features.

Rows (images/s; the median of ``--repeats`` passes after a warm-up pass):

- ``decode``: JPEG (178×218, CelebA-like) -> centre crop -> resize, in this process on one
  intra-op thread, i.e. per CPU core: PIL + ``torchvision.transforms`` (the reference
  DataLoader's pipeline), :func:`gankit.data.load_image`, and
  ``torchvision.io.decode_jpeg`` + :func:`gankit.data.preprocess`; on CUDA also
  ``decode_jpeg`` on the GPU, batched.
- ``cache``: :func:`gankit.data.prepare_cache` over the JPEG folder with 1 worker and with
  every core (process start-up included, as a user would see it).
- ``loader``: an epoch of :class:`gankit.data.DeviceLoader` batches over a uint8 block on
  the device (CelebA-sized on CUDA).
- ``fid``: pool3 features of 64×64 images with gankit.metrics' InceptionV3 (random
  weights: the speed does not depend on them; nothing is downloaded).

Run from the repository root, e.g. ``python benchmarks/data_path.py --json dp.json``.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import bench_utils as bu
import torch
from torch import Tensor

from gankit.data import DeviceLoader, load_image, prepare_cache, preprocess

QUICK = {
    "images": 48,
    "repeats": 1,
    "loader_images": 256,
    "batch_size": 32,
    "fid_batch": 1,
    "fid_batches": 1,
    "cache_workers": ["1"],
}
GROUPS = ("decode", "cache", "loader", "fid")


@contextlib.contextmanager
def one_thread() -> Iterator[None]:
    """Run torch ops on one intra-op thread (per-core rates)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def best_of(fn: Callable[[], object], repeats: int, device: torch.device) -> float:
    """Median seconds of ``repeats`` calls of ``fn`` after one untimed call."""
    fn()
    return bu.median([bu.time_call(fn, device) for _ in range(repeats)])


def row(
    group: str, name: str, images: int, seconds: float, per: str, note: str = ""
) -> dict[str, Any]:
    return {
        "group": group,
        "name": name,
        "images_per_s": images / seconds,
        "per": per,
        "status": "ok",
        "note": note,
    }


def skipped(group: str, name: str, note: str) -> dict[str, Any]:
    return {
        "group": group,
        "name": name,
        "images_per_s": None,
        "per": "",
        "status": "skipped",
        "note": note,
    }


def _decode_all(fn: Callable[[Path], Tensor], files: list[Path]) -> None:
    for path in files:
        fn(path)


def decode_rows(
    files: list[Path], size: int, repeats: int, device: torch.device
) -> list[dict[str, Any]]:
    import torchvision.transforms as T
    from PIL import Image
    from torchvision.io import decode_jpeg, read_file

    reference = T.Compose(
        [T.Resize(size), T.CenterCrop(size), T.ToTensor(), T.Normalize((0.5,) * 3, (0.5,) * 3)]
    )

    def pil(path: Path) -> Tensor:
        with Image.open(path) as image:
            out: Tensor = reference(image.convert("RGB"))
        return out

    def torchvision_io(path: Path) -> Tensor:
        return preprocess(decode_jpeg(read_file(str(path))), size, "full")

    pipelines: dict[str, Callable[[Path], Tensor]] = {
        "PIL decode + torchvision.transforms (ref-jpeg's pipeline)": pil,
        "gankit.data.load_image (PIL decode, tensor crop/resize)": lambda p: load_image(p, size),
        "torchvision.io.decode_jpeg + gankit.data.preprocess": torchvision_io,
    }
    rows = []
    cpu = torch.device("cpu")
    with one_thread(), warnings.catch_warnings():
        # torchvision >= 0.29 deprecates torchvision.io's decoders (in favour of TorchCodec)
        warnings.simplefilter("ignore", DeprecationWarning)
        for name, fn in pipelines.items():
            seconds = best_of(functools.partial(_decode_all, fn, files), repeats, cpu)
            rows.append(row("decode", name, len(files), seconds, "core"))
        if device.type == "cuda":
            rows.append(gpu_decode_row(files, size, repeats, device))
    return rows


def gpu_decode_row(
    files: list[Path], size: int, repeats: int, device: torch.device
) -> dict[str, Any]:
    from torchvision.io import decode_jpeg, read_file
    from torchvision.transforms.v2 import functional as F

    data = [read_file(str(p)) for p in files]
    batch = 256

    def decode_all() -> None:
        for i in range(0, len(data), batch):
            images = torch.stack(decode_jpeg(data[i : i + batch], device=device))
            side = min(images.shape[-2:])
            F.resize(F.center_crop(images, [side, side]), [size, size], antialias=True)

    seconds = best_of(decode_all, repeats, device)
    return row(
        "decode",
        f"torchvision.io.decode_jpeg on {device} (batches of {batch}) + crop/resize",
        len(files),
        seconds,
        "GPU",
    )


def cache_rows(folder: Path, size: int, tmp: Path, counts: list[str]) -> list[dict[str, Any]]:
    """prepare_cache per worker count; workers=1 also with the caller on one torch thread.

    With ``workers=1`` the images are decoded in this process with its intra-op thread
    count (worker processes use one thread each), so both settings are shown.
    """
    n = len(list(folder.glob("*.jpg")))
    cores = bu.cpu_cores()
    chunk = max(16, min(512, -(-n // (2 * cores))))  # every worker gets chunks
    runs: list[tuple[int, bool]] = []
    for workers in sorted({cores if c == "all" else int(c) for c in counts}):
        runs += [(1, False), (1, True)] if workers == 1 else [(workers, False)]
    rows = []
    for k, (workers, single) in enumerate(runs):
        out = tmp / f"cache-{k}.npy"
        threads = 1 if single else torch.get_num_threads()
        with one_thread() if single else contextlib.nullcontext():
            start = time.perf_counter()
            prepare_cache(
                folder, out, image_size=size, workers=workers, chunk_size=chunk, progress=False
            )
            seconds = time.perf_counter() - start
        if workers > 1:
            name, note = f"workers={workers}", f"chunk_size={chunk}; includes worker start-up"
        else:
            name, note = f"workers=1, caller at {threads} torch thread(s)", "decodes in-process"
        per = f"process ({workers} worker{'s' if workers > 1 else ''})"
        rows.append(row("cache", f"gankit.data.prepare_cache, {name}", n, seconds, per, note))
    return rows


def loader_row(n: int, size: int, batch: int, repeats: int, device: torch.device) -> dict[str, Any]:
    loader = DeviceLoader(bu.toy_block(n, size), batch, device=device)
    epochs = max(1, 50 // len(loader))

    def run() -> None:
        for _ in range(epochs):
            for _batch in loader:
                pass

    seconds = best_of(run, repeats, device)
    images = epochs * len(loader) * batch
    batches_per_s = epochs * len(loader) / seconds
    note = f"{n} images of {size}px, batch {batch}: {batches_per_s:,.0f} batches/s"
    return row(
        "loader", "gankit.data.DeviceLoader (gather + to float)", images, seconds, str(device), note
    )


def fid_row(batch: int, batches: int, repeats: int, device: torch.device) -> dict[str, Any]:
    name = "FID pool3 features, 64×64 -> 299×299 InceptionV3 (random weights)"
    try:
        from gankit.metrics import FIDInceptionV3, InceptionFeatureExtractor

        extractor = InceptionFeatureExtractor(
            FIDInceptionV3(classifier=False), source="random init"
        )
    except (ImportError, AttributeError, TypeError) as error:
        return skipped("fid", name, f"gankit.metrics has no usable extractor: {error}")
    extractor = extractor.to(device)
    images = torch.rand(batch, 3, 64, 64, device=device) * 2 - 1

    def run() -> None:
        with torch.no_grad():
            for _ in range(batches):
                extractor(images)

    seconds = best_of(run, repeats, device)
    return row("fid", name, batch * batches, seconds, str(device), f"batch {batch}, fp32")


def markdown(report: dict[str, Any]) -> str:
    meta = report["meta"]
    head = (
        f"Device: {meta['device_name']} · torch {meta['torch']} · gankit {meta['gankit']} · "
        f"{meta['date']}\nCommand: `{meta['command']}`\n\n"
    )
    rows = [
        [
            r["group"],
            r["name"],
            bu.fmt(r["images_per_s"]),
            r["per"],
            r["note"] if r["status"] == "ok" else f"{r['status']}: {r['note']}",
        ]
        for r in report["results"]
    ]
    return head + bu.markdown_table(["group", "what", "images/s", "per", "note"], rows)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0] if __doc__ else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add = parser.add_argument
    add("--device", default="auto", help="'auto' (CUDA if available), 'cpu', 'cuda', ...")
    add(
        "--groups", type=bu.csv_list, default=list(GROUPS), help=f"comma list of {','.join(GROUPS)}"
    )
    add("--images", type=int, help="JPEG files to write and decode (default 2048 CPU, 8192 CUDA)")
    add("--image-size", type=int, default=64, help="output side in pixels")
    add("--threads", type=int, help="torch intra-op threads (default: torch's choice)")
    add("--repeats", type=int, help="timed passes per row, median reported (default 3)")
    add(
        "--cache-workers",
        type=bu.csv_list,
        help="prepare_cache worker counts, 'all' = every core (default 1,all; --quick: 1)",
    )
    add(
        "--loader-images",
        type=int,
        help="images in the DeviceLoader block (default 8192 CPU; 202599 = CelebA on CUDA)",
    )
    add("--batch-size", type=int, help="DeviceLoader batch size (default 128)")
    add("--fid-batch", type=int, help="FID extraction batch (default 8 CPU, 200 CUDA)")
    add("--fid-batches", type=int, help="batches per timed FID pass (default 2 CPU, 10 CUDA)")
    add("--quick", action="store_true", help="CI smoke test: tiny sizes, one pass, seconds")
    add("--json", type=Path, help="write the report here")
    add("--markdown", type=Path, help="write the Markdown table here")
    args = parser.parse_args(argv)
    bad = [g for g in args.groups if g not in GROUPS]
    if bad:
        parser.error(f"unknown groups {bad}; choose from {GROUPS}")
    return args


def resolve(args: argparse.Namespace, device: torch.device) -> None:
    cuda = device.type == "cuda"
    defaults: dict[str, Any] = {
        "images": 8192 if cuda else 2048,
        "repeats": 3,
        "cache_workers": ["1", "all"],
        "loader_images": 202_599 if cuda else 8192,
        "batch_size": 128,
        "fid_batch": 200 if cuda else 8,
        "fid_batches": 10 if cuda else 2,
    }
    if args.quick:
        defaults.update(QUICK)
    for key, value in defaults.items():
        if getattr(args, key) is None:
            setattr(args, key, value)


def run_group(
    group: str, args: argparse.Namespace, files: list[Path], tmp: Path, device: torch.device
) -> list[dict[str, Any]]:
    """The rows of one benchmark group."""
    if group == "decode":
        return decode_rows(files, args.image_size, args.repeats, device)
    if group == "cache":
        return cache_rows(tmp / "jpeg", args.image_size, tmp, args.cache_workers)
    if group == "loader":
        size, batch = args.image_size, args.batch_size
        return [loader_row(args.loader_images, size, batch, args.repeats, device)]
    return [fid_row(args.fid_batch, args.fid_batches, args.repeats, device)]


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Run the data-path benchmark; returns the report (also printed / written)."""
    args = parse_args(argv)
    device = bu.resolve_device(args.device)
    resolve(args, device)
    if args.threads:
        torch.set_num_threads(args.threads)
    report: dict[str, Any] = {"meta": bu.environment(device), "config": vars(args).copy()}
    for key in ("json", "markdown"):
        report["config"].pop(key)
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="gankit-data-bench-") as name:
        tmp = Path(name)
        files = []
        if {"decode", "cache"} & set(args.groups):
            files = bu.write_jpegs(tmp / "jpeg", args.images)
        for group in args.groups:
            print(f"[{group}]", file=sys.stderr, flush=True)
            try:
                rows += run_group(group, args, files, tmp, device)
            except Exception as error:  # report the failure and go on with the other groups
                note = f"{type(error).__name__}: {error}"[:300]
                rows.append({**skipped(group, group, note), "status": "error"})
                print(f"[{group}] failed: {note}", file=sys.stderr)
    report["results"] = rows
    bu.emit(report, markdown(report), args.json, args.markdown)
    return report


if __name__ == "__main__":
    main()
