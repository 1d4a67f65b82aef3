"""Checkpoint hook: the umask's file mode, last.pt, and no stale temporaries."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

import gankit as gk
from gankit.train.hooks import Checkpoint
from gankit.train.hooks import checkpointing as module
from tests.train.nets import fit_with_hooks, image_loader, make_trainer, tiny_conv_pair


def _trainer(hook: Checkpoint) -> gk.Trainer:
    G, D = tiny_conv_pair()
    return gk.Trainer(G, D, config=gk.TrainerConfig(device="cpu", log_every=2), hooks=[hook])


@pytest.fixture
def umask() -> Iterator[None]:
    old = os.umask(0o022)
    yield
    os.umask(old)


@pytest.mark.usefixtures("umask")
@pytest.mark.parametrize(("mask", "mode"), [(0o022, 0o644), (0o027, 0o640), (0o077, 0o600)])
def test_files_get_the_umasks_usual_mode(tmp_path: Path, mask: int, mode: int) -> None:
    """Checkpoints were 0600 (tempfile.mkstemp's mode) whatever the umask."""
    os.umask(mask)
    _trainer(Checkpoint(tmp_path, every_n_steps=2)).fit(image_loader(), steps=2)
    for p in (tmp_path / "step-00000002.pt", tmp_path / "last.pt"):
        assert stat.S_IMODE(p.stat().st_mode) == mode, p.name
    assert stat.S_IMODE(gk.train.atomic_save({}, tmp_path / "x.pt").stat().st_mode) == mode


def _same_file(a: Path, b: Path) -> bool:
    return a.read_bytes() == b.read_bytes()


def test_last_pt_always_names_the_newest_checkpoint(tmp_path: Path) -> None:
    class Check(gk.train.Hook):
        def __init__(self) -> None:
            self.seen: list[int] = []

        def on_step_end(self, trainer: gk.Trainer, state: gk.train.TrainState) -> None:
            if (tmp_path / "last.pt").exists():
                newest = gk.train.latest_checkpoint(tmp_path)
                assert newest is not None and _same_file(tmp_path / "last.pt", newest)
                self.seen.append(gk.train.load_checkpoint(tmp_path / "last.pt")["state"]["step"])

    hook = Checkpoint(tmp_path, every_n_steps=2, keep_last=1)
    G, D = tiny_conv_pair()
    check = Check()
    trainer = gk.Trainer(G, D, config=gk.TrainerConfig(device="cpu"), hooks=[hook, check])
    trainer.fit(image_loader(), steps=7)
    assert check.seen == [2, 2, 4, 4, 6, 6]  # checked at every step from the first save on
    assert sorted(p.name for p in tmp_path.iterdir()) == ["last.pt", "step-00000007.pt"]
    assert gk.train.load_checkpoint(tmp_path / "last.pt")["state"]["step"] == 7
    assert gk.train.latest_checkpoint(tmp_path) == tmp_path / "step-00000007.pt"
    if hasattr(os, "link"):  # a hard link: no second copy on disk
        assert os.path.samefile(tmp_path / "last.pt", tmp_path / "step-00000007.pt")
    resumed = _trainer(Checkpoint(tmp_path))
    resumed.load(tmp_path / "last.pt")
    assert resumed.state.step == 7


def test_last_pt_is_a_copy_where_hard_links_fail(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_link(*args: object) -> None:
        raise OSError("hard links not supported")

    monkeypatch.setattr(module.os, "link", no_link)
    _trainer(Checkpoint(tmp_path, every_n_steps=2)).fit(image_loader(), steps=2)
    assert _same_file(tmp_path / "last.pt", tmp_path / "step-00000002.pt")
    assert not os.path.samefile(tmp_path / "last.pt", tmp_path / "step-00000002.pt")
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_stale_temporaries_of_killed_writes_are_removed_on_start(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """kill -9 during a write left .step-*.pt.*.tmp files that nothing cleaned."""
    tmp_path.mkdir(exist_ok=True)
    stale = [".step-00000004.pt.a1b2c3.tmp", ".last.pt.4242.tmp", ".best.pt.tmp"]
    kept = ["notes.txt", ".step-00000004.pt", "step-00000001.pt.bak", ".hidden.tmp"]
    for name in [*stale, *kept]:
        (tmp_path / name).write_bytes(b"x")
    _trainer(Checkpoint(tmp_path, every_n_steps=2)).fit(image_loader(), steps=2)
    names = {p.name for p in tmp_path.iterdir()}
    assert not names & set(stale)
    assert set(kept) <= names
    assert "removed 3 unfinished temporary file(s)" in capsys.readouterr().err


def test_resume_from_the_directory_still_uses_step_files(tmp_path: Path) -> None:
    _trainer(Checkpoint(tmp_path, every_n_steps=2)).fit(image_loader(), steps=4)
    trainer = _trainer(Checkpoint(tmp_path, every_n_steps=2))
    trainer.fit(image_loader(), steps=6, resume=tmp_path)
    assert gk.train.load_checkpoint(tmp_path / "last.pt")["state"]["step"] == 6


def test_abandoned_branch_moves_last_pt_back(tmp_path: Path) -> None:
    _trainer(Checkpoint(tmp_path, every_n_steps=2, keep_last=None)).fit(image_loader(), steps=4)
    trainer = _trainer(Checkpoint(tmp_path, every_n_steps=2, keep_last=None))
    trainer.load(tmp_path / "step-00000002.pt")
    hook = next(h for h in trainer.hooks if isinstance(h, Checkpoint))
    hook.on_fit_start(trainer, trainer.state)  # steps 4 moved aside: 2 is the newest again
    assert (tmp_path / "abandoned-after-step-00000002" / "step-00000004.pt").is_file()
    assert _same_file(tmp_path / "last.pt", tmp_path / "step-00000002.pt")


def test_checkpoint_retention_and_best(tmp_path: Path) -> None:
    class FakeMetric(gk.train.Hook):
        def on_log(
            self, trainer: gk.Trainer, state: gk.train.TrainState, metrics: dict[str, float]
        ) -> None:
            metrics["score"] = {2: 5.0, 4: 3.0, 6: 4.0, 8: 6.0}[state.step]

    hook = Checkpoint(tmp_path, every_n_steps=2, keep_last=2, monitor="score", mode="min")
    fit_with_hooks([FakeMetric(), hook], steps=8)
    assert sorted(p.name for p in tmp_path.glob("step-*.pt")) == [
        "step-00000006.pt",
        "step-00000008.pt",
    ]
    best = gk.train.load_checkpoint(tmp_path / "best.pt")
    assert best["state"]["step"] == 4 and hook.best == 3.0


def test_resume_moves_an_abandoned_branchs_checkpoints_aside(tmp_path: Path) -> None:
    make_trainer([Checkpoint(tmp_path, every_n_steps=2, every_n_epochs=None, keep_last=None)]).fit(
        image_loader(), steps=6
    )
    resumed = make_trainer(
        [Checkpoint(tmp_path, every_n_steps=2, every_n_epochs=None, keep_last=None)]
    )
    resumed.fit(image_loader(), steps=3, resume=tmp_path / "step-00000002.pt")
    names = sorted(p.name for p in tmp_path.glob("step-*.pt"))
    assert names == ["step-00000002.pt", "step-00000003.pt"]
    aside = sorted(p.name for p in (tmp_path / "abandoned-after-step-00000002").iterdir())
    assert aside == ["step-00000004.pt", "step-00000006.pt"]
    assert gk.train.latest_checkpoint(tmp_path) == tmp_path / "step-00000003.pt"
