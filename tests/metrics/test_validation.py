from __future__ import annotations

import numpy as np
import pytest
import torch

from gankit.metrics._validation import as_float64, check_positive_int, module_device


def test_as_float64_converts_numpy_and_torch() -> None:
    from_numpy = as_float64("x", np.arange(3, dtype=np.int32), ndim=1)
    from_torch = as_float64("x", torch.arange(3, dtype=torch.float16), ndim=1)
    assert from_numpy.dtype == from_torch.dtype == torch.float64
    assert torch.equal(from_numpy, from_torch)


@pytest.mark.parametrize(
    "value", [[1.0, 2.0], np.array([1 + 1j]), torch.tensor([True]), np.array(["a"])]
)
def test_as_float64_rejects_non_real_input(value: object) -> None:
    with pytest.raises(TypeError, match="my_arg"):
        as_float64("my_arg", value)


def test_as_float64_names_argument_for_bad_ndim_and_non_finite() -> None:
    with pytest.raises(ValueError, match=r"sigma must have 2 dimension\(s\), got shape \(3,\)"):
        as_float64("sigma", np.zeros(3), ndim=2)
    for bad in (np.nan, np.inf, -np.inf):
        with pytest.raises(ValueError, match="mu contains non-finite"):
            as_float64("mu", np.array([0.0, bad]))


def test_check_positive_int() -> None:
    assert check_positive_int("n", 3) == 3
    with pytest.raises(TypeError, match="n must be an int, got bool"):
        check_positive_int("n", True)
    with pytest.raises(TypeError, match="got float"):
        check_positive_int("n", 2.0)
    with pytest.raises(ValueError, match="n must be >= 2, got 1"):
        check_positive_int("n", 1, minimum=2)


def test_module_device() -> None:
    assert module_device(torch.nn.Linear(2, 2)) == torch.device("cpu")
    assert module_device(torch.nn.ReLU()) == torch.device("cpu")
    assert module_device(lambda x: x) == torch.device("cpu")
    with_buffer = torch.nn.BatchNorm1d(2, affine=False)
    assert module_device(with_buffer) == torch.device("cpu")
    if torch.cuda.is_available():  # pragma: no cover - only on GPU machines
        assert module_device(torch.nn.Linear(2, 2).cuda()).type == "cuda"
