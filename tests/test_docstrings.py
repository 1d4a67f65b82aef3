"""Every docstring example runs, and every public name is documented with one."""

from __future__ import annotations

import doctest
import importlib
import inspect
import pkgutil
from types import ModuleType

import pytest

import gankit


def _modules() -> list[str]:
    names = ["gankit"]
    for info in pkgutil.walk_packages(gankit.__path__, prefix="gankit."):
        if not info.name.endswith("__main__"):  # importing it runs the command
            names.append(info.name)
    return sorted(names)


@pytest.mark.parametrize("name", _modules())
def test_docstring_examples_run(name: str) -> None:
    module = importlib.import_module(name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    report: list[str] = []
    for test in finder.find(module, name, globs=vars(module).copy()):
        runner.run(test, out=report.append)
    assert runner.failures == 0, "".join(report)


def _public_objects() -> list[tuple[str, object]]:
    out = []
    for name in _modules():
        module: ModuleType = importlib.import_module(name)
        if name.rsplit(".", 1)[-1].startswith("_"):
            continue
        for attr in getattr(module, "__all__", []):
            obj = getattr(module, attr)
            if inspect.isfunction(obj) or inspect.isclass(obj):
                out.append((f"{name}.{attr}", obj))
    return out


@pytest.mark.parametrize(
    ("qualname", "obj"), _public_objects(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_public_callables_have_documented_examples(qualname: str, obj: object) -> None:
    doc = inspect.getdoc(obj) or ""
    assert doc, f"{qualname} has no docstring"
    if inspect.isclass(obj) and issubclass(obj, BaseException):
        return
    assert "Example" in doc or ">>>" in doc, f"{qualname} has no example in its docstring"
