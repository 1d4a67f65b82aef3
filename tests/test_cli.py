"""The ``gankit`` command: help, sample, prepare-celeba and one-line errors (fid: tests/cli)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

import gankit as gk
from gankit import cli
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


def test_help_for_every_subcommand(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["--help"], ["sample", "--help"], ["prepare-celeba", "--help"], ["fid", "--help"]):
        with pytest.raises(SystemExit) as e:
            cli.main(argv)
        assert e.value.code == 0
        assert "usage: gankit" in capsys.readouterr().out
    assert (
        subprocess.run(
            [sys.executable, "-m", "gankit", "--version"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        == f"gankit {gk.__version__}"
    )


def test_sample_writes_a_grid_and_is_deterministic(checkpoint: Path, tmp_path: Path) -> None:
    a, b = tmp_path / "a.png", tmp_path / "b.png"
    assert cli.main(["sample", str(checkpoint), "-n", "9", "--out", str(a), "--seed", "3"]) == 0
    assert cli.main(["sample", str(checkpoint), "-n", "9", "--out", str(b), "--seed", "3"]) == 0
    assert a.read_bytes() == b.read_bytes()
    from PIL import Image

    assert Image.open(a).size == (3 * 16 + 4 * 2, 3 * 16 + 4 * 2)


def test_sample_errors_are_one_line(
    checkpoint: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "x.png"
    out.write_bytes(b"user data")
    assert cli.main(["sample", str(checkpoint), "--out", str(out)]) == 2
    assert "exists; pass --force" in capsys.readouterr().err
    assert out.read_bytes() == b"user data"
    assert cli.main(["sample", str(checkpoint), "--ema", "--out", str(tmp_path / "y.png")]) == 2
    assert "no EMA weights" in capsys.readouterr().err
    assert cli.main(["sample", str(tmp_path / "missing.pt")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("gankit: error:") and "missing.pt" in err and "Traceback" not in err
    if not torch.cuda.is_available():
        assert (
            cli.main(
                ["sample", str(checkpoint), "--device", "cuda", "--out", str(tmp_path / "z.png")]
            )
            == 2
        )
        assert "this machine has 0 CUDA device(s)" in capsys.readouterr().err
    assert cli.main(["sample", str(tmp_path / "x.png")]) == 2  # not a checkpoint at all
    assert "not a PyTorch checkpoint file" in capsys.readouterr().err
    with pytest.raises(SystemExit) as e:
        cli.main(["sample", str(checkpoint), "-n", "0"])
    assert e.value.code == 2
    assert "must be a positive integer, got 0" in capsys.readouterr().err


def test_prepare_celeba_builds_a_cache(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_official(tmp_path / "celeba")
    out = tmp_path / "celeba16.npy"
    argv = [
        "prepare-celeba",
        str(root),
        "--size",
        "16",
        "--out",
        str(out),
        "--workers",
        "1",
        "--quiet",
    ]
    assert cli.main(argv) == 0
    assert "wrote 12 images (3x16x16, uint8)" in capsys.readouterr().out
    assert np.load(out, mmap_mode="r").shape == (12, 3, 16, 16)
    assert cli.main([*argv[:4], "--size", "8", "--out", str(out), "--quiet"]) == 2  # differs
    assert "gankit: error:" in capsys.readouterr().err
    assert (
        cli.main(["prepare-celeba", str(tmp_path / "nope"), "--out", str(tmp_path / "n.npy")]) == 2
    )
    assert "CelebA" in capsys.readouterr().err
