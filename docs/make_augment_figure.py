"""Draw docs/_static/figures/augment-batch.png: ToyFaces through each DiffAugment policy.

Run from the repository root: ``python docs/make_augment_figure.py`` (seconds on a CPU).
"""

from __future__ import annotations

from pathlib import Path

import torch
from torchvision.utils import save_image

import gankit as gk

OUT = Path(__file__).parent / "_static" / "figures" / "augment-batch.png"


def main() -> None:
    torch.manual_seed(0)
    faces = gk.data.ToyFaces(8, image_size=64, seed=3).tensor().float() / 127.5 - 1
    rows = [faces]
    for policy in ("color", "translation", "cutout", "color,translation,cutout"):
        rows.append(gk.augment.DiffAugment(policy)(faces))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    save_image(torch.cat(rows), OUT, nrow=8, normalize=True, value_range=(-1, 1), padding=2)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
