"""The checkpoint schema: format 2 as written, format 1 still read, load_generator by capability."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest
import torch

import gankit as gk
from gankit.train.hooks import EMA, SampleGrid
from gankit.train.schema import CheckpointDict, load_generator, read_checkpoint, upgrade
from tests.train.nets import image_loader, make_trainer, tiny_conv_pair

FIXTURES = Path(__file__).parent / "fixtures"


def _fixture_trainer(tmp_path: Path) -> gk.Trainer:
    """The trainer that wrote fixtures/v1-*.pt (see fixtures/make_v1.py), with other init."""
    G, D = tiny_conv_pair(seed=4)
    return gk.Trainer(
        G,
        D,
        loss=gk.losses.NonSaturating(real_target=0.9, flip_prob=0.2),
        config=gk.TrainerConfig(device="cpu", seed=7, log_every=2),
        hooks=[EMA(decay=0.9), SampleGrid(tmp_path, n=4)],
        regularizer=gk.losses.R1Penalty(gamma=0.1),
    )


def test_a_format_1_checkpoint_resumes_as_gankit_0_1_continued_it(tmp_path: Path) -> None:
    trainer = _fixture_trainer(tmp_path)
    trainer.fit(image_loader(), steps=9, resume=FIXTURES / "v1-step5.pt")
    expected = torch.load(FIXTURES / "v1-continued-to-step9.pt", weights_only=True)
    start = torch.load(FIXTURES / "v1-step5.pt", weights_only=True)
    # The fixture was computed on one machine; another thread count or CPU sums the same
    # float32 terms in another order. Each gradient then carries a relative error of at
    # most K * u (K <= 4096 terms per reduction in these 8x8 nets, u = 2**-24), and Adam's
    # update lr * m / (sqrt(v) + eps) moves by at most lr * K * u per step: over the 4
    # resumed steps, 4 * lr * K * u ~ 2e-7. A semantic change (other noise, batches,
    # optimizer state) changes each update by O(lr) = 2e-4, which the check below rules
    # out by requiring every tensor to have moved by far more than the tolerance.
    lr, steps, k, u = trainer.config.lr_g, 4, 4096, 2.0**-24
    atol = steps * lr * k * u
    for net in ("generator", "discriminator"):
        got = getattr(trainer, net).state_dict()
        for key, value in expected[net].items():
            if not value.is_floating_point():
                assert torch.equal(got[key], value), f"{net}.{key}"
                continue
            moved = (value - start[net][key]).abs().max().item()
            assert moved > 100 * atol, f"{net}.{key} moved only {moved:.3g}"
            assert (got[key] - value).abs().max().item() <= atol, f"{net}.{key}"
    state = trainer.state.state_dict()
    for key in ("step", "epoch", "batch_in_epoch", "images_seen", "d_updates"):
        assert state[key] == expected["state"][key], key
    # The running means carried over from format 1 give the same epoch means.
    for key, value in expected["state"]["epoch_metrics"].items():
        assert state["epoch_metrics"][key] == pytest.approx(value, rel=1e-6), key


def test_format_1_is_upgraded_and_ema_weights_are_found(tmp_path: Path) -> None:
    raw = gk.train.load_checkpoint(FIXTURES / "v1-step5.pt")
    assert raw["format_version"] == 1
    ckpt = read_checkpoint(FIXTURES / "v1-step5.pt")
    assert ckpt["format_version"] == 2
    assert ckpt["sampling"] == {"hook": "EMA", "entry": "module"}
    assert ckpt["running_sums"]["interval"]["names"][:2] == ["d_loss", "g_loss"]
    G = gk.train.load_generator(FIXTURES / "v1-step5.pt", ema=True)
    averaged = ckpt["hooks"]["EMA"]["module"]
    assert all(torch.equal(G.state_dict()[k], v) for k, v in averaged.items())


class _MyEMA(EMA):
    """A subclass (state key "_MyEMA"): load_generator must still find its weights."""


def test_load_generator_finds_the_sampling_hook_by_capability(tmp_path: Path) -> None:
    G, D = tiny_conv_pair()
    trainer = gk.Trainer(G, D, config=gk.TrainerConfig(device="cpu"), hooks=[_MyEMA(decay=0.5)])
    trainer.fit(image_loader(), steps=3)
    path = trainer.save(tmp_path / "run.pt")
    ckpt = read_checkpoint(path)
    assert ckpt["sampling"] == {"hook": "_MyEMA", "entry": "module"}
    loaded = gk.train.load_generator(path, ema=True)
    ema = trainer.sampling_generator()
    assert ema is not trainer.generator
    for key, value in ema.state_dict().items():
        assert torch.equal(loaded.state_dict()[key], value), key
    plain = gk.train.load_generator(path)
    assert not all(
        torch.equal(plain.state_dict()[k], v) for k, v in ema.state_dict().items()
    )  # ema=False gives the trained generator, not the average


def test_a_written_checkpoint_has_exactly_the_schema_keys(tmp_path: Path) -> None:
    G, D = tiny_conv_pair()
    trainer = gk.Trainer(G, D, config=gk.TrainerConfig(device="cpu"))
    trainer.fit(image_loader(), steps=1)
    ckpt = gk.train.load_checkpoint(trainer.save(tmp_path / "run.pt"))
    required = CheckpointDict.__required_keys__
    optional = CheckpointDict.__optional_keys__
    assert required <= ckpt.keys() <= required | optional


def test_upgrade_refuses_a_broken_format_1_entry(tmp_path: Path) -> None:
    ckpt = dict(gk.train.load_checkpoint(FIXTURES / "v1-step5.pt"))
    ckpt["running_sums"] = {**ckpt["running_sums"], "interval": torch.zeros(3)}
    with pytest.raises(ValueError, match="6 values and 2 counts"):
        upgrade(ckpt)
    path = tmp_path / "broken.pt"
    gk.train.atomic_save(ckpt, path)
    with pytest.raises(gk.train.CheckpointError, match=r"broken\.pt: a format-1 entry"):
        read_checkpoint(path)


def test_checkpoint_holds_the_whole_run(tmp_path: Path) -> None:
    trainer = make_trainer([EMA()])
    trainer.fit(image_loader(), steps=3)
    ckpt = trainer.checkpoint_dict()
    for key in (
        "generator",
        "discriminator",
        "g_optimizer",
        "d_optimizer",
        "scaler",
        "state",
        "rng",
        "epoch_rng",
        "hooks",
        "trainer_config",
        "generator_config",
    ):
        assert key in ckpt, key
    assert set(ckpt["rng"]) == {"torch", "cuda", "numpy", "python"}
    assert "module" in ckpt["hooks"]["EMA"]
    assert ckpt["generator_config"]["type"] == "GeneratorConfig"
    assert ckpt["state"]["batch_in_epoch"] == 3


# ---------------------------------------------------------------- load_generator validates configs (16.5)


def _checkpoint_with_generator_field(tmp_path: Path, field: str, value: object) -> Path:
    """A real checkpoint whose recorded generator config has ``field=value`` (not validated)."""
    G, D = tiny_conv_pair()
    forged = copy.copy(G.config)
    object.__setattr__(forged, field, value)  # what a hostile or corrupted file can hold
    G.config = forged
    trainer = gk.Trainer(G, D, config=gk.TrainerConfig(device="cpu"))
    return trainer.save(tmp_path / "run" / "step-00000000.pt")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        (
            "width",
            2**40,
            r"GeneratorConfig\.width must be an int in \[1, 16384\], got 1099511627776",
        ),
        ("latent_dim", 10**400, r"GeneratorConfig\.latent_dim must be an int in \[1, 65536\]"),
        ("negative_slope", 10**400, r"GeneratorConfig\.negative_slope must be a number in"),
        ("num_classes", 2**20, r"GeneratorConfig with .*num_classes=1048576.* describes a net"),
        ("channels", "3", r"GeneratorConfig\.channels must be an int .*got '3' \(str\)"),
    ],
)
def test_load_generator_refuses_an_unbounded_config_naming_file_and_field(
    tmp_path: Path, field: str, value: object, message: str
) -> None:
    path = _checkpoint_with_generator_field(tmp_path, field, value)
    for given in (path, path.parent):  # a file, or the directory holding it
        with pytest.raises(gk.train.CheckpointError) as err:
            load_generator(given)
        text = str(err.value)
        assert text.startswith(f"{path}: invalid generator_config: "), text
        assert re.search(message, text), text


def test_load_generator_still_loads_a_valid_checkpoint(tmp_path: Path) -> None:
    G, D = tiny_conv_pair()
    path = gk.Trainer(G, D, config=gk.TrainerConfig(device="cpu")).save(tmp_path / "ok.pt")
    loaded = load_generator(path)
    z = torch.randn(2, G.latent_dim)
    torch.testing.assert_close(loaded(z), G.eval()(z))
