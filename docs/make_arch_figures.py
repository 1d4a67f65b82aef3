"""Write the figures of the architecture, models and losses guides.

- ``arch-samples-sngan.png``, ``arch-samples-sagan.png``, ``arch-samples-r3gan.png``:
  samples of the ``sngan32``, ``sagan32`` (the SAGAN preset at 32×32 with the ``sagan64``
  recipe's settings) and ``r3gan32`` recipes trained briefly on ToyFaces at 32×32, with
  the nets made narrower so that a CPU trains them in minutes (the code between the
  ``[train]`` markers, shown verbatim in ``docs/guide/architectures.rst``);
- ``arch-widths.png``: the width of every stage of the 64×64 presets;
- ``arch-loss-curves.png``: per-sample loss terms against the logit (or logit
  difference) for the built-in losses.

Everything goes through the public API::

    python docs/make_arch_figures.py

The figures in the docs were made with exactly this command on 2026-12-02 on a shared
two-core x86-64 machine without a GPU: 40 minutes of wall time while other jobs kept the
load average between 7 and 15, about 13 CPU-minutes in all (SNGAN 29.3, SAGAN 4.0, R3GAN
6.1 minutes of wall time), so roughly 7 minutes on two idle cores.

The PNGs are stored as 256-colour palette images to keep the repository small.
"""

from __future__ import annotations

import argparse
import io
import time
from pathlib import Path

import torch

import gankit as gk

OUT = Path(__file__).resolve().parent / "_static" / "figures"

# Narrower nets for a CPU: (generator overrides, discriminator overrides) per recipe.
NARROW: dict[str, dict[str, object]] = {
    "sngan32": {"width": 12},
    "sagan32": {"width": 4, "max_width": 64},
    "r3gan32": {"widths": (16, 16, 16, 16), "cardinalities": (4, 4, 4, 4)},
}
STEPS = {"sngan32": 100, "sagan32": 60, "r3gan32": 40}


def train(name: str, steps: int, *, batch_size: int = 32, faces: int = 4096) -> gk.Trainer:
    """Train recipe ``name`` (narrowed by ``NARROW``) on ToyFaces at 32x32."""
    # [train]
    import dataclasses

    import gankit as gk

    if name == "sagan32":  # the SAGAN preset at 32x32 with the sagan64 recipe's settings
        g_cfg, d_cfg = gk.models.sagan(32)
        recipe = dataclasses.replace(
            gk.recipes.recipe("sagan64"), generator=g_cfg, discriminator=d_cfg
        )
    else:
        recipe = gk.recipes.recipe(name)  # nets, loss, regularizer, optimizer settings, hooks
    narrow = NARROW[name]  # e.g. {"width": 16}: fewer channels, same layout
    G = gk.models.build(dataclasses.replace(recipe.generator, **narrow))
    D = gk.models.build(dataclasses.replace(recipe.discriminator, **narrow))

    data = gk.data.ToyFaces(faces, image_size=32, seed=0)
    loader = gk.data.DeviceLoader(data, batch_size=batch_size, seed=0)
    trainer = gk.Trainer(
        G,
        D,
        loss=recipe.loss,  # hinge (SNGAN, SAGAN) or relativistic pairing (R3GAN)
        regularizer=recipe.regularizer,  # R1 + R2 for R3GAN, else None
        config=recipe.trainer_config(device="cpu", log_every=10),
        hooks=[*recipe.make_hooks(), gk.train.hooks.EMA(decay=0.99)],
    )
    trainer.fit(loader, steps=steps)
    # [/train]
    return trainer


def _save(figure_or_images: object, path: Path) -> None:
    """Save a matplotlib figure or a (N, 3, H, W) batch in [-1, 1] as a palette PNG."""
    from PIL import Image

    buffer = io.BytesIO()
    if isinstance(figure_or_images, torch.Tensor):
        from torchvision.utils import save_image

        save_image(
            figure_or_images, buffer, format="png", nrow=8, normalize=True, value_range=(-1, 1)
        )
    else:
        import matplotlib.pyplot as plt

        figure_or_images.savefig(buffer, format="png", dpi=110, bbox_inches="tight")  # type: ignore[attr-defined]
        plt.close(figure_or_images)  # type: ignore[arg-type]
    buffer.seek(0)
    with Image.open(buffer) as image:
        palette = image.convert("RGB").quantize(colors=256, dither=Image.Dither.NONE)
    palette.save(path, optimize=True)


def widths_figure(path: Path) -> None:
    """Channel width of every stage of the 64x64 presets, generator and discriminator."""
    import matplotlib.pyplot as plt

    def ladder(cfg: object) -> tuple[list[int], list[int]]:
        if isinstance(cfg, gk.models.GeneratorConfig | gk.models.DiscriminatorConfig):
            widths = list(cfg.widths)
            sizes = [cfg.image_size >> k for k in range(1, cfg.stages + 1)]
            return sizes, widths
        if isinstance(cfg, gk.models.ResNetGeneratorConfig):
            return [cfg.image_size >> k for k in range(cfg.stages + 1)], [
                cfg.level_width(k) for k in range(cfg.stages + 1)
            ]
        if isinstance(cfg, gk.models.ResNetDiscriminatorConfig):
            return [cfg.image_size >> (k + 1) for k in range(cfg.stages)], [
                cfg.level_width(k) for k in range(cfg.stages)
            ]
        assert isinstance(cfg, gk.models.R3GANGeneratorConfig | gk.models.R3GANDiscriminatorConfig)
        return [4 * 2**k for k in range(len(cfg.widths))], list(cfg.widths)

    presets = {
        "DCGAN": gk.models.dcgan(64),
        "SNGAN": gk.models.sngan(64),
        "SAGAN": gk.models.sagan(64),
        "R3GAN": gk.models.r3gan(64),
    }
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.4), sharey=True)
    for (name, cfgs), marker in zip(presets.items(), "osD^", strict=True):
        for ax, cfg in zip(axes, cfgs, strict=True):
            sizes, widths = ladder(cfg)
            ax.plot(sizes, widths, marker=marker, label=name)
    for ax, title in zip(axes, ("generator", "discriminator"), strict=True):
        ax.set_xscale("log", base=2)
        ax.set_yscale("log", base=2)
        ax.set_xticks([2, 4, 8, 16, 32, 64], ["2", "4", "8", "16", "32", "64"])
        ax.set_xlabel("feature map side (pixels)")
        ax.set_title(f"{title} at 64×64")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("channels")
    axes[1].legend()
    _save(fig, path)


def loss_curves_figure(path: Path) -> None:
    """Per-sample loss terms of each loss against the logit (or the logit difference)."""
    import matplotlib.pyplot as plt

    x = torch.linspace(-4, 4, 401, dtype=torch.float64)
    L = gk.losses
    zero = torch.zeros(1, dtype=torch.float64)

    def term(fn: object, *args: torch.Tensor) -> torch.Tensor:
        return torch.stack([fn(*(a[i : i + 1] for a in args)) for i in range(len(x))])  # type: ignore[operator]

    fig, axes = plt.subplots(1, 3, figsize=(12, 3.4))
    real_terms = {
        "non-saturating / minimax": lambda v: L.non_saturating_discriminator_loss(
            v, zero.expand_as(v) - 1e9
        ),
        "hinge": lambda v: L.hinge_discriminator_loss(v, zero.expand_as(v) - 1e9),
        "least squares": lambda v: L.least_squares_discriminator_loss(v, zero.expand_as(v)),
        "Wasserstein": lambda v: L.wasserstein_discriminator_loss(v, zero.expand_as(v)),
    }
    for label, fn in real_terms.items():
        axes[0].plot(x, term(fn, x), label=label)
    axes[0].set_title("D loss on a real sample")
    axes[0].set_xlabel("D(x)")
    generator_terms = {
        "non-saturating": lambda v: L.non_saturating_generator_loss(v),
        "minimax": lambda v: L.minimax_generator_loss(v),
        "hinge / Wasserstein": lambda v: L.hinge_generator_loss(v),
        "least squares": lambda v: L.least_squares_generator_loss(v),
    }
    for label, fn in generator_terms.items():
        axes[1].plot(x, term(fn, x), label=label)
    axes[1].set_title("G loss on a fake sample")
    axes[1].set_xlabel("D(G(z))")
    axes[2].plot(
        x,
        term(lambda d: L.relativistic_pairing_discriminator_loss(d, zero), x),
        label="D: softplus(D(fake) − D(real))",
    )
    axes[2].plot(
        x,
        term(lambda d: L.relativistic_pairing_generator_loss(zero, d), x),
        label="G: softplus(D(real) − D(fake))",
    )
    axes[2].set_title("relativistic pairing (R3GAN)")
    axes[2].set_xlabel("D(real) − D(fake)")
    for ax in axes:
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
        ax.set_ylim(-4.5, 6)
    _save(fig, path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads (2)")
    parser.add_argument("--out", type=Path, default=OUT, help="output folder")
    parser.add_argument("--scale", type=float, default=1.0, help="multiply the step counts")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    widths_figure(out / "arch-widths.png")
    loss_curves_figure(out / "arch-loss-curves.png")
    for name, steps in STEPS.items():
        start = time.perf_counter()
        trainer = train(name, max(1, round(steps * args.scale)))
        samples = trainer.sample(64, seed=0).cpu()
        _save(samples, out / f"arch-samples-{name.removesuffix('32')}.png")
        minutes = (time.perf_counter() - start) / 60
        print(
            f"{name}: {trainer.state.step} steps, {trainer.state.images_seen} images, {minutes:.1f} min"
        )
    for png in sorted(out.glob("arch-*.png")):
        print(f"{png}: {png.stat().st_size / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
