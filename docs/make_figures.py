"""Train a small GAN on ToyFaces on the CPU and write the figures of the docs.

Runs the quickstart (the code between the ``[quickstart]`` markers below, shown verbatim
in ``docs/quickstart.rst``) in a temporary folder and copies its output to
``docs/_static/figures/``:

- ``toyfaces_real.png``: 64 training images of :class:`gankit.data.ToyFaces`;
- ``samples_epoch_01.png``: the generator's samples after the first epoch;
- ``samples.png``: samples from the same noise at the end of training;
- ``losses.png``: the discriminator and generator losses;
- ``crops.png`` (no training needed; ``--data-only`` makes just this and
  ``toyfaces_real.png``): the three crop presets of :mod:`gankit.data.transforms` drawn
  on a 178×218 portrait the size of an aligned CelebA image (a ToyFaces face, since no
  CelebA image may be redistributed here), and what each becomes at 64×64.

The PNGs are stored as 256-colour palette images to keep the repository small.

Everything goes through the public API, with the 32×32 nets of the seed write-ups
(:func:`gankit.models.celeba32`): 8 epochs of 8192 faces, 1024 steps of 64 images, about
eight minutes on two CPU threads::

    python docs/make_figures.py

The figures in the docs were made with exactly this command on 2026-11-26, on a CPU;
``crops.png`` with ``python docs/make_figures.py --data-only`` on 2026-12-02.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import torch
from PIL import Image
from torchvision.utils import save_image

import gankit as gk

OUT = Path(__file__).resolve().parent / "_static" / "figures"


def quickstart() -> gk.Trainer:
    """Compose a GAN and train it, writing sample grids and a loss plot to runs/quickstart."""
    # [quickstart]
    import gankit as gk
    from gankit.train import hooks

    data = gk.data.ToyFaces(8192, image_size=32, seed=0)  # embedded, no download
    loader = gk.data.DeviceLoader(data, batch_size=64, seed=0)  # uint8 block, on-device batches

    g_cfg, d_cfg = gk.models.celeba32(width=32)  # the 32x32 nets of the seed write-ups
    G = gk.models.build_generator(g_cfg)  # z (B, 100) -> images (B, 3, 32, 32) in [-1, 1]
    D = gk.models.build_discriminator(d_cfg)  # images (B, 3, 32, 32) -> logits (B,)

    trainer = gk.Trainer(
        G,
        D,
        loss=gk.losses.NonSaturating(real_target=0.9),  # BCE, one-sided label smoothing
        config=gk.TrainerConfig(device="cpu", lr_g=2e-4, betas=(0.5, 0.999), log_every=10),
        hooks=[
            hooks.EMA(decay=0.995),  # sample grids use the moving average of G
            hooks.ConsoleSummary(),  # Epoch [    1/    8] | d_loss: ... | g_loss: ...
            hooks.SampleGrid("runs/quickstart/samples", n=64, nrow=8),  # same noise each epoch
            hooks.LossPlot("runs/quickstart/losses.png"),
        ],
    )
    trainer.fit(loader, epochs=8)
    # [/quickstart]
    return trainer


def crops_figure(dst: Path) -> None:
    """Draw the crop presets on a 178x218 portrait and show their 64x64 results."""
    from PIL import ImageDraw

    face = gk.data.ToyFaces(1, image_size=178, seed=3).tensor()[0]  # uint8 (3, 178, 178)
    top = face[:, :1, :].expand(3, 20, 178)  # extend the background to 218 rows
    bottom = face[:, -1:, :].expand(3, 20, 178)
    portrait = torch.cat([top, face, bottom], dim=1).contiguous()  # (3, 218, 178)
    scale, size = 2, 64
    colors = {"full": (230, 60, 60), "face": (250, 190, 40), "dcgan": (60, 140, 250)}
    width = 178 * scale + 3 * (size * scale + 16) + 16
    canvas = Image.new("RGB", (width, 218 * scale + 40), (255, 255, 255))
    left = Image.fromarray(portrait.permute(1, 2, 0).numpy()).resize(
        (178 * scale, 218 * scale), Image.Resampling.NEAREST
    )
    canvas.paste(left, (0, 0))
    draw = ImageDraw.Draw(canvas)
    x = 178 * scale + 16
    for name, color in colors.items():
        side = gk.data.CROP_PRESETS[name] or 178
        x0, y0 = (178 - side) // 2 * scale, (218 - side) // 2 * scale
        draw.rectangle([x0, y0, x0 + side * scale - 1, y0 + side * scale - 1], outline=color,
                       width=3)  # fmt: skip
        crop = gk.data.preprocess(portrait, size, name)
        tile = Image.fromarray(crop.permute(1, 2, 0).numpy()).resize(
            (size * scale, size * scale), Image.Resampling.NEAREST
        )
        canvas.paste(tile, (x, 0))
        draw.rectangle([x, 0, x + size * scale - 1, size * scale - 1], outline=color, width=3)
        draw.text((x, size * scale + 6), f'crop="{name}" ({side} px)', fill=color)
        x += size * scale + 16
    draw.text((4, 218 * scale + 8), "178x218 portrait (the size of aligned CelebA)", fill=(0, 0, 0))
    canvas.save(dst, optimize=True)


def small_png(src: Path, dst: Path) -> None:
    """Copy a PNG as a 256-colour palette image (a third of the size, same look)."""
    with Image.open(src) as image:
        palette = image.convert("RGB").quantize(colors=256, dither=Image.Dither.NONE)
    palette.save(dst, optimize=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads (2)")
    parser.add_argument("--out", type=Path, default=OUT, help="output folder")
    parser.add_argument(
        "--data-only", action="store_true", help="only the data figures (no training)"
    )
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    crops_figure(out / "crops.png")
    if args.data_only:
        real = gk.data.ToyFaces(64, image_size=32, seed=0).tensor()
        save_image(gk.data.uint8_to_float(real), out / "toyfaces_real.png", nrow=8,
                   normalize=True, value_range=(-1, 1))  # fmt: skip
        small_png(out / "toyfaces_real.png", out / "toyfaces_real.png")
        return

    start, cwd = time.perf_counter(), Path.cwd()
    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)
        try:
            real = gk.data.ToyFaces(64, image_size=32, seed=0).tensor()
            save_image(gk.data.uint8_to_float(real), "real.png", nrow=8, normalize=True,
                       value_range=(-1, 1))  # fmt: skip
            trainer = quickstart()
            run = Path("runs/quickstart")
            for src, name in [
                ("real.png", "toyfaces_real.png"),
                (run / "samples" / "epoch-0001.png", "samples_epoch_01.png"),
                (run / "samples" / "final.png", "samples.png"),
                (run / "losses.png", "losses.png"),
            ]:
                small_png(Path(src), out / name)
        finally:
            os.chdir(cwd)
    minutes = (time.perf_counter() - start) / 60
    print(f"{trainer.state.step} steps, {trainer.state.images_seen} images, {minutes:.1f} min")
    for png in sorted(out.glob("*.png")):
        print(f"{png}: {png.stat().st_size / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
