"""Metric tests run single-threaded: their tensors are small, and on shared CPU cores the
hand-offs between intra-op threads cost more than the work (seconds per Inception pass)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import torch


@pytest.fixture(autouse=True)
def _single_thread() -> Iterator[None]:
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)
