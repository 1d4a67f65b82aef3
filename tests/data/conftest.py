from __future__ import annotations

from pathlib import Path

import pytest

from tests.data.celeba_tree import make_official


@pytest.fixture(scope="session")
def celeba_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A read-only official-layout tree shared by tests that do not modify it."""
    return make_official(tmp_path_factory.mktemp("celeba"))
