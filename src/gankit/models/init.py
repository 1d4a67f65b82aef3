"""The DCGAN weight initialization (Radford et al., 2016, arXiv:1511.06434, section 4)."""

from __future__ import annotations

from torch import Tensor, nn
from torch.nn.utils import parametrize

from gankit._validation import check_positive

__all__ = ["dcgan_init"]

_WEIGHTED = (nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.ConvTranspose1d, nn.ConvTranspose2d, nn.Linear)
_NORMS = (nn.BatchNorm1d, nn.BatchNorm2d, nn.InstanceNorm2d, nn.GroupNorm, nn.LayerNorm)


def _weight(m: nn.Module) -> Tensor:
    """Return the trainable weight, looking through a parametrization such as spectral norm."""
    if parametrize.is_parametrized(m, "weight"):
        weight = getattr(getattr(m, "parametrizations").weight, "original")  # noqa: B009
    else:
        weight = m.weight
    if not isinstance(weight, Tensor):
        raise TypeError(f"{type(m).__name__}.weight is not a tensor")
    return weight


def dcgan_init(module: nn.Module, *, std: float = 0.02) -> nn.Module:
    r"""Initialize ``module`` in place the DCGAN way and return it.

    Conv, transposed-conv and linear weights are drawn from :math:`\mathcal{N}(0, 0.02^2)`
    and their biases zeroed; the scales of batch, instance, group and layer norms are drawn
    from :math:`\mathcal{N}(1, 0.02^2)` and their shifts zeroed. Other modules keep their
    initialization. Spectrally normalized weights are initialized through to the original
    parameter. It walks all submodules itself: call it on the model, not through
    ``model.apply``.

    Args:
        module: any ``nn.Module``; it is modified in place.
        std: standard deviation of the weights (0.02 in the paper).

    Returns:
        ``module`` itself, so ``G = dcgan_init(MyGenerator())`` reads naturally.

    Raises:
        TypeError: if ``std`` is not a number.
        ValueError: if ``std`` is not a finite positive number.

    Example:
        >>> import torch
        >>> net = dcgan_init(torch.nn.Conv2d(3, 64, 4))
        >>> round(net.weight.std().item(), 2)
        0.02

    """
    check_positive("std", std)
    for m in module.modules():
        if isinstance(m, _WEIGHTED):
            nn.init.normal_(_weight(m), 0.0, std)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, _NORMS) and getattr(m, "weight", None) is not None:
            nn.init.normal_(_weight(m), 1.0, std)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
    return module
