"""``gankit prepare-celeba``: builds a cache; bad input gives one line, never a traceback."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from gankit import cli
from tests.data.celeba_tree import corrupt, make_official


def _argv(root: Path, out: Path, *extra: str) -> list[str]:
    return ["prepare-celeba", str(root), "--size", "16", "--out", str(out), "--workers", "1",
            "--quiet", *extra]  # fmt: skip


def test_prepare_celeba_builds_a_cache(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_official(tmp_path / "celeba")
    out = tmp_path / "celeba16.npy"
    argv = _argv(root, out)
    assert cli.main(argv) == 0
    assert "wrote 12 images (3x16x16, uint8)" in capsys.readouterr().out
    assert np.load(out, mmap_mode="r").shape == (12, 3, 16, 16)
    assert cli.main([*argv[:4], "--size", "8", "--out", str(out), "--quiet"]) == 2  # differs
    assert "gankit: error:" in capsys.readouterr().err
    assert (
        cli.main(["prepare-celeba", str(tmp_path / "nope"), "--out", str(tmp_path / "n.npy")]) == 2
    )
    assert "CelebA" in capsys.readouterr().err


def _one_line_error(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    assert err.startswith("gankit: error:") and err.count("\n") == 1, err
    return err


def test_out_under_a_file_or_a_folder_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_official(tmp_path / "celeba")
    (tmp_path / "file.txt").write_text("user data")
    assert cli.main(_argv(root, tmp_path / "file.txt" / "o.npy")) == 2
    assert "is a file, not a folder" in _one_line_error(capsys)
    assert (tmp_path / "file.txt").read_text() == "user data"
    (tmp_path / "dir.npy").mkdir()
    assert cli.main(_argv(root, tmp_path / "dir.npy")) == 2
    assert "is a folder" in _one_line_error(capsys)


def test_strict_with_a_corrupt_image_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_official(tmp_path / "celeba")
    bad = sorted((root / "img_align_celeba").iterdir())[3]
    corrupt(bad)
    assert cli.main(_argv(root, tmp_path / "c.npy", "--strict")) == 2
    err = _one_line_error(capsys)
    assert bad.name in err and "--strict" in err
    assert cli.main(_argv(root, tmp_path / "c.npy")) == 0  # without --strict: skipped
