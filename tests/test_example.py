"""examples/celeba_dcgan.py runs end to end and writes every promised file."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pytest
import torch

import gankit as gk
from tests.data.celeba_tree import make_official

ROOT = Path(__file__).resolve().parents[1]


def _example() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "celeba_dcgan", ROOT / "examples" / "celeba_dcgan.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


TINY = [
    "--arch",
    "celeba32",
    "--width",
    "4",
    "--batch-size",
    "16",
    "--device",
    "cpu",
    "--log-every",
    "2",
]


def test_toyfaces_run_writes_every_file_and_resumes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    example = _example()
    out = tmp_path / "run"
    args = [*TINY, "--data", "toyfaces", "--toyfaces", "64", "--epochs", "1", "--out", str(out)]
    assert example.main(args) == 0
    printed = capsys.readouterr().out
    assert "Epoch [    1/    1] | d_loss: " in printed
    for name in (
        "samples/epoch-0001.png",
        "samples/final.png",
        "losses.png",
        "metrics.csv",
        "metrics.jsonl",
        "checkpoints/step-00000004.pt",
    ):
        assert (out / name).is_file(), name
    rows = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert rows[-1]["kind"] == "epoch" and rows[-1]["step"] == 4

    # The same --out without --resume is refused: nothing is overwritten.
    assert example.main(args) == 2
    assert "already holds a run" in capsys.readouterr().err

    more = [
        *TINY,
        "--data",
        "toyfaces",
        "--toyfaces",
        "64",
        "--epochs",
        "2",
        "--out",
        str(out),
        "--resume",
    ]
    assert example.main(more) == 0
    assert "Epoch [    2/    2]" in capsys.readouterr().out
    assert gk.train.load_checkpoint(out / "checkpoints")["state"]["step"] == 8


def test_dcgan64_on_a_celeba_tree_and_sampling_cli(tmp_path: Path) -> None:
    example = _example()
    root = make_official(tmp_path / "celeba")
    out = tmp_path / "run"
    args = [
        "--arch",
        "dcgan64",
        "--width",
        "4",
        "--batch-size",
        "4",
        "--device",
        "cpu",
        "--workers",
        "0",
        "--data-root",
        str(root),
        "--epochs",
        "1",
        "--out",
        str(out),
        "--ema",
        "0.9",
        "--label-smoothing",
        "0.9",
    ]
    assert example.main(args) == 0
    grid = tmp_path / "grid.png"
    assert (
        gk.cli.main(
            [
                "sample",
                str(out / "checkpoints"),
                "-n",
                "4",
                "--out",
                str(grid),
                "--ema",
                "--device",
                "cpu",
            ]
        )
        == 0
    )
    from PIL import Image

    assert Image.open(grid).size == (2 * 64 + 3 * 2, 2 * 64 + 3 * 2)


def test_missing_celeba_gives_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    example = _example()
    argv = [*TINY, "--data-root", str(tmp_path / "nowhere"), "--out", str(tmp_path / "o")]
    assert example.main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and "CelebA" in err and "Traceback" not in err


def test_runs_without_matplotlib_and_says_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    example = _example()

    def missing(*args: object, **kwargs: object) -> None:
        raise ImportError(
            "LossPlot needs matplotlib, which is not installed: pip install 'gankit[plot]'"
        )

    monkeypatch.setattr(gk.train.hooks, "LossPlot", missing)
    out = tmp_path / "run"
    assert example.main([*TINY, "--toyfaces", "32", "--epochs", "1", "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert "warning: no losses.png" in err and "gankit[plot]" in err
    assert (out / "samples" / "final.png").exists() and not (out / "losses.png").exists()


def test_a_run_stopped_before_its_first_checkpoint_is_not_overwritten(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    example = _example()
    out = tmp_path / "run"
    out.mkdir()
    (out / "metrics.jsonl").write_text('{"step": 1}\n')
    assert example.main([*TINY, "--toyfaces", "32", "--epochs", "1", "--out", str(out)]) == 2
    assert "already holds a run" in capsys.readouterr().err
    assert (out / "metrics.jsonl").read_text() == '{"step": 1}\n'


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the CPU-only refusal")
def test_cuda_graphs_without_cuda_is_refused_before_anything_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    example = _example()
    out = tmp_path / "run"
    assert example.main([*TINY, "--toyfaces", "32", "--cuda-graphs", "--out", str(out)]) == 2
    assert "cuda_graphs=True needs a CUDA device" in capsys.readouterr().err
    assert not out.exists() or not any(out.rglob("*"))


def test_the_example_is_gankit_train(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The example and ``gankit train`` run the same code: same flags, same checkpoint."""
    example = _example()
    argv = [*TINY, "--toyfaces", "32", "--steps", "2"]
    assert example.main([*argv, "--out", str(tmp_path / "a")]) == 0
    assert gk.cli.main(["train", *argv, "--out", str(tmp_path / "b")]) == 0
    a = gk.train.load_checkpoint(tmp_path / "a" / "checkpoints")
    b = gk.train.load_checkpoint(tmp_path / "b" / "checkpoints")
    for k, v in a["generator"].items():
        assert torch.equal(v, b["generator"][k]), k
