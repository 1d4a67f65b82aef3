"""Draw docs/_static/figures/quality-dcgan-1k.png from a run of benchmarks/quality.py.

The generator samples of the ``dcgan`` recipe trained on 1,000 ToyFaces (seed 0) without
augmentation, with DiffAugment and with ADA, side by side. Run from the repository root
after the benchmark (its per-run grids are not kept in the repository):
``python docs/make_quality_figure.py benchmarks/results/2026-12-02-quality-cpu``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import torch
from torchvision.io import ImageReadMode, decode_image
from torchvision.utils import make_grid, save_image

OUT = Path(__file__).parent / "_static" / "figures" / "quality-dcgan-1k.png"
RUNS = ("dcgan-none-n1000-s0", "dcgan-diffaug-n1000-s0", "dcgan-ada-n1000-s0")


def main(results: str) -> None:
    per_run = Path(results) / "per-run"
    missing = [name for name in RUNS if not (per_run / f"{name}.png").is_file()]
    if missing:
        raise SystemExit(f"no {', '.join(missing)} grid(s) in {per_run}: run the benchmark first")
    grids = [decode_image(str(per_run / f"{name}.png"), ImageReadMode.RGB) for name in RUNS]
    OUT.parent.mkdir(parents=True, exist_ok=True)
    figure = make_grid(torch.stack(grids).float() / 255, nrow=3, padding=12, pad_value=1.0)
    save_image(figure, OUT)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: python docs/make_quality_figure.py RESULTS_DIR")
    main(sys.argv[1])
