"""Bass awareness: the per-account probability of becoming aware in one period."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray


def shares_from_counts(
    customers: NDArray[np.integer] | NDArray[np.floating], sizes: NDArray[np.integer]
) -> NDArray[np.float64]:
    """Share of customers in each group from the counts (0 for an empty group).

    Args:
        customers: Customers in each group.
        sizes: Accounts in each group.

    Returns:
        ``customers / sizes`` per group.
    """
    return np.divide(customers, sizes, out=np.zeros(len(sizes)), where=sizes > 0)


def neighbour_share(
    is_customer: NDArray[np.bool_], indptr: NDArray[np.int64], indices: NDArray[np.int64]
) -> NDArray[np.float64]:
    """Share of customers among each account's network neighbours (CSR adjacency).

    Args:
        is_customer: Whether each account is a customer at the start of the period.
        indptr: CSR row pointer, length N + 1.
        indices: CSR neighbour indices.

    Returns:
        For each account, customer neighbours divided by its degree (0 without neighbours).
    """
    degree = np.diff(indptr)
    cum = np.concatenate(([0.0], np.cumsum(is_customer[indices], dtype=np.float64)))
    counts = cum[indptr[1:]] - cum[indptr[:-1]]
    return np.divide(counts, degree, out=np.zeros(len(degree)), where=degree > 0)


def awareness_probability(
    p_eff: NDArray[np.float64] | float, q: float, customer_share: NDArray[np.float64] | float
) -> NDArray[np.float64]:
    """Probability an unaware account becomes aware this period: min(1, p_eff + q · C/N_local).

    Args:
        p_eff: Innovation probability including marketing, per account or scalar.
        q: Imitation coefficient.
        customer_share: Customers at the start of the period over the size of the account's
            word-of-mouth group, per account or scalar.

    Returns:
        Probabilities in [0, 1].
    """
    return np.clip(np.asarray(p_eff) + q * np.asarray(customer_share), 0.0, 1.0)
