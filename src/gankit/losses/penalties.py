r"""Gradient penalties on the discriminator: WGAN-GP, R1, R2 and DRAGAN.

All penalties differentiate the discriminator output with respect to its input with
``create_graph=True``, so calling ``.backward()`` on a penalty trains the
discriminator's parameters. The samples passed in are detached first: a penalty never
sends gradients to the generator. The discriminator is called as
``discriminator(x, *inputs)`` (extra ``inputs`` such as class labels are passed through
unchanged) and may return ``(B,)`` or ``(B, ...)``; its outputs are summed before
differentiating, so every sample's gradient is that of its own outputs, which assumes
no cross-sample layers (batch norm, minibatch statistics). Input gradients are taken
in float32 (float64 inputs stay float64), which makes the penalties safe under
``torch.autocast``.

Weight convention: these functions take ``weight=1.0`` and return ``weight * penalty``,
so by default they return the bare penalty. The classes in
:mod:`gankit.losses.regularizers` carry the papers' default weights.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from gankit._validation import as_logits, check_non_negative, check_positive
from gankit.losses.base import DiscriminatorFn

__all__ = [
    "dragan_penalty",
    "gradient_penalty",
    "r1_penalty",
    "r2_penalty",
]


def _check_samples(name: str, x: object) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(x).__name__}")
    if not x.is_floating_point():
        raise TypeError(f"{name} must be a floating-point tensor, got dtype {x.dtype}")
    if x.ndim == 0 or x.shape[0] == 0:
        raise ValueError(
            f"{name} must have a non-empty leading batch dimension, got shape {tuple(x.shape)}"
        )
    return x


def _uniform(shape: tuple[int, ...], like: Tensor, generator: torch.Generator | None) -> Tensor:
    """Draw U[0, 1) of ``shape`` with ``like``'s dtype and device, using ``generator``."""
    device = generator.device if generator is not None else like.device
    draws = torch.rand(shape, generator=generator, device=device, dtype=like.dtype)
    return draws.to(like.device)


def _input_gradients(
    discriminator: DiscriminatorFn, x: Tensor, inputs: tuple[object, ...]
) -> Tensor:
    """Return the per-sample gradients of ``discriminator(x, *inputs)``, shape ``(B, -1)``."""
    x = x.detach().requires_grad_(True)
    grad: Tensor | None = None
    with torch.enable_grad():
        out = discriminator(x, *inputs)
        if not isinstance(out, Tensor):
            raise TypeError(f"discriminator must return a torch.Tensor, got {type(out).__name__}")
        if out.requires_grad:
            (grad,) = torch.autograd.grad(
                outputs=out.float().sum(), inputs=x, create_graph=True, allow_unused=True
            )
    if grad is None:  # the output does not depend on x: the gradient is zero
        grad = torch.zeros_like(x)
    return as_logits("gradient", grad).reshape(x.shape[0], -1)


def _norm_penalty(grads: Tensor, target: float, one_sided: bool) -> Tensor:
    deviation: Tensor = torch.linalg.vector_norm(grads, dim=1) - target
    if one_sided:
        deviation = F.relu(deviation)
    return deviation.square().mean()


def gradient_penalty(
    discriminator: DiscriminatorFn,
    real: Tensor,
    fake: Tensor,
    *inputs: object,
    weight: float = 1.0,
    target: float = 1.0,
    one_sided: bool = False,
    generator: torch.Generator | None = None,
) -> Tensor:
    r"""Compute the WGAN-GP gradient penalty at interpolates of real and fake samples.

    With :math:`\hat x = \alpha x + (1 - \alpha)\tilde x`, one
    :math:`\alpha \sim U[0, 1)` per sample, and :math:`k` the ``target`` norm:

    .. math::

        \text{two-sided:}\quad \lambda\,\mathbb{E}_{\hat x}
            \big[(\lVert\nabla_{\hat x} D(\hat x)\rVert_2 - k)^2\big], \qquad
        \text{one-sided:}\quad \lambda\,\mathbb{E}_{\hat x}
            \big[\max(0, \lVert\nabla_{\hat x} D(\hat x)\rVert_2 - k)^2\big].

    Gulrajani et al., "Improved Training of Wasserstein GANs", 2017, arXiv:1704.00028
    (two-sided, :math:`\lambda = 10`, :math:`k = 1`); the one-sided variant is the
    Lipschitz penalty of Petzka et al., "On the regularization of Wasserstein GANs",
    2018, arXiv:1709.08894. The norm is taken over all non-batch dimensions.

    Args:
        discriminator: Called as ``discriminator(x, *inputs)``.
        real: Real samples.
        fake: Generated samples, same shape as ``real``.
        *inputs: Extra discriminator arguments (e.g. labels), passed through unchanged.
        weight: :math:`\lambda`, finite and ``>= 0``; the default returns the bare penalty.
        target: :math:`k`, finite and ``>= 0``.
        one_sided: Penalize only norms above ``target``.
        generator: Random number generator for :math:`\alpha` (for reproducibility).

    Returns:
        Scalar penalty (float32, or float64 for float64 samples) whose graph reaches the
        discriminator's parameters.

    Raises:
        ValueError: If ``real`` and ``fake`` shapes differ or an argument is out of range.

    Shape:
        - real, fake: :math:`(B, *)`; discriminator output: :math:`(B,)` or
          :math:`(B, *)`; output: :math:`()`.

    Example:
        >>> import torch
        >>> from gankit.losses import gradient_penalty
        >>> w = torch.tensor([0.6, 0.8])  # unit norm: D is exactly 1-Lipschitz
        >>> gradient_penalty(lambda x: x @ w, torch.randn(8, 2), torch.randn(8, 2))
        tensor(0.)
        >>> gradient_penalty(lambda x: 2 * x @ w, torch.randn(8, 2), torch.randn(8, 2))
        tensor(1.)

    """
    real = _check_samples("real", real)
    fake = _check_samples("fake", fake)
    if real.shape != fake.shape:
        raise ValueError(
            "real and fake must have the same shape, got real.shape="
            f"{tuple(real.shape)} and fake.shape={tuple(fake.shape)}"
        )
    check_non_negative("weight", weight)
    check_non_negative("target", target)
    alpha = _uniform((real.shape[0],) + (1,) * (real.ndim - 1), real, generator)
    interpolates = alpha * real.detach() + (1.0 - alpha) * fake.detach().to(real.dtype)
    grads = _input_gradients(discriminator, interpolates, inputs)
    return weight * _norm_penalty(grads, target, one_sided)


def _squared_gradient_norm(
    name: str,
    discriminator: DiscriminatorFn,
    samples: Tensor,
    inputs: tuple[object, ...],
    weight: float,
) -> Tensor:
    """``weight * E[||grad_x D(x)||^2]`` at ``samples`` (R1 on reals, R2 on fakes)."""
    samples = _check_samples(name, samples)
    check_non_negative("weight", weight)
    grads = _input_gradients(discriminator, samples, inputs)
    return weight * grads.square().sum(dim=1).mean()


def r1_penalty(
    discriminator: DiscriminatorFn, real: Tensor, *inputs: object, weight: float = 1.0
) -> Tensor:
    r"""Compute the R1 penalty: squared gradient norm of the discriminator on real data.

    .. math::

        w\,\mathbb{E}_x\big[\lVert\nabla_x D(x)\rVert_2^2\big].

    Mescheder et al., "Which Training Methods for GANs do actually Converge?", 2018,
    arXiv:1801.04406, who write it as :math:`\tfrac{\gamma}{2}\,\mathbb{E}[\cdot]`: pass
    ``weight=gamma / 2`` or use :class:`R1Penalty`.

    Args:
        discriminator: Called as ``discriminator(x, *inputs)``.
        real: Real samples.
        *inputs: Extra discriminator arguments (e.g. labels), passed through unchanged.
        weight: :math:`w`, finite and ``>= 0``; the default returns the bare penalty.

    Returns:
        Scalar penalty whose graph reaches the discriminator's parameters.

    Raises:
        ValueError: If ``weight`` is out of range or ``real`` has no batch dimension.

    Shape:
        - real: :math:`(B, *)`; output: :math:`()`.

    Example:
        >>> import torch
        >>> from gankit.losses import r1_penalty
        >>> w = torch.tensor([3.0, 4.0])
        >>> r1_penalty(lambda x: x @ w, torch.randn(8, 2))  # ||w||^2
        tensor(25.)

    """
    return _squared_gradient_norm("real", discriminator, real, inputs, weight)


def r2_penalty(
    discriminator: DiscriminatorFn, fake: Tensor, *inputs: object, weight: float = 1.0
) -> Tensor:
    r"""Compute the R2 penalty: squared gradient norm of the discriminator on fakes.

    .. math::

        w\,\mathbb{E}_z\big[\lVert\nabla_{\tilde x} D(\tilde x)\rVert_2^2\big],
        \quad \tilde x = G(z).

    Mescheder et al., 2018, arXiv:1801.04406 (who write :math:`\tfrac{\gamma}{2}` for
    :math:`w`; see :class:`R2Penalty`).

    Args:
        discriminator: Called as ``discriminator(x, *inputs)``.
        fake: Generated samples (detached internally).
        *inputs: Extra discriminator arguments (e.g. labels), passed through unchanged.
        weight: :math:`w`, finite and ``>= 0``; the default returns the bare penalty.

    Returns:
        Scalar penalty whose graph reaches the discriminator's parameters.

    Raises:
        ValueError: If ``weight`` is out of range or ``fake`` has no batch dimension.

    Shape:
        - fake: :math:`(B, *)`; output: :math:`()`.

    Example:
        >>> import torch
        >>> from gankit.losses import r2_penalty
        >>> w = torch.tensor([3.0, 4.0])
        >>> r2_penalty(lambda x: x @ w, torch.randn(8, 2))  # ||w||^2
        tensor(25.)

    """
    return _squared_gradient_norm("fake", discriminator, fake, inputs, weight)


def dragan_penalty(
    discriminator: DiscriminatorFn,
    real: Tensor,
    *inputs: object,
    weight: float = 1.0,
    scale: float = 0.5,
    target: float = 1.0,
    generator: torch.Generator | None = None,
) -> Tensor:
    r"""Compute the DRAGAN penalty: gradient norm at noisy perturbations of real data.

    .. math::

        \lambda\,\mathbb{E}_{x,u}\big[(\lVert\nabla D(x_p)\rVert_2 - k)^2\big], \qquad
        x_p = x + c\,\operatorname{std}(x)\,u, \quad u \sim U[0, 1)^{\dim x},

    where :math:`\operatorname{std}(x)` is the population standard deviation of the whole
    batch and :math:`c` is ``scale``. Kodali et al., "On Convergence and Stability of
    GANs", 2017, arXiv:1705.07215 (:math:`\lambda = 10`, :math:`c = 0.5`, :math:`k = 1`).

    Args:
        discriminator: Called as ``discriminator(x, *inputs)``.
        real: Real samples.
        *inputs: Extra discriminator arguments (e.g. labels), passed through unchanged.
        weight: :math:`\lambda`, finite and ``>= 0``; the default returns the bare penalty.
        scale: :math:`c`, finite and ``> 0``.
        target: :math:`k`, finite and ``>= 0``.
        generator: Random number generator for :math:`u` (for reproducibility).

    Returns:
        Scalar penalty whose graph reaches the discriminator's parameters.

    Raises:
        ValueError: If an argument is out of range or ``real`` has no batch dimension.

    Shape:
        - real: :math:`(B, *)`; output: :math:`()`.

    Example:
        >>> import torch
        >>> from gankit.losses import dragan_penalty
        >>> w = torch.tensor([0.6, 0.8])
        >>> dragan_penalty(lambda x: x @ w, torch.randn(8, 2))
        tensor(0.)

    """
    real = _check_samples("real", real)
    check_non_negative("weight", weight)
    check_positive("scale", scale)
    check_non_negative("target", target)
    real = real.detach()
    noise = _uniform(tuple(real.shape), real, generator)
    perturbed = real + scale * real.std(correction=0) * noise
    grads = _input_gradients(discriminator, perturbed, inputs)
    return weight * _norm_penalty(grads, target, one_sided=False)
