"""Sphinx configuration for the gankit docs (built warning-free with ``-n -W``)."""

from __future__ import annotations

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
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
]

autodoc_typehints = "description"
autodoc_member_order = "bysource"
autodoc_default_options = {"members": True, "show-inheritance": True}
autodoc_preserve_defaults = True
napoleon_google_docstring = True
napoleon_numpy_docstring = False
napoleon_use_rtype = False
napoleon_custom_sections = ["Shape"]

# Names from other projects: linked where an inventory is available offline,
# otherwise accepted as plain text.
nitpick_ignore_regex = [
    (r"py:.*", r"(torch|numpy|np|nn|Tensor|PIL|typing_extensions)(\..*)?"),
    (r"py:.*", r"gankit\.models\.(config\.)?_ConvNetConfig"),
    (r"py:.*", r"gankit\.models\.mlp\._MLPConfig"),
]

# Docstring examples are run by tests/test_docstrings.py; Sphinx runs the guide's
# explicit doctest/testcode blocks.
doctest_test_doctest_blocks = ""
doctest_global_setup = "import torch\nimport gankit as gk\ntorch.manual_seed(0)"

html_theme = "alabaster"
html_title = f"gankit {release}"
exclude_patterns = ["_build"]
