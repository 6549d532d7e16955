"""The customer's multinomial-logit choice among offers, the rival and no decision."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray


def logit_probabilities(utilities: NDArray[np.float64], scale: float) -> NDArray[np.float64]:
    """Choice probabilities of a multinomial logit, row by row.

    Args:
        utilities: Utilities, shape (choosers, options); ``-inf`` marks an option not available.
        scale: Logit scale λ > 0; P ∝ exp(λ·U).

    Returns:
        Probabilities of the same shape; a row with no available option is all zero.
    """
    u = scale * np.asarray(utilities, dtype=np.float64)
    finite = np.isfinite(u)
    row_max = np.where(finite, u, -np.inf).max(axis=1, keepdims=True)
    row_max = np.where(np.isfinite(row_max), row_max, 0.0)
    w = np.where(finite, np.exp(np.where(finite, u - row_max, 0.0)), 0.0)
    total = w.sum(axis=1, keepdims=True)
    return np.divide(w, total, out=np.zeros_like(w), where=total > 0)


def logit_choice(
    utilities: NDArray[np.float64], scale: float, uniforms: NDArray[np.float64]
) -> NDArray[np.int64]:
    """Draw each chooser's option by inverse transform on the logit probabilities.

    Args:
        utilities: Utilities, shape (choosers, options); ``-inf`` = not available.
        scale: Logit scale λ > 0.
        uniforms: One uniform draw in [0, 1) per chooser.

    Returns:
        The chosen column per chooser, or -1 where no option was available.
    """
    p = logit_probabilities(utilities, scale)
    cum = np.cumsum(p, axis=1)
    available = cum[:, -1] > 0 if p.shape[1] else np.zeros(p.shape[0], dtype=bool)
    u = (
        np.asarray(uniforms, dtype=np.float64)[:, None]
        * np.where(available, cum[:, -1], 1.0)[:, None]
    )
    chosen = (cum <= u).sum(axis=1).astype(np.int64)
    # u < cum[-1], so cum[k-1] <= u < cum[k] picks an option with p[k] > 0.
    return np.where(available, chosen, -1)
