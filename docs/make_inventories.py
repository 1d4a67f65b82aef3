"""Write the offline intersphinx inventories in ``docs/_inventories/``.

The docs are built without internet access, so intersphinx cannot download the
``objects.inv`` files of Python, PyTorch and NumPy. This script writes small stand-ins
instead: it imports the installed packages, walks the public names of the modules that
gankit's docs and type hints touch, and records each one with the URI of its page in the
official documentation (https://docs.python.org/3/, https://pytorch.org/docs/stable/,
https://numpy.org/doc/stable/), so the rendered links go to the real docs.

Objects are also recorded under their defining path (``torch.nn.modules.module.Module``
for ``torch.nn.Module``, ``torch._C.Generator`` for ``torch.Generator``), which is how
autodoc spells evaluated type hints.

Run it from the repository root after upgrading torch or numpy, then rebuild the docs::

    python docs/make_inventories.py
"""

from __future__ import annotations

import builtins
import importlib
import inspect
import sys
import types
import warnings
import zlib
from collections.abc import Callable, Iterable
from pathlib import Path

from sphinx.util.inventory import InventoryFile

OUT = Path(__file__).resolve().parent / "_inventories"

Entry = tuple[str, str, str]  # (name, "py:role", relative URI)


def role_of(obj: object) -> str:
    """The Python-domain role an object is documented with."""
    if inspect.ismodule(obj):
        return "py:module"
    if inspect.isclass(obj):
        return "py:exception" if issubclass(obj, BaseException) else "py:class"
    if inspect.isroutine(obj):
        return "py:function"
    return "py:data"


def public_names(module: types.ModuleType) -> list[str]:
    """``__all__`` (or every non-underscore name) plus the names the module defines."""
    names = set(getattr(module, "__all__", None) or [n for n in dir(module) if n[:1] != "_"])
    for name in dir(module):
        if (
            name[:1] != "_"
            and getattr(getattr(module, name), "__module__", None) == module.__name__
        ):
            names.add(name)  # e.g. os.PathLike, which os.__all__ leaves out
    return sorted(n for n in names if hasattr(module, n))


def canonical_name(obj: object) -> str | None:
    """``module.qualname`` where the class or function is defined, if it has one."""
    module, qualname = getattr(obj, "__module__", None), getattr(obj, "__qualname__", None)
    if not isinstance(module, str) or not isinstance(qualname, str) or "<" in qualname:
        return None
    return f"{module}.{qualname}"


def walk(
    project: str,
    modules: Iterable[str],
    uri: Callable[[str, object], str],
    *,
    methods_of: Iterable[str] = (),
) -> list[Entry]:
    """Entries for the modules, their public names and the methods of some classes."""
    entries: dict[tuple[str, str], str] = {}

    def add(name: str, obj: object) -> None:
        role = role_of(obj)
        entries.setdefault((name, role), uri(name, obj))
        alias = canonical_name(obj)
        if alias and alias != name and role != "py:module" and alias.startswith(project):
            entries.setdefault((alias, role), uri(name, obj))
        if role == "py:data" and not isinstance(obj, (str, int, float, tuple, dict)):
            # Type aliases such as ``numpy.typing.NDArray`` appear in annotations.
            entries.setdefault((name, "py:class"), uri(name, obj))

    for modname in modules:
        module = importlib.import_module(modname)
        add(modname, module)
        for attr in public_names(module):
            obj = getattr(module, attr)
            if inspect.ismodule(obj):
                continue
            home = getattr(obj, "__module__", None)
            if isinstance(home, str) and not home.startswith(project) and project != "python":
                continue  # re-exported from another project (e.g. typing.Any in torch)
            add(f"{modname}.{attr}", obj)
    for clsname in methods_of:
        modname, _, attr = clsname.rpartition(".")
        cls = getattr(importlib.import_module(modname), attr)
        for name, member in vars(cls).items():
            if not name.startswith("_") and callable(member):
                method = f"{clsname}.{name}"
                entries.setdefault((method, "py:method"), uri(method, member))
    return [(name, role, target) for (name, role), target in sorted(entries.items())]


# -- Python ---------------------------------------------------------------------------

PY_MODULES = [
    "abc", "argparse", "collections", "collections.abc", "concurrent.futures", "contextlib",
    "copy", "csv", "dataclasses", "enum", "functools", "hashlib", "importlib",
    "importlib.util", "inspect", "io", "itertools", "json", "logging", "math",
    "multiprocessing", "os", "os.path", "pathlib", "pickle", "random", "re", "shutil",
    "signal", "subprocess", "sys", "tempfile", "threading", "time", "types", "typing",
    "warnings", "zipfile",
]  # fmt: skip
PY_PAGES = {"importlib.util": "importlib"}  # modules documented on their parent's page
PY_STDTYPES = {
    "str", "list", "dict", "tuple", "set", "frozenset", "bytes", "bytearray", "range",
    "memoryview",
}  # fmt: skip
PY_CONSTANTS = ["None", "True", "False", "Ellipsis", "NotImplemented"]


def python_uri(name: str, obj: object) -> str:
    if "." not in name:  # builtins
        if name in PY_CONSTANTS:
            return f"library/constants.html#{name}"
        if inspect.isclass(obj) and issubclass(obj, BaseException):
            return f"library/exceptions.html#{name}"
        page = "stdtypes" if name in PY_STDTYPES else "functions"
        return f"library/{page}.html#{name}"
    if inspect.ismodule(obj):
        return f"library/{PY_PAGES.get(name, name)}.html#module-{name}"
    module = max((m for m in PY_MODULES if name.startswith(m + ".")), key=len)
    return f"library/{PY_PAGES.get(module, module)}.html#{name}"


def python_entries() -> list[Entry]:
    entries = walk("python", PY_MODULES, python_uri)
    for name in dir(builtins):
        obj = getattr(builtins, name)
        if name.startswith("_") or inspect.ismodule(obj):
            continue
        role = "py:data" if name in PY_CONSTANTS else role_of(obj)
        entries.append((name, role, python_uri(name, obj)))
    return entries


# -- PyTorch --------------------------------------------------------------------------

TORCH_MODULES = [
    "torch", "torch.amp", "torch.autograd", "torch.backends.cudnn", "torch.cuda",
    "torch.distributed", "torch.hub", "torch.jit", "torch.nn", "torch.nn.functional",
    "torch.nn.parallel", "torch.nn.utils", "torch.nn.utils.parametrizations", "torch.optim",
    "torch.optim.lr_scheduler", "torch.utils.data",
]  # fmt: skip
TORCH_PAGES = {  # name prefix -> page, for names without a page of their own
    "torch.device": "tensor_attributes.html",
    "torch.dtype": "tensor_attributes.html",
    "torch.layout": "tensor_attributes.html",
    "torch.memory_format": "tensor_attributes.html",
    "torch.amp": "amp.html",
    "torch.autocast": "amp.html",
    "torch.backends": "backends.html",
    "torch.distributed": "distributed.html",
    "torch.hub": "hub.html",
    "torch.utils.data": "data.html",
}


def torch_uri(name: str, obj: object) -> str:
    if inspect.ismodule(obj):
        page = "torch" if name == "torch" else name.removeprefix("torch.")
        return f"{page}.html#module-{name}"
    if name == "torch.Tensor":
        return "tensors.html#torch.Tensor"
    if name == "torch.optim.Optimizer":
        return "optim.html#torch.optim.Optimizer"
    if name.startswith("torch.nn.Module."):  # methods share the class page
        return f"generated/torch.nn.Module.html#{name}"
    for prefix, page in TORCH_PAGES.items():
        if name == prefix or name.startswith(prefix + "."):
            return f"{page}#{name}"
    return f"generated/{name}.html#{name}"


def torch_entries() -> list[Entry]:
    return walk(
        "torch",
        TORCH_MODULES,
        torch_uri,
        methods_of=["torch.Tensor", "torch.nn.Module", "torch.optim.Optimizer"],
    )


# -- NumPy ----------------------------------------------------------------------------

NUMPY_MODULES = ["numpy", "numpy.random", "numpy.typing", "numpy.lib.npyio"]


NUMPY_MODULE_PAGES = {
    "numpy": "index",
    "numpy.random": "random/index",
    "numpy.typing": "typing",
    "numpy.lib.npyio": "routines.io",
}


def numpy_uri(name: str, obj: object) -> str:
    if inspect.ismodule(obj):
        return f"reference/{NUMPY_MODULE_PAGES[name]}.html#module-{name}"
    if name.startswith("numpy.typing."):
        return f"reference/typing.html#{name}"
    if name in ("numpy.random.Generator", "numpy.random.default_rng"):
        return f"reference/random/generator.html#{name}"
    if name.startswith("numpy.random."):
        return f"reference/random/generated/{name}.html#{name}"
    if inspect.isclass(obj) and issubclass(obj, sys.modules["numpy"].generic):
        return f"reference/arrays.scalars.html#{name}"
    return f"reference/generated/{name}.html#{name}"


def numpy_entries() -> list[Entry]:
    return walk("numpy", NUMPY_MODULES, numpy_uri, methods_of=["numpy.ndarray"])


# -- writing --------------------------------------------------------------------------


def write(path: Path, project: str, version: str, entries: list[Entry]) -> int:
    """Write a version-2 Sphinx inventory and check that Sphinx reads it back."""
    header = (
        "# Sphinx inventory version 2\n"
        f"# Project: {project}\n"
        f"# Version: {version}\n"
        "# The remainder of this file is compressed using zlib.\n"
    )
    body = "".join(
        f"{name} {role} 1 {uri.replace('#' + name, '#$') if uri.endswith('#' + name) else uri} -\n"
        for name, role, uri in entries
    )
    data = header.encode() + zlib.compress(body.encode(), 9)
    parsed = InventoryFile.loads(data, uri="https://example.invalid")
    assert len(parsed.data) > 0, path
    path.write_bytes(data)
    return len(data)


def main() -> None:
    import numpy
    import torch

    OUT.mkdir(exist_ok=True)
    py_version = f"{sys.version_info.major}.{sys.version_info.minor}"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # deprecated aliases warn when touched
        inventories = [
            ("python.inv", "Python", py_version, python_entries()),
            ("torch.inv", "PyTorch", torch.__version__.split("+")[0], torch_entries()),
            ("numpy.inv", "NumPy", numpy.__version__, numpy_entries()),
        ]
    for filename, project, version, entries in inventories:
        size = write(OUT / filename, project, version, entries)
        print(f"{OUT / filename}: {len(entries)} objects, {size / 1024:.1f} KiB")


if __name__ == "__main__":
    main()
