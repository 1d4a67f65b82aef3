"""gankit.train.meters: running means summed on the device, per-name counts, round trips."""

from __future__ import annotations

import copy
import math

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from gankit.train.meters import LossMeters, RunningSums

CPU = torch.device("cpu")
U32 = 2.0**-24  # unit roundoff of float32


def _f32(x: float) -> float:
    return float(torch.tensor(x, dtype=torch.float32))


def _bound(values: list[float]) -> float:
    """Bound on the error of a float32 running sum's mean.

    A recursive sum of n float32 values is off by at most (n - 1) u sum|x_i| + O(u^2)
    (Higham, *Accuracy and Stability of Numerical Algorithms*, 2nd ed. 2002, eq. 4.4), so its
    mean by at most u sum|x_i|; we allow twice that for the O(u^2) terms and the division.
    """
    return 2 * U32 * sum(abs(v) for v in values) + 1e-30


finite = st.floats(-1e3, 1e3, allow_nan=False, width=32)


@given(st.lists(finite, min_size=1, max_size=40), st.lists(finite, min_size=1, max_size=40))
def test_means_equal_plain_python_means_within_the_float32_bound(
    a: list[float], b: list[float]
) -> None:
    sums = RunningSums(CPU)
    n = min(len(a), len(b))
    for x, y in zip(a[:n], b[:n], strict=True):
        sums.add({"d_loss": torch.tensor(x), "g_loss": torch.tensor(y)})
    means = sums.means()
    for name, values in (("d_loss", a[:n]), ("g_loss", b[:n])):
        exact = math.fsum(_f32(v) for v in values) / n
        assert abs(means[name] - exact) <= _bound(values), name


def test_each_name_has_its_own_count() -> None:
    meters = LossMeters(CPU)
    gen = torch.Generator().manual_seed(0)
    values = torch.randn(10, generator=gen).tolist()
    penalties = []
    for i, v in enumerate(values):
        logs = {"d_loss": torch.tensor(v)}
        if i % 2 == 0:  # a lazy penalty: every other update
            logs["penalty"] = torch.tensor(2 * v + 1)
            penalties.append(_f32(2 * v + 1))
        meters.add(logs)
    for means in (meters.read_interval(), meters.read_epoch()):
        assert means["d_loss"] == pytest.approx(
            math.fsum(map(_f32, values)) / 10, abs=_bound(values)
        )
        assert means["penalty"] == pytest.approx(
            math.fsum(penalties) / len(penalties), abs=_bound(penalties)
        )


def test_names_keep_their_order_classic_first_then_as_first_seen() -> None:
    sums = RunningSums(CPU)
    one = torch.tensor(1.0)
    sums.add({"zeta": one, "g_loss": one, "aux": one})
    sums.add({"fake_logits": one, "d_loss": one, "real_logits": one, "penalty": one, "beta": one})
    assert list(sums.means()) == [
        "d_loss",
        "g_loss",
        "penalty",
        "real_logits",
        "fake_logits",
        "zeta",
        "aux",
        "beta",
    ]


def test_interval_and_epoch_meters_restart_separately() -> None:
    meters = LossMeters(CPU)
    meters.add({"d_loss": torch.tensor(1.0)})
    meters.add({"d_loss": torch.tensor(3.0)})
    assert meters.read_interval() == {"d_loss": 2.0}
    meters.add({"d_loss": torch.tensor(8.0), "extra": torch.tensor(4.0)})
    assert meters.read_interval() == {"d_loss": 8.0, "extra": 4.0}
    assert meters.read_epoch() == {"d_loss": 4.0, "extra": 4.0}
    meters.start_epoch()
    meters.add({"d_loss": torch.tensor(5.0)})
    assert meters.read_epoch()["d_loss"] == 5.0
    assert list(meters.read_epoch()) == ["d_loss", "extra"]  # a name once seen stays


def test_state_dict_round_trip_continues_identically() -> None:
    a = LossMeters(CPU)
    gen = torch.Generator().manual_seed(1)
    for _ in range(5):
        a.add({"d_loss": torch.randn((), generator=gen), "g_loss": torch.randn((), generator=gen)})
    a.read_interval()
    a.add({"d_loss": torch.tensor(0.25), "x": torch.tensor(1.5)})
    b = LossMeters(CPU)
    b.load_state_dict(copy.deepcopy(a.state_dict()))
    for m in (a, b):
        m.add({"d_loss": torch.tensor(0.5), "g_loss": torch.tensor(-1.0)})
    assert a.read_interval() == b.read_interval()
    assert a.read_epoch() == b.read_epoch()
    assert a.state_dict()["epoch"]["counts"] == b.state_dict()["epoch"]["counts"]


@pytest.mark.parametrize(
    "broken",
    [
        {"sums": torch.zeros(3)},  # three sums for two names
        {"counts": [1]},  # one count for two names
        {"sums": [0.0, 1.0]},  # not a tensor
    ],
)
def test_load_state_dict_refuses_mismatched_parts_and_changes_nothing(
    broken: dict[str, object],
) -> None:
    meters = LossMeters(CPU)
    meters.add({"d_loss": torch.tensor(1.0), "g_loss": torch.tensor(2.0)})
    before = copy.deepcopy(meters.state_dict())
    good = copy.deepcopy(before)
    bad_epoch = {**good, "epoch": {**good["epoch"], **broken}}  # the interval part fits
    with pytest.raises(ValueError, match="running sums of 2 names"):
        meters.load_state_dict(bad_epoch)
    after = meters.state_dict()
    for part in ("interval", "epoch"):
        assert after[part]["names"] == before[part]["names"]
        assert after[part]["counts"] == before[part]["counts"]
        assert torch.equal(after[part]["sums"], before[part]["sums"])
    single = RunningSums(CPU)
    single.add({"d_loss": torch.tensor(7.0)})
    with pytest.raises(ValueError, match="running sums of 2 names"):
        single.load_state_dict({**good["interval"], **broken})
    assert single.means() == {"d_loss": 7.0}
