"""Every public name (each subpackage's ``__all__``) appears in the Sphinx API pages."""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path

import pytest

API = Path(__file__).resolve().parents[1] / "docs" / "api"
PACKAGES = [
    "gankit",
    "gankit.models",
    "gankit.losses",
    "gankit.augment",
    "gankit.train",
    "gankit.train.graphs",
    "gankit.train.graph_step",
    "gankit.train.variants",
    "gankit.train.hooks",
    "gankit.data",
    "gankit.metrics",
]
DIRECTIVE = re.compile(
    r"^\s*\.\.\s+(?:auto(?:module|class|function|data|exception|attribute|method)"
    r"|py:(?:module|class|function|data|exception|attribute|method|currentmodule)"
    r"|currentmodule|module)::\s*([\w.]+)",
    re.MULTILINE,
)


def documented_names() -> set[str]:
    """Full names that an autodoc or py-domain directive documents in docs/api/*.rst."""
    names: set[str] = set()
    for page in sorted(API.glob("*.rst")):
        names.update(DIRECTIVE.findall(page.read_text(encoding="utf-8")))
    return names


def _resolve(name: str) -> object:
    try:
        return importlib.import_module(name)
    except ImportError:
        module, _, attr = name.rpartition(".")
        return getattr(importlib.import_module(module), attr)


def _is_documented(package: str, name: str, documented: set[str]) -> bool:
    if f"{package}.{name}" in documented:
        return True
    # A class, function or module re-exported from elsewhere (gankit.Trainer is
    # gankit.train.Trainer) counts when the same object is documented under another name.
    obj = getattr(importlib.import_module(package), name)
    if not (inspect.isclass(obj) or inspect.isroutine(obj) or inspect.ismodule(obj)):
        return False
    for other in documented:
        try:
            if _resolve(other) is obj:
                return True
        except (ImportError, AttributeError):
            continue
    return False


def test_api_pages_exist() -> None:
    assert (API / "index.rst").is_file()
    assert documented_names(), "no autodoc directives found in docs/api/*.rst"


@pytest.mark.parametrize("package", PACKAGES)
def test_every_public_name_is_in_the_api_reference(package: str) -> None:
    documented = documented_names()
    public = importlib.import_module(package).__all__
    missing = [n for n in public if not _is_documented(package, n, documented)]
    assert not missing, f"{package}: add {missing} to docs/api/*.rst"


def test_documented_names_exist() -> None:
    for name in sorted(documented_names()):
        if name.startswith("gankit"):
            _resolve(name)  # a renamed or removed object fails here
