"""``gankit train``: the example's feature set as a packaged subcommand."""

from __future__ import annotations

import json
import re
import shlex
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import torch

import gankit as gk
from gankit import cli
from gankit.cli import train

TINY = ["--arch", "celeba32", "--width", "4", "--batch-size", "16", "--device", "cpu",
        "--log-every", "2", "--data", "toyfaces", "--toyfaces", "64"]  # fmt: skip


def test_a_toyfaces_run_writes_every_file_and_resumes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "run"
    argv = ["train", *TINY, "--epochs", "1", "--out", str(out)]
    assert cli.main(argv) == 0
    printed = capsys.readouterr().out
    assert "celeba32 (32x32) on ToyFaces (4 batches of 16)" in printed
    assert "Epoch [    1/    1] | d_loss: " in printed
    for name in ("samples/epoch-0001.png", "samples/final.png", "losses.png", "metrics.csv",
                 "metrics.jsonl", "checkpoints/step-00000004.pt", "checkpoints/last.pt"):  # fmt: skip
        assert (out / name).is_file(), name
    assert cli.main(argv) == 2  # the same --out without --resume is refused
    assert "already holds a run; pass --resume" in capsys.readouterr().err
    assert cli.main(["train", *TINY, "--epochs", "2", "--out", str(out), "--resume"]) == 0
    assert "Epoch [    2/    2]" in capsys.readouterr().out
    assert gk.train.load_checkpoint(out / "checkpoints" / "last.pt")["state"]["step"] == 8


def test_steps_target_and_recipe_defaults(tmp_path: Path) -> None:
    out = tmp_path / "run"
    assert cli.main(["train", *TINY, "--steps", "3", "--out", str(out)]) == 0
    ckpt = gk.train.load_checkpoint(out / "checkpoints")
    assert ckpt["state"]["step"] == 3
    recipe = gk.recipes.recipe("celeba32")
    group = ckpt["g_optimizer"]["param_groups"][0]
    assert (
        group["lr"] == recipe.trainer["lr_g"] and tuple(group["betas"]) == recipe.trainer["betas"]
    )


def test_flags_override_the_recipe(tmp_path: Path) -> None:
    args = train.build_example_parser().parse_args(
        [
            *TINY,
            "--image-size",
            "16",
            "--nz",
            "8",
            "--g-width",
            "3",
            "--d-width",
            "5",
            "--loss",
            "hinge",
            "--lr-g",
            "1e-4",
            "--beta2",
            "0.99",
            "--n-critic",
            "2",
        ]
    )
    r = train._recipe(args)
    assert (r.generator.image_size, r.generator.latent_dim, r.generator.width) == (16, 8, 3)
    assert (r.discriminator.image_size, r.discriminator.width) == (16, 5)
    assert type(train._loss(args, r)).__name__ == "Hinge"
    over = train._trainer_overrides(args, r, torch.device("cpu"))
    assert over["lr_g"] == 1e-4 and "lr_d" not in over
    assert over["betas"] == (r.trainer["betas"][0], 0.99) and over["n_critic"] == 2


@pytest.mark.parametrize("name", sorted(train.LOSSES))
def test_every_loss_choice_builds_its_class(name: str) -> None:
    args = train.build_example_parser().parse_args(["--loss", name])
    loss = train._loss(args, gk.recipes.recipe("dcgan64"))
    assert type(loss) is getattr(gk.losses, train.LOSSES[name])


def test_label_smoothing_needs_the_bce_loss() -> None:
    args = train.build_example_parser().parse_args(["--label-smoothing", "0.9"])
    loss = train._loss(args, gk.recipes.recipe("dcgan64"))
    assert isinstance(loss, gk.losses.NonSaturating) and loss.real_target == 0.9
    args = train.build_example_parser().parse_args(["--label-smoothing", "0.9", "--loss", "hinge"])
    with pytest.raises(cli.CommandError, match="needs --loss non-saturating"):
        train._loss(args, gk.recipes.recipe("dcgan64"))


def test_dry_run_trains_one_step_and_leaves_out_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    out = tmp_path / "run"
    assert cli.main(["train", *TINY, "--out", str(out), "--dry-run"]) == 0
    assert "dry run: everything built and one step trained" in capsys.readouterr().out
    assert not out.exists()
    assert not list((tmp_path / "tmp").glob("gankit-dry-run-*"))  # its folder is removed
    assert cli.main(["train", *TINY, "--steps", "2", "--out", str(out)]) == 0
    before = sorted(p.name for p in (out / "checkpoints").iterdir())
    argv = ["train", *TINY, "--steps", "3", "--out", str(out), "--resume", "--dry-run"]
    assert cli.main(argv) == 0  # a resume that works, tried without writing
    assert sorted(p.name for p in (out / "checkpoints").iterdir()) == before


def test_init_from_starts_from_saved_nets(tmp_path: Path) -> None:
    first = tmp_path / "first"
    assert cli.main(["train", *TINY, "--steps", "2", "--out", str(first)]) == 0
    saved = gk.train.load_checkpoint(first / "checkpoints")
    second = tmp_path / "second"
    args = train.build_example_parser().parse_args(
        [*TINY, "--init-from", str(first / "checkpoints"), "--out", str(second)]
    )
    r = train._recipe(args)
    G, D = r.build()
    train._init_from(args.init_from, G, D)
    for k, v in G.state_dict().items():
        assert torch.equal(v, saved["generator"][k]), k
    wrong = train.build_example_parser().parse_args([*TINY, "--width", "8"])
    G8, D8 = train._recipe(wrong).build()
    with pytest.raises(gk.train.CheckpointError, match="does not fit"):
        train._init_from(str(first / "checkpoints"), G8, D8)
    assert cli.main(["train", *TINY, "--width", "8", "--init-from",
                     str(first / "checkpoints"), "--out", str(second), "--steps", "1"]) == 2  # fmt: skip


def test_fewer_images_than_one_batch_names_both_numbers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """100 images with --batch-size 128 blamed a 'one-shot iterator'."""
    argv = ["train", *TINY, "--toyfaces", "100", "--batch-size", "128", "--out", str(tmp_path)]
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert "holds 100 images, fewer than one batch of --batch-size 128" in err
    assert "--batch-size 100 or smaller" in err and err.count("\n") == 1


def test_default_workers_is_at_most_four() -> None:
    args = train.build_example_parser().parse_args([])
    assert 1 <= args.workers <= 4 and args.workers == train.default_workers()
    cores = len(__import__("os").sched_getaffinity(0))
    assert args.workers == min(4, cores)


def test_resume_command() -> None:
    assert train.resume_command(["gankit", "train"], ["--epochs", "3", "--out", "my run"]) == (
        "gankit train --epochs 3 --out 'my run' --resume"
    )
    assert train.resume_command(
        ["python", "ex.py"], ["--resume", "a.pt", "--init-from", "b", "--dry-run", "--seed", "1"]
    ) == ("python ex.py --seed 1 --resume")
    assert train.resume_command(["g"], ["--resume", "--seed", "1"]) == "g --seed 1 --resume"


def test_out_that_is_a_file_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "f").write_text("user data")
    assert cli.main(["train", *TINY, "--out", str(tmp_path / "f")]) == 2
    assert "is a file, not a directory" in capsys.readouterr().err
    assert (tmp_path / "f").read_text() == "user data"


def test_metrics_log_of_the_run(tmp_path: Path) -> None:
    out = tmp_path / "run"
    assert cli.main(["train", *TINY, "--epochs", "1", "--out", str(out)]) == 0
    rows = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert rows[-1]["kind"] == "epoch" and rows[-1]["step"] == 4


@pytest.mark.parametrize(("signum", "status"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_an_interrupt_saves_says_where_and_how_to_resume_and_fails(
    tmp_path: Path, signum: int, status: int
) -> None:
    """Ctrl-C printed 'done' and exited 0; SIGTERM (sent by schedulers) was not handled."""
    out = tmp_path / "run"
    argv = ["train", *TINY, "--steps", "100000", "--out", str(out), "--progress-every", "0"]
    process = subprocess.Popen(
        [sys.executable, "-m", "gankit", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
    )
    assert process.stdout is not None
    for line in process.stdout:  # a progress line per step: training has started
        if ", step " in line:
            break
    process.send_signal(signum)
    _, err = process.communicate(timeout=300)
    assert process.returncode == status, err
    last = err.strip().splitlines()[-1]
    match = re.fullmatch(r"interrupted at step (\d+); checkpoint: (\S+); resume with: (.+)", last)
    assert match is not None, err
    step, checkpoint, command = int(match[1]), Path(match[2]), match[3]
    assert step >= 1 and checkpoint.parent == out / "checkpoints"
    saved = gk.train.load_checkpoint(checkpoint)
    assert saved["state"]["step"] == step  # the step printed is the step saved
    assert gk.train.load_checkpoint(out / "checkpoints" / "last.pt")["state"]["step"] == step
    assert "done:" not in err
    words = shlex.split(command)
    assert words[:2] == ["gankit", "train"] and words[-1] == "--resume"
    if signum == signal.SIGINT:  # the printed command continues the run
        words = [w if w != "100000" else str(step + 1) for w in words]
        result = subprocess.run(
            [sys.executable, "-m", "gankit", *words[1:]],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        assert gk.train.load_checkpoint(out / "checkpoints")["state"]["step"] == step + 1


def test_the_recipes_own_hooks_are_used(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A recipe's schedule (R3GAN's) must run under ``gankit train`` too."""
    seen: list[list[str]] = []
    real = gk.Trainer.__init__

    def record(self: gk.Trainer, *args: object, **kwargs: object) -> None:
        seen.append([type(h).__name__ for h in kwargs["hooks"]])  # type: ignore[union-attr]
        real(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(gk.Trainer, "__init__", record)
    argv = ["train", "--arch", "r3gan32", "--toyfaces", "16", "--batch-size", "8",
            "--device", "cpu", "--dry-run", "--out", str(tmp_path / "run")]  # fmt: skip
    assert cli.main(argv) == 0
    assert seen and seen[0][0] == "R3GANSchedule" and "Checkpoint" in seen[0]


@pytest.mark.parametrize(("flag", "kind"), [("diffaug", "DiffAugment"), ("ada", "AdaptiveAugment")])
def test_augment_flag_trains_through_the_augmentation(tmp_path: Path, flag: str, kind: str) -> None:
    out = tmp_path / "run"
    argv = ["train", *TINY, "--steps", "2", "--out", str(out), "--augment", flag,
            "--augment-policy", "translation,cutout"]  # fmt: skip
    assert cli.main(argv) == 0
    ckpt = gk.train.load_checkpoint(out / "checkpoints")
    assert "augment" in ckpt["step"]  # the augmentation's state is part of the run
    expected = (
        {"p"} if kind == "DiffAugment" else {"augment.p", "sign_sum", "count", "batches", "rt"}
    )
    assert set(ckpt["step"]["augment"]) == expected


def test_a_bad_augment_policy_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["train", *TINY, "--steps", "1", "--out", str(tmp_path / "r"), "--augment", "diffaug",
            "--augment-policy", "rotate"]  # fmt: skip
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert "--augment-policy: DiffAugment policy must name some of color" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("rank", [0, 1])
def test_under_torchrun_one_rank_reports_and_an_epoch_is_this_ranks_shard(
    rank: int, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # the CLI's view of a 2-rank run (the Trainer itself runs single-process here; the real
    # 2-process runs are in tests/train/test_distributed.py)
    info = gk.train.DistInfo(rank=rank, world_size=2)
    monkeypatch.setattr(gk.train.distributed, "init_from_env", lambda device: info)
    assert cli.main(["train", *TINY, "--steps", "2", "--out", str(tmp_path / "run")]) == 0
    printed = capsys.readouterr().out
    if rank == 0:  # 64 faces / 16 per batch / 2 ranks
        assert "on ToyFaces (2 batches of 16 on each of 2 ranks)" in printed
        assert printed.count("gankit ") == printed.count("done: ") == 1
    else:
        assert "gankit " not in printed and "done: " not in printed
