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


def logit_choice_ragged(
    utilities: NDArray[np.float64],
    rows: NDArray[np.int64],
    n_rows: int,
    shared: NDArray[np.float64],
    scale: float,
    uniforms: NDArray[np.float64],
) -> NDArray[np.int64]:
    """Draw each chooser's option when choosers have different numbers of offers.

    The same draw as :func:`logit_choice` on the dense matrix whose row ``i`` holds chooser
    ``i``'s offers in order, then the shared options, with ``-inf`` elsewhere; only the
    offers that exist are stored, so the cost follows the number of offers, not choosers ×
    sellers.

    Args:
        utilities: Utility of each offer, shape (offers,), grouped by chooser in row order.
        rows: The chooser of each offer, non-decreasing, in ``[0, n_rows)``.
        n_rows: Number of choosers.
        shared: Utilities of the options every chooser has after its offers (the rival, no
            decision), shape (k,); may be empty.
        scale: Logit scale λ > 0.
        uniforms: One uniform draw in [0, 1) per chooser.

    Returns:
        Per chooser: the index of the chosen offer in ``[0, offers)``, ``offers + j`` for shared
        option ``j``, or -1 when the chooser has no option at all.
    """
    n_offers = len(utilities)
    counts = np.bincount(rows, minlength=n_rows)
    ends = np.cumsum(counts)
    starts = ends - counts
    v = scale * np.asarray(utilities, dtype=np.float64)
    s = scale * np.asarray(shared, dtype=np.float64)
    row_max = np.full(n_rows, s.max() if len(s) else -np.inf)
    has = counts > 0
    if n_offers:
        row_max[has] = np.maximum(row_max[has], np.maximum.reduceat(v, starts[has]))
    any_option = np.isfinite(row_max)
    row_max = np.where(any_option, row_max, 0.0)
    w = np.exp(v - row_max[rows])
    cum = np.concatenate(([0.0], np.cumsum(w)))
    base = cum[starts]
    offer_total = cum[ends] - base
    # The shared options (at most a few): one weight column each, with running sums.
    shared_cum: list[NDArray[np.float64]] = []
    running = np.zeros(n_rows)
    for value in s.tolist():
        running = running + np.exp(value - row_max)
        shared_cum.append(running)
    total = offer_total + running
    threshold = np.asarray(uniforms, dtype=np.float64) * total
    # First offer whose running sum exceeds the threshold (cum[1:] is the running sum).
    pos = np.searchsorted(cum[1:], base + threshold, side="right")
    picked = np.where(pos < ends, pos, -1)
    rest = np.flatnonzero((picked < 0) & any_option)
    if len(rest) and len(s):
        residual = threshold[rest] - offer_total[rest]
        j = np.zeros(len(rest), dtype=np.int64)
        for column in shared_cum:
            j += column[rest] <= residual
        picked[rest] = n_offers + np.minimum(j, len(s) - 1)
    elif len(rest):
        # Rounding put the draw past the last offer: it is the last offer of the row.
        picked[rest] = ends[rest] - 1
    return picked.astype(np.int64)
