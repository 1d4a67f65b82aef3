"""``gankit fid`` (the other subcommands' tests are in tests/cli/)."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from torch import nn

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


class _TinyExtractor(nn.Module):
    """Stand-in for Inception: mean colour and a few pooled values of [-1, 1] or uint8 images."""

    protocol = "tiny-test-extractor"

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        x = images.float() / 127.5 - 1 if images.dtype == torch.uint8 else images.float()
        return nn.functional.adaptive_avg_pool2d(x, 2).flatten(1)


@pytest.mark.filterwarnings("ignore:only 12 samples")
def test_fid_accepts_folders_caches_statistics_and_checkpoints(
    checkpoint: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(cli.fid, "load_inception", lambda *a, **k: _TinyExtractor())
    root = make_official(tmp_path / "celeba")
    cache = tmp_path / "c.npy"
    assert (
        cli.main(
            [
                "prepare-celeba",
                str(root),
                "--size",
                "16",
                "--out",
                str(cache),
                "--workers",
                "1",
                "--quiet",
            ]
        )
        == 0
    )
    capsys.readouterr()

    common = ["--image-size", "16", "--device", "cpu", "-n", "40"]
    assert cli.main(["fid", str(root / "img_align_celeba"), str(cache), *common]) == 0
    out = capsys.readouterr().out
    value = float(out.split()[1])
    assert value == pytest.approx(0.0, abs=1e-6)  # same images, same preprocessing
    assert "protocol: tiny-test-extractor" in out and "real: 12 samples" in out

    stats = gk.metrics.statistics_from_features(torch.randn(50, 12) + 3)
    npz = tmp_path / "s.npz"
    gk.metrics.save_statistics(npz, stats, key="random")
    assert (
        cli.main(
            ["fid", str(npz), str(checkpoint), *common, "--cache-dir", str(tmp_path / "cache")]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert float(out.split()[1]) > 1.0 and "generated: 40 samples from generator" in out

    assert cli.main(["fid", str(tmp_path / "nothing"), str(cache), *common]) == 2
    assert "does not exist" in capsys.readouterr().err
