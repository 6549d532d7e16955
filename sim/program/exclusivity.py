"""Territorial exclusivity and territory assignment of partners."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray


def assign_territories(
    n_partners: int,
    territory_weights: NDArray[np.float64],
    territories_each: int,
    exclusive: bool,
    holders: int,
    rng: np.random.Generator,
) -> list[NDArray[np.bool_]]:
    """Give each partner its territories.

    Open types draw ``territories_each`` distinct territories with probability proportional to
    territory weight. Exclusive types get one territory each, filled in turn so that no
    territory has more than ``holders`` partners of the type.

    Args:
        n_partners: Partners to place.
        territory_weights: Relative weight of each territory.
        territories_each: Territories per partner (open types).
        exclusive: Whether the type is exclusive.
        holders: Holders per territory allowed under exclusivity.
        rng: The stream for this purpose.

    Returns:
        One boolean mask over territories per partner.

    Raises:
        ValueError: When exclusivity leaves no room (more partners than holders × territories).
    """
    n_terr = len(territory_weights)
    w = np.asarray(territory_weights, dtype=np.float64)
    w = w / w.sum()
    masks: list[NDArray[np.bool_]] = []
    if exclusive:
        if n_partners > holders * n_terr:
            raise ValueError(
                f"{n_partners} partners exceed {holders} holder(s) × {n_terr} territories"
            )
        # Heaviest territories first, round after round, so holders spread evenly.
        order = np.argsort(-w, kind="stable")
        for i in range(n_partners):
            mask = np.zeros(n_terr, dtype=bool)
            mask[order[i % n_terr]] = True
            masks.append(mask)
        return masks
    k = min(territories_each, n_terr)
    for _ in range(n_partners):
        mask = np.zeros(n_terr, dtype=bool)
        mask[rng.choice(n_terr, size=k, replace=False, p=w)] = True
        masks.append(mask)
    return masks


def free_exclusive_territory(
    holder_counts: NDArray[np.int64], holders: int, territory_weights: NDArray[np.float64]
) -> int | None:
    """The territory a new exclusive partner may take, if any.

    Args:
        holder_counts: Current holders (active or onboarding) per territory.
        holders: Holders allowed per territory.
        territory_weights: Relative weights (the heaviest free territory is taken first).

    Returns:
        A territory index, or None when every territory is full.
    """
    free = np.flatnonzero(holder_counts < holders)
    if len(free) == 0:
        return None
    return int(free[np.argmax(np.asarray(territory_weights)[free])])
