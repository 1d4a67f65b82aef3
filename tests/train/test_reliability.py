"""Issue 16's trainer faults: finished runs write nothing, loads are all or nothing,
corrupted files are named, and a NaN stops the run within one step."""

from __future__ import annotations

import copy
import random
import zipfile
from pathlib import Path
from typing import Any

import pytest
import torch
from torch import Tensor

import gankit as gk
from gankit.train import CheckpointError, Hook, TrainState
from gankit.train.hooks import EMA, Checkpoint
from tests.train.nets import tiny_conv_pair


def _faces() -> gk.data.DeviceLoader:
    return gk.data.DeviceLoader(gk.data.ToyFaces(30, image_size=8, seed=0).tensor(), 6, seed=1)


def _trainer(hooks: list[Hook] | None = None, seed: int = 0, **kw: Any) -> gk.Trainer:
    G, D = tiny_conv_pair(seed=seed)
    config = gk.TrainerConfig(device="cpu", seed=7, log_every=kw.pop("log_every", 2))
    return gk.Trainer(G, D, config=config, hooks=hooks or [], **kw)


def _snapshot(trainer: gk.Trainer) -> dict[str, Any]:
    """Everything a load may change, deep-copied."""
    return copy.deepcopy(
        {
            "G": trainer.generator.state_dict(),
            "D": trainer.discriminator.state_dict(),
            "optG": trainer.g_optimizer.state_dict(),
            "optD": trainer.d_optimizer.state_dict(),
            "state": trainer.state.state_dict(),
            "hooks": {type(h).__name__: h.state_dict() for h in trainer.hooks},
            "rng": torch.get_rng_state(),
        }
    )


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, Tensor):
        return isinstance(b, Tensor) and a.shape == b.shape and torch.equal(a, b)
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


# ---------------------------------------------------------------- 16.1 a finished fit writes nothing


def test_rerunning_a_finished_fit_writes_nothing_and_the_run_continues_exactly(
    tmp_path: Path,
) -> None:
    ckpt = tmp_path / "ckpt"
    first = _trainer([Checkpoint(ckpt, every_n_steps=1, keep_last=None)])
    first.fit(_faces(), steps=7)
    files = {p.name: p.read_bytes() for p in ckpt.iterdir()}
    again = _trainer([Checkpoint(ckpt, every_n_steps=1, keep_last=None)], seed=3)
    again.fit(_faces(), steps=7, resume=ckpt)  # the target is reached: nothing to do
    assert {p.name: p.read_bytes() for p in ckpt.iterdir()} == files
    assert gk.train.load_checkpoint(ckpt / "step-00000007.pt")["data"] == {
        "epoch": 1,
        "position": 2,
    }
    again.fit(_faces(), steps=12)
    full = _trainer()
    full.fit(_faces(), steps=12)
    assert _same(full.generator.state_dict(), again.generator.state_dict())


# ---------------------------------------------------------------- 16.3 all or nothing


def _saved(tmp_path: Path, hooks: list[Hook] | None = None) -> tuple[Path, dict[str, Any]]:
    trainer = _trainer(hooks)
    trainer.fit(_faces(), steps=3)
    path = trainer.save(tmp_path / "run.pt")
    return path, dict(gk.train.load_checkpoint(path))


def _rewrite(ckpt: dict[str, Any], path: Path) -> Path:
    """Save an edited checkpoint with fresh checksums (an edit, not a corruption)."""
    from gankit.train.restore import entry_digests

    ckpt = {k: v for k, v in ckpt.items() if k != "checksums"}
    ckpt["checksums"] = entry_digests(ckpt)
    gk.train.atomic_save(ckpt, path)
    return path


def _refused_and_unchanged(trainer: gk.Trainer, path: Path, match: str) -> None:
    before = _snapshot(trainer)
    with pytest.raises(CheckpointError, match=match) as info:
        trainer.load(path)
    assert str(path) in str(info.value)
    assert _same(before, _snapshot(trainer))


def test_an_adam_checkpoint_is_refused_by_sgd_optimizers(tmp_path: Path) -> None:
    path, _ = _saved(tmp_path)
    G, D = tiny_conv_pair(seed=2)
    sgd = gk.Trainer(
        G,
        D,
        config=gk.TrainerConfig(device="cpu"),
        g_optimizer=torch.optim.SGD(G.parameters(), lr=0.1, momentum=0.9),
        d_optimizer=torch.optim.SGD(D.parameters(), lr=0.1, momentum=0.9),
    )
    _refused_and_unchanged(sgd, path, r"saved g_optimizer does not fit.*another kind of optimizer")


def test_a_state_without_its_counters_is_refused(tmp_path: Path) -> None:
    path, ckpt = _saved(tmp_path)
    del ckpt["state"]["epoch"]
    _refused_and_unchanged(_trainer(seed=4), _rewrite(ckpt, path), r"saved state \(counters\)")


def test_garbage_rng_state_is_refused(tmp_path: Path) -> None:
    path, ckpt = _saved(tmp_path)
    ckpt["rng"] = {**ckpt["rng"], "torch": torch.zeros(3, dtype=torch.uint8)}
    _refused_and_unchanged(_trainer(seed=4), _rewrite(ckpt, path), r"saved rng")


def test_ema_weights_of_another_architecture_are_refused(tmp_path: Path) -> None:
    path, ckpt = _saved(tmp_path, [EMA(decay=0.9)])
    other_g, _ = gk.models.dcgan(image_size=8, g_width=6, d_width=4, latent_dim=8)
    ckpt["hooks"]["EMA"]["module"] = gk.models.build_generator(other_g).state_dict()
    trainer = _trainer([EMA(decay=0.9)], seed=4)
    trainer.fit(_faces(), steps=1)  # the average exists and must stay as it is
    _refused_and_unchanged(trainer, _rewrite(ckpt, path), r"saved module of hook EMA.*shape")


def test_a_garbage_data_position_is_refused_before_anything_changes(tmp_path: Path) -> None:
    path, ckpt = _saved(tmp_path)
    ckpt["data"] = {"epoch": 0, "position": 99}
    trainer = _trainer(seed=4)
    before = _snapshot(trainer)
    with pytest.raises(CheckpointError, match=r"saved data position"):
        trainer.fit(_faces(), steps=5, resume=_rewrite(ckpt, path))
    assert _same(before, _snapshot(trainer))


# ---------------------------------------------------------------- 16.4 corruption is named


def _payload_offset(path: Path, member_suffix: str) -> int:
    """Byte offset of a tensor payload inside the checkpoint's zip archive."""
    with zipfile.ZipFile(path) as archive:
        info = next(i for i in archive.infolist() if i.filename.endswith(member_suffix))
        with path.open("rb") as f:
            f.seek(info.header_offset + 26)
            name_len, extra_len = (int.from_bytes(f.read(2), "little") for _ in range(2))
        return int(info.header_offset + 30 + name_len + extra_len)


def test_a_flipped_bit_in_a_weight_is_named_not_loaded(tmp_path: Path) -> None:
    path, _ = _saved(tmp_path)
    data = bytearray(path.read_bytes())
    data[_payload_offset(path, "data/0") + 1] ^= 0x10
    path.write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match=r"corrupted: the data of \w+ does not match"):
        _trainer(seed=4).load(path)


@pytest.mark.slow
def test_bit_flip_trial_every_flip_is_caught_or_harmless(tmp_path: Path) -> None:
    """200 single-bit flips anywhere in a real checkpoint (docs/guide/reliability.rst)."""
    path, _ = _saved(tmp_path, [EMA(decay=0.9)])
    clean = path.read_bytes()
    reference = gk.train.read_checkpoint(path)
    rng = random.Random(0)
    outcomes = {"refused": 0, "identical": 0}
    for _ in range(200):
        data = bytearray(clean)
        i = rng.randrange(len(data))
        data[i] ^= 1 << rng.randrange(8)
        path.write_bytes(bytes(data))
        try:
            loaded = gk.train.read_checkpoint(path)
        except CheckpointError:
            outcomes["refused"] += 1
            continue
        assert _same(dict(loaded), dict(reference)), f"flip at byte {i} loaded changed data"
        outcomes["identical"] += 1
    assert outcomes["refused"] + outcomes["identical"] == 200
    assert outcomes["refused"] > 150  # most bytes are payload


# ---------------------------------------------------------------- 16.10 NaN stops within a step


class _NaNFrom:
    needs_real_logits_for_generator = False

    def __init__(self, bad_from: int) -> None:
        self.inner, self.calls, self.bad_from = gk.losses.NonSaturating(), 0, bad_from

    def discriminator(self, real: Tensor, fake: Tensor) -> Tensor:
        return self.inner.discriminator(real, fake)

    def generator(self, fake: Tensor, real: Tensor | None = None) -> Tensor:
        self.calls += 1
        loss = self.inner.generator(fake)
        return loss * float("nan") if self.calls >= self.bad_from else loss


class _Steps(Hook):
    def __init__(self) -> None:
        self.ended: list[int] = []

    def on_step_end(self, trainer: gk.Trainer, state: TrainState) -> None:
        self.ended.append(state.step)


@pytest.mark.parametrize("log_every", [1, 5, 50])
def test_a_nan_stops_the_run_at_its_step_whatever_the_log_interval(log_every: int) -> None:
    steps = _Steps()
    trainer = _trainer([steps], loss=_NaNFrom(bad_from=3), log_every=log_every)
    with pytest.raises(gk.train.NonFiniteLossError, match="at step 3"):
        trainer.fit(_faces(), steps=20)
    assert trainer.state.step == 3  # on the CPU the record is read right after the step
    assert steps.ended == [1, 2]  # no hook saw the bad step end


# ---------------------------------------------------------------- kill -9 trial

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_kill_9_trial_every_resume_is_bit_exact(tmp_path: Path) -> None:
    """A run killed with SIGKILL 12 times at random moments, resumed each time, ends exactly
    where an uninterrupted run ends (docs/guide/reliability.rst)."""
    import os
    import signal
    import subprocess
    import sys
    import time

    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    cmd = [sys.executable, "-m", "tests.train.kill_worker"]
    steps, kills, rng = 60, 0, random.Random(1)
    subprocess.run([*cmd, str(tmp_path / "full"), str(steps)], env=env, cwd=ROOT, check=True)
    run = tmp_path / "killed"
    while not (run / "final.pt").exists():
        proc = subprocess.Popen([*cmd, str(run), str(steps)], env=env, cwd=ROOT)
        if kills < 12:
            time.sleep(rng.uniform(2.0, 4.0))  # imports take ~2 s, then ~20 steps a second
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                kills += 1
        proc.wait()
    assert kills >= 8  # most kills landed while it was training
    full = torch.load(tmp_path / "full" / "final.pt", weights_only=True)
    killed = torch.load(run / "final.pt", weights_only=True)
    assert _same(full, killed)
