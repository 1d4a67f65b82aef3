"""ToyFaces: procedurally drawn cartoon faces, an embedded dataset that needs no download.

Every face is painted back to front from about 40 random parameters with anti-aliased
shapes (approximate signed distances turned into coverage by a smoothstep one pixel wide):
background gradient, long hair behind the head, shirt, neck, ears, face (an egg-shaped
ellipse), cheeks, nose, mouth (lips from two parabolas, sometimes open), eyes (whites,
iris, pupil, highlight), eyebrows and a hair cap (short, fringe, long or bald), all under a
random rotation, scale and offset. Parameters come from a counter-based hash of
``(seed, index)``, so item ``i`` depends only on ``(seed, i, image_size, supersample)``,
and rendering uses only correctly rounded float32 operations (``+ - * /``, ``sqrt``,
``min``/``max``), so a face is bit-identical whether drawn alone or in a batch.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import torch
from numpy.typing import NDArray
from torch import Tensor
from torch.utils.data import Dataset

from gankit._validation import INT64_MAX, MAX_IMAGE_SIZE, check_int
from gankit.data.transforms import uint8_to_float

__all__ = ["ToyFaces"]

_BLOCK = 256  # faces rendered (and cached) together
_CACHE_BYTES = 256 * 2**20
_SKIN = np.array(
    [[1.00, 0.87, 0.77], [0.98, 0.80, 0.67], [0.93, 0.73, 0.58], [0.87, 0.64, 0.48],
     [0.77, 0.54, 0.37], [0.63, 0.42, 0.28], [0.49, 0.33, 0.22], [0.36, 0.24, 0.16]]
)  # fmt: skip
_HAIR = np.array(
    [[0.07, 0.05, 0.04], [0.22, 0.13, 0.07], [0.42, 0.26, 0.13], [0.58, 0.24, 0.10],
     [0.88, 0.72, 0.40], [0.96, 0.88, 0.62], [0.58, 0.58, 0.58], [0.90, 0.90, 0.88],
     [0.25, 0.35, 0.80], [0.85, 0.30, 0.60]]
)  # fmt: skip
_HAIR_WEIGHTS = np.array([20, 20, 16, 8, 10, 5, 6, 3, 1, 1], dtype=np.float64)
_IRIS = np.array(
    [[0.35, 0.20, 0.10], [0.15, 0.09, 0.05], [0.30, 0.50, 0.80], [0.30, 0.55, 0.30],
     [0.50, 0.56, 0.62]]
)  # fmt: skip
_MASK64 = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15


def _mix(z: NDArray[np.uint64]) -> NDArray[np.uint64]:
    """Splitmix64 finaliser on uint64 arrays (wrapping arithmetic)."""
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    out: NDArray[np.uint64] = z ^ (z >> np.uint64(31))
    return out


def _uniforms(seed: int, indices: NDArray[np.int64], k: int) -> NDArray[np.float64]:
    """``k`` uniforms in [0, 1) per index, a pure function of ``(seed, index, column)``."""
    with np.errstate(over="ignore"):
        s = _mix(np.array([(seed + _GOLDEN) & _MASK64], dtype=np.uint64))
        base = _mix(s ^ indices.astype(np.uint64))
        steps = np.arange(1, k + 1, dtype=np.uint64) * np.uint64(_GOLDEN)
        z = _mix(base[:, None] + steps[None, :])
    u: NDArray[np.float64] = (z >> np.uint64(11)).astype(np.float64) * 2.0**-53
    return u


def _pick(palette: np.ndarray, u: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    cdf = np.cumsum(weights if weights is not None else np.ones(len(palette)))
    return palette[np.minimum(np.searchsorted(cdf / cdf[-1], u, side="right"), len(palette) - 1)]


class _Painter:
    """Back-to-front compositing of anti-aliased shapes on a batch of canvases."""

    def __init__(self, canvas: Tensor, pixel: Tensor) -> None:
        self.canvas = canvas  # (B, 3, R, R)
        self.pixel = pixel  # (B, 1, 1): one pixel in local units

    def coverage(self, sd: Tensor) -> Tensor:
        t = (0.5 - sd / self.pixel).clamp(0.0, 1.0)
        return t * t * (3.0 - 2.0 * t)

    def paint(self, sd: Tensor, color: Tensor, alpha: Tensor | float = 1.0) -> None:
        a = self.coverage(sd) * alpha
        self.canvas = self.canvas + a.unsqueeze(1) * (color[:, :, None, None] - self.canvas)


def _ellipse(u: Tensor, v: Tensor, rx: Tensor, ry: Tensor) -> Tensor:
    """Approximate signed distance to an axis-aligned ellipse (first-order, exact at edge)."""
    nu, nv = u / rx, v / ry
    grad = ((nu / rx) * (nu / rx) + (nv / ry) * (nv / ry)).sqrt() * 2.0 + 1e-6
    return (nu * nu + nv * nv - 1.0) / grad


def _circle(u: Tensor, v: Tensor, r: Tensor) -> Tensor:
    return (u * u + v * v).sqrt() - r


@contextmanager
def _single_thread() -> Iterator[None]:
    """Run torch ops on one intra-op thread (restoring the previous count afterwards).

    Rendering is hundreds of small elementwise ops, for which thread barriers cost more than
    they save, badly so on a busy machine.
    """
    previous = torch.get_num_threads()
    if previous == 1:
        yield
        return
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def _render(seed: int, indices: np.ndarray, image_size: int, supersample: int) -> Tensor:
    """Render faces ``indices`` as uint8 ``(B, 3, image_size, image_size)``."""
    with _single_thread(), torch.no_grad():
        return _paint_faces(seed, indices, image_size, supersample)


def _paint_faces(seed: int, indices: np.ndarray, image_size: int, supersample: int) -> Tensor:
    u = _uniforms(seed, indices, 56)
    b = len(indices)

    def col(j: int, low: float, high: float) -> Tensor:
        return torch.from_numpy(low + (high - low) * u[:, j]).float().view(b, 1, 1)

    def rgb(a: np.ndarray) -> Tensor:
        return torch.from_numpy(np.clip(a, 0.0, 1.0)).float()

    def flag(mask: np.ndarray) -> Tensor:
        return torch.from_numpy(mask.astype(np.float32)).view(b, 1, 1)

    def const(value: float) -> Tensor:
        return torch.full((b, 1, 1), value)

    def rot(t: Tensor) -> tuple[Tensor, Tensor]:  # cos, sin of 2 atan(t), rationally
        return (1.0 - t * t) / (1.0 + t * t), 2.0 * t / (1.0 + t * t)

    # ---- colours
    jitter = (u[:, 1:4] - 0.5) * 0.06
    skin_np = _pick(_SKIN, u[:, 0]) + jitter
    skin = rgb(skin_np)
    hair_np = _pick(_HAIR, u[:, 4], _HAIR_WEIGHTS) * (0.9 + 0.2 * u[:, 5:6])
    hair = rgb(hair_np)
    brow = rgb(np.where(u[:, 6:7] < 0.2, skin_np * 0.45, hair_np * 0.8))
    iris = rgb(_pick(_IRIS, u[:, 7]))
    lips = rgb(skin_np * (1 - (0.45 + 0.3 * u[:, 8:9])) + np.array([0.8, 0.22, 0.28]) * (
        0.45 + 0.3 * u[:, 8:9]))  # fmt: skip
    gray = 0.3 + 0.6 * u[:, 9:10]
    bg1 = rgb(gray + 0.6 * (u[:, 10:13] - 0.5) * u[:, 13:14])
    bg2 = rgb(gray * (0.6 + 0.5 * u[:, 14:15]) + 0.25 * (u[:, 10:13] - 0.5))
    shirt = rgb(0.1 + 0.8 * u[:, 15:18])
    white, dark = rgb(np.full((b, 3), 0.96)), rgb(np.full((b, 3), 0.06))
    mouth_inside = rgb(np.tile([0.35, 0.06, 0.08], (b, 1)))
    blush = rgb(np.tile([0.95, 0.45, 0.45], (b, 1)))

    # ---- pixel grid in image coordinates, y down, pixel centres in (-1, 1)
    res = image_size * supersample
    grid = (torch.arange(res, dtype=torch.float32) + 0.5) * (2.0 / res) - 1.0
    gx, gy = grid.view(1, 1, res), grid.view(1, res, 1)
    # ---- background gradient (image frame)
    dcos, dsin = rot(col(19, -1.0, 1.0))
    ramp = ((gx * dsin + gy * dcos) * 0.5 + 0.5).clamp(0.0, 1.0)
    canvas = bg1[:, :, None, None] + ramp.unsqueeze(1) * (bg2 - bg1)[:, :, None, None]
    # ---- pose: local = R(-theta) (image - offset) / scale
    scale, c, s = col(20, 1.08, 1.32), *rot(col(21, -0.1, 0.1))
    px, py = gx - col(22, -0.07, 0.07), gy - col(23, -0.04, 0.08)
    x, y = (c * px + s * py) / scale, (c * py - s * px) / scale
    paint = _Painter(canvas, (2.0 / res) / scale)

    rx, ry, taper = col(24, 0.36, 0.45), col(25, 0.46, 0.55), col(26, 0.0, 0.3)
    style = u[:, 27]  # bald < .1 <= short < .45 <= fringe < .7 <= long
    bald, long_hair = flag(style < 0.1), flag(style >= 0.7)
    fringe = flag((style >= 0.45) & (style < 0.7))
    volume = col(28, 0.0, 1.0)
    hrx, hry = rx + 0.05 + 0.06 * volume, ry + 0.04 + 0.07 * volume
    hy = y + 0.05 + 0.05 * volume
    # long hair behind the head: ellipse merged with a rounded box
    length = col(29, 0.3, 0.7)
    box = torch.maximum(x.abs() - hrx - 0.03, (y - length * 0.5).abs() - length * 0.5)
    back = torch.minimum(_ellipse(x, hy, hrx + 0.03, hry), box)
    paint.paint(back, hair, long_hair)
    # shirt with a round neckline, neck, ears
    neck_w = rx * col(30, 0.38, 0.5)
    paint.paint(torch.maximum(x.abs() - neck_w, ry * 0.4 - y), rgb(skin_np * 0.82))
    shoulders = _ellipse(x, y - ry - 0.5, col(31, 0.75, 0.95), const(0.42))
    neckline = _circle(x, y - ry - 0.07, neck_w * 1.05)
    paint.paint(torch.maximum(shoulders, -neckline), shirt)
    ear_y = y - col(32, 0.0, 0.06)
    paint.paint(_ellipse(x.abs() - rx * 0.97, ear_y, col(33, 0.045, 0.07), const(0.09)),
                rgb(skin_np * 0.93))  # fmt: skip
    # face: ellipse whose lower half narrows towards the chin
    yn = (y / ry).clamp(0.0, 1.0)
    paint.paint(_ellipse(x, y, rx * (1.0 - taper * yn * yn), ry), skin)
    # features, mirrored about the (yaw-shifted) face axis xf = 0
    xf = x - col(34, -0.05, 0.05)
    ax = xf.abs()
    side = torch.where(xf >= 0, 1.0, -1.0)
    spacing, eye_y = col(35, 0.14, 0.19), col(36, -0.08, -0.01)
    erx = col(37, 0.06, 0.085)
    ery = erx * col(38, 0.6, 0.9)
    cheeks = _circle(ax - spacing * 1.1, y - 0.15, const(0.055))
    paint.paint(cheeks, blush, flag(u[:, 39] < 0.35) * 0.35)
    nose_y, nose_w = col(40, 0.09, 0.15), col(41, 0.03, 0.05)
    paint.paint(_ellipse(xf, y - nose_y, nose_w, nose_w * 1.5), rgb(skin_np * 0.8))
    # mouth between two parabolas; the inner gap is the dark, possibly open, mouth
    mouth_y, mouth_w = col(42, 0.25, 0.32), col(43, 0.08, 0.15)
    p = xf / mouth_w
    mid = y - mouth_y + col(44, -0.01, 0.05) * p * p
    thick = col(45, 0.012, 0.024) * (1.0 - 0.5 * p * p)
    opening = torch.from_numpy(np.where(u[:, 46] < 0.4, 0.02 + 0.05 * u[:, 47], 0.0))
    opening = opening.float().view(b, 1, 1) * (1.0 - p * p)
    ends = ax - mouth_w
    paint.paint(torch.maximum(torch.maximum(-thick - mid, mid - thick - opening), ends), lips)
    inner = torch.maximum(-thick * 0.3 - mid, mid - opening + thick * 0.3)
    paint.paint(torch.maximum(inner, ends + 0.02), mouth_inside)
    # eyes: white, iris and pupil (both looking the same way), highlight
    eu, ev = ax - spacing, y - eye_y
    eye = _ellipse(eu, ev, erx, ery)
    paint.paint(eye, white)
    look = xf - side * spacing - erx * col(18, -0.3, 0.3)
    iris_r = ery * 0.85
    paint.paint(torch.maximum(_circle(look, ev, iris_r), eye), iris)
    paint.paint(torch.maximum(_circle(look, ev, iris_r * 0.5), eye), dark)
    paint.paint(_circle(look - iris_r * 0.35, ev + iris_r * 0.35, iris_r * 0.22), white)
    # eyebrows: thin ellipses tilted symmetrically
    bc, bs = rot(col(53, -0.12, 0.15))
    bu, bv = eu, ev + ery + col(52, 0.03, 0.06)
    paint.paint(_ellipse(bc * bu + bs * bv, bc * bv - bs * bu, erx * 1.15, col(48, 0.012, 0.022)),
                brow)  # fmt: skip
    # hair cap: inside the hair ellipse and above a (zig-zag for a fringe) hairline
    part = x - col(49, -0.1, 0.1)
    tri = ((part * 14.0 - (part * 14.0).floor()) - 0.5).abs()
    p2 = part * part
    line_y = ry * -col(54, 0.45, 0.62) + col(55, 0.3, 0.9) * p2 + col(51, 6.0, 16.0) * p2 * p2
    fringe_y = ry * -col(50, 0.3, 0.45) + 0.2 * p2 + 10.0 * p2 * p2 + 0.03 * tri
    line_y = line_y + fringe * (fringe_y - line_y)
    cap = torch.maximum(_ellipse(x, hy, hrx, hry), y - line_y)
    paint.paint(cap, hair, 1.0 - bald)

    out = paint.canvas.clamp(0.0, 1.0)
    if supersample > 1:  # box filter with a fixed summation order
        tiles = out.view(b, 3, image_size, supersample, image_size, supersample)
        total = tiles[:, :, :, 0, :, 0]
        for k in range(1, supersample * supersample):
            total = total + tiles[:, :, :, k // supersample, :, k % supersample]
        out = total * (1.0 / (supersample * supersample))
    return (out * 255.0).round().to(torch.uint8)


class ToyFaces(Dataset[Tensor]):
    """A deterministic dataset of procedurally drawn cartoon faces in [-1, 1].

    Faces vary in skin tone, face shape, eyes (size, spacing, gaze, colour), eyebrows,
    nose, mouth (smile, open), hair (colour; short, fringe, long or bald), cheeks, shirt,
    background gradient, rotation, scale and offset: enough structure for a small GAN to
    learn visibly on a CPU in minutes. Item ``i`` depends only on
    ``(seed, i, image_size, supersample)`` (not on ``n``), so any subset is reproducible.
    Faces are rendered in blocks of 256 with vectorised torch ops (on one intra-op thread,
    restored afterwards) and cached (up to about 256 MiB of uint8); :meth:`tensor` renders
    everything at once for :class:`~gankit.data.DeviceLoader`. Items are 8-bit quantised, exactly
    ``uint8_to_float(tensor()[i])``.

    Args:
        n: Number of faces.
        image_size: Side in pixels, >= 8.
        seed: Dataset seed.
        supersample: Render at ``supersample`` times the resolution and box-filter down.

    Raises:
        TypeError: If an argument is not an ``int``.
        ValueError: If ``n < 0``, ``image_size`` not in ``[8, 8192]``
            or ``supersample`` not in ``[1, 16]``.

    Shape:
        - item: ``(3, image_size, image_size)``
        - :meth:`tensor`: ``(n, 3, image_size, image_size)``

    Example:
        >>> faces = ToyFaces(100, image_size=32, seed=0)
        >>> x = faces[7]
        >>> x.shape, bool(x.min() >= -1) and bool(x.max() <= 1)
        (torch.Size([3, 32, 32]), True)
        >>> torch.equal(ToyFaces(10, image_size=32)[7], x)
        True

    """

    def __init__(self, n: int, image_size: int = 64, seed: int = 0, *, supersample: int = 1):
        check_int("", "n", n, minimum=0)
        check_int("", "image_size", image_size, minimum=8, maximum=MAX_IMAGE_SIZE)
        check_int("", "supersample", supersample, minimum=1, maximum=16)
        check_int("", "seed", seed, minimum=-INT64_MAX - 1)
        self.n, self.image_size, self.seed, self.supersample = n, image_size, seed, supersample
        self._blocks: OrderedDict[int, Tensor] = OrderedDict()
        self._max_blocks = max(1, _CACHE_BYTES // (_BLOCK * 3 * image_size * image_size))

    def __len__(self) -> int:
        return self.n

    def _render_block(self, k: int) -> Tensor:
        indices = np.arange(k * _BLOCK, min(self.n, (k + 1) * _BLOCK))
        return _render(self.seed, indices, self.image_size, self.supersample)

    def _block(self, k: int) -> Tensor:
        if k in self._blocks:
            self._blocks.move_to_end(k)
            return self._blocks[k]
        block = self._blocks[k] = self._render_block(k)
        if len(self._blocks) > self._max_blocks:
            self._blocks.popitem(last=False)
        return block

    def __getitem__(self, index: int) -> Tensor:
        """Return face ``index`` as a float tensor in [-1, 1]."""
        if not -self.n <= index < self.n:
            raise IndexError(f"index {index} out of range for {self.n} faces")
        index %= self.n
        return uint8_to_float(self._block(index // _BLOCK)[index % _BLOCK])

    def tensor(self) -> Tensor:
        """Render every face as one uint8 tensor.

        Returns:
            uint8 images in [0, 255].

        Shape:
            - output: ``(n, 3, image_size, image_size)``

        Example:
            >>> ToyFaces(5, image_size=8).tensor().shape
            torch.Size([5, 3, 8, 8])

        """
        blocks = [
            self._blocks[k] if k in self._blocks else self._render_block(k)
            for k in range(-(-self.n // _BLOCK))
        ]
        if not blocks:
            return torch.zeros(0, 3, self.image_size, self.image_size, dtype=torch.uint8)
        return torch.cat(blocks)
