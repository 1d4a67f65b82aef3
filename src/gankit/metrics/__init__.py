"""Evaluation metrics for GANs: FID, KID, Inception Score, precision and recall.

FID follows the pytorch-fid protocol (see :mod:`gankit.metrics.inception`); weights are
found offline or downloaded only on request (see :mod:`gankit.metrics.inception_weights`).
Statistics stream batch by batch (:class:`FeatureStatistics`) and real-data statistics are
cached (:func:`compute_or_load_statistics`) under a :class:`StatisticsKey` that names the
images' content, the weights and the protocol. Typical use in a training loop::

    extractor = load_inception(device="cuda")
    fid = FID.from_images(extractor, real_images, key="celeba-64-train", cache_dir="stats")
    result = fid(lambda b: G(torch.randn(b, 100, 1, 1, device="cuda")), num_samples=10_000)
    print(result.value, result.num_real, result.num_fake)
"""

from __future__ import annotations

from gankit.metrics.cache import (
    StatisticsKey,
    compute_or_load_statistics,
    load_statistics,
    save_statistics,
    statistics_cache_path,
)
from gankit.metrics.extraction import (
    FeatureExtractor,
    compute_statistics,
    extract_features,
    generate_features,
    generate_statistics,
)
from gankit.metrics.fid import FID, FIDResult, fid_from_features, fid_from_statistics
from gankit.metrics.fingerprint import (
    file_sha256,
    folder_fingerprint,
    images_fingerprint,
    weights_fingerprint,
)
from gankit.metrics.folder import ImageFiles, stack_images
from gankit.metrics.frechet import frechet_distance
from gankit.metrics.inception import (
    CLEAN_FID_PROTOCOL,
    INCEPTION_INPUT_SIZE,
    INCEPTION_NUM_CLASSES,
    INCEPTION_NUM_FEATURES,
    INCEPTION_PROTOCOL,
    FIDConvention,
    FIDInceptionV3,
    InceptionFeatureExtractor,
    preprocess_images,
    protocol_name,
)
from gankit.metrics.inception_score import InceptionScoreResult, inception_score
from gankit.metrics.inception_weights import (
    FID_HELPER_PACKAGE,
    FID_WEIGHTS_FILENAME,
    FID_WEIGHTS_URL,
    INCEPTION_WEIGHTS_ENV,
    InceptionWeights,
    WeightsFormat,
    WeightsOrigin,
    fid_helper_weights_path,
    hub_cache_weights_path,
    load_inception,
    resolve_inception_weights,
)
from gankit.metrics.kid import KIDResult, kernel_inception_distance, polynomial_mmd2
from gankit.metrics.precision_recall import PrecisionRecallResult, precision_recall
from gankit.metrics.statistics import (
    FeatureStatistics,
    GaussianStatistics,
    statistics_from_features,
)

__all__ = [
    "CLEAN_FID_PROTOCOL",
    "FID",
    "FID_HELPER_PACKAGE",
    "FID_WEIGHTS_FILENAME",
    "FID_WEIGHTS_URL",
    "INCEPTION_INPUT_SIZE",
    "INCEPTION_NUM_CLASSES",
    "INCEPTION_NUM_FEATURES",
    "INCEPTION_PROTOCOL",
    "INCEPTION_WEIGHTS_ENV",
    "FIDConvention",
    "FIDInceptionV3",
    "FIDResult",
    "FeatureExtractor",
    "FeatureStatistics",
    "GaussianStatistics",
    "ImageFiles",
    "InceptionFeatureExtractor",
    "InceptionScoreResult",
    "InceptionWeights",
    "KIDResult",
    "PrecisionRecallResult",
    "StatisticsKey",
    "WeightsFormat",
    "WeightsOrigin",
    "compute_or_load_statistics",
    "compute_statistics",
    "extract_features",
    "fid_from_features",
    "fid_from_statistics",
    "fid_helper_weights_path",
    "file_sha256",
    "folder_fingerprint",
    "frechet_distance",
    "generate_features",
    "generate_statistics",
    "hub_cache_weights_path",
    "images_fingerprint",
    "inception_score",
    "kernel_inception_distance",
    "load_inception",
    "load_statistics",
    "polynomial_mmd2",
    "precision_recall",
    "preprocess_images",
    "protocol_name",
    "resolve_inception_weights",
    "save_statistics",
    "stack_images",
    "statistics_cache_path",
    "statistics_from_features",
    "weights_fingerprint",
]
