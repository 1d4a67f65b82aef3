from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import torch

from gankit.train.distributed import DistInfo, shard_data

ROOT = Path(__file__).resolve().parents[2]


def test_two_process_gloo_run_trains_on_both_ranks_with_identical_weights(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
        "OMP_NUM_THREADS": "1",
    }
    cmd = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        "--nproc_per_node=2",
        "-m",
        "tests.train.ddp_worker",
        str(tmp_path),
    ]
    result = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    r0 = torch.load(tmp_path / "rank0.pt", weights_only=True)
    r1 = torch.load(tmp_path / "rank1.pt", weights_only=True)
    for r in (r0, r1):
        assert (r["step"], r["world"]) == (5, 2)
        assert r["images_seen"] == 5 * 6 * 2  # both ranks' batches counted
    assert r0["epoch"] == r1["epoch"] == 1  # 48 images / 2 ranks / 6 per batch = 4 steps an epoch
    for net in ("generator", "discriminator"):
        for k, v in r0[net].items():
            assert torch.equal(v, r1[net][k]), f"{net}.{k} differs between ranks"
    assert r0["metrics"]["d_loss"] == r1["metrics"]["d_loss"]  # all-reduced


def test_single_process_data_is_untouched() -> None:
    data = [torch.zeros(1)]
    assert shard_data(data, DistInfo(), seed=0) is data
