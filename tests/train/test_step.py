"""gankit.train.step: the TrainingStep's updates, loss terms, precision and override points."""

from __future__ import annotations

from typing import Any

import pytest
import torch
from torch import Tensor

import gankit as gk
from gankit.train import Hook, TrainState
from gankit.train.graphs import EagerCapture
from gankit.train.step import Batch, TrainingStep, resolve_step
from tests.train.nets import image_loader, make_trainer, tiny_conv_pair


def test_bf16_autocast_on_cpu_trains_fp32_weights() -> None:
    trainer = make_trainer(precision="bf16", channels_last=True)
    trainer.fit(image_loader(), steps=3)
    assert all(p.dtype == torch.float32 for p in trainer.generator.parameters())
    assert torch.isfinite(torch.tensor(list(trainer.state.metrics.values()))).all()


def test_fp16_sends_both_updates_of_every_step_through_the_one_grad_scaler(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    trainer = make_trainer(precision="fp16")
    scaler = trainer.scaler
    assert scaler.is_enabled() and trainer.step.context.scaler is scaler
    calls: list[str] = []
    for name in ("scale", "unscale_", "step", "update"):
        method = getattr(scaler, name)

        def counted(*args: Any, _name: str = name, _method: Any = method, **kw: Any) -> Any:
            calls.append(_name)
            return _method(*args, **kw)

        monkeypatch.setattr(scaler, name, counted)
    before = [p.detach().clone() for p in trainer.generator.parameters()]
    d_before = [p.detach().clone() for p in trainer.discriminator.parameters()]
    trainer.fit(image_loader(), steps=3)
    # one discriminator and one generator update per step, each scaled, unscaled, stepped
    # and followed by one update of the scale
    assert calls == ["scale", "unscale_", "step", "update"] * 2 * 3
    for _, new in [
        *zip(before, trainer.generator.parameters(), strict=True),
        *zip(d_before, trainer.discriminator.parameters(), strict=True),
    ]:
        assert new.dtype == torch.float32 and torch.isfinite(new).all()
    assert any(
        not torch.equal(o, n) for o, n in zip(before, trainer.generator.parameters(), strict=True)
    )
    assert any(
        not torch.equal(o, n)
        for o, n in zip(d_before, trainer.discriminator.parameters(), strict=True)
    )


def test_gradient_clipping_bounds_the_norm() -> None:
    seen: list[float] = []

    class Norms(Hook):
        def on_before_optimizer_step(
            self, trainer: gk.Trainer, state: TrainState, name: Any, optimizer: Any
        ) -> None:
            params = [p for g in optimizer.param_groups for p in g["params"] if p.grad is not None]
            seen.append(
                float(torch.linalg.vector_norm(torch.stack([p.grad.norm() for p in params])))
            )

    trainer = make_trainer([Norms()], grad_clip_norm=1e-3)
    trainer.fit(image_loader(), steps=2)
    assert seen and max(seen) <= 1e-3 * 1.001


# ---------------------------------------------------------------- override points


class _WeightTerm(TrainingStep):
    """Adds ``c * sum(p**2)`` over G's parameters to the generator's loss terms."""

    def __init__(self, c: float) -> None:
        super().__init__()
        self.c = c

    def generator_loss(self, fake_out: Any, real_out: Any, batch: Batch) -> dict[str, Tensor]:
        terms = super().generator_loss(fake_out, real_out, batch)
        params = list(self.context.generator.parameters())
        terms["weight"] = self.c * sum(p.square().sum() for p in params)  # type: ignore[assignment]
        return terms


class _TermProbe(Hook):
    """The term's closed form at each step start (G unchanged until its update) and its log."""

    def __init__(self, c: float) -> None:
        self.c = c
        self.expected: list[Tensor] = []
        self.logged: list[Tensor] = []

    def on_step_start(self, trainer: gk.Trainer, state: TrainState) -> None:
        with torch.no_grad():
            params = list(trainer.generator.parameters())
            self.expected.append(self.c * sum(p.square().sum() for p in params))

    def on_generator_step(self, trainer: gk.Trainer, state: TrainState, losses: Any) -> None:
        self.logged.append(losses["weight"].clone())


def _run_step(step: TrainingStep | None, hooks: list[Hook] | None = None, **cfg: Any) -> gk.Trainer:
    G, D = tiny_conv_pair()
    config = gk.TrainerConfig(device="cpu", seed=7, log_every=1, **cfg)
    trainer = gk.Trainer(G, D, config=config, step=step, hooks=hooks or [])
    trainer.fit(image_loader(), steps=3)
    return trainer


def _sq_norm(net: torch.nn.Module) -> float:
    return float(sum(p.detach().double().square().sum() for p in net.parameters()))


def test_an_added_term_is_logged_and_minimized_with_the_loss() -> None:
    default = _run_step(None)
    zero = _run_step(_WeightTerm(0.0))
    probe = _TermProbe(10.0)
    strong = _run_step(_WeightTerm(10.0), [probe])
    # c = 0: the term adds exact zeros to the loss and the gradients, so nothing changes
    for a, b in zip(default.generator.parameters(), zero.generator.parameters(), strict=True):
        assert torch.equal(a, b)
    # c > 0: minimizing it shrinks G's weights (Adam moves each one towards zero) ...
    assert _sq_norm(strong.generator) < _sq_norm(default.generator)
    # ... D's first update is G-independent in loss terms but sees other fakes afterwards
    assert len(probe.logged) == len(probe.expected) == 3
    for got, want in zip(probe.logged, probe.expected, strict=True):
        # the same float32 reduction of the same parameters, in the same order
        torch.testing.assert_close(got, want, rtol=1e-6, atol=0.0)
    assert strong.state.metrics["weight"] == pytest.approx(float(probe.logged[-1]), rel=1e-6)
    assert "weight" not in default.state.metrics


class _NoLabelsForD(TrainingStep):
    """ACGAN-style: the generator is conditional, the discriminator sees images only."""

    def discriminator_inputs(self, labels: Tensor | None) -> list[Tensor]:
        return []


def test_a_discriminator_inputs_override_keeps_labels_from_d_only() -> None:
    G, _ = tiny_conv_pair(num_classes=3)
    _, D = tiny_conv_pair()
    seen: dict[str, list[int]] = {"G": [], "D": []}
    G.register_forward_pre_hook(lambda m, args: seen["G"].append(len(args)))
    D.register_forward_pre_hook(lambda m, args: seen["D"].append(len(args)))
    trainer = gk.Trainer(G, D, config=gk.TrainerConfig(device="cpu"), step=_NoLabelsForD())
    trainer.fit(image_loader(labels=True), steps=2)
    assert trainer.num_classes == 3
    assert seen["G"] and set(seen["G"]) == {2}  # z and the labels
    assert seen["D"] and set(seen["D"]) == {1}  # the images only
    G2, _ = tiny_conv_pair(num_classes=3)
    _, D2 = tiny_conv_pair()
    plain = gk.Trainer(G2, D2, config=gk.TrainerConfig(device="cpu"))
    with pytest.raises(ValueError, match="ConvDiscriminator is unconditional"):  # labels to D
        plain.fit(image_loader(labels=True), steps=1)


class _TwoHeads(torch.nn.Module):
    def __init__(self, inner: torch.nn.Module) -> None:
        super().__init__()
        self.inner = inner

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor]:
        logits = self.inner(x)
        return logits, -logits


class _FirstHead(TrainingStep):
    def logits(self, outputs: Any) -> Tensor:
        return outputs[0]  # type: ignore[no-any-return]


def test_logits_refuses_tuple_outputs_unless_overridden() -> None:
    G, D = tiny_conv_pair()
    trainer = gk.Trainer(G, _TwoHeads(D), config=gk.TrainerConfig(device="cpu"))
    with pytest.raises(TypeError, match=r"TrainingStep\.logits: .*tuple.*override logits\(\)"):
        trainer.fit(image_loader(), steps=1)
    assert trainer.state.step == 0
    G, D = tiny_conv_pair()
    config = gk.TrainerConfig(device="cpu", log_every=1)
    fixed = gk.Trainer(G, _TwoHeads(D), config=config, step=_FirstHead())
    fixed.fit(image_loader(), steps=2)
    assert fixed.state.step == 2 and torch.isfinite(torch.tensor(fixed.state.metrics["d_loss"]))


def test_an_unbound_step_says_how_to_bind_it() -> None:
    step = TrainingStep()
    for call in (lambda: step.context, lambda: step.noise(2), lambda: step.autocast()):
        with pytest.raises(RuntimeError, match=r"TrainingStep is not bound .*step=\.\.\."):
            call()


def test_resolve_step_errors_and_defaults() -> None:
    hinge, r1 = gk.losses.Hinge(), gk.losses.R1Penalty(gamma=1.0)
    with pytest.raises(ValueError, match="loss either to the Trainer or to its step"):
        resolve_step(TrainingStep(hinge), gk.losses.NonSaturating(), None)
    with pytest.raises(ValueError, match="regularizer either to the Trainer or to its step"):
        resolve_step(TrainingStep(None, r1), None, gk.losses.R1Penalty(gamma=2.0))
    with pytest.raises(TypeError, match=r"step must be a gankit.train.TrainingStep, got str"):
        resolve_step("step", None, None)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="loss must have"):
        resolve_step(TrainingStep(), object(), None)  # type: ignore[arg-type]
    step = TrainingStep()
    assert resolve_step(step, hinge, r1) is step
    assert step.loss is hinge and step.regularizer is r1 and not step.loss_given
    default = resolve_step(None, None, None)
    assert isinstance(default.loss, gk.losses.NonSaturating) and default.regularizer is None


def test_a_step_without_loss_terms_is_refused() -> None:
    class Empty(TrainingStep):
        def discriminator_loss(
            self, real_out: Any, fake_out: Any, batch: Batch
        ) -> dict[str, Tensor]:
            return {}

    G, D = tiny_conv_pair()
    trainer = gk.Trainer(G, D, config=gk.TrainerConfig(device="cpu"), step=Empty())
    with pytest.raises(ValueError, match="discriminator_loss returned no loss terms"):
        trainer.fit(image_loader(), steps=1)


# ---------------------------------------------------------------- the CUDA-graph contract on CPU


def _graph_trainer(step: TrainingStep | None = None) -> gk.Trainer:
    G, D = tiny_conv_pair()
    config = gk.TrainerConfig(device="cpu", seed=7, cuda_graphs=True)
    return gk.Trainer(G, D, config=config, step=step, graph_capture=EagerCapture())


class _Counting(TrainingStep):
    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    def noise(self, batch_size: int) -> Tensor:
        self.calls += 1  # Python state: it would stop counting on replay
        return super().noise(batch_size)


def test_graphs_refuse_a_step_that_changes_its_attributes() -> None:
    trainer = _graph_trainer(_Counting())
    with pytest.raises(RuntimeError, match=r"_Counting changed its attribute\(s\) calls during"):
        trainer.fit(image_loader(), steps=1)
    assert trainer.state.step == 0
    eager = gk.Trainer(*tiny_conv_pair(), config=gk.TrainerConfig(device="cpu"), step=_Counting())
    eager.fit(image_loader(), steps=2)  # eagerly, such a step is fine
    assert isinstance(eager.step, _Counting) and eager.step.calls == 2


def test_graphs_refuse_a_step_class_that_is_not_capturable() -> None:
    class Eager(TrainingStep):
        capturable = False

    with pytest.raises(ValueError, match=r"training step Eager says it cannot be captured"):
        _graph_trainer(Eager())


def test_the_default_step_through_the_graph_path_equals_eager() -> None:
    graphed = _graph_trainer()
    assert graphed.graphed is not None
    graphed.graphed.graphs.warmup = 1
    graphed.fit(image_loader(), steps=4)
    assert graphed.graphed.graphs.captured == 1
    eager = gk.Trainer(*tiny_conv_pair(), config=gk.TrainerConfig(device="cpu", seed=7))
    eager.fit(image_loader(), steps=4)
    for net in ("generator", "discriminator"):
        a, b = getattr(eager, net).state_dict(), getattr(graphed, net).state_dict()
        assert all(torch.equal(a[k], b[k]) for k in a), net


@pytest.mark.parametrize(
    ("loss", "regularizer", "calls"),
    [
        # D(real), D(fake) in D's update; D(fake) in G's
        (gk.losses.NonSaturating(), None, 3),
        # ... plus D(real) without gradients for a loss that needs the real logits in G's update
        (gk.losses.RelativisticAverage(), None, 4),
        # ... plus D(real) inside the R1 penalty
        (gk.losses.RelativisticAverage(), gk.losses.R1Penalty(gamma=1.0), 5),
    ],
    ids=["non-saturating", "relativistic", "relativistic-r1"],
)
def test_d_is_called_as_the_loss_and_the_regularizer_need(
    loss: Any, regularizer: Any, calls: int
) -> None:
    G, D = tiny_conv_pair()
    grad_modes: list[bool] = []
    D.register_forward_pre_hook(lambda m, args: grad_modes.append(torch.is_grad_enabled()))
    config = gk.TrainerConfig(device="cpu", log_every=1)
    trainer = gk.Trainer(G, D, loss=loss, regularizer=regularizer, config=config)
    trainer.fit(image_loader(), steps=2)
    assert len(grad_modes) == 2 * calls
    assert grad_modes.count(False) == (2 if trainer.step.needs_real_for_generator else 0)
    assert ("penalty" in trainer.state.metrics) == (regularizer is not None)
    assert all(torch.isfinite(torch.tensor(v)) for v in trainer.state.metrics.values())
