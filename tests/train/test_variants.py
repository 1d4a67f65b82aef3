"""The two worked GAN variants: each extra term changes what it should."""

from __future__ import annotations

import pytest
import torch
from torch import Tensor

import gankit as gk
from gankit.train.variants import (
    AuxiliaryClassifier,
    AuxiliaryClassifierStep,
    ConsistencyStep,
    random_flip,
)


def _bright_and_dark_faces(n: int = 256) -> tuple[gk.data.DeviceLoader, float]:
    """ToyFaces (class 0) and the same faces at a quarter of the brightness (class 1).

    Returns the loader and the brightness halfway between the two classes' means, which
    tells the classes apart independently of any net.
    """
    faces = gk.data.ToyFaces(n, image_size=16, seed=1).tensor()
    dark = (faces.float() * 0.25).round().to(torch.uint8)
    images = torch.cat([faces, dark])
    labels = torch.cat([torch.zeros(n, dtype=torch.long), torch.ones(n, dtype=torch.long)])
    x = images.float() / 127.5 - 1
    threshold = float(x[:n].mean() + x[n:].mean()) / 2
    return gk.data.DeviceLoader(images, 32, labels=labels, seed=0), threshold


def _acgan() -> tuple[gk.Trainer, torch.nn.Module]:
    torch.manual_seed(0)
    g_cfg, d_cfg = gk.models.dcgan(image_size=16, g_width=16, d_width=16, latent_dim=16)
    G = gk.models.build_generator(gk.models.GeneratorConfig(**{**vars(g_cfg), "num_classes": 2}))
    D = AuxiliaryClassifier(gk.models.build_discriminator(d_cfg), num_classes=2)
    config = gk.TrainerConfig(device="cpu", seed=0, log_every=10, lr_g=1e-3, lr_d=5e-4)
    return gk.Trainer(G, D, config=config, step=AuxiliaryClassifierStep()), D


def _accuracies(trainer: gk.Trainer, D: torch.nn.Module, threshold: float) -> tuple[float, float]:
    """How often generated images are of the asked class: by brightness, and by D's head."""
    labels = torch.arange(200) % 2
    fake = trainer.sample(200, labels=labels, seed=5)
    by_brightness = (fake.mean(dim=(1, 2, 3)) < threshold).long()
    with torch.no_grad():
        D.eval()
        by_d = D(fake)[1].argmax(dim=1)
        D.train()
    return (
        float((by_brightness == labels).float().mean()),
        float((by_d == labels).float().mean()),
    )


def test_acgan_generator_learns_to_make_the_asked_class() -> None:
    data, threshold = _bright_and_dark_faces()
    trainer, D = _acgan()
    before, _ = _accuracies(trainer, D, threshold)
    trainer.fit(data, steps=10)
    first_g_class = trainer.state.metrics["g_class"]
    trainer.fit(data, steps=120)
    after, by_d = _accuracies(trainer, D, threshold)
    assert before < 0.75  # an untrained generator ignores the label
    assert after > 0.9 and by_d > 0.9  # a trained one makes what was asked
    assert trainer.state.metrics["g_class"] < 0.5 * first_g_class
    assert trainer.state.metrics["d_class"] > 0


def test_acgan_needs_labels_and_a_gankit_conv_discriminator() -> None:
    with pytest.raises(TypeError, match="wraps a gankit ConvDiscriminator"):
        AuxiliaryClassifier(torch.nn.Linear(2, 2), 2)
    trainer, _ = _acgan()
    images = gk.data.ToyFaces(8, image_size=16).tensor()
    with pytest.raises(ValueError, match=r"num_classes=2.*yields no labels"):
        trainer.fit(gk.data.DeviceLoader(images, 4), steps=1)


def _invert(images: Tensor) -> Tensor:
    return -images


def _consistency_gap(D: torch.nn.Module, images: Tensor) -> float:
    with torch.no_grad():
        return float((D(images) - D(_invert(images))).abs().mean())


@pytest.mark.parametrize("weight", [10.0])
def test_consistency_term_makes_d_agree_on_augmented_reals(weight: float) -> None:
    faces = gk.data.ToyFaces(256, image_size=16, seed=2).tensor()
    held_out = gk.data.ToyFaces(64, image_size=16, seed=3).tensor().float() / 127.5 - 1

    def run(step: gk.train.TrainingStep) -> torch.nn.Module:
        torch.manual_seed(0)
        g_cfg, d_cfg = gk.models.dcgan(image_size=16, g_width=8, d_width=8, latent_dim=16)
        G, D = gk.models.build_generator(g_cfg), gk.models.build_discriminator(d_cfg)
        trainer = gk.Trainer(G, D, config=gk.TrainerConfig(device="cpu", seed=0), step=step)
        trainer.fit(gk.data.DeviceLoader(faces, 32, seed=0), steps=60)
        return D.eval()

    plain = _consistency_gap(run(gk.train.TrainingStep()), held_out)
    regularized = _consistency_gap(run(ConsistencyStep(_invert, weight=weight)), held_out)
    assert regularized < 0.5 * plain


def test_random_flip_flips_about_half_of_the_images_and_nothing_else() -> None:
    torch.manual_seed(0)
    x = torch.randn(400, 3, 4, 5)
    y = random_flip(x)
    flipped = (y == x.flip(-1)).flatten(1).all(1)
    kept = (y == x).flatten(1).all(1)
    assert bool((flipped | kept).all())
    assert 150 < int(flipped.sum()) < 250  # Binomial(400, 1/2): 10 standard deviations


def test_variant_weights_are_validated() -> None:
    with pytest.raises((TypeError, ValueError), match="weight"):
        ConsistencyStep(weight=-1.0)
    with pytest.raises((TypeError, ValueError), match="weight"):
        AuxiliaryClassifierStep(weight=float("nan"))
