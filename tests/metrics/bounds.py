"""Round-off bounds that metrics tests use as tolerances (derived, not fitted to one CPU)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt


def covariance_rounding_bound(x: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Entrywise bound on how far two float64 covariance computations of ``x`` may differ.

    For ``n`` rows (any summation order, batching or merging): the mean carries an error
    of at most ``delta = n eps |mu|``; the centred products add at most
    ``n eps sum_k |a_ki a_kj| / (n - 1) <= n eps s_i s_j`` (Cauchy-Schwarz, ``s`` the
    standard deviations); a mean error changes an entry by at most
    ``delta_i s_j + delta_j s_i``. Twice that for two implementations, doubled again for
    the roundings of the centring and the division.
    """
    a = np.asarray(x, dtype=np.float64)
    n = a.shape[0]
    eps = float(np.finfo(np.float64).eps)
    mu, s = np.abs(a.mean(0)), a.std(0, ddof=1)
    per_entry = np.outer(s, s) + np.outer(mu, s) + np.outer(s, mu)
    return np.asarray(4 * n * eps * per_entry, dtype=np.float64)
