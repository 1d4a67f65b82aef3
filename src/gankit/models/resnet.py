"""ResNet generator and discriminator (SNGAN, SAGAN and BigGAN-style) built from a config."""

from __future__ import annotations

import math
from typing import Any

import torch.nn.functional as F
from torch import Tensor, nn
from torch.nn.utils import parametrizations

from gankit.models.attention import MinibatchStdDev, SelfAttention2d
from gankit.models.conditioning import ConditionalBatchNorm2d, LabelEncoder, check_condition
from gankit.models.layers import make_norm2d, make_output_activation
from gankit.models.resnet_config import (
    ResNetDiscriminatorConfig,
    ResNetGeneratorConfig,
    ResNetInitName,
)

__all__ = [
    "ResNetDiscriminator",
    "ResNetGenerator",
    "build_resnet_discriminator",
    "build_resnet_generator",
]


def _norm_or_identity(norm: nn.Module | None) -> nn.Module:
    return nn.Identity() if norm is None else norm


class _GBlock(nn.Module):
    """Pre-activation up block: (c)BN, ReLU, up, conv3, (c)BN, ReLU, conv3; + shortcut."""

    def __init__(self, cin: int, cout: int, cbn: dict[str, int] | None, learnable: bool) -> None:
        super().__init__()

        def norm(ch: int) -> nn.Module:
            return ConditionalBatchNorm2d(ch, **cbn) if cbn else nn.BatchNorm2d(ch)

        self.conditional = cbn is not None
        self.norm1, self.conv1 = norm(cin), nn.Conv2d(cin, cout, 3, 1, 1)
        self.norm2, self.conv2 = norm(cout), nn.Conv2d(cout, cout, 3, 1, 1)
        self.shortcut = nn.Conv2d(cin, cout, 1) if learnable else None

    def _norm(self, norm: nn.Module, x: Tensor, cond: Tensor | None) -> Tensor:
        out: Tensor = norm(x, cond) if self.conditional else norm(x)
        return out

    def forward(self, x: Tensor, cond: Tensor | None) -> Tensor:
        h: Tensor = F.relu(self._norm(self.norm1, x, cond))
        h = self.conv1(F.interpolate(h, scale_factor=2.0, mode="nearest"))
        h = self.conv2(F.relu(self._norm(self.norm2, h, cond)))
        s: Tensor = F.interpolate(x, scale_factor=2.0, mode="nearest")
        if self.shortcut is not None:
            s = self.shortcut(s)
        return h + s


class _DBlock(nn.Module):
    """Pre-activation down block (SNGAN); ``first`` is the "optimized" input block."""

    def __init__(
        self,
        cin: int,
        cout: int,
        *,
        first: bool,
        down: bool,
        learnable: bool,
        norm: Any,
        hidden_out: bool,
    ) -> None:
        super().__init__()
        hidden = cout if first or hidden_out else cin
        self.first, self.down = first, down
        self.norm1 = nn.Identity() if first else _norm_or_identity(norm(cin))
        self.conv1 = nn.Conv2d(cin, hidden, 3, 1, 1)
        self.norm2 = _norm_or_identity(norm(hidden))
        self.conv2 = nn.Conv2d(hidden, cout, 3, 1, 1)
        self.shortcut = nn.Conv2d(cin, cout, 1) if learnable else None

    def forward(self, x: Tensor) -> Tensor:
        h = x if self.first else F.relu(self.norm1(x))
        h = self.conv2(F.relu(self.norm2(self.conv1(h))))
        s = x
        if self.first:  # pool first: the 1x1 conv then runs on a quarter of the pixels
            s = F.avg_pool2d(s, 2) if self.down else s
            s = self.shortcut(s) if self.shortcut is not None else s
        else:
            s = self.shortcut(s) if self.shortcut is not None else s
            s = F.avg_pool2d(s, 2) if self.down else s
        if self.down:
            h = F.avg_pool2d(h, 2)
        return h + s


def _initialize(net: nn.Module, kind: ResNetInitName, skip: tuple[type[nn.Module], ...]) -> None:
    """Initialize conv/linear/embedding weights (zero biases); leave ``skip`` subtrees alone."""
    if kind == "pytorch":
        return
    skipped = {id(m) for s in net.modules() if isinstance(s, skip) for m in s.modules()}
    for name, m in net.named_modules():
        if id(m) in skipped or not isinstance(m, (nn.Conv2d, nn.Linear, nn.Embedding)):
            continue
        if kind == "orthogonal":
            nn.init.orthogonal_(m.weight)
        else:
            residual = name.endswith((".conv1", ".conv2"))
            nn.init.xavier_uniform_(m.weight, gain=math.sqrt(2.0) if residual else 1.0)
        bias = getattr(m, "bias", None)
        if isinstance(bias, Tensor):
            nn.init.zeros_(bias)


def _spectral_norm(net: nn.Module, skip: tuple[type[nn.Module], ...]) -> None:
    """Spectral norm on conv/linear/embedding weights outside the ``skip`` subtrees."""
    skipped = {id(m) for s in net.modules() if isinstance(s, skip) for m in s.modules()}
    for m in list(net.modules()):
        if id(m) not in skipped and isinstance(m, (nn.Conv2d, nn.Linear, nn.Embedding)):
            parametrizations.spectral_norm(m)


class ResNetGenerator(nn.Module):
    r"""ResNet generator: linear stem, residual up blocks, optional attention, output conv.

    Build it with :func:`build_resnet_generator`; see :class:`ResNetGeneratorConfig`.
    Submodules: ``encoder`` (shared class or attribute embedding, else ``None``),
    ``stem``, ``blocks``, ``attention`` (one entry per block, ``nn.Identity`` where there
    is none) and ``to_image``. Conditional batch norm layers are
    :class:`ConditionalBatchNorm2d`, whose statistics live in a plain
    ``nn.BatchNorm2d`` so SyncBatchNorm conversion finds them.

    Args:
        config: the architecture; kept as ``self.config``. ``latent_dim`` and
            ``num_classes`` are attributes too (the :class:`~gankit.Trainer` reads them;
            for a multi-label net ``num_classes`` is ``num_attributes``, so the trainer
            passes its labels and its cycling sample labels read as one-hot vectors).

    Shape:
        - z: :math:`(B, \text{latent\_dim})`; labels: :math:`(B,)` class indices or
          :math:`(B, A)` attribute vectors, if conditional.
        - output: :math:`(B, C, H, W)`.

    Example:
        >>> import torch
        >>> G = ResNetGenerator(ResNetGeneratorConfig(image_size=16, width=4, latent_dim=8))
        >>> G(torch.randn(2, 8)).shape
        torch.Size([2, 3, 16, 16])
    """

    def __init__(self, config: ResNetGeneratorConfig) -> None:
        super().__init__()
        c = self.config = config
        self.latent_dim = c.latent_dim
        self.num_classes = c.num_classes or c.num_attributes
        self.num_attributes = c.num_attributes
        self.encoder: LabelEncoder | None = None
        cbn: dict[str, int] | None = None
        if c.num_classes and c.class_embedding == "per_class":
            cbn = {"num_classes": c.num_classes}
        elif c.conditional:
            self.encoder = LabelEncoder(
                c.embedding_dim, num_classes=c.num_classes, num_attributes=c.num_attributes
            )
            cbn = {"embedding_dim": c.embedding_dim}
        s0, top = c.first_size, c.level_width(c.stages)
        self.stem = nn.Sequential(
            nn.Linear(c.latent_dim, top * s0 * s0), nn.Unflatten(1, (top, s0, s0))
        )
        self.blocks = nn.ModuleList()
        self.attention = nn.ModuleList()
        for k in range(c.stages, 0, -1):
            cin, cout = c.level_width(k), c.level_width(k - 1)
            learnable = c.shortcut == "resample" or cin != cout
            self.blocks.append(_GBlock(cin, cout, cbn, learnable))
            side = s0 * 2 ** (c.stages - k + 1)
            self.attention.append(SelfAttention2d(cout) if side in c.attention else nn.Identity())
        w0 = c.level_width(0)
        self.to_image = nn.Sequential(
            nn.BatchNorm2d(w0),
            nn.ReLU(),
            nn.Conv2d(w0, c.channels, 3, 1, 1),
            make_output_activation(c.output_activation),
        )
        _initialize(self, c.weight_init, skip=(ConditionalBatchNorm2d, LabelEncoder))
        if c.spectral_norm:
            _spectral_norm(self, skip=(ConditionalBatchNorm2d, LabelEncoder))

    def forward(self, z: Tensor, labels: Tensor | None = None) -> Tensor:
        """Map latents (and labels, if conditional) to images."""
        if z.ndim != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(
                f"ResNetGenerator expects z of shape (B, {self.latent_dim}), got {tuple(z.shape)}"
            )
        c = self.config
        check_condition("ResNetGenerator", c.num_classes, c.num_attributes, labels, z.shape[0])
        cond = labels
        if self.encoder is not None and labels is not None:
            cond = self.encoder(labels)
        h: Tensor = self.stem(z)
        for block, attention in zip(self.blocks, self.attention, strict=True):
            h = attention(block(h, cond))
        out: Tensor = self.to_image(h)
        return out


class ResNetDiscriminator(nn.Module):
    """ResNet discriminator: residual down blocks, sum pooling, linear head, projection.

    Build it with :func:`build_resnet_discriminator`; see
    :class:`ResNetDiscriminatorConfig`. Submodules: ``blocks``, ``attention`` (one entry
    per block), ``minibatch_std`` (or ``None``), ``head`` and ``encoder`` (the projection
    embedding of a conditional net, else ``None``).

    Args:
        config: the architecture; kept as ``self.config``.

    Shape:
        - x: :math:`(B, C, H, W)`; labels: :math:`(B,)` or :math:`(B, A)` if conditional.
        - output: :math:`(B,)` raw logits.

    Example:
        >>> import torch
        >>> cfg = ResNetDiscriminatorConfig(image_size=16, width=4, num_classes=3)
        >>> D = ResNetDiscriminator(cfg)
        >>> D(torch.randn(2, 3, 16, 16), torch.tensor([0, 2])).shape
        torch.Size([2])
    """

    def __init__(self, config: ResNetDiscriminatorConfig) -> None:
        super().__init__()
        c = self.config = config
        self.num_classes = c.num_classes or c.num_attributes
        self.num_attributes = c.num_attributes

        def norm(ch: int) -> nn.Module | None:
            return make_norm2d(c.norm, ch, groups=c.norm_groups)

        self.blocks = nn.ModuleList()
        self.attention = nn.ModuleList()
        cin, out = c.channels, c.block_hidden == "output"
        for k in range(c.stages):
            cout = c.level_width(k)
            learnable = c.shortcut == "resample" or cin != cout
            self.blocks.append(
                _DBlock(
                    cin,
                    cout,
                    first=k == 0,
                    down=True,
                    learnable=learnable,
                    norm=norm,
                    hidden_out=out,
                )
            )
            side = c.image_size >> (k + 1)
            self.attention.append(SelfAttention2d(cout) if side in c.attention else nn.Identity())
            cin = cout
        for _ in range(c.extra_blocks):
            cout = c.level_width(c.stages)
            self.blocks.append(
                _DBlock(
                    cin,
                    cout,
                    first=False,
                    down=False,
                    learnable=cin != cout,
                    norm=norm,
                    hidden_out=out,
                )
            )
            self.attention.append(nn.Identity())
            cin = cout
        self.minibatch_std = MinibatchStdDev(c.minibatch_std) if c.minibatch_std else None
        self.head = nn.Linear(cin + (1 if c.minibatch_std else 0), 1)
        self.encoder: LabelEncoder | None = None
        if c.conditional:
            self.encoder = LabelEncoder(
                cin, num_classes=c.num_classes, num_attributes=c.num_attributes
            )
        _initialize(self, c.weight_init, skip=())
        if c.spectral_norm:
            _spectral_norm(self, skip=())

    def forward(self, x: Tensor, labels: Tensor | None = None) -> Tensor:
        """Return one raw logit per image."""
        c = self.config
        expected = (c.channels, c.image_size, c.image_size)
        if x.ndim != 4 or tuple(x.shape[1:]) != expected:
            raise ValueError(
                f"ResNetDiscriminator expects images of shape (B, {c.channels}, "
                f"{c.image_size}, {c.image_size}), got {tuple(x.shape)}"
            )
        check_condition("ResNetDiscriminator", c.num_classes, c.num_attributes, labels, x.shape[0])
        h = x
        for block, attention in zip(self.blocks, self.attention, strict=True):
            h = attention(block(h))
        h = F.relu(h)
        if self.minibatch_std is not None:
            h = self.minibatch_std(h)
        pooled = h.sum(dim=(2, 3))
        logits: Tensor = self.head(pooled).flatten(0)
        if self.encoder is not None and labels is not None:
            width = c.final_width
            logits = logits + (self.encoder(labels) * pooled[:, :width]).sum(dim=1)
        return logits


def build_resnet_generator(config: ResNetGeneratorConfig) -> ResNetGenerator:
    """Build the ResNet generator described by ``config``.

    Args:
        config: a :class:`ResNetGeneratorConfig`.

    Returns:
        A plain ``nn.Module``; ``G(z)`` maps ``(B, latent_dim)`` to ``(B, C, H, W)``.

    Raises:
        TypeError: if ``config`` is not a :class:`ResNetGeneratorConfig`.

    Example:
        >>> G = build_resnet_generator(ResNetGeneratorConfig(image_size=8, width=4))
        >>> len(G.blocks)
        1
    """
    if not isinstance(config, ResNetGeneratorConfig):
        raise TypeError(
            f"build_resnet_generator expects a ResNetGeneratorConfig, got {type(config).__name__}"
        )
    return ResNetGenerator(config)


def build_resnet_discriminator(config: ResNetDiscriminatorConfig) -> ResNetDiscriminator:
    """Build the ResNet discriminator described by ``config``.

    Args:
        config: a :class:`ResNetDiscriminatorConfig`.

    Returns:
        A plain ``nn.Module``; ``D(x)`` maps ``(B, C, H, W)`` to ``(B,)`` raw logits.

    Raises:
        TypeError: if ``config`` is not a :class:`ResNetDiscriminatorConfig`.

    Example:
        >>> D = build_resnet_discriminator(ResNetDiscriminatorConfig(image_size=8, width=4))
        >>> len(D.blocks)
        1
    """
    if not isinstance(config, ResNetDiscriminatorConfig):
        raise TypeError(
            "build_resnet_discriminator expects a ResNetDiscriminatorConfig, got "
            f"{type(config).__name__}"
        )
    return ResNetDiscriminator(config)
