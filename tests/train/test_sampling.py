"""gankit.train.sampling: eval mode and back, chunking, seeded noise, float32 out."""

from __future__ import annotations

import pytest
import torch
from torch import Tensor

import gankit as gk
from gankit.train.sampling import generate, latent_noise, sample_stream
from tests.train.nets import make_trainer, tiny_conv_pair


def test_sample_is_deterministic_and_leaves_training_rng_alone() -> None:
    trainer = make_trainer()
    state = torch.get_rng_state()
    a, b = trainer.sample(4, seed=3), trainer.sample(4, seed=3)
    assert torch.equal(a, b) and a.shape == (4, 3, 8, 8)
    c, d = trainer.sample(4), trainer.sample(4)  # unseeded: fresh noise each call
    assert not torch.equal(c, d)
    assert torch.equal(state, torch.get_rng_state())
    assert trainer.generator.training


class _FailOnSecondChunk(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.lin = torch.nn.Linear(4, 2)
        self.calls = 0

    def forward(self, z: Tensor) -> Tensor:
        self.calls += 1
        if self.calls == 2:
            raise RuntimeError("out of memory (pretend)")
        return self.lin(z)


@pytest.mark.parametrize("training", [True, False])
def test_generate_restores_the_mode_also_after_an_error(training: bool) -> None:
    G = _FailOnSecondChunk().train(training)
    with pytest.raises(RuntimeError, match="pretend"):
        generate(G, torch.randn(5, 4), batch_size=2)
    assert G.training is training and G.lin.training is training
    seen: list[bool] = []
    G.lin.register_forward_pre_hook(lambda m, args: seen.append(m.training))
    G.calls = 10
    generate(G, torch.randn(3, 4))
    assert seen == [False] and G.training is training  # eval inside, back after


def test_chunks_give_the_samples_of_one_batch() -> None:
    torch.manual_seed(0)
    lin = torch.nn.Linear(16, 8)
    G = torch.nn.Sequential(lin, torch.nn.Tanh())  # no batch statistics
    z = torch.randn(10, 16)
    whole = generate(G, z, batch_size=10)
    for size in (1, 3, 4):
        chunked = generate(G, z, batch_size=size)
        # The same dot products, maybe summed in another order by the BLAS for another batch
        # size: each differs by at most 2 K u sum|w_i z_i| (K = 16 terms, u = 2**-24), and
        # tanh is 1-Lipschitz.
        bound = 2 * 16 * 2.0**-24 * (z.abs() @ lin.weight.abs().T + lin.bias.abs())
        assert ((chunked - whole).abs() <= bound.detach()).all(), size


class _LabelEcho(torch.nn.Module):
    """A conditional 'generator' whose output is its labels (and z's first column)."""

    def __init__(self) -> None:
        super().__init__()
        self.p = torch.nn.Parameter(torch.zeros(()))

    def forward(self, z: Tensor, labels: Tensor) -> Tensor:
        return torch.stack([labels.to(z.dtype), z[:, 0]], dim=1) + self.p


def test_sample_stream_cycles_labels_and_continues_its_noise() -> None:
    draw = sample_stream(_LabelEcho(), latent_dim=3, num_classes=3, seed=5)
    first, second = draw(4), draw(4)
    assert first[:, 0].tolist() == [0, 1, 2, 0] and second[:, 0].tolist() == [1, 2, 0, 1]
    z = torch.randn(256, 3, generator=torch.Generator().manual_seed(5))  # one chunk
    assert torch.equal(torch.cat([first, second])[:, 1], z[:8, 0])


def test_sample_stream_noise_does_not_depend_on_how_the_calls_split_it() -> None:
    # torch.randn(3) then torch.randn(5) is not torch.randn(8) on the CPU; the stream's
    # i-th sample must be, so FID numbers do not change with the evaluation batch size
    def stream(sizes: list[int]) -> Tensor:
        draw = sample_stream(_LabelEcho(), latent_dim=3, num_classes=2, seed=9)
        return torch.cat([draw(b) for b in sizes])

    whole = stream([600])
    for sizes in ([3, 5, 592], [256, 1, 255, 88], [1] * 20 + [580]):
        assert torch.equal(stream(sizes), whole), sizes


def test_trainer_sample_cycles_the_classes_of_a_conditional_pair() -> None:
    G, D = tiny_conv_pair(num_classes=3)
    seen: list[Tensor] = []
    G.register_forward_pre_hook(lambda m, args: seen.append(args[1]))
    trainer = gk.Trainer(G, D, config=gk.TrainerConfig(device="cpu"))
    trainer.sample(7, seed=0, batch_size=4)
    assert torch.cat(seen).tolist() == [0, 1, 2, 0, 1, 2, 0]


@pytest.mark.parametrize("dtype", [torch.float64, torch.bfloat16])
def test_samples_are_float32_whatever_the_generator_computes_in(dtype: torch.dtype) -> None:
    G = torch.nn.Linear(4, 2).to(dtype)
    z = torch.randn(3, 4).to(dtype)
    out = generate(G, z)
    assert out.dtype == torch.float32
    with torch.no_grad():
        assert torch.equal(out, G(z).float())  # the same computation, then widened
    under_autocast = generate(torch.nn.Linear(4, 2), torch.randn(3, 4), autocast=torch.bfloat16)
    assert under_autocast.dtype == torch.float32


def test_latent_noise_is_seeded_and_leaves_the_global_rng_alone() -> None:
    state = torch.get_rng_state()
    a, b = latent_noise(5, 3, seed=11), latent_noise(5, 3, seed=11)
    assert torch.equal(a, b) and a.dtype == torch.float32 and a.shape == (5, 3)
    assert not torch.equal(latent_noise(5, 3, seed=12), a)
    assert torch.equal(torch.get_rng_state(), state)


def test_generate_argument_errors() -> None:
    G = torch.nn.Linear(4, 2)
    with pytest.raises(ValueError, match="batch_size must be an int >= 1, got 0"):
        generate(G, torch.randn(3, 4), batch_size=0)
    with pytest.raises(ValueError, match=r"one entry per noise vector \(3\), got shape \(2,\)"):
        generate(G, torch.randn(3, 4), torch.zeros(2))
