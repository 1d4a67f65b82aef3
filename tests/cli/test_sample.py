"""``gankit sample``: deterministic grids, bounded memory, one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

import gankit as gk
from gankit import cli
from gankit.cli import sample


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


def test_sample_writes_a_grid_and_is_deterministic(checkpoint: Path, tmp_path: Path) -> None:
    a, b = tmp_path / "a.png", tmp_path / "b.png"
    assert cli.main(["sample", str(checkpoint), "-n", "9", "--out", str(a), "--seed", "3"]) == 0
    assert cli.main(["sample", str(checkpoint), "-n", "9", "--out", str(b), "--seed", "3"]) == 0
    assert a.read_bytes() == b.read_bytes()
    from PIL import Image

    assert Image.open(a).size == (3 * 16 + 4 * 2, 3 * 16 + 4 * 2)


def test_the_grid_holds_the_generators_samples(checkpoint: Path, tmp_path: Path) -> None:
    """Batched sampling gives sample i of the seed's stream, whatever -n is."""
    import numpy as np
    from PIL import Image

    out = tmp_path / "g.png"
    n = 300  # more than one sampling batch of 256
    assert (
        cli.main(["sample", str(checkpoint), "-n", str(n), "--nrow", "20", "--out", str(out)]) == 0
    )
    grid = torch.from_numpy(np.asarray(Image.open(out).convert("RGB"))).permute(2, 0, 1)
    net = gk.train.load_generator(checkpoint)
    expected = gk.data.float_to_uint8(gk.train.sample_stream(net, latent_dim=4, seed=0)(n))
    for i in (0, 255, 256, n - 1):  # tile i sits at row i // 20, column i % 20
        r, c = divmod(i, 20)
        tile = grid[:, 2 + r * 18 : 2 + r * 18 + 16, 2 + c * 18 : 2 + c * 18 + 16]
        # float_to_uint8 rounds half up; save_image's +0.5 floor may differ by one level
        assert (tile.int() - expected[i].int()).abs().max() <= 1


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


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["-n", "1000000000000"], "over the limit of"),
        (["--device", "meta"], "meta tensors hold no data"),
        (["--device", "nonsense"], "--device must be a torch device"),
        (["--out", "{tmp}/x.png/o.png"], "is a file, not a directory"),
    ],
)
def test_hostile_arguments_give_one_line_errors(
    checkpoint: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    message: str,
) -> None:
    (tmp_path / "x.png").write_bytes(b"a file")
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    if "--out" not in argv:
        argv += ["--out", str(tmp_path / "never.png")]
    assert cli.main(["sample", str(checkpoint), *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("gankit: error:") and message in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "never.png").exists()


def test_the_grid_limit_names_what_fits(checkpoint: Path, tmp_path: Path) -> None:
    fits = sample.MAX_GRID_PIXELS // (18 * 18)
    args = cli.build_parser().parse_args(
        ["sample", str(checkpoint), "-n", str(10**9), "--out", str(tmp_path / "a.png")]
    )
    with pytest.raises(cli.CommandError, match=rf"-n {fits} or fewer fit"):
        sample.run(args)
