"""FID statistics throughput: an image folder (decoding overlapped or not) vs images in memory.

Rows (images/s over the whole pass, the median of ``--repeats`` passes after a warm-up
pass), each computing the pool3 statistics of ``--images`` CelebA-like JPEGs (178×218)
with gankit's InceptionV3 (random weights: the speed does not depend on them; nothing is
downloaded):

- ``memory``: the decoded uint8 images as one tensor (:func:`gankit.metrics.compute_statistics`);
- ``folder, workers=0``: :class:`gankit.metrics.ImageFiles` decoded in the main process,
  between Inception batches (what ``gankit fid --workers 0`` does);
- ``folder, workers=N``: decoding in ``N`` ``DataLoader`` workers, overlapped with the
  Inception forward passes (``gankit fid``'s default, ``N = min(4, cores)``).

Images go to Inception at their own size (178×218), as ``gankit fid`` does by default.
Run from the repository root, e.g.
``python benchmarks/fid_throughput.py --images 200 --json fid.json``.
"""

from __future__ import annotations

import argparse
import functools
import sys
import tempfile
import warnings
from pathlib import Path
from typing import Any

import bench_utils as bu
import torch
from torch.utils.data import DataLoader

from gankit.metrics import (
    FIDInceptionV3,
    ImageFiles,
    InceptionFeatureExtractor,
    compute_statistics,
    stack_images,
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0], allow_abbrev=False)
    parser.add_argument("--images", type=int, default=200, help="JPEGs per pass (default 200)")
    parser.add_argument("--batch-size", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workers", type=bu.csv_list, default=["0", str(min(4, bu.cpu_cores()))])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--quick", action="store_true", help="tiny sizes for a smoke test")
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--markdown", type=Path, default=None)
    args = parser.parse_args(argv)
    if args.quick:
        args.images, args.batch_size, args.repeats, args.workers = 4, 2, 1, ["0", "1"]
    device = bu.resolve_device(args.device)
    torch.manual_seed(0)
    extractor = InceptionFeatureExtractor(FIDInceptionV3(), source="random init").to(device)
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # n < 2048: the rank warning, expected here
        folder = Path(tmp) / "jpegs"
        bu.write_jpegs(folder, args.images)
        files = ImageFiles(folder)
        in_memory = torch.stack([files[i] for i in range(len(files))])

        def memory() -> None:
            compute_statistics(in_memory, extractor, device=device, batch_size=args.batch_size)

        def from_folder(workers: int) -> None:
            loader = DataLoader(
                files,
                batch_size=args.batch_size,
                num_workers=workers,
                collate_fn=functools.partial(stack_images, convention="pytorch-fid"),
                pin_memory=device.type == "cuda",
            )
            compute_statistics(loader, extractor, device=device)

        cases = [("memory", memory)] + [
            (f"folder, workers={w}", functools.partial(from_folder, int(w))) for w in args.workers
        ]
        for name, fn in cases:
            fn()  # warm-up (and worker start-up caches)
            seconds = bu.median([bu.time_call(fn, device) for _ in range(args.repeats)])
            rows.append({"name": name, "images_per_s": args.images / seconds, "status": "ok"})
    env = bu.environment(device)
    table = bu.markdown_table(
        ["source", "images/s"], [[r["name"], bu.fmt(r["images_per_s"])] for r in rows]
    )
    header = (
        f"FID statistics of {args.images} JPEGs (178x218, own size -> 299), batch "
        f"{args.batch_size}, {env['device_name']}, torch {env['torch']}, "
        f"{env['torch_threads']} torch threads, {env['cpu_cores']} cores, {env['date']}"
    )
    report = {**env, "images": args.images, "batch_size": args.batch_size, "rows": rows}
    bu.emit(report, header + "\n\n" + table, args.json, args.markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
