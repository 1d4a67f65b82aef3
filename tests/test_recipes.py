"""Recipes: each paper's nets with its loss, optimizer settings and hooks."""

from __future__ import annotations

import dataclasses

import pytest
import torch

import gankit as gk
from gankit.losses import Hinge, NonSaturating, R1R2Penalty, RelativisticPairing
from gankit.recipes import RECIPES, Recipe, recipe
from gankit.train.hooks import R3GANSchedule


@pytest.mark.parametrize("name", sorted(RECIPES))
def test_every_recipe_is_consistent(name: str) -> None:
    r = recipe(name)
    assert isinstance(r, Recipe) and r.name == name and r.source
    assert name.endswith(str(r.image_size))
    cfg = r.trainer_config(device="cpu")
    assert isinstance(cfg, gk.TrainerConfig)
    with torch.device("meta"):  # shapes only: some of these nets have 30M+ parameters
        G, D = r.build()
    assert G.num_classes == D.num_classes == 0
    conditional = recipe(name, num_classes=10)
    assert getattr(conditional.generator, "num_classes") == 10  # noqa: B009
    assert getattr(conditional.discriminator, "num_classes") == 10  # noqa: B009


@pytest.mark.parametrize("name", ["sngan32", "sngan48", "sngan64", "sngan128"])
def test_sngan_recipes_follow_miyato_et_al(name: str) -> None:
    r = recipe(name)
    cfg = r.trainer_config(device="cpu")
    assert isinstance(r.loss, Hinge) and r.regularizer is None and r.make_hooks() == []
    assert (cfg.lr_g, cfg.lr_d, cfg.betas, cfg.n_critic) == (2e-4, 2e-4, (0.0, 0.9), 5)


@pytest.mark.parametrize("name", ["sagan64", "sagan128"])
def test_sagan_recipes_use_ttur(name: str) -> None:
    cfg = recipe(name).trainer_config(device="cpu")
    assert isinstance(recipe(name).loss, Hinge)
    assert (cfg.lr_g, cfg.lr_d, cfg.betas, cfg.n_critic) == (1e-4, 4e-4, (0.0, 0.9), 1)


@pytest.mark.parametrize("name", ["r3gan32", "r3gan64"])
def test_r3gan_recipes_use_rpgan_r1r2_and_the_schedule(name: str) -> None:
    r = recipe(name)
    assert isinstance(r.loss, RelativisticPairing)
    assert isinstance(r.regularizer, R1R2Penalty) and r.regularizer.gamma == 2.0
    first, second = r.make_hooks(), r.make_hooks()
    assert [type(h) for h in first] == [R3GANSchedule] and first[0] is not second[0]
    assert r.trainer_config(device="cpu").betas == (0.0, 0.9)
    assert recipe(name).regularizer is not r.regularizer  # every call builds fresh objects


def test_dcgan_recipes_are_unchanged() -> None:
    r = recipe("dcgan64")
    assert isinstance(r.loss, NonSaturating) and r.hooks == ()


def _shrink(r: Recipe) -> Recipe:
    """The recipe with narrow nets, so a CPU test trains it in seconds."""
    g, d = r.generator, r.discriminator
    if isinstance(g, gk.models.R3GANGeneratorConfig):
        narrow = {"widths": (8,) * len(g.widths), "cardinalities": (2,) * len(g.widths)}
        return dataclasses.replace(
            r,
            generator=dataclasses.replace(g, **narrow),
            discriminator=dataclasses.replace(d, **narrow),  # type: ignore[arg-type]
        )
    return dataclasses.replace(
        r,
        generator=dataclasses.replace(g, width=4, max_width=16),  # type: ignore[arg-type]
        discriminator=dataclasses.replace(d, width=4, max_width=16),  # type: ignore[arg-type]
    )


@pytest.mark.parametrize("name", ["sngan32", "sagan64", "r3gan32"])
def test_recipes_train_on_toy_faces(name: str) -> None:
    r = _shrink(recipe(name))
    G, D = r.build()
    data = gk.data.ToyFaces(40, image_size=r.image_size, seed=0)
    batches = [torch.stack([data[i] for i in range(j, j + 8)]) for j in range(0, 40, 8)]
    trainer = gk.Trainer(
        G,
        D,
        loss=r.loss,
        regularizer=r.regularizer,
        config=r.trainer_config(device="cpu", log_every=1),
        hooks=r.make_hooks(),
    )
    trainer.fit(batches, steps=1)
    assert trainer.state.step == 1
    assert trainer.state.d_updates == r.trainer_config(device="cpu").n_critic
    assert all(bool(torch.isfinite(p).all()) for p in G.parameters())


def test_unknown_recipe_names_the_known_ones() -> None:
    with pytest.raises(ValueError, match=r"r3gan64.*sngan32.*got 'sngan256'"):
        recipe("sngan256")
