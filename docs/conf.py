"""Sphinx configuration for the gankit docs (built warning-free with ``-n -W``).

Build: ``python -m sphinx -n -W --keep-going -b html docs docs/_build/html`` and the same
with ``-b doctest``. Nothing is fetched at build time: intersphinx reads the inventories
in ``docs/_inventories/`` (regenerate them with ``python docs/make_inventories.py``).
"""

from __future__ import annotations

import functools
import importlib
import inspect
import pkgutil
import sys
from typing import Any

from sphinx.application import Sphinx
from sphinx.pycode import ModuleAnalyzer
from sphinx.util.inspect import signature
from sphinx.util.typing import stringify_annotation

import gankit

project = "gankit"
author = "gankit developers"
copyright = "2026, gankit developers"
release = gankit.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.doctest",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
]

# -- autodoc and napoleon ------------------------------------------------------------
autodoc_typehints = "description"
autodoc_typehints_format = "short"
autodoc_typehints_description_target = "documented_params"
autodoc_member_order = "bysource"
autodoc_default_options = {"members": True, "show-inheritance": True}
# Names that modules import only under ``if TYPE_CHECKING:`` (so autodoc cannot evaluate
# them) resolve to their documented public home.
autodoc_type_aliases = {
    "Trainer": "gankit.Trainer",
    "TrainState": "gankit.train.TrainState",
    # gankit.metrics' private alias for "a NumPy array or a tensor".
    "ArrayLike": "numpy.ndarray | torch.Tensor",
}
napoleon_google_docstring = True
napoleon_numpy_docstring = False
napoleon_use_rtype = False
napoleon_custom_sections = ["Shape"]

# -- cross-references ----------------------------------------------------------------
nitpicky = True
# Offline inventories written by docs/make_inventories.py; URIs point at the official
# docs, so the links work on the published site.
intersphinx_mapping = {
    "python": ("https://docs.python.org/3", "_inventories/python.inv"),
    "torch": ("https://pytorch.org/docs/stable", "_inventories/torch.inv"),
    "numpy": ("https://numpy.org/doc/stable", "_inventories/numpy.inv"),
}
# What no inventory can resolve (keep this list short and say why):
nitpick_ignore_regex = [
    # Private bases of the public configs, shown by ``show-inheritance``.
    (r"py:class", r"gankit\.models\.config\._ConvNetConfig"),
    (r"py:class", r"gankit\.models\.mlp\._MLPConfig"),
    (r"py:class", r"gankit\.train\.schema\._Entries"),
    (r"py:class", r"gankit\.models\.resnet_config\._ResNetConfig"),
    (r"py:class", r"gankit\.models\.r3gan_config\._R3GANConfig"),
    # The private TypeVar of DeviceLoader[BatchT] (Tensor or (images, labels) batches).
    (r"py:(class|obj)", r"gankit\.data\.device_loader\.BatchT"),
    # The TypeVar of gankit.train.graphs: whatever the captured step function returns.
    (r"py:(class|obj)", r"gankit\.train\.graphs\.T"),
]

# -- doctest -------------------------------------------------------------------------
# Docstring examples are run by tests/test_docstrings.py; Sphinx runs the guide's
# explicit doctest/testcode blocks.
doctest_test_doctest_blocks = ""
doctest_global_setup = """
import torch
import gankit as gk

torch.manual_seed(0)
torch.set_num_threads(1)  # the guide's nets are tiny: faster, and steady on busy machines
"""

# -- HTML ----------------------------------------------------------------------------
html_theme = "furo"
html_title = f"gankit {release}"
html_static_path = ["_static"]
exclude_patterns = ["_build", "_inventories"]


# -- small autodoc fixes -------------------------------------------------------------


def _annotation_store(app: Sphinx) -> dict[str, dict[str, str]]:
    document = getattr(app.env, "current_document", None)
    if document is not None and hasattr(document, "autodoc_annotations"):
        store: dict[str, dict[str, str]] = document.autodoc_annotations  # Sphinx >= 8.2
        return store
    return app.env.temp_data.setdefault("annotations", {})  # Sphinx 7


def record_init_typehints(
    app: Sphinx, what: str, name: str, obj: Any, options: Any, args: Any, retann: Any
) -> None:
    """Record a class's ``__init__`` type hints evaluated, not as PEP 563 strings.

    autodoc reads a class's parameters from ``inspect.signature(cls)``, which leaves
    ``from __future__ import annotations`` hints as source text (``nn.Module``) that
    cannot be cross-referenced; the ``__init__`` function evaluates properly.
    """
    init = getattr(obj, "__init__", None) if inspect.isclass(obj) else None
    if init is None or not inspect.isfunction(init):
        return
    try:
        sig = signature(init, bound_method=True, type_aliases=app.config.autodoc_type_aliases)
    except (TypeError, ValueError):
        return
    mode = "smart" if app.config.autodoc_typehints_format == "short" else "fully-qualified"
    recorded = _annotation_store(app).setdefault(name, {})
    for param in sig.parameters.values():
        if param.annotation is not param.empty:
            recorded[param.name] = stringify_annotation(param.annotation, mode)


@functools.cache
def _attribute_docs(package: str) -> dict[str, list[str]]:
    """Docstrings of module-level names in ``package`` and its loaded submodules, by name."""
    found: dict[str, list[str]] = {}
    module = importlib.import_module(package)
    names = [package]
    if hasattr(module, "__path__"):
        names += [m.name for m in pkgutil.iter_modules(module.__path__, package + ".")]
    for modname in names:
        sub = sys.modules.get(modname)  # a re-export has imported its module already
        if sub is None:
            continue
        docs = ModuleAnalyzer.for_module(modname).find_attr_docs()
        for (scope, attr), lines in docs.items():
            if not scope and getattr(sub, attr, None) is getattr(module, attr, object()):
                found.setdefault(attr, list(lines))
    return found


def reexported_data_docs(
    app: Sphinx, what: str, name: str, obj: Any, options: Any, lines: list[str]
) -> None:
    """Give re-exported constants and aliases the docstring written where they are defined.

    ``gankit.data.CROP_PRESETS`` is defined (with its docstring) in
    ``gankit.data.transforms``; autodoc only looks in ``gankit.data`` and would otherwise
    show the docstring of ``dict``.
    """
    if what != "data":
        return
    package, _, attr = name.rpartition(".")
    doc = _attribute_docs(package).get(attr)
    if doc is not None:
        lines[:] = doc
    elif getattr(obj, "__doc__", None) == getattr(type(obj), "__doc__", None):
        lines[:] = []


def drop_object_base(app: Sphinx, name: str, obj: Any, options: Any, bases: list[Any]) -> None:
    """Leave out "Bases: object", which says nothing."""
    bases[:] = [b for b in bases if b is not object]


def setup(app: Sphinx) -> None:
    app.connect("autodoc-process-bases", drop_object_base)
    app.connect("autodoc-process-signature", record_init_typehints, priority=600)
    app.connect("autodoc-process-docstring", reexported_data_docs)
