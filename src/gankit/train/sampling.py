"""The one sampling path: eval mode and back, chunks, fixed-seed noise, a stated precision.

Every way gankit draws images from a generator goes through :func:`~gankit.train.generate`:
:meth:`gankit.Trainer.sample` (and so :class:`~gankit.train.hooks.SampleGrid`), the
``gankit sample`` and ``gankit fid`` commands and the
:class:`~gankit.train.hooks.FIDEvaluation` hook (through :func:`~gankit.train.sample_stream`).

The policy, in one place:

- the generator runs in **eval mode** (BatchNorm uses its running statistics) under
  ``torch.no_grad()``, and is put back in the mode it was in, also after an error;
- noise comes from a private CPU :class:`torch.Generator`, so a seed gives the same
  samples on every device and the training RNGs are untouched;
- **precision**: float32 unless ``autocast`` names a dtype (``torch.bfloat16`` or
  ``torch.float16``); samples are always returned as float32. Training precision does not
  leak into sampling: a model trained under bf16 autocast is evaluated in float32 unless
  asked otherwise, so FID does not change with the training precision setting;
- the work is split into chunks of ``batch_size`` so memory stays bounded.
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Callable

import torch
from torch import Tensor, nn

__all__ = ["generate", "latent_noise", "sample_stream"]
_NOISE_CHUNK = 256  # rows of noise drawn at a time by sample_stream


def latent_noise(n: int, latent_dim: int, *, seed: int | None = None) -> Tensor:
    """Draw ``(n, latent_dim)`` standard normal noise from a private CPU generator.

    Args:
        n: number of vectors.
        latent_dim: size of each vector.
        seed: the generator's seed; ``None`` draws one from the OS.

    Returns:
        A float32 CPU tensor.

    Example:
        >>> torch.equal(latent_noise(3, 2, seed=1), latent_noise(3, 2, seed=1))
        True
    """
    gen = torch.Generator(device="cpu")
    gen.manual_seed(seed if seed is not None else secrets.randbits(63))
    return torch.randn(n, latent_dim, generator=gen)


@torch.no_grad()
def generate(
    generator: nn.Module,
    z: Tensor,
    labels: Tensor | None = None,
    *,
    device: torch.device | str | None = None,
    batch_size: int = 256,
    autocast: torch.dtype | None = None,
) -> Tensor:
    """Run ``generator`` on noise ``z`` (and ``labels``) in eval mode, chunk by chunk.

    Args:
        generator: maps ``(b, latent_dim)`` noise (and ``(b,)`` labels) to samples.
        z: the noise, ``(n, latent_dim)``, on any device.
        labels: ``(n,)`` class labels for a conditional generator, or ``None``.
        device: where to run; default the device of the generator's first parameter
            (or of ``z`` for a generator without parameters).
        batch_size: samples per forward pass.
        autocast: a reduced-precision dtype to run under ``torch.autocast``, or
            ``None`` for float32.

    Returns:
        ``(n, ...)`` float32 samples on ``device``.

    Raises:
        ValueError: if ``batch_size`` is not positive or ``labels`` do not match ``z``.

    Example:
        >>> G = torch.nn.Sequential(torch.nn.Linear(4, 2), torch.nn.BatchNorm1d(2))
        >>> out = generate(G, torch.randn(5, 4), batch_size=2)
        >>> out.shape, G.training
        (torch.Size([5, 2]), True)
    """
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"generate: batch_size must be an int >= 1, got {batch_size!r}")
    if labels is not None and labels.shape[:1] != z.shape[:1]:
        raise ValueError(
            f"generate: labels must have one entry per noise vector ({z.shape[0]}), "
            f"got shape {tuple(labels.shape)}"
        )
    if device is None:
        first = next(iter(generator.parameters()), None)
        device = first.device if first is not None else z.device
    device = torch.device(device)
    if autocast is None:
        precision: contextlib.AbstractContextManager[object] = contextlib.nullcontext()
    else:
        precision = torch.autocast(device.type, dtype=autocast)
    was_training = generator.training
    generator.eval()
    try:
        chunks = []
        for i in range(0, z.shape[0], batch_size):
            args = [] if labels is None else [labels[i : i + batch_size].to(device)]
            with precision:
                chunks.append(generator(z[i : i + batch_size].to(device), *args).float())
    finally:
        generator.train(was_training)
    return torch.cat(chunks)


def sample_stream(
    generator: nn.Module,
    *,
    latent_dim: int,
    num_classes: int = 0,
    device: torch.device | str = "cpu",
    seed: int = 0,
    autocast: torch.dtype | None = None,
) -> Callable[[int], Tensor]:
    """Return ``draw(b)``: the next ``b`` samples of a fixed-seed stream from ``generator``.

    The noise comes from a private CPU generator seeded with ``seed``; conditional
    generators get labels cycling through ``0 .. num_classes - 1``. Each call goes
    through :func:`generate` (eval mode, float32 unless ``autocast``). Used by the FID
    hook and the ``gankit`` command.

    Args:
        generator: maps ``(b, latent_dim)`` noise (and ``(b,)`` labels) to samples.
        latent_dim: size of the noise vector.
        num_classes: classes of a conditional generator (0: unconditional).
        device: where the samples are made.
        seed: seed of the stream.
        autocast: see :func:`generate`.

    Returns:
        A function of the batch size.

    Example:
        >>> G = torch.nn.Linear(4, 2)
        >>> draw = sample_stream(G, latent_dim=4, seed=1)
        >>> a = draw(3); b = sample_stream(G, latent_dim=4, seed=1)(3)
        >>> torch.equal(a, b), a.shape
        (True, torch.Size([3, 2]))
    """
    gen = torch.Generator().manual_seed(seed)
    count = 0
    buffer = torch.empty(0, latent_dim)

    def draw(b: int) -> Tensor:
        nonlocal count, buffer
        # torch.randn's CPU stream depends on the sizes drawn (vectorized in blocks), so
        # the noise is drawn in fixed chunks and handed out row by row: sample i is the
        # same whatever the batch sizes of the calls before it
        while buffer.shape[0] < b:
            fresh = torch.randn(_NOISE_CHUNK, latent_dim, generator=gen)
            buffer = torch.cat([buffer, fresh])
        z, buffer = buffer[:b], buffer[b:]
        labels = (torch.arange(count, count + b) % num_classes) if num_classes else None
        count += b
        return generate(
            generator, z, labels, device=device, batch_size=max(b, 1), autocast=autocast
        )

    return draw
