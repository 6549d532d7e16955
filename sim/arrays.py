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
