"""Smoke tests of benchmarks/: the scripts run on the CPU and write complete JSON reports.

No timing is asserted (numbers on shared CI machines mean nothing); only that every row
is there, finished and positive.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "benchmarks"
META_KEYS = {"date", "command", "device", "device_name", "torch", "gankit", "cpu_cores"}


def run_script(script: str, tmp_path: Path, *args: str) -> dict[str, Any]:
    out = tmp_path / f"{script}.json"
    env = dict(os.environ)
    src = ROOT / "src"
    if src.is_dir():  # test the working tree even when an older gankit is installed
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(src), env.get("PYTHONPATH")]))
    proc = subprocess.run(
        [sys.executable, str(BENCH / f"{script}.py"), *args, "--json", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "|" in proc.stdout  # the Markdown table is printed
    report: dict[str, Any] = json.loads(out.read_text())
    return report


@pytest.fixture(scope="module")
def throughput(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    modes = "ref-jpeg,ref-mem,eager,channels-last,bf16-cl,cuda-graphs"
    tmp = tmp_path_factory.mktemp("tp")
    args = ("--quick", "--device", "cpu", "--threads", "1", "--modes", modes)
    return run_script("throughput", tmp, *args)


def import_script(name: str) -> Any:
    """Import a benchmark script (and its sibling modules) without leaving BENCH on sys.path."""
    sys.path.insert(0, str(BENCH))
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(str(BENCH))


@pytest.fixture
def one_thread() -> Iterator[None]:
    """The in-process runs pass --threads 1 (robust on busy CI cores); restore afterwards."""
    threads = torch.get_num_threads()
    yield
    torch.set_num_threads(threads)


def test_throughput_rows_complete_and_positive(throughput: dict[str, Any]) -> None:
    assert throughput["meta"].keys() >= META_KEYS
    assert throughput["meta"]["device"] == "cpu"
    rows = [r for r in throughput["results"] if r["mode"] != "cuda-graphs"]
    assert {r["mode"] for r in rows} == {"ref-jpeg", "ref-mem", "eager", "channels-last", "bf16-cl"}
    for row in rows:
        assert row["status"] == "ok", row
        assert row["preset"] == "celeba32"
        assert row["batch_size"] == 8
        for key in ("images_per_s", "step_ms", "flops_per_image", "time_to_first_step_s"):
            assert row[key] > 0, (key, row)
        assert len(row["window_images_per_s"]) == throughput["config"]["windows"]
        assert row["mfu"] is None  # no CPU peak table
        assert row["peak_mem_mib"] is None  # GPU only
        assert row["vs_ref_mem"] > 0
        assert row["vs_ref_jpeg"] > 0


def test_throughput_uses_one_model_flop_count_for_every_mode(throughput: dict[str, Any]) -> None:
    rows = [r for r in throughput["results"] if r["status"] == "ok"]
    assert len({r["flops_per_image"] for r in rows}) == 1
    executed = {r["family"]: r["executed_flops_per_image"] for r in rows}
    # the reference also computes D's weight gradients in its generator step
    assert executed["gankit"] == rows[0]["flops_per_image"] < executed["reference"]


def test_throughput_reports_gpu_targets_as_not_measured_on_cpu(
    throughput: dict[str, Any],
) -> None:
    gpu = [t for t in throughput["targets"] if t["target"].startswith("H100")]
    assert len(gpu) == 3
    assert all(t["met"] is None for t in gpu)
    cpu = [t for t in throughput["targets"] if t["target"].startswith("CPU")]
    assert all(isinstance(t["met"], bool) for t in cpu)


def test_throughput_skips_cuda_graphs_on_the_cpu(throughput: dict[str, Any]) -> None:
    (row,) = [r for r in throughput["results"] if r["mode"] == "cuda-graphs"]
    assert (row["status"], row["note"]) == ("skipped", "CUDA graphs need a CUDA device")
    assert "images_per_s" not in row


@pytest.mark.usefixtures("one_thread")
def test_sanity_compares_bf16_with_fp32(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["--quick", "--sanity", "--device", "cpu", "--threads", "1", "--sanity-steps", "4"]
    report = import_script("throughput").main(args)
    assert "bf16" in capsys.readouterr().out
    (row,) = report["sanity"]
    assert row["mode"] == "bf16"
    assert row["steps"] == 4
    for key in ("max_rel_dev_d_loss", "max_rel_dev_g_loss", "fp32_noise_floor"):
        assert 0 <= row[key] < 1, (key, row)
    assert row["allowed"] >= row["tolerance"]
    assert isinstance(row["ok"], bool)


@pytest.mark.usefixtures("one_thread")
def test_data_path_rows_complete_and_positive(tmp_path: Path) -> None:
    json_path = tmp_path / "data_path.json"
    args = ["--quick", "--device", "cpu", "--threads", "1", "--json", str(json_path)]
    import_script("data_path").main(args)
    report = json.loads(json_path.read_text())
    assert report["meta"].keys() >= META_KEYS
    groups = {r["group"] for r in report["results"]}
    assert groups == {"decode", "cache", "loader", "fid"}
    for row in report["results"]:
        if row["status"] == "skipped":  # only FID may be skipped (gankit.metrics missing)
            assert row["group"] == "fid", row
            continue
        assert row["status"] == "ok", row
        assert row["images_per_s"] > 0, row


def test_op_count_counts_a_training_steps_operations(capsys: pytest.CaptureFixture[str]) -> None:
    rows = import_script("op_count").main(
        ["--presets", "celeba32", "--modes", "eager,bf16-cl", "--batch-size", "4", "--steps", "1"]
    )
    ops = {r["mode"]: r["ops"] for r in rows}
    assert 100 < ops["eager"] < 2000
    assert ops["bf16-cl"] > ops["eager"]  # autocast adds the casts
    assert "| celeba32 | 4 | eager |" in capsys.readouterr().out
    with pytest.raises(SystemExit, match="eager gankit modes"):
        import_script("op_count").main(["--modes", "cuda-graphs"])
