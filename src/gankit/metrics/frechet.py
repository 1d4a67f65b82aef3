r"""Fréchet distance between two Gaussians, the core of FID.

The Fréchet (2-Wasserstein) distance between :math:`N(\mu_1, \Sigma_1)` and
:math:`N(\mu_2, \Sigma_2)` is (Dowson & Landau, 1982; used for FID by Heusel et al.,
"GANs Trained by a Two Time-Scale Update Rule Converge to a Local Nash Equilibrium", 2017)

.. math::

    d^2 = \lVert \mu_1 - \mu_2 \rVert^2 + \operatorname{tr}\Sigma_1
          + \operatorname{tr}\Sigma_2
          - 2 \operatorname{tr}\bigl(\Sigma_1^{1/2} \Sigma_2 \Sigma_1^{1/2}\bigr)^{1/2}.

``tr((Σ1 Σ2)^{1/2})`` equals ``tr((Σ1^{1/2} Σ2 Σ1^{1/2})^{1/2})`` because both matrices
have the same eigenvalues; the symmetric form is evaluated here with two symmetric
eigendecompositions in float64, which is stable for singular or near-singular covariances
and needs no SciPy.
"""

from __future__ import annotations

import torch

from gankit._validation import ArrayLike, as_float64

__all__ = ["frechet_distance"]


def _psd_sqrt(matrix: torch.Tensor) -> torch.Tensor:
    """Symmetric square root of the symmetric part of ``matrix``, negative eigenvalues → 0."""
    eigenvalues, eigenvectors = torch.linalg.eigh((matrix + matrix.T) / 2)
    roots = eigenvalues.clamp_min(0).sqrt()
    root: torch.Tensor = (eigenvectors * roots) @ eigenvectors.T
    return root


def _trace_sqrt_product(sigma1: torch.Tensor, sigma2: torch.Tensor) -> torch.Tensor:
    """``tr((Σ1^{1/2} Σ2 Σ1^{1/2})^{1/2})`` with tiny negative eigenvalues clamped to zero."""
    root1 = _psd_sqrt(sigma1)
    inner = root1 @ sigma2 @ root1
    eigenvalues: torch.Tensor = torch.linalg.eigvalsh((inner + inner.T) / 2)
    return eigenvalues.clamp_min(0).sqrt().sum()


def frechet_distance(
    mu1: ArrayLike,
    sigma1: ArrayLike,
    mu2: ArrayLike,
    sigma2: ArrayLike,
    *,
    device: torch.device | str | None = None,
) -> float:
    r"""Squared Fréchet distance between two Gaussians (the FID formula).

    .. math::

        d^2 = \lVert \mu_1 - \mu_2 \rVert^2 + \operatorname{tr}(\Sigma_1 + \Sigma_2)
              - 2 \sum_i \sqrt{\lambda_i(\Sigma_1^{1/2} \Sigma_2 \Sigma_1^{1/2})}

    (Heusel et al., 2017). Everything is computed in float64 on ``device`` (default: the
    device of ``sigma1``, CPU for numpy input; a GPU makes the two ``d × d``
    eigendecompositions much faster for ``d = 2048``). The symmetric parts of the covariances are used, eigenvalues
    below zero (round-off of positive semi-definite matrices) are clamped to zero, and the
    result is clamped at zero.

    Args:
        mu1: Mean of the first Gaussian.
        sigma1: Covariance of the first Gaussian (symmetric positive semi-definite).
        mu2: Mean of the second Gaussian.
        sigma2: Covariance of the second Gaussian.
        device: Where to compute (``None``: the device of ``sigma1``).

    Returns:
        The squared Fréchet distance ``d²`` (what is reported as FID) as a Python float.

    Shape:
        - mu1, mu2: ``(d,)``
        - sigma1, sigma2: ``(d, d)``

    Raises:
        TypeError: If an argument is not a numpy array or torch tensor of real numbers.
        ValueError: If a shape is wrong or does not match, or an entry is NaN or infinite.

    Example:
        >>> import numpy as np
        >>> mu, sigma = np.zeros(3), np.eye(3)
        >>> round(frechet_distance(mu, sigma, mu + 1.0, sigma), 6)  # squared shift
        3.0
        >>> round(frechet_distance(mu, sigma, mu, 4 * sigma), 6)  # 3 * (1 + 4 - 2*2)
        3.0
    """
    m1 = as_float64("mu1", mu1, ndim=1)
    s1 = as_float64("sigma1", sigma1, ndim=2)
    target = s1.device if device is None else torch.device(device)
    s1 = s1.to(target)
    m1 = m1.to(target)
    m2 = as_float64("mu2", mu2, ndim=1).to(target)
    s2 = as_float64("sigma2", sigma2, ndim=2).to(target)
    d = m1.shape[0]
    if m2.shape != m1.shape:
        raise ValueError(
            f"mu1 and mu2 must have the same shape, got {tuple(m1.shape)} and {tuple(m2.shape)}"
        )
    for name, sigma in (("sigma1", s1), ("sigma2", s2)):
        if sigma.shape != (d, d):
            raise ValueError(
                f"{name} must have shape ({d}, {d}) to match mu1, got {tuple(sigma.shape)}"
            )
    diff = m1 - m2
    value = diff @ diff + torch.trace(s1) + torch.trace(s2) - 2 * _trace_sqrt_product(s1, s2)
    return max(float(value), 0.0)
