from __future__ import annotations

import pytest
import torch
from hypothesis import given

from gankit.models import (
    R3GANDiscriminatorConfig,
    R3GANGeneratorConfig,
    build,
    config_from_dict,
    config_to_dict,
)
from tests.strategies import (
    discriminator_configs,
    generator_configs,
    mlp_discriminator_configs,
    mlp_generator_configs,
    r3gan_configs,
    resnet_discriminator_configs,
    resnet_generator_configs,
)


@given(
    cfg=generator_configs()
    | discriminator_configs()
    | mlp_generator_configs()
    | mlp_discriminator_configs()
    | resnet_generator_configs()
    | resnet_discriminator_configs()
    | r3gan_configs(R3GANGeneratorConfig)
    | r3gan_configs(R3GANDiscriminatorConfig)
)
def test_round_trip_is_identity(cfg: object) -> None:
    data = config_to_dict(cfg)  # type: ignore[arg-type]
    assert all(not isinstance(v, tuple) for v in data.values())  # loadable with weights_only=True
    assert config_from_dict(data) == cfg


def test_build_dispatches_and_weights_round_trip() -> None:
    cfg = config_from_dict({"type": "MLPGeneratorConfig", "latent_dim": 3, "hidden_dims": [8]})
    a, b = build(cfg), build(cfg)
    b.load_state_dict(a.state_dict())
    z = torch.randn(2, 3)
    torch.testing.assert_close(a.eval()(z), b.eval()(z))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"type": "os.system"}, r"config type must be one of .*got 'os.system'"),
        ({}, "got None"),
        ({"type": "GeneratorConfig", "evil": 1}, r"GeneratorConfig has no fields \['evil'\]"),
        (
            {"type": "GeneratorConfig", "width": -1},
            r"GeneratorConfig.width must be an int >= 1, got -1",
        ),
    ],
)
def test_bad_dicts_raise_value_error(data: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        config_from_dict(data)


@pytest.mark.parametrize("preset", ["sngan", "sagan", "r3gan"])
def test_new_presets_rebuild_from_their_dictionaries(preset: str) -> None:
    import gankit as gk

    for cfg in getattr(gk.models, preset)(32, num_classes=3):
        assert config_from_dict(config_to_dict(cfg)) == cfg
