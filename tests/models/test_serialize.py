from __future__ import annotations

import re

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from gankit.models import (
    DiscriminatorConfig,
    GeneratorConfig,
    MLPDiscriminatorConfig,
    MLPGeneratorConfig,
    R3GANDiscriminatorConfig,
    R3GANGeneratorConfig,
    build,
    config_from_dict,
    config_to_dict,
)
from tests.strategies import (
    discriminator_configs,
    fuzzed_fields,
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
        ({}, "got no 'type' entry"),
        ({"type": "GeneratorConfig", "evil": 1}, r"GeneratorConfig has no fields \['evil'\]"),
        (
            {"type": "GeneratorConfig", "width": -1},
            r"GeneratorConfig.width must be an int in \[1, 16384\], got -1",
        ),
    ],
)
def test_bad_dicts_raise_value_error(data: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        config_from_dict(data)


@pytest.mark.parametrize("data", [None, 3, "GeneratorConfig", [("type", "GeneratorConfig")]])
def test_non_mapping_is_a_type_error(data: object) -> None:
    with pytest.raises(TypeError, match=r"config_from_dict expects a mapping .* got .*\(") as err:
        config_from_dict(data)  # type: ignore[arg-type]
    assert repr(data) in str(err.value)


@pytest.mark.parametrize(
    ("data", "error", "message"),
    [
        ({"type": 3}, TypeError, r"config type must be one of .*got 3"),
        (
            {"type": "GeneratorConfig", "width": "64"},
            TypeError,
            r"GeneratorConfig.width must be an int in \[1, 16384\], got '64' \(str\)",
        ),
        (
            {"type": "GeneratorConfig", "width": 2**40},
            ValueError,
            r"GeneratorConfig.width must be an int in \[1, 16384\], got 1099511627776",
        ),
        (
            {"type": "GeneratorConfig", "negative_slope": 10**400},
            ValueError,
            r"GeneratorConfig.negative_slope must be a number in \[0.0, 1.0\), got 1000",
        ),
        (
            {"type": "MLPGeneratorConfig", "hidden_dims": [64, 2**63]},
            ValueError,
            r"MLPGeneratorConfig.hidden_dims\[1\] must be an int in \[1, 16384\], got 92233",
        ),
        (
            {"type": "MLPDiscriminatorConfig", "num_classes": 2**20, "hidden_dims": [2**14]},
            ValueError,
            r"MLPDiscriminatorConfig with .*num_classes=1048576 describes a net of about",
        ),
    ],
)
def test_file_values_are_checked_against_the_bounds(
    data: dict[str, object], error: type[Exception], message: str
) -> None:
    """Issue 16.5/16.6: a config read from a file cannot ask for a huge allocation."""
    with pytest.raises(error, match=message):
        config_from_dict(data)


_CLASSES = [GeneratorConfig, DiscriminatorConfig, MLPGeneratorConfig, MLPDiscriminatorConfig]


@settings(max_examples=100, deadline=None)
@given(data=st.data(), cls=st.sampled_from(_CLASSES))
def test_fuzzed_dicts_raise_only_type_or_value_errors_naming_the_field(
    data: st.DataObject, cls: type
) -> None:
    """What a hostile or corrupted file can hold never escapes as another exception."""
    fields = data.draw(fuzzed_fields(cls))
    message = None
    try:
        cfg = config_from_dict({"type": cls.__name__, **fields})
    except (TypeError, ValueError) as error:
        message = str(error)
    if message is None:
        assert config_from_dict(config_to_dict(cfg)) == cfg
    else:
        assert any(re.search(rf"\b{name}\b", message) for name in fields), message


def test_non_string_keys_are_unknown_fields() -> None:
    with pytest.raises(ValueError, match=r"GeneratorConfig has no fields \['3'\]"):
        config_from_dict({"type": "GeneratorConfig", 3: 1})  # type: ignore[dict-item]


@pytest.mark.parametrize("preset", ["sngan", "sagan", "r3gan"])
def test_new_presets_rebuild_from_their_dictionaries(preset: str) -> None:
    import gankit as gk

    for cfg in getattr(gk.models, preset)(32, num_classes=3):
        assert config_from_dict(config_to_dict(cfg)) == cfg
