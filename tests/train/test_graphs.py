"""Whole-step CUDA graphs (gankit.train.graphs): StepGraphs on CPU with EagerCapture."""

from __future__ import annotations

from typing import Any

import pytest
import torch
from torch import Tensor

from gankit.train.graphs import EagerCapture, StepGraphs


def test_each_kind_warms_up_then_is_captured_once_and_replayed() -> None:
    backend = EagerCapture()
    graphs = StepGraphs(torch.device("cpu"), warmup=2, capture=backend)
    seen: list[list[float]] = []

    def step(static: list[Tensor | None]) -> Tensor:
        x = static[0]
        assert x is not None
        seen.append(x.tolist())
        return x * 10

    outs = [graphs.run("a", [torch.full((2,), float(i))], step) for i in range(5)]
    assert [o.tolist() for o in outs] == [[10.0 * i] * 2 for i in range(5)]
    assert seen == [[float(i)] * 2 for i in range(5)]  # every run read the fresh inputs
    assert (backend.captures, graphs.captured) == (1, 1)  # captured after two warm-ups
    graphs.run("b", [torch.zeros(3)], step)
    assert (backend.captures, graphs.captured) == (1, 1)  # a new kind warms up first


def test_static_buffers_keep_their_storage_and_layout() -> None:
    graphs = StepGraphs(torch.device("cpu"), warmup=1, capture=EagerCapture())
    addresses: set[int] = set()

    def step(static: list[Tensor | None]) -> Tensor:
        x = static[0]
        assert x is not None and x.is_contiguous(memory_format=torch.channels_last)
        addresses.add(x.data_ptr())
        return x.sum()

    for i in range(4):
        batch = torch.full((2, 3, 4, 4), float(i)).contiguous(memory_format=torch.channels_last)
        assert graphs.run("k", [batch, None], step).item() == 96 * i
    assert len(addresses) == 1  # what a graph replays reads one fixed buffer


def test_kinds_beyond_max_graphs_run_eagerly_and_reset_forgets() -> None:
    backend = EagerCapture()
    graphs = StepGraphs(torch.device("cpu"), warmup=1, max_graphs=1, capture=backend)

    def alternate() -> list[float]:
        return [
            graphs.run(kind, [torch.full((1,), float(i))], lambda s, sign=sign: s[0] * sign).item()
            for i in range(3)
            for kind, sign in (("a", 1), ("b", -1))
        ]

    with pytest.warns(RuntimeWarning, match="1 kinds of training step are captured") as caught:
        values = alternate()
    assert values == [0.0, -0.0, 1.0, -1.0, 2.0, -2.0]  # the eager kind still computes
    assert len(caught) == 1
    assert (backend.captures, graphs.captured) == (1, 1)
    graphs.reset()
    assert graphs.captured == 0
    graphs.run("b", [torch.ones(1)], lambda s: s[0])
    graphs.run("b", [torch.ones(1)], lambda s: s[0])
    assert backend.captures == 2


class _FailingCapture(EagerCapture):
    def capture(self, fn: Any) -> Any:
        raise RuntimeError("operation not permitted when stream is capturing")


def test_a_failed_capture_says_what_went_wrong_and_how_to_train_without() -> None:
    graphs = StepGraphs(torch.device("cpu"), warmup=1, capture=_FailingCapture())
    graphs.run("k", [torch.ones(1)], lambda s: s[0])
    with pytest.raises(RuntimeError, match=r"not permitted .*cuda_graphs=False"):
        graphs.run("k", [torch.ones(1)], lambda s: s[0])
    assert graphs.captured == 0


def test_one_off_kinds_do_not_crowd_out_a_recurring_one() -> None:
    backend = EagerCapture()
    graphs = StepGraphs(torch.device("cpu"), warmup=3, capture=backend)
    for i in range(40):  # a new kind every step between the recurring one
        graphs.run(("one-off", i), [torch.ones(1)], lambda s: s[0])
        graphs.run("recurring", [torch.ones(1)], lambda s: s[0])
    assert (backend.captures, graphs.captured) == (1, 1)
    assert len(graphs._entries) <= 17  # 16 waiting kinds at most, plus the captured one


@pytest.mark.parametrize(("field", "value"), [("warmup", 0), ("max_graphs", -1)])
def test_step_graphs_validate_their_settings(field: str, value: int) -> None:
    with pytest.raises(ValueError, match=f"StepGraphs.{field} must be .*got {value}"):
        StepGraphs(torch.device("cpu"), capture=EagerCapture(), **{field: value})
