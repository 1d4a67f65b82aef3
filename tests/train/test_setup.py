"""gankit.train.setup: device, nets, compile and the default optimizers of a run."""

from __future__ import annotations

import pytest
import torch

import gankit as gk
from gankit.train.distributed import DistInfo
from gankit.train.setup import (
    amp_dtype,
    default_optimizer,
    net_sizes,
    prepare_nets,
    resolve_device,
    setup_run,
)
from gankit.train.step import TrainingStep
from tests.train.nets import image_loader, make_trainer, tiny_conv_pair


def test_default_optimizers_are_the_dcgan_recipe() -> None:
    trainer = make_trainer()
    for opt in (trainer.g_optimizer, trainer.d_optimizer):
        assert isinstance(opt, torch.optim.Adam)
        assert opt.param_groups[0]["lr"] == 2e-4 and opt.param_groups[0]["betas"] == (0.5, 0.999)


def test_compiled_nets_train_like_eager() -> None:
    compiled, eager = make_trainer(compile=True), make_trainer()
    compiled.fit(image_loader(), steps=4)
    eager.fit(image_loader(), steps=4)
    for k, v in eager.state.metrics.items():
        assert compiled.state.metrics[k] == pytest.approx(v, rel=1e-3, abs=1e-5), k


def test_resolve_device(monkeypatch: pytest.MonkeyPatch) -> None:
    assert resolve_device("cpu") == torch.device("cpu")
    assert resolve_device("cuda:1") == torch.device("cuda", 1)  # parsed, not opened
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert resolve_device("auto") == torch.device("cpu")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setenv("LOCAL_RANK", "3")
    assert resolve_device("auto") == torch.device("cuda", 3)
    with pytest.raises(
        ValueError, match=r"TrainerConfig.device must be 'auto' or a torch device, got 'gpu:x'"
    ):
        resolve_device("gpu:x")


def test_net_sizes_from_arguments_or_generator_attributes() -> None:
    G, _ = tiny_conv_pair(num_classes=3)
    assert net_sizes(G, None, None) == (8, 3)
    assert net_sizes(G, 5, 0) == (5, 0)
    assert net_sizes(torch.nn.Linear(4, 2), 4, None) == (4, 0)
    for latent in (None, 0, True, 2.0):
        with pytest.raises(ValueError, match="Trainer needs the latent size"):
            net_sizes(torch.nn.Linear(4, 2), latent, None)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="num_classes must be an int >= 0, got -1"):
        net_sizes(G, None, -1)


def test_amp_dtype_follows_the_precision() -> None:
    assert amp_dtype(gk.TrainerConfig(precision="fp32")) is None
    assert amp_dtype(gk.TrainerConfig(precision="bf16")) is torch.bfloat16
    assert amp_dtype(gk.TrainerConfig(precision="fp16")) is torch.float16


@pytest.mark.parametrize("channels_last", [False, True])
def test_prepare_nets_moves_and_lays_out_the_nets(channels_last: bool) -> None:
    G, D = tiny_conv_pair()
    config = gk.TrainerConfig(device="cpu", channels_last=channels_last)
    nets = prepare_nets(G, D, config, torch.device("cpu"), DistInfo())
    fmt = torch.channels_last if channels_last else torch.contiguous_format
    assert nets.memory_format is fmt
    assert nets.g_train is nets.generator and nets.d_train is nets.d_plain is nets.discriminator
    conv_weights = [p for p in nets.discriminator.parameters() if p.ndim == 4]
    assert conv_weights and all(p.is_contiguous(memory_format=fmt) for p in conv_weights)


def test_default_optimizer_follows_the_config() -> None:
    net = torch.nn.Linear(2, 2)
    config = gk.TrainerConfig(betas=(0.0, 0.9), fused_adam=False)
    opt = default_optimizer(net, 1e-3, config, torch.device("cpu"), capturable=True)
    group = opt.param_groups[0]
    assert isinstance(opt, torch.optim.Adam)
    assert (group["lr"], group["betas"], group["capturable"]) == (1e-3, (0.0, 0.9), True)
    assert not group["fused"]
    assert [id(p) for p in group["params"]] == [id(p) for p in net.parameters()]


def test_setup_run_binds_the_step_to_what_it_made() -> None:
    G, D = tiny_conv_pair()
    step = TrainingStep()
    run = setup_run(
        G,
        D,
        gk.TrainerConfig(
            device="cpu", precision="bf16", grad_clip_norm=2.0, regularizer_interval=4
        ),
        step,
        optimizers=(None, None),
        schedulers=(lambda opt: torch.optim.lr_scheduler.StepLR(opt, 1), None),
        latent_dim=8,
        num_classes=0,
        graph_capture=None,
        before_optimizer_step=lambda name, opt: None,
    )
    ctx = step.context
    assert ctx.g_optimizer is run.g_optimizer and ctx.d_optimizer is run.d_optimizer
    assert ctx.scaler is run.scaler and not run.scaler.is_enabled()  # enabled for fp16 only
    assert (ctx.amp_dtype, ctx.grad_clip_norm, ctx.regularizer_interval) == (torch.bfloat16, 2.0, 4)
    assert run.g_scheduler is not None and run.d_scheduler is None and run.graphed is None
    assert ctx.before_optimizer_step is not None
