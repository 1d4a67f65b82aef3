from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from gankit.metrics import (
    GaussianStatistics,
    StatisticsKey,
    compute_or_load_statistics,
    load_statistics,
    save_statistics,
    statistics_cache_path,
)


def _stats(seed: int = 0, d: int = 3) -> GaussianStatistics:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((d + 5, d))
    return GaussianStatistics(x.mean(0), np.cov(x, rowvar=False), d + 5)


def test_cache_path_contains_key_hash_and_readable_slug(tmp_path: Path) -> None:
    key = "CelebA 64/train|inception-v3"
    path = statistics_cache_path(tmp_path, key)
    assert path.parent == tmp_path and path.suffix == ".npz"
    assert hashlib.sha256(key.encode()).hexdigest()[:16] in path.name
    assert path.name.startswith("stats-CelebA-64-train-inception-v3-")
    assert statistics_cache_path(tmp_path, key) == path
    assert statistics_cache_path(tmp_path, key + " ") != path
    assert statistics_cache_path(tmp_path, "///").name.startswith("stats-key-")
    with pytest.raises(ValueError, match="key must be a StatisticsKey or a non-empty str, got ''"):
        statistics_cache_path(tmp_path, "")


def test_save_load_round_trip_is_exact(tmp_path: Path) -> None:
    stats = _stats()
    path = tmp_path / "nested" / "real.npz"
    save_statistics(path, stats, "toy|pool3")
    loaded = load_statistics(path, key="toy|pool3")
    np.testing.assert_array_equal(loaded.mu, stats.mu)
    np.testing.assert_array_equal(loaded.sigma, stats.sigma)
    assert loaded.num_samples == stats.num_samples
    assert load_statistics(path).num_samples == stats.num_samples  # no key check
    with np.load(path, allow_pickle=False) as raw:
        assert sorted(raw.files) == ["key", "mu", "n", "sigma"]
        assert str(raw["key"]) == "toy|pool3" and int(raw["n"]) == stats.num_samples
    assert [p.name for p in path.parent.iterdir()] == ["real.npz"]  # no temporary left


def test_key_mismatch_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "s.npz"
    save_statistics(path, _stats(), "celeba|pool3")
    with pytest.raises(ValueError, match="has key 'celeba\\|pool3', expected 'mnist\\|pool3'"):
        load_statistics(path, key="mnist|pool3")


def test_load_errors(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_statistics(tmp_path / "missing.npz")
    partial = tmp_path / "partial.npz"
    np.savez(partial, mu=np.zeros(2))
    with pytest.raises(ValueError, match=r"lacks \['sigma'\]"):
        load_statistics(partial)
    text = tmp_path / "text.npz"
    text.write_text("not an archive")
    with pytest.raises(ValueError, match=r"is not a readable \.npz"):
        load_statistics(text)
    bad = tmp_path / "bad.npz"
    np.savez(bad, mu=np.zeros(2), sigma=np.eye(3))
    with pytest.raises(ValueError, match=r"bad.npz.*sigma must have shape \(2, 2\)"):
        load_statistics(bad)
    pickled = tmp_path / "pickled.npz"
    np.savez(pickled, mu=np.array([object()], dtype=object), sigma=np.eye(1))
    with pytest.raises(ValueError, match=r"pickled\.npz'.*allow_pickle=False"):
        load_statistics(pickled)  # never unpickled
    with pytest.raises(TypeError, match="statistics must be GaussianStatistics"):
        save_statistics(tmp_path / "x.npz", {"mu": 0}, "k")  # type: ignore[arg-type]


def test_compute_or_load_computes_once_per_key(tmp_path: Path) -> None:
    calls: list[str] = []

    def compute(seed: int) -> GaussianStatistics:
        calls.append(str(seed))
        return _stats(seed)

    first = compute_or_load_statistics("a|p", tmp_path, lambda: compute(1))
    again = compute_or_load_statistics("a|p", tmp_path, lambda: compute(2))
    other = compute_or_load_statistics("b|p", tmp_path, lambda: compute(3))
    assert calls == ["1", "3"]
    np.testing.assert_array_equal(again.sigma, first.sigma)
    assert not np.array_equal(other.mu, first.mu)
    assert len(list(tmp_path.glob("*.npz"))) == 2


def test_compute_or_load_detects_foreign_file(tmp_path: Path) -> None:
    """A file at the key's path that holds another key (collision or hand edit) is refused."""
    save_statistics(statistics_cache_path(tmp_path, "a|p"), _stats(), "other")
    with pytest.raises(ValueError, match="has key 'other', expected 'a\\|p'"):
        compute_or_load_statistics("a|p", tmp_path, _stats)


def test_pytorch_fid_and_ttur_statistics_files_are_read(tmp_path: Path) -> None:
    """pytorch-fid's ``--save-stats`` and TTUR's published files hold only mu and sigma."""
    stats = _stats(4)
    path = tmp_path / "fid_stats_celeba.npz"
    np.savez(path, mu=stats.mu, sigma=stats.sigma)
    loaded = load_statistics(path)
    np.testing.assert_array_equal(loaded.sigma, stats.sigma)
    assert loaded.num_samples is None  # not recorded, and not made up
    with pytest.raises(ValueError, match=r"lacks \['key'\]"):
        load_statistics(path, key="celeba")  # a cache lookup never takes a keyless file


_BASE = StatisticsKey(
    data="images:10:sha256:aa",
    weights="sha256:bb",
    protocol="inception-v3/pool3/bilinear",
    value_range=(-1.0, 1.0),
    image_size=None,
    crop="none",
    max_samples=None,
    label="toy",
)
_CHANGED: dict[str, Any] = {
    "data": "images:10:sha256:cc",
    "weights": "sha256:dd",
    "protocol": "inception-v3/pool3/pil-bicubic",
    "value_range": (0.0, 1.0),
    "image_size": 64,
    "crop": "face",
    "max_samples": 5,
    "label": "other",
}


def test_every_key_field_has_a_changed_value_here() -> None:
    assert sorted(f.name for f in dataclasses.fields(StatisticsKey)) == sorted(_CHANGED)


@pytest.mark.parametrize("field", sorted(_CHANGED))
def test_changing_any_key_field_recomputes(tmp_path: Path, field: str) -> None:
    """Each field is part of the key: dropping it from ``str(key)`` fails its case here."""
    calls: list[int] = []

    def compute() -> GaussianStatistics:
        calls.append(1)
        return _stats(len(calls))

    first = compute_or_load_statistics(_BASE, tmp_path, compute)
    compute_or_load_statistics(_BASE, tmp_path, compute)
    assert len(calls) == 1
    changed = dataclasses.replace(_BASE, **{field: _CHANGED[field]})
    second = compute_or_load_statistics(changed, tmp_path, compute)
    assert len(calls) == 2 and not np.array_equal(first.mu, second.mu)
    assert statistics_cache_path(tmp_path, changed) != statistics_cache_path(tmp_path, _BASE)
    assert load_statistics(statistics_cache_path(tmp_path, changed), key=changed).num_samples


def test_statistics_key_is_validated() -> None:
    with pytest.raises(ValueError, match=r"StatisticsKey\.data must be a non-empty str"):
        dataclasses.replace(_BASE, data="")
    with pytest.raises(TypeError, match=r"StatisticsKey\.max_samples must be None or an int"):
        dataclasses.replace(_BASE, max_samples="5")
    with pytest.raises(ValueError, match=r"StatisticsKey\.image_size must be None or >= 1"):
        dataclasses.replace(_BASE, image_size=0)
    with pytest.raises(ValueError, match=r"StatisticsKey\.value_range must be None or finite"):
        dataclasses.replace(_BASE, value_range=(1.0, 1.0))
    slug = statistics_cache_path("c", _BASE).name
    assert slug.startswith("stats-toy-")
