"""gankit.train.setup: device, nets, compile and the default optimizers of a run."""

from __future__ import annotations

import pytest
import torch

from tests.train.nets import image_loader, make_trainer


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
