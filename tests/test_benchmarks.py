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


@pytest.fixture(scope="module")
def quality(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Path, list[str]]:
    out = tmp_path_factory.mktemp("quality")
    args = [
        "--quick", "--extractor", "random", "--threads", "1", "--augment", "none,ada",
        "--out", str(out), "--cache-dir", str(out / "cache"), "--json", str(out / "q.json"),
    ]  # fmt: skip
    threads = torch.get_num_threads()
    try:
        report: dict[str, Any] = import_script("quality").main(args)
    finally:
        torch.set_num_threads(threads)
    return report, out, args


def test_quality_quick_runs_every_recipe_and_writes_each_run(
    quality: tuple[dict[str, Any], Path, list[str]],
) -> None:
    report, out, _ = quality
    assert report["meta"].keys() >= META_KEYS
    runs = report["runs"]
    assert {(r["recipe"], r["augment"]) for r in runs} == {
        (recipe, augment) for recipe in ("dcgan", "sngan", "r3gan") for augment in ("none", "ada")
    }
    assert {r["seed"] for r in runs} == {0}  # --quick: one seed
    for r in runs:
        # every D update saw a batch of real images: n_critic per G step
        assert r["d_images"] == r["steps"] * r["n_critic"] * r["batch_size"], r
        assert r["kid_subset_size"] == min(r["fake"], r["real"])
        assert torch.isfinite(torch.tensor([r["kid"], r["fid"]])).all(), r
        assert (r["ada_p"] is None) == (r["augment"] == "none")
        assert (out / "per-run" / f"{r['name']}.json").exists()
        assert (out / "per-run" / f"{r['name']}.png").exists()
    assert json.loads((out / "q.json").read_text())["rows"] == report["rows"]
    assert len(report["rows"]) == 6  # one row per (data, recipe, augment), seeds pooled


def test_quality_rerun_skips_finished_runs(
    quality: tuple[dict[str, Any], Path, list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    report, out, args = quality
    stamps = {p: p.stat().st_mtime_ns for p in (out / "per-run").glob("*.json")}
    threads = torch.get_num_threads()
    try:
        again = import_script("quality").main(args)
    finally:
        torch.set_num_threads(threads)
    assert "to run" not in capsys.readouterr().out
    assert {p: p.stat().st_mtime_ns for p in stamps} == stamps
    assert again["runs"] == report["runs"]
    # the total run time still counts the runs read back; this invocation's does not
    assert again["run_s_total"] == report["run_s_total"] > again["wall_s_this_invocation"]


def _run(recipe: str, augment: str, seed: int, kid: float) -> dict[str, Any]:
    return {
        "recipe": recipe, "augment": augment, "data": 1000, "seed": seed, "kid": kid,
        "fid": 10 * kid, "steps": 5, "d_images": 160, "train_s": 1.0, "ada_p": 0.5,
    }  # fmt: skip


def test_quality_verdict_needs_the_seed_ranges_apart() -> None:
    summarize = import_script("quality").summarize
    runs = [
        _run("dcgan", "none", 0, 0.050), _run("dcgan", "none", 1, 0.040),
        _run("dcgan", "diffaug", 0, 0.030), _run("dcgan", "diffaug", 1, 0.035),  # apart
        _run("dcgan", "ada", 0, 0.020), _run("dcgan", "ada", 1, 0.045),  # overlapping
    ]  # fmt: skip
    rows = {r["augment"]: r for r in summarize(runs)}
    assert rows["none"]["beats_twin"] is None
    assert rows["diffaug"]["beats_twin"] is True
    assert rows["ada"]["beats_twin"] is False  # better mean, but within the seed spread
    assert rows["diffaug"]["kid_delta"] == pytest.approx(0.0325 - 0.045)
    assert (rows["none"]["kid_min"], rows["none"]["kid_max"]) == (0.040, 0.050)
    assert not rows["ada"]["augment_off"]


def test_quality_verdict_needs_a_gain_wider_than_the_spread() -> None:
    summarize = import_script("quality").summarize
    runs = [
        _run("sngan", "none", 0, 0.050), _run("sngan", "none", 1, 0.040),
        _run("sngan", "diffaug", 0, 0.038), _run("sngan", "diffaug", 1, 0.039),
    ]  # fmt: skip
    rows = {r["augment"]: r for r in summarize(runs)}
    # the ranges are apart, but the means differ by 0.0065, less than the 0.010 spread
    assert rows["diffaug"]["beats_twin"] is False


def test_quality_verdict_says_when_ada_ended_without_augmenting() -> None:
    quality = import_script("quality")
    runs = [_run("r3gan", "none", s, 0.05 + s / 100) for s in (0, 1)]
    runs += [{**_run("r3gan", "ada", s, 0.01 + s / 100), "ada_p": 0.0} for s in (0, 1)]
    rows = {r["augment"]: r for r in quality.summarize(runs)}
    assert rows["ada"]["beats_twin"] is True and rows["ada"]["augment_off"] is True
    assert "yes (p = 0 at the end: not augmentation's doing)" in quality.markdown(
        list(rows.values())
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--steps", "gan=3"], "RECIPE=STEPS"),
        (["--augment", "mixup"], "expected some of none, diffaug, ada"),
        (["--data", "2", "--batch-size", "4"], "--data sizes must be >= --batch-size 4"),
        (["--fake", "1"], "--fake must be >= 2"),
    ],
)
def test_quality_rejects_bad_arguments(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        import_script("quality").parse_args(argv)
    assert message in capsys.readouterr().err
