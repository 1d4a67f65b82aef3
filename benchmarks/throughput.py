"""Training throughput of gankit against the plain-PyTorch DCGAN example, in one process.

For each preset and batch size every mode is built once (time to first step and peak
memory are measured then), warmed up, and then timed in interleaved windows (mode A,
B, C, ..., then again, rotating the order each round) of ``--steps`` training steps; the
median window gives images/s. Model FLOPs are counted with
``torch.utils.flop_counter.FlopCounterMode`` on one real training step; model FLOP
utilisation (MFU) divides the achieved FLOP/s by the device's dense peak (a table of
NVIDIA data-sheet values; CPUs and unknown GPUs get none). ``--sanity`` instead trains
fp32 eager and each fast mode from the same seed and compares the running mean losses.

Run from the repository root, e.g.::

    python benchmarks/throughput.py --device cuda --json results/throughput.json
    python benchmarks/throughput.py --quick --device cpu      # CI smoke test, seconds
"""

from __future__ import annotations

import argparse
import functools
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import bench_utils as bu
import reference_dcgan as ref
import sanity as sanity_check
import torch
from runners import MODES, Case, GankitRunner, Runner, build_runner, count_flops

QUICK: dict[str, Any] = {
    "presets": ["celeba32"],
    "batch_sizes": ["8"],
    "steps": 2,
    "windows": 2,
    "warmup": 0,
    "jpeg_images": 32,
    "jpeg_workers": 1,
    "sanity_steps": 10,
}
DEFAULT_MODES = {
    "cuda": list(MODES),
    "cpu": ["ref-jpeg", "ref-mem", "eager", "channels-last", "bf16-cl"],
}
DEFAULT_BATCHES = {"cuda": ["64", "128"], "cpu": ["celeba32:64", "dcgan64:16"]}
DEFAULT_SANITY_MODES = {
    "cuda": ["channels-last", "bf16-cl", "compile", "graphs", "cuda-graphs"],
    "cpu": ["bf16"],
}
DEFAULT_WINDOWS = {"cuda": (100, 5, 2), "cpu": (2, 7, 1)}  # steps, windows, warm-up windows


# ---------------------------------------------------------------------------- measuring


def start(name: str, case: Case) -> tuple[Runner, dict[str, Any]]:
    """Build a runner, time its first step, warm it up and record its peak memory."""
    cuda = case.device.type == "cuda"
    case.block(case.steps * case.batch_size)  # render the data outside the clock
    if cuda:
        bu.synchronize(case.device)
        torch.cuda.reset_peak_memory_stats(case.device)
        base = torch.cuda.memory_allocated(case.device)
    begin = time.perf_counter()
    runner = build_runner(name, case)
    if isinstance(runner, GankitRunner):
        runner.run(case.steps)
        first = runner.clock.done_at
    else:
        runner.run(1)
        bu.synchronize(case.device)
        first = time.perf_counter()
        runner.run(case.steps - 1)
    for _ in range(case.warmup):
        runner.prepare()
        runner.run(case.steps)
    bu.synchronize(case.device)
    peak = None
    if cuda:
        peak = (torch.cuda.max_memory_allocated(case.device) - base) / 2**20
    info = {
        "time_to_first_step_s": None if first is None else first - begin,
        "peak_mem_mib": peak,
    }
    return runner, info


def interleave(runners: dict[str, Runner], case: Case) -> dict[str, list[float]]:
    """Time ``case.windows`` rounds of one window per runner, rotating the order."""
    names = list(runners)
    times: dict[str, list[float]] = {name: [] for name in names}
    for w in range(case.windows if names else 0):
        k = w % len(names)
        for name in names[k:] + names[:k]:
            runners[name].prepare()
            window = functools.partial(runners[name].run, case.steps)
            times[name].append(bu.time_call(window, case.device))
    return times


def base_row(name: str, case: Case) -> dict[str, Any]:
    mode = MODES[name]
    return {
        "preset": case.preset,
        "batch_size": case.batch_size,
        "mode": name,
        "family": mode.family,
        "precision": mode.precision,
        "channels_last": mode.channels_last,
        "compile": mode.compile,
        "status": "ok",
        "note": "",
    }


def finish_row(
    row: dict[str, Any], windows: list[float], case: Case, flops: int, executed: int
) -> None:
    """Fill in throughput, MFU and the derived CelebA epoch time from window timings."""
    seconds = bu.median(windows)
    images = case.steps * case.batch_size
    rate = images / seconds
    peak, peak_note = bu.peak_tflops(case.device, row["precision"])
    per_image = flops / case.batch_size
    row.update(
        images_per_s=rate,
        step_ms=1000.0 * seconds / case.steps,
        window_images_per_s=[images / t for t in windows],
        flops_per_image=per_image,
        executed_flops_per_image=executed / case.batch_size,
        achieved_tflops=rate * per_image / 1e12,
        peak_tflops=peak,
        mfu=None if peak is None else rate * per_image / (peak * 1e12),
        peak_note=peak_note,
        celeba_epoch_s=bu.CELEBA_IMAGES / rate,
    )


def bench_case(case: Case, modes: list[str]) -> list[dict[str, Any]]:
    """All modes of one (preset, batch size): build, warm up, interleave, summarise."""
    rows = {name: base_row(name, case) for name in modes}
    flops = {"gankit": count_flops("gankit", case)}
    runners: dict[str, Runner] = {}
    for name in modes:
        mode = MODES[name]
        if mode.cuda_graphs and case.device.type != "cuda":
            rows[name].update(status="skipped", note="CUDA graphs need a CUDA device")
            continue
        try:
            if mode.family not in flops:
                flops[mode.family] = count_flops(mode.family, case)
            runners[name], info = start(name, case)
            rows[name].update(info)
        except Exception as error:  # report and go on with the other modes
            rows[name].update(status="error", note=f"{type(error).__name__}: {error}"[:300])
            print(f"[{case.preset} b{case.batch_size}] {name} failed: {error}", file=sys.stderr)
    try:
        times = interleave(runners, case)
    finally:
        for runner in runners.values():
            runner.close()
    for name, windows in times.items():
        family = MODES[name].family
        finish_row(rows[name], windows, case, flops["gankit"], flops[family])
    add_ratios(list(rows.values()))
    return list(rows.values())


def add_ratios(rows: list[dict[str, Any]]) -> None:
    """Speed of each mode relative to the two references and to gankit eager."""
    rate = {r["mode"]: r["images_per_s"] for r in rows if r["status"] == "ok"}
    for row in rows:
        for key, base in (
            ("vs_ref_mem", "ref-mem"),
            ("vs_ref_jpeg", "ref-jpeg"),
            ("vs_eager", "eager"),
        ):
            ok = row["mode"] in rate and base in rate
            row[key] = rate[row["mode"]] / rate[base] if ok else None


# ---------------------------------------------------------------------------- targets


def _target(name: str, case: str, value: float | None, threshold: float, op: str) -> dict[str, Any]:
    met = None
    if value is not None:
        met = {">=": value >= threshold, ">": value > threshold, "<": value < threshold}[op]
    return {"target": name, "case": case, "value": value, "threshold": threshold, "met": met}


def targets(rows: list[dict[str, Any]], device: torch.device) -> list[dict[str, Any]]:
    """The issue's targets, evaluated where this run measured them (``met: None`` = not)."""
    out = []
    gpu = device.type == "cuda"
    big = [r for r in rows if r["preset"] == "dcgan64" and r["batch_size"] == 128]
    best = max(
        (r for r in big if r["family"] == "gankit" and r["status"] == "ok"),
        key=lambda r: r["images_per_s"],
        default=None,
    )
    jpeg = next((r for r in big if r["mode"] == "ref-jpeg" and r["status"] == "ok"), None)
    case = "dcgan64 b128, best gankit mode" + ("" if gpu else " (GPU only: not measured)")
    rate = best["images_per_s"] if best and gpu else None
    out.append(_target("H100/H200 images/s >= 50,000", case, rate, 50_000, ">="))
    ratio = rate / jpeg["images_per_s"] if rate and jpeg else None
    out.append(_target("H100/H200 speed-up vs ref-jpeg >= 10x", case, ratio, 10.0, ">="))
    epoch = bu.CELEBA_IMAGES / rate if rate else None
    out.append(_target("H100/H200 CelebA epoch (202,599 images) < 5 s", case, epoch, 5.0, "<"))
    if gpu:
        return out
    for row in rows:
        where = f"{row['preset']} b{row['batch_size']}"
        if row["mode"] == "eager":
            out.append(
                _target("CPU eager / ref-mem >= 1.0", where, row.get("vs_ref_mem"), 1.0, ">=")
            )
        if row["mode"] == "channels-last":
            out.append(
                _target("CPU channels-last / eager > 1.0", where, row.get("vs_eager"), 1.0, ">")
            )
    return out


# ---------------------------------------------------------------------------- reports


def results_markdown(report: dict[str, Any]) -> str:
    meta = report["meta"]
    lines = [
        f"Device: {meta['device_name']} · torch {meta['torch']} · gankit {meta['gankit']} · "
        f"{meta['date']}",
        f"Command: `{meta['command']}`",
        f"Window: {report['config']['steps']} steps, median of {report['config']['windows']} "
        f"interleaved windows after {report['config']['warmup']} warm-up window(s)",
        "",
    ]
    headers = [
        "preset",
        "batch",
        "mode",
        "img/s",
        "step ms",
        "× ref-mem",
        "× ref-jpeg",
        "× eager",
        "MFU",
        "peak MiB",
        "1st step s",
        "status",
    ]
    rows = []
    for r in report["results"]:
        mfu = r.get("mfu")
        rows.append(
            [
                r["preset"],
                str(r["batch_size"]),
                r["mode"],
                bu.fmt(r.get("images_per_s")),
                bu.fmt(r.get("step_ms")),
                bu.fmt(r.get("vs_ref_mem"), 2),
                bu.fmt(r.get("vs_ref_jpeg"), 2),
                bu.fmt(r.get("vs_eager"), 2),
                "n/a" if mfu is None else f"{100 * mfu:.1f}%",
                bu.fmt(r.get("peak_mem_mib"), 0),
                bu.fmt(r.get("time_to_first_step_s"), 2),
                r["status"] + (f" ({r['note']})" if r["note"] else ""),
            ]
        )
    lines.append(bu.markdown_table(headers, rows))
    lines += [
        "",
        bu.markdown_table(
            ["target", "case", "value", "met"],
            [
                [
                    t["target"],
                    t["case"],
                    bu.fmt(t["value"], 2),
                    {True: "yes", False: "**no**", None: "not measured"}[t["met"]],
                ]
                for t in report["targets"]
            ],
        ),
    ]
    return "\n".join(lines)


# ---------------------------------------------------------------------------- CLI


def batch_sizes(specs: list[str], preset: str) -> list[int]:
    """Batch sizes for ``preset`` from ``["64", "dcgan64:16", ...]`` (bare = every preset)."""
    out = []
    for spec in specs:
        name, _, size = spec.rpartition(":")
        if name in ("", preset):
            out.append(int(size))
    return out


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    epilog = "modes:\n" + "\n".join(f"  {k:14s}{m.help}" for k, m in MODES.items())
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0] if __doc__ else None,
        epilog=epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add = parser.add_argument
    add("--device", default="auto", help="'auto' (CUDA if available), 'cpu', 'cuda', 'cuda:1'")
    add("--presets", type=bu.csv_list, help="comma list of dcgan64,celeba32 (default: both)")
    add(
        "--modes",
        type=bu.csv_list,
        help=f"comma list of modes (default: all on CUDA; {','.join(DEFAULT_MODES['cpu'])} on CPU)",
    )
    add(
        "--batch-sizes",
        type=bu.csv_list,
        help="comma list; 'N' applies to every preset, 'preset:N' to one "
        "(default: 64,128 on CUDA; celeba32:64,dcgan64:16 on CPU)",
    )
    add("--steps", type=int, help="training steps per timed window (default 100 CUDA, 2 CPU)")
    add("--windows", type=int, help="timed windows per mode; the median counts (default 5 / 7)")
    add("--warmup", type=int, help="untimed warm-up windows after the first (default 2 / 1)")
    add("--jpeg-images", type=int, help="JPEG files written for ref-jpeg (default 4096 / 512)")
    add("--jpeg-workers", type=int, help="DataLoader workers of ref-jpeg (default: all cores)")
    add("--threads", type=int, help="torch intra-op threads (default: torch's choice)")
    add("--seed", type=int, default=0, help="seed of nets, noise and data order")
    add(
        "--sanity",
        action="store_true",
        help="instead of timing, train fp32 eager and each --sanity-modes mode from the same "
        "seed and report the max relative deviation of the running mean losses, next to an "
        "fp32 noise floor (eager with weights perturbed by 2**-23 relative)",
    )
    add(
        "--sanity-modes",
        type=bu.csv_list,
        help="fast modes to check (default: channels-last,bf16-cl,compile on CUDA; bf16 on CPU)",
    )
    add("--sanity-steps", type=int, help="steps of the sanity runs (default 200; --quick 10)")
    add("--sanity-tol", type=float, default=0.05, help="allowed relative deviation (default 0.05)")
    add(
        "--sanity-floor-factor",
        type=float,
        default=2.0,
        help="also allow this many times the fp32 noise floor (default 2; see --sanity)",
    )
    add(
        "--quick",
        action="store_true",
        help="CI smoke test: celeba32 at batch 8, 2 windows of 2 steps, tiny JPEG set",
    )
    add("--json", type=Path, help="write the full report here")
    add("--markdown", type=Path, help="write the Markdown table here")
    return parser.parse_args(argv)


def resolve(args: argparse.Namespace, device: torch.device) -> None:
    """Fill the device-dependent defaults (and --quick's) into ``args``."""
    kind = "cuda" if device.type == "cuda" else "cpu"
    steps, windows, warmup = DEFAULT_WINDOWS[kind]
    defaults: dict[str, Any] = {
        "presets": list(ref.PRESETS),
        "modes": DEFAULT_MODES[kind],
        "batch_sizes": DEFAULT_BATCHES[kind],
        "steps": steps,
        "windows": windows,
        "warmup": warmup,
        "jpeg_images": 4096 if kind == "cuda" else 512,
        "jpeg_workers": bu.cpu_cores(),
        "sanity_steps": 200,
        "sanity_modes": DEFAULT_SANITY_MODES[kind],
    }
    if args.quick:
        defaults.update(QUICK)
    for key, value in defaults.items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    bad = [p for p in args.presets if p not in ref.PRESETS]
    bad += [m for m in [*args.modes, *args.sanity_modes] if m not in MODES]
    if bad:
        raise SystemExit(f"unknown preset/mode {bad}; presets {ref.PRESETS}, modes {list(MODES)}")
    if min(args.steps, args.windows) < 1 or args.warmup < 0 or args.jpeg_workers < 0:
        raise SystemExit("--steps and --windows must be >= 1, --warmup/--jpeg-workers >= 0")


def run_throughput(args: argparse.Namespace, device: torch.device) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="gankit-bench-") as tmp:
        files = []
        if "ref-jpeg" in args.modes:
            files = bu.write_jpegs(Path(tmp) / "jpeg", args.jpeg_images, seed=args.seed)
        for preset in args.presets:
            for batch in batch_sizes(args.batch_sizes, preset):
                case = Case(
                    preset,
                    batch,
                    device,
                    args.steps,
                    args.windows,
                    args.warmup,
                    args.seed,
                    files,
                    args.jpeg_workers,
                )
                print(f"[{preset} b{batch}] {', '.join(args.modes)}", file=sys.stderr, flush=True)
                rows += bench_case(case, args.modes)
    return rows


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Run the benchmark; returns the report (also printed / written as asked)."""
    args = parse_args(argv)
    device = bu.resolve_device(args.device)
    resolve(args, device)
    if args.threads:
        torch.set_num_threads(args.threads)
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True  # as in the example (and gankit's default)
    report: dict[str, Any] = {"meta": bu.environment(device)}
    keys = (
        "presets",
        "modes",
        "batch_sizes",
        "steps",
        "windows",
        "warmup",
        "jpeg_images",
        "jpeg_workers",
        "seed",
        "quick",
    )
    report["config"] = {k: getattr(args, k) for k in keys}
    if args.sanity:
        report["config"].update(
            sanity_modes=args.sanity_modes,
            sanity_steps=args.sanity_steps,
            sanity_tol=args.sanity_tol,
            sanity_floor_factor=args.sanity_floor_factor,
        )
        batches = {p: batch_sizes(args.batch_sizes, p)[:1] for p in args.presets}
        report["sanity"] = sanity_check.compare(
            {p: b[0] for p, b in batches.items() if b},
            args.sanity_modes,
            device,
            steps=args.sanity_steps,
            seed=args.seed,
            tol=args.sanity_tol,
            floor_factor=args.sanity_floor_factor,
        )
        markdown = sanity_check.markdown(report)
    else:
        report["results"] = run_throughput(args, device)
        report["targets"] = targets(report["results"], device)
        markdown = results_markdown(report)
    bu.emit(report, markdown, args.json, args.markdown)
    return report


if __name__ == "__main__":
    main()
