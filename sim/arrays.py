"""Small array helpers shared by the model's vectorised steps."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray


def run_starts(values: NDArray[Any]) -> NDArray[np.bool_]:
    """Where each run of equal consecutive values starts (the first element always does).

    On sorted values this marks the first of each distinct value, so ``values[run_starts(values)]``
    is ``np.unique(values)`` without a second sort.

    Args:
        values: A one-dimensional array.

    Returns:
        A boolean mask of the same length.
    """
    starts = np.ones(len(values), dtype=bool)
    np.not_equal(values[1:], values[:-1], out=starts[1:])
    return starts


def index_ranges(starts: NDArray[np.int64], counts: NDArray[np.int64]) -> NDArray[np.int64]:
    """The indices ``starts[i], starts[i] + 1, … starts[i] + counts[i] − 1``, range after range.

    Args:
        starts: First index of each range.
        counts: Length of each range (non-negative).

    Returns:
        The concatenated ranges, ``counts.sum()`` indices.
    """
    ends = np.cumsum(counts)
    total = int(ends[-1]) if len(ends) else 0
    return np.arange(total) + np.repeat(starts - (ends - counts), counts)
