"""Performance floor: a pure numpy kernel of the awareness step alone.

Every account is one int8 in a state array. Each period:

1. every unaware account becomes aware with probability ``min(1, p + q·C/N)``, where ``C`` is
   the number of customers at the start of the period (Bass innovation plus word of mouth);
2. to keep adoption moving, every aware account (including those that became aware in step 1)
   becomes a customer with probability ``e``.

Uniforms are drawn for the whole array each period (vectorised), so the cost per
account-period is a handful of array passes: this is the speed ChannelSim is measured against.
"""

from __future__ import annotations

import numpy as np

UNAWARE = 0
AWARE = 1
CUSTOMER = 3


def run_numpy_kernel(
    n: int,
    periods: int,
    p: float = 0.01,
    q: float = 0.3,
    seed: int = 1,
    e: float = 0.2,
) -> int:
    """Run ``periods`` periods over ``n`` accounts; return the final customer count."""
    if n <= 0:
        raise ValueError(f"n must be positive, got {n}")
    rng = np.random.default_rng(seed)
    state = np.zeros(n, dtype=np.int8)
    u = np.empty(n, dtype=np.float64)
    customers = 0
    for _ in range(periods):
        prob = min(1.0, p + q * customers / n)
        rng.random(out=u)
        state[(state == UNAWARE) & (u < prob)] = AWARE
        rng.random(out=u)
        converting = (state == AWARE) & (u < e)
        state[converting] = CUSTOMER
        customers += int(np.count_nonzero(converting))
    return int(np.count_nonzero(state == CUSTOMER))


if __name__ == "__main__":
    import time

    t0 = time.perf_counter()
    result = run_numpy_kernel(100_000, 120)
    elapsed = time.perf_counter() - t0
    print(f"numpy kernel 100k x 120: {result} customers in {elapsed:.3f} s")
