"""torchvision's InceptionV3 blocks with the TensorFlow 2015-12-05 graph's pooling.

Private: imported by :class:`gankit.metrics.FIDInceptionV3` when a network is built, so
``import gankit.metrics`` does not import torchvision.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torchvision.models.inception import InceptionA, InceptionC, InceptionE

__all__: list[str] = []  # private building blocks of gankit.metrics.inception


def _avg_pool_no_pad(x: torch.Tensor) -> torch.Tensor:
    return F.avg_pool2d(x, kernel_size=3, stride=1, padding=1, count_include_pad=False)


def _max_pool_same(x: torch.Tensor) -> torch.Tensor:
    return F.max_pool2d(x, kernel_size=3, stride=1, padding=1)


class _InceptionA(InceptionA):  # type: ignore[misc]
    """torchvision ``InceptionA`` whose pool branch excludes padding from the average."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat(
            [
                self.branch1x1(x),
                self.branch5x5_2(self.branch5x5_1(x)),
                self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x))),
                self.branch_pool(_avg_pool_no_pad(x)),
            ],
            1,
        )


class _InceptionC(InceptionC):  # type: ignore[misc]
    """torchvision ``InceptionC`` whose pool branch excludes padding from the average."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        seven = self.branch7x7_3(self.branch7x7_2(self.branch7x7_1(x)))
        double = self.branch7x7dbl_1(x)
        for layer in (
            self.branch7x7dbl_2,
            self.branch7x7dbl_3,
            self.branch7x7dbl_4,
            self.branch7x7dbl_5,
        ):
            double = layer(double)
        return torch.cat(
            [self.branch1x1(x), seven, double, self.branch_pool(_avg_pool_no_pad(x))], 1
        )


class _InceptionE(InceptionE):  # type: ignore[misc]
    """torchvision ``InceptionE`` with a padding-free average pool or a max pool branch."""

    def __init__(self, in_channels: int, *, max_pool: bool = False) -> None:
        super().__init__(in_channels)
        self._pool = _max_pool_same if max_pool else _avg_pool_no_pad

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        a = self.branch3x3_1(x)
        b = self.branch3x3dbl_2(self.branch3x3dbl_1(x))
        return torch.cat(
            [
                self.branch1x1(x),
                self.branch3x3_2a(a),
                self.branch3x3_2b(a),
                self.branch3x3dbl_3a(b),
                self.branch3x3dbl_3b(b),
                self.branch_pool(self._pool(x)),
            ],
            1,
        )
