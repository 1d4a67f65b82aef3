from __future__ import annotations

import gankit.metrics as metrics


def test_all_names_are_exported_and_sorted() -> None:
    assert sorted(set(metrics.__all__)) == sorted(metrics.__all__)
    for name in metrics.__all__:
        assert getattr(metrics, name) is not None, name
    assert {"FID", "frechet_distance", "load_inception", "FeatureStatistics"} <= set(
        metrics.__all__
    )
