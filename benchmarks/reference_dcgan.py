"""The plain-PyTorch baseline: the canonical DCGAN training loop, written out by hand.

This mirrors what most DCGAN tutorials do (the PyTorch ``examples/dcgan`` recipe):
``nn.Sequential`` nets whose discriminator ends in ``nn.Sigmoid``, ``nn.BCELoss``, Adam
(2e-4, betas 0.5/0.999), normal(0, 0.02) init, the generator run once per step and its
output reused (detached) for the discriminator, two discriminator backward passes (real,
then fake), and ``.item()`` on the losses and mean outputs every step. Data comes either
from JPEG files through a ``DataLoader`` with worker processes (decode, resize the short
side, centre-crop, ``ToTensor``, ``Normalize``) or from a pre-normalised float tensor
already on the device. Nothing here uses gankit.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import torch
from torch import Tensor, nn
from torch.utils.data import DataLoader, Dataset, RandomSampler

PRESETS = ("dcgan64", "celeba32")
LATENT = 100


def _dcgan64_nets(width: int = 64) -> tuple[nn.Module, nn.Module]:
    w = width
    generator = nn.Sequential(
        nn.ConvTranspose2d(LATENT, w * 8, 4, 1, 0, bias=False),
        nn.BatchNorm2d(w * 8),
        nn.ReLU(True),
        nn.ConvTranspose2d(w * 8, w * 4, 4, 2, 1, bias=False),
        nn.BatchNorm2d(w * 4),
        nn.ReLU(True),
        nn.ConvTranspose2d(w * 4, w * 2, 4, 2, 1, bias=False),
        nn.BatchNorm2d(w * 2),
        nn.ReLU(True),
        nn.ConvTranspose2d(w * 2, w, 4, 2, 1, bias=False),
        nn.BatchNorm2d(w),
        nn.ReLU(True),
        nn.ConvTranspose2d(w, 3, 4, 2, 1, bias=False),
        nn.Tanh(),
    )
    discriminator = nn.Sequential(
        nn.Conv2d(3, w, 4, 2, 1, bias=False),
        nn.LeakyReLU(0.2, inplace=True),
        nn.Conv2d(w, w * 2, 4, 2, 1, bias=False),
        nn.BatchNorm2d(w * 2),
        nn.LeakyReLU(0.2, inplace=True),
        nn.Conv2d(w * 2, w * 4, 4, 2, 1, bias=False),
        nn.BatchNorm2d(w * 4),
        nn.LeakyReLU(0.2, inplace=True),
        nn.Conv2d(w * 4, w * 8, 4, 2, 1, bias=False),
        nn.BatchNorm2d(w * 8),
        nn.LeakyReLU(0.2, inplace=True),
        nn.Conv2d(w * 8, 1, 4, 1, 0, bias=False),
        nn.Sigmoid(),
    )
    return generator, discriminator


def _celeba32_nets(width: int = 32) -> tuple[nn.Module, nn.Module]:
    w = width
    generator = nn.Sequential(
        nn.Linear(LATENT, w * 8 * 2 * 2),
        nn.Unflatten(1, (w * 8, 2, 2)),
        nn.ConvTranspose2d(w * 8, w * 4, 4, 2, 1, bias=False),
        nn.BatchNorm2d(w * 4),
        nn.ReLU(True),
        nn.ConvTranspose2d(w * 4, w * 2, 4, 2, 1, bias=False),
        nn.BatchNorm2d(w * 2),
        nn.ReLU(True),
        nn.ConvTranspose2d(w * 2, w, 4, 2, 1, bias=False),
        nn.BatchNorm2d(w),
        nn.ReLU(True),
        nn.ConvTranspose2d(w, 3, 4, 2, 1, bias=False),
        nn.Tanh(),
    )
    discriminator = nn.Sequential(
        nn.Conv2d(3, w, 4, 2, 1, bias=False),
        nn.LeakyReLU(0.2, inplace=True),
        nn.Conv2d(w, w * 2, 4, 2, 1, bias=False),
        nn.BatchNorm2d(w * 2),
        nn.LeakyReLU(0.2, inplace=True),
        nn.Conv2d(w * 2, w * 4, 4, 2, 1, bias=False),
        nn.BatchNorm2d(w * 4),
        nn.LeakyReLU(0.2, inplace=True),
        nn.Conv2d(w * 4, w * 8, 4, 2, 1, bias=False),
        nn.BatchNorm2d(w * 8),
        nn.LeakyReLU(0.2, inplace=True),
        nn.Flatten(),
        nn.Linear(w * 8 * 2 * 2, 1),
        nn.Sigmoid(),
    )
    return generator, discriminator


def _init_weights(module: nn.Module) -> None:
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d)):
        nn.init.normal_(module.weight, 0.0, 0.02)
    elif isinstance(module, nn.BatchNorm2d):
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)


def image_size(preset: str) -> int:
    """Side of the images a preset trains on."""
    return {"dcgan64": 64, "celeba32": 32}[preset]


class ReferenceDCGAN:
    """Nets, optimizers and the per-step loop of the canonical DCGAN example.

    Args:
        preset: ``"dcgan64"`` (the canonical 64×64 DCGAN) or ``"celeba32"`` (the 32×32
            seed nets: linear stem / linear head).
        device: where the nets live.
    """

    def __init__(self, preset: str, device: torch.device) -> None:
        build = {"dcgan64": _dcgan64_nets, "celeba32": _celeba32_nets}[preset]
        generator, discriminator = build()
        generator.apply(_init_weights)
        discriminator.apply(_init_weights)
        self.G = generator.to(device)
        self.D = discriminator.to(device)
        self.device = device
        self.noise_shape: tuple[int, ...] = (LATENT, 1, 1) if preset == "dcgan64" else (LATENT,)
        self.criterion = nn.BCELoss()
        self.opt_d = torch.optim.Adam(self.D.parameters(), lr=2e-4, betas=(0.5, 0.999))
        self.opt_g = torch.optim.Adam(self.G.parameters(), lr=2e-4, betas=(0.5, 0.999))
        self.last: tuple[float, ...] = ()

    def step(self, real: Tensor) -> tuple[float, float]:
        """One discriminator and one generator update; returns ``(loss_d, loss_g)``."""
        real = real.to(self.device)
        b = real.shape[0]
        # (1) discriminator: maximise log D(x) + log(1 - D(G(z)))
        self.D.zero_grad()
        label = torch.full((b,), 1.0, device=self.device)
        out = self.D(real).view(-1)
        loss_real = self.criterion(out, label)
        loss_real.backward()
        d_x = out.mean().item()
        noise = torch.randn(b, *self.noise_shape, device=self.device)
        fake = self.G(noise)
        label.fill_(0.0)
        out = self.D(fake.detach()).view(-1)
        loss_fake = self.criterion(out, label)
        loss_fake.backward()
        d_g_z1 = out.mean().item()
        loss_d = loss_real + loss_fake
        self.opt_d.step()
        # (2) generator: maximise log D(G(z))
        self.G.zero_grad()
        label.fill_(1.0)
        out = self.D(fake).view(-1)
        loss_g = self.criterion(out, label)
        loss_g.backward()
        d_g_z2 = out.mean().item()
        self.opt_g.step()
        # the example prints these every step
        self.last = (loss_d.item(), loss_g.item(), d_x, d_g_z1, d_g_z2)
        return self.last[0], self.last[1]


class JpegFaces(Dataset[tuple[Tensor, int]]):
    """JPEG files -> ``(image in [-1, 1], 0)``: PIL decode, resize, centre crop, normalise."""

    def __init__(self, files: Sequence[Path], size: int) -> None:
        import torchvision.transforms as T

        self.files = list(files)
        self.transform = T.Compose(
            [
                T.Resize(size),
                T.CenterCrop(size),
                T.ToTensor(),
                T.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5)),
            ]
        )

    def __len__(self) -> int:
        return len(self.files)

    def __getitem__(self, index: int) -> tuple[Tensor, int]:
        from PIL import Image

        with Image.open(self.files[index]) as image:
            tensor: Tensor = self.transform(image.convert("RGB"))
        return tensor, 0


def jpeg_batches(
    files: Sequence[Path], size: int, batch_size: int, workers: int, seed: int = 0
) -> tuple[DataLoader[tuple[Tensor, int]], Iterator[Tensor]]:
    """A shuffling JPEG ``DataLoader`` (persistent workers) and an endless batch iterator.

    The sampler chains permutations without epoch boundaries, so a small folder behaves
    like a large data set (no worker restart bubbles between epochs).
    """
    dataset = JpegFaces(files, size)
    sampler = RandomSampler(
        dataset, num_samples=len(dataset) * 100_000, generator=torch.Generator().manual_seed(seed)
    )
    loader = DataLoader(
        dataset,
        batch_size=batch_size,
        sampler=sampler,
        num_workers=workers,
        persistent_workers=workers > 0,
        drop_last=True,
    )
    return loader, (images for images, _ in loader)


def memory_batches(
    block: Tensor, batch_size: int, device: torch.device, seed: int = 0
) -> Iterator[Tensor]:
    """Endless batches sliced from a pre-normalised float copy of ``block`` on ``device``.

    Each epoch visits the ``len(block) // batch_size`` contiguous slices in a random
    order; a slice is a view, so feeding costs nothing.
    """
    data = (block.to(device).float() / 127.5 - 1.0).contiguous()
    n = len(data) // batch_size
    generator = torch.Generator().manual_seed(seed)
    while True:
        for i in torch.randperm(n, generator=generator).tolist():
            yield data[i * batch_size : (i + 1) * batch_size]
