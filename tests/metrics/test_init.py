from __future__ import annotations

import gankit.metrics as metrics


def test_all_names_are_exported_and_sorted() -> None:
    assert sorted(set(metrics.__all__)) == sorted(metrics.__all__)
    for name in metrics.__all__:
        assert getattr(metrics, name) is not None, name
    assert {"FID", "frechet_distance", "load_inception", "FeatureStatistics"} <= set(
        metrics.__all__
    )


def test_importing_the_metrics_imports_no_heavy_optional_module() -> None:
    """torchvision (Inception blocks), Pillow (folders), SciPy: only when used.

    (tqdm is not checked: ``import torch`` 2.14 imports it itself.)

    Run in a fresh interpreter with ``gankit`` as a bare package, so that whatever
    ``gankit/__init__`` imports does not count against ``gankit.metrics``.
    """
    import subprocess
    import sys
    from pathlib import Path

    package = Path(metrics.__file__).resolve().parents[1]
    code = (
        "import sys, types\n"
        f"bare = types.ModuleType('gankit'); bare.__path__ = [{str(package)!r}]\n"
        "sys.modules['gankit'] = bare\n"
        "import gankit.metrics\n"
        "heavy = [m for m in ('torchvision', 'PIL', 'scipy', 'matplotlib')"
        " if m in sys.modules]\n"
        "print(','.join(heavy))\n"
        "net = gankit.metrics.FIDInceptionV3()\n"
        "print('torchvision' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=300
    )
    assert result.stdout.splitlines() == ["", "True"], result.stdout + result.stderr
