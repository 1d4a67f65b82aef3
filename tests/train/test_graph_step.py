"""gankit.train.graph_step: the trainer's graph path on CPU (EagerCapture) and on GPU."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch
from torch import Tensor
from torch.utils.data import DataLoader

import gankit as gk
from gankit.train import Hook, TrainState
from gankit.train.graph_step import GraphedStep, check_graph_hooks, lr_on_device
from gankit.train.graphs import EagerCapture
from gankit.train.hooks import EMA
from tests.train.nets import image_loader, tiny_conv_pair


class _Events(Hook):
    """Records events, the state the hooks see and the losses they are handed."""

    def __init__(self) -> None:
        self.log: list[tuple[Any, ...]] = []

    def on_step_start(self, trainer: gk.Trainer, state: TrainState) -> None:
        self.log.append(("step_start", state.step, state.d_updates, state.batch_in_epoch))

    def on_discriminator_step(
        self, trainer: gk.Trainer, state: TrainState, losses: dict[str, Tensor]
    ) -> None:
        values = {k: v.item() for k, v in sorted(losses.items())}
        self.log.append(("d", state.d_updates, state.images_seen, values))

    def on_generator_step(
        self, trainer: gk.Trainer, state: TrainState, losses: dict[str, Tensor]
    ) -> None:
        lr = float(trainer.g_optimizer.param_groups[0]["lr"])
        self.log.append(("g", state.step, losses["g_loss"].item(), lr))

    def on_log(self, trainer: gk.Trainer, state: TrainState, metrics: dict[str, float]) -> None:
        self.log.append(("log", state.step, dict(sorted(metrics.items()))))

    def on_epoch_end(self, trainer: gk.Trainer, state: TrainState) -> None:
        self.log.append(("epoch_end", state.epoch, dict(sorted(state.epoch_metrics.items()))))


def _run(
    graphs: bool,
    *,
    steps: int,
    loader: DataLoader[Any],
    num_classes: int = 0,
    with_ema: bool = False,
    **cfg: Any,
) -> tuple[gk.Trainer, _Events, EagerCapture]:
    G, D = tiny_conv_pair(num_classes=num_classes)
    events = _Events()
    hooks: list[Hook] = [events] + ([EMA(decay=0.9)] if with_ema else [])
    regularizer = cfg.pop("regularizer", None)
    scheduler = cfg.pop("scheduler", None)
    config = gk.TrainerConfig(device="cpu", seed=3, log_every=2, cuda_graphs=graphs, **cfg)
    backend = EagerCapture()
    trainer = gk.Trainer(
        G,
        D,
        config=config,
        hooks=hooks,
        regularizer=regularizer,
        loss=gk.losses.NonSaturating(real_target=0.9, flip_prob=0.1),
        g_scheduler=scheduler,
        graph_capture=backend,
    )
    if graphs:
        assert trainer.graphed is not None
        trainer.graphed.graphs.warmup = 2
    trainer.fit(loader, steps=steps)
    return trainer, events, backend


def _assert_same_run(a: gk.Trainer, b: gk.Trainer) -> None:
    for net in ("generator", "discriminator"):
        sa, sb = getattr(a, net).state_dict(), getattr(b, net).state_dict()
        for k in sa:
            assert torch.equal(sa[k], sb[k]), f"{net}.{k}"
    for opt in ("g_optimizer", "d_optimizer"):
        for pa, pb in zip(
            getattr(a, opt).state.values(), getattr(b, opt).state.values(), strict=True
        ):
            for k in pa:
                assert torch.equal(pa[k], pb[k]), f"{opt}.{k}"
    assert a.state.state_dict() == b.state.state_dict()


def _sched(opt: torch.optim.Optimizer) -> torch.optim.lr_scheduler.LRScheduler:
    return torch.optim.lr_scheduler.StepLR(opt, step_size=3, gamma=0.5)


@pytest.mark.parametrize(
    "case",
    [
        # n_critic=1 with a partial last batch: two kinds of step (batch 6 and 2)
        {"loader": {"n": 26, "batch_size": 6, "drop_last": False}, "steps": 14},
        # n_critic=3, 5 batches per epoch (steps straddle epochs), lazy R1 every 2nd update
        {
            "loader": {"n": 30, "batch_size": 6},
            "steps": 7,
            "n_critic": 3,
            "regularizer_interval": 2,
            "regularizer": gk.losses.R1Penalty(gamma=1.0),
        },
        # conditional nets, gradient clipping, a scheduler, EMA, bf16 autocast
        {
            "loader": {"n": 24, "batch_size": 4, "labels": True},
            "steps": 13,
            "num_classes": 3,
            "grad_clip_norm": 0.5,
            "scheduler": _sched,
            "with_ema": True,
            "precision": "bf16",
        },
    ],
    ids=["partial-last-batch", "n-critic-lazy-r1", "conditional-clip-sched-ema-bf16"],
)
def test_graph_path_reproduces_the_eager_run_exactly(case: dict[str, Any]) -> None:
    case = dict(case)
    spec = case.pop("loader")

    def loader() -> DataLoader[Any]:
        return _loader(**spec)

    eager, eager_events, _ = _run(False, loader=loader(), **case)
    graphed, graph_events, backend = _run(True, loader=loader(), **case)
    assert backend.captures >= 1  # the replay path really ran
    _assert_same_run(eager, graphed)
    assert graph_events.log == eager_events.log  # same hooks, same state, same losses


def _loader(
    n: int, batch_size: int, labels: bool = False, drop_last: bool = True
) -> DataLoader[Any]:
    base = image_loader(n=n, batch_size=batch_size, labels=labels)
    return DataLoader(base.dataset, batch_size=batch_size, shuffle=True, drop_last=drop_last)


def test_graph_path_resumes_exactly_and_recaptures_after_load(tmp_path: Path) -> None:
    spec = {"n": 26, "batch_size": 6, "drop_last": False}
    full, _, _ = _run(True, loader=_loader(**spec), steps=12)
    first, _, _ = _run(True, loader=_loader(**spec), steps=7)
    first.save(tmp_path / "run.pt")

    G, D = tiny_conv_pair(seed=5)
    resumed = gk.Trainer(
        G,
        D,
        config=gk.TrainerConfig(device="cpu", seed=3, log_every=2, cuda_graphs=True),
        hooks=[_Events()],
        loss=gk.losses.NonSaturating(real_target=0.9, flip_prob=0.1),
        graph_capture=EagerCapture(),
    )
    assert resumed.graphed is not None
    graphs = resumed.graphed.graphs
    graphs.warmup = 2
    resumed.fit(_loader(**spec), steps=4)  # two warm-ups, then a capture ...
    assert graphs.captured == 1
    resumed.load(tmp_path / "run.pt")
    assert graphs.captured == 0  # ... which the load drops (it replaced what it read)
    resumed.fit(_loader(**spec), steps=12)
    _assert_same_run(full, resumed)


def test_cuda_graphs_needs_cuda_and_refuses_fp16() -> None:
    G, D = tiny_conv_pair()
    with pytest.raises(ValueError, match=r"cuda_graphs=True needs a CUDA device.*cpu"):
        gk.Trainer(G, D, config=gk.TrainerConfig(device="cpu", cuda_graphs=True))
    with pytest.raises(
        ValueError, match="cuda_graphs=True cannot be combined with precision='fp16'"
    ):
        gk.TrainerConfig(cuda_graphs=True, precision="fp16")
    with pytest.raises(TypeError, match=r"cuda_graphs must be True or False, got .yes."):
        gk.TrainerConfig(cuda_graphs="yes")  # type: ignore[arg-type]


def test_cuda_graphs_refuses_optimizers_that_cannot_be_captured() -> None:
    G, D = tiny_conv_pair()
    opt = torch.optim.Adam(G.parameters())
    with pytest.raises(ValueError, match=r"g_optimizer \(Adam\) was created without capturable"):
        gk.Trainer(G, D, config=gk.TrainerConfig(cuda_graphs=True), g_optimizer=opt)


class _Clipper(Hook):
    def on_before_optimizer_step(self, trainer: Any, state: Any, name: Any, opt: Any) -> None:
        pass


def test_cuda_graphs_refuses_hooks_between_backward_and_step() -> None:
    G, D = tiny_conv_pair()
    config = gk.TrainerConfig(device="cpu", cuda_graphs=True)
    trainer = gk.Trainer(G, D, config=config, hooks=[_Clipper()], graph_capture=EagerCapture())
    with pytest.raises(ValueError, match="hook _Clipper overrides on_before_optimizer_step"):
        trainer.fit(image_loader(), steps=1)
    assert trainer.state.step == 0


def test_schedulers_update_a_device_lr_in_place() -> None:
    net = torch.nn.Linear(2, 2)
    opt = torch.optim.Adam(net.parameters(), lr=0.1, foreach=False)
    sched = _sched(opt)
    lr_on_device(opt, torch.device("cpu"))
    lr = opt.param_groups[0]["lr"]
    assert isinstance(lr, Tensor)
    for _ in range(3):
        opt.step()
        sched.step()
    assert opt.param_groups[0]["lr"] is lr  # the tensor a graph reads ...
    assert lr.item() == pytest.approx(0.05)  # ... holds the scheduled value


def test_checkpoints_store_float_lrs_and_keep_the_loaders_optimizer_switches(
    tmp_path: Path,
) -> None:
    G, D = tiny_conv_pair()
    saved = gk.Trainer(G, D, config=gk.TrainerConfig(device="cpu"))
    saved.fit(image_loader(), steps=2)
    for opt in (saved.g_optimizer, saved.d_optimizer):
        for group in opt.param_groups:
            group["foreach"] = False  # a tensor lr needs the single-tensor Adam on CPU
        lr_on_device(opt, torch.device("cpu"))
    saved.save(tmp_path / "ckpt.pt")
    ckpt = gk.train.load_checkpoint(tmp_path / "ckpt.pt")
    assert isinstance(ckpt["g_optimizer"]["param_groups"][0]["lr"], float)

    G2, D2 = tiny_conv_pair(seed=1)
    own = torch.optim.Adam(G2.parameters(), lr=1.0, foreach=True)
    loaded = gk.Trainer(G2, D2, config=gk.TrainerConfig(device="cpu"), g_optimizer=own)
    loaded.load(tmp_path / "ckpt.pt")
    group = loaded.g_optimizer.param_groups[0]
    assert group["lr"] == pytest.approx(2e-4) and group["foreach"] is True
    loaded.fit(image_loader(), steps=4)  # and it trains on


def test_a_replaced_lr_is_written_into_the_captured_tensor_and_settings_make_kinds() -> None:
    G, D = tiny_conv_pair()
    opt = torch.optim.Adam(G.parameters(), lr=1e-3, foreach=False)
    config = gk.TrainerConfig(device="cpu", cuda_graphs=True)
    trainer = gk.Trainer(G, D, config=config, g_optimizer=opt, graph_capture=EagerCapture())
    graphed = GraphedStep(trainer.step, trainer.device, EagerCapture(), device_lr=True)
    graphed.attach_optimizers()
    slot = opt.param_groups[0]["lr"]
    assert isinstance(slot, Tensor)
    before = graphed.optimizer_settings()
    opt.param_groups[0]["lr"] = 5e-4  # by hand, or an old torch's scheduler
    assert graphed.optimizer_settings() == before  # same kind: the graph reads the tensor
    assert opt.param_groups[0]["lr"] is slot and slot.item() == pytest.approx(5e-4)
    opt.param_groups[0]["betas"] = (0.8, 0.999)  # e.g. OneCycleLR's momentum cycling
    assert graphed.optimizer_settings() != before  # baked into a capture: a new kind
    after_betas = graphed.optimizer_settings()
    trainer.d_optimizer.param_groups[0]["lr"] = 1.0  # replaced: written into its slot too
    assert graphed.optimizer_settings() == after_betas


def _gpu_trainer(cuda_graphs: bool, **cfg: Any) -> gk.Trainer:
    G, D = tiny_conv_pair()
    regularizer = cfg.pop("regularizer", None)
    cfg.setdefault("log_every", 5)
    config = gk.TrainerConfig(device="cuda", seed=3, cuda_graphs=cuda_graphs, **cfg)
    return gk.Trainer(
        G, D, config=config, regularizer=regularizer, g_scheduler=_sched, hooks=[EMA(decay=0.9)]
    )


def _gpu_batches(n: int = 8, batch: int = 16) -> list[Tensor]:
    gen = torch.Generator().manual_seed(0)
    return [(torch.rand(batch, 3, 8, 8, generator=gen) * 2 - 1).cuda() for _ in range(n)]


class _NoSyncInsideSteps(Hook):
    """Makes any host synchronisation between on_step_start and on_step_end an error."""

    rank_zero_only = False

    def __init__(self) -> None:
        self.steps = 0

    def on_step_start(self, trainer: gk.Trainer, state: TrainState) -> None:
        torch.cuda.set_sync_debug_mode("error")

    def on_step_end(self, trainer: gk.Trainer, state: TrainState) -> None:
        torch.cuda.set_sync_debug_mode("default")
        self.steps += 1


@pytest.mark.gpu
@pytest.mark.parametrize(
    "cfg",
    [
        {},
        {"precision": "bf16", "channels_last": True},
        {"n_critic": 2, "regularizer_interval": 3, "regularizer": gk.losses.R1Penalty(1.0)},
        {"precision": "bf16", "channels_last": True, "compile": True},
    ],
    ids=["fp32", "bf16-cl", "ncritic-lazy-r1", "bf16-cl-compile"],
)
def test_cuda_graphs_train_like_eager_on_gpu(
    cfg: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(torch.backends.cudnn, "deterministic", True)
    data = _gpu_batches()
    eager, graphed = _gpu_trainer(False, **dict(cfg)), _gpu_trainer(True, **dict(cfg))
    eager.fit(data, steps=24)
    graphed.fit(data, steps=24)
    assert graphed.graphed is not None and graphed.graphed.graphs.captured >= 1
    assert graphed.state.d_updates == eager.state.d_updates
    for k in ("d_loss", "g_loss"):
        assert graphed.state.metrics[k] == pytest.approx(eager.state.metrics[k], rel=0.05, abs=0.02)
    lr = graphed.g_optimizer.param_groups[0]["lr"]
    assert float(lr) == pytest.approx(float(eager.g_optimizer.param_groups[0]["lr"]))
    tol = 2e-2 if cfg.get("precision") == "bf16" else 1e-3
    for (name, a), b in zip(
        eager.generator.state_dict().items(), graphed.generator.state_dict().values(), strict=True
    ):
        torch.testing.assert_close(b.float(), a.float(), rtol=tol, atol=tol, msg=name)


@pytest.mark.gpu
@pytest.mark.parametrize("graphs", [False, True], ids=["eager", "graphs"])
def test_training_steps_do_not_synchronise_with_the_host(graphs: bool) -> None:
    trainer = _gpu_trainer(graphs, log_every=1000)  # a log step reads the sums: a sync
    guard = _NoSyncInsideSteps()
    trainer.hooks.append(guard)  # last: the EMA update runs inside the checked span
    try:
        trainer.fit(_gpu_batches(), steps=12)  # crosses an epoch end (outside the steps)
    finally:
        torch.cuda.set_sync_debug_mode("default")
    assert guard.steps == 12
    assert trainer.graphed is None or trainer.graphed.graphs.captured == 1


def test_check_graph_hooks_names_the_offending_hook_only() -> None:
    check_graph_hooks([("Hook", Hook()), ("EMA", EMA())])
    with pytest.raises(ValueError, match=r"hook _Clipper#1 overrides on_before_optimizer_step"):
        check_graph_hooks([("EMA", EMA()), ("_Clipper#1", _Clipper())])


def test_lr_on_device_leaves_other_optimizers_float_rates() -> None:
    net = torch.nn.Linear(2, 2)
    sgd = torch.optim.SGD(net.parameters(), lr=0.1)
    assert lr_on_device(sgd, torch.device("cpu")) == [None]
    assert sgd.param_groups[0]["lr"] == 0.1 and isinstance(sgd.param_groups[0]["lr"], float)
    adam = torch.optim.AdamW(net.parameters(), lr=0.01)
    (slot,) = lr_on_device(adam, torch.device("cpu"))
    assert slot is adam.param_groups[0]["lr"] and slot is not None
    assert slot.item() == pytest.approx(0.01) and slot.dtype == torch.float32
    assert lr_on_device(adam, torch.device("cpu")) == [slot]  # already there: kept
