from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import torch

from gankit.train.distributed import DistInfo, shard_data

ROOT = Path(__file__).resolve().parents[2]


def _launch(tmp_path: Path, *extra: str) -> list[dict[str, Any]]:
    """Run tests/train/ddp_worker.py on 2 CPU processes (gloo) and return each rank's report."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
        "OMP_NUM_THREADS": "1",
    }
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
           "-m", "tests.train.ddp_worker", str(tmp_path), *extra]  # fmt: skip
    result = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return [torch.load(tmp_path / f"rank{r}.pt", weights_only=True) for r in (0, 1)]


def test_two_process_gloo_run_trains_on_both_ranks_with_identical_weights(tmp_path: Path) -> None:
    r0, r1 = _launch(tmp_path)
    for r in (r0, r1):
        assert (r["step"], r["world"]) == (5, 2)
        assert r["images_seen"] == 5 * 6 * 2  # both ranks' batches counted
    assert r0["epoch"] == r1["epoch"] == 1  # 48 images / 2 ranks / 6 per batch = 4 steps an epoch
    for net in ("generator", "discriminator"):
        for k, v in r0[net].items():
            assert torch.equal(v, r1[net][k]), f"{net}.{k} differs between ranks"
    assert r0["metrics"]["d_loss"] == r1["metrics"]["d_loss"]  # all-reduced


def test_a_stop_asked_on_rank_zero_stops_every_rank_at_the_same_step(tmp_path: Path) -> None:
    r0, r1 = _launch(tmp_path, "stop")  # the hook fires at step 3; ranks agree at the next log step
    assert r0["step"] == r1["step"] == 4


def test_a_nan_on_one_rank_stops_every_rank_and_rank_zero_saves_nothing_after_it(
    tmp_path: Path,
) -> None:
    r0, r1 = _launch(tmp_path, "nan")  # rank 1's g_loss is NaN from step 2 (a log step) on
    assert r1["error"] == [2, "g_loss"]
    assert r0["error"] == [2, "loss on another rank"]  # its own losses were finite
    # step 2's weights got NaN gradients; last.pt names the newest good checkpoint
    assert r0["checkpoints"] == ["last.pt", "step-00000001.pt"]


def test_single_process_data_is_untouched() -> None:
    data = [torch.zeros(1)]
    assert shard_data(data, DistInfo(), seed=0) is data
