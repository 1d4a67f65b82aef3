"""The sdist can run the test suite and the wheel declares what a user's install needs."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tarfile
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_SKIP = shutil.ignore_patterns(
    ".git", ".venv", ".ci-venv", "build", "dist", "*.egg-info", "__pycache__", "_build",
    ".mypy_cache", ".ruff_cache", ".pytest_cache", ".hypothesis", "runs", "*.pt",
)  # fmt: skip


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Build the sdist and the wheel from a copy of the tree (the checkout stays clean)."""
    if not (ROOT / "pyproject.toml").is_file():
        pytest.skip("needs the source tree")
    pytest.importorskip("setuptools")
    tree = tmp_path_factory.mktemp("tree") / "gankit"
    shutil.copytree(ROOT, tree, ignore=_SKIP)
    code = (
        "from setuptools import build_meta as b\n"
        "sdist = b.build_sdist('dist')\n"
        "wheel = b.build_wheel('dist')\n"
        "print('BUILT', sdist, wheel)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=tree, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        pytest.fail(result.stderr[-3000:])
    line = next(x for x in result.stdout.splitlines() if x.startswith("BUILT "))
    sdist, wheel = line.split()[1:]
    return tree / "dist" / sdist, tree / "dist" / wheel


def test_the_sdist_holds_what_the_tests_need(built: tuple[Path, Path]) -> None:
    """The sdist held 6 top-level test files, without conftest.py or the test folders."""
    with tarfile.open(built[0]) as sdist:
        names = {n.split("/", 1)[1] for n in sdist.getnames() if "/" in n}
    tracked_tests = {str(p.relative_to(ROOT)) for p in (ROOT / "tests").rglob("*.py")}
    assert tracked_tests <= names, sorted(tracked_tests - names)[:5]
    for needed in ("tests/conftest.py", "tests/strategies.py", "README.md", ".ci/run",
                   "CHANGELOG.md", "examples/celeba_dcgan.py", "docs/api/index.rst",
                   "benchmarks/throughput.py", "pyproject.toml", "src/gankit/py.typed"):  # fmt: skip
        assert needed in names, needed


def test_the_wheel_metadata(built: tuple[Path, Path]) -> None:
    with zipfile.ZipFile(built[1]) as wheel:
        files = set(wheel.namelist())
        meta_name = next(n for n in files if n.endswith(".dist-info/METADATA"))
        meta = Parser().parsestr(wheel.read(meta_name).decode())
        entry = next(n for n in files if n.endswith(".dist-info/entry_points.txt"))
        entry_points = wheel.read(entry).decode()
    assert "gankit/cli/train.py" in files and "gankit/py.typed" in files
    assert "gankit = gankit.cli:main" in entry_points
    requires = meta.get_all("Requires-Dist") or []
    assert any(r.lower().startswith("pillow") for r in requires)  # imported, so declared
    extras = set(meta.get_all("Provides-Extra") or [])
    assert {"test", "lint", "docs", "dev", "plot"} <= extras
    dev = [r for r in requires if 'extra == "dev"' in r]
    assert dev and all("gankit[" in r for r in dev)  # dev = the other extras, not a copy
    assert "Programming Language :: Python :: 3.13" in (meta.get_all("Classifier") or [])
    urls = dict(u.split(", ", 1) for u in meta.get_all("Project-URL") or [])
    assert {"Documentation", "Source", "Issues", "Changelog"} <= set(urls)
