"""The customer population: one array per attribute, one element per account.

Accounts are individuals (each has its own segment, seats, willingness to pay, needs and state),
stored column-wise so that a period costs a handful of vectorised operations rather than one
Python call per account. :meth:`Population.record` returns one account as a plain record.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any

import numpy as np
from numpy.typing import NDArray

from sim.names import SEGMENTS
from sim.rng import Streams
from sim.scenario.schema import Market

NO_SELLER = -1
"""Seller index of an account nobody serves."""


class State(IntEnum):
    """Account states; exactly one per account at every period end."""

    UNAWARE = 0
    AWARE = 1
    EVALUATING = 2
    CUSTOMER = 3
    LOST = 4
    LAPSED = 5


STATE_CODES: tuple[int, ...] = tuple(int(s) for s in State)
"""Account states as plain ints, in :class:`State` order.

Compare the int8 state array with these, not with the enum: an IntEnum operand makes numpy
widen the array to int64 first, which is about four times slower.
"""
UNAWARE, AWARE, EVALUATING, CUSTOMER, LOST, LAPSED = STATE_CODES


class Route(IntEnum):
    """An account's preferred way of buying."""

    SELF_SERVE = 0
    DIRECT = 1
    PARTNER = 2


ROUTE_SELF_SERVE, ROUTE_DIRECT, ROUTE_PARTNER = (int(r) for r in Route)
"""Route codes as plain ints, for comparisons with int8 route arrays (see :data:`STATE_CODES`)."""


class AwareSource(IntEnum):
    """What made an account aware (for partner-sourced revenue)."""

    NONE = 0
    ORGANIC = 1
    VENDOR = 2
    PARTNER = 3


def _weights(values: dict[str, float]) -> NDArray[np.float64]:
    w = np.array(list(values.values()), dtype=np.float64)
    return w / w.sum()


class Population:
    """Every account of the market, column-wise.

    Args:
        market: The validated market parameters.
        streams: The run's named random streams.
    """

    def __init__(self, market: Market, streams: Streams) -> None:
        n = market.customers
        self.n = n
        self.territory_names: list[str] = list(market.territories)
        self.vertical_names: list[str] = list(market.verticals)
        segs = [market.segments[s] for s in SEGMENTS]

        rng = streams.get("population.attributes")
        self.segment = rng.choice(
            len(SEGMENTS), size=n, p=_weights({s: market.segments[s].share for s in SEGMENTS})
        ).astype(np.int8)
        self.territory = rng.choice(
            len(self.territory_names), size=n, p=_weights(market.territories)
        ).astype(np.int16)
        self.vertical = rng.choice(
            len(self.vertical_names), size=n, p=_weights(market.verticals)
        ).astype(np.int16)

        seg = self.segment
        seats_median = np.array([s.seats_median for s in segs])[seg]
        seats_sigma = np.array([s.seats_sigma for s in segs])[seg]
        self.seats = np.maximum(
            1.0, np.round(seats_median * np.exp(seats_sigma * rng.standard_normal(n)))
        )
        wtp_median = np.array([s.wtp_per_seat for s in segs])[seg]
        wtp_sigma = np.array([s.wtp_sigma for s in segs])[seg]
        self.wtp = wtp_median * np.exp(wtp_sigma * rng.standard_normal(n))
        self.price_sensitivity = np.array([s.price_sensitivity for s in segs])[seg]
        self.needs_implementation = (
            rng.random(n) < np.array([s.needs_implementation for s in segs])[seg]
        )
        self.no_it_staff = rng.random(n) < np.array([s.no_it_staff for s in segs])[seg]
        u = rng.random(n)
        p_self = np.array([s.prefers_self_serve for s in segs])[seg]
        p_partner = np.array([s.prefers_partner for s in segs])[seg]
        self.route = np.where(
            u < p_self,
            Route.SELF_SERVE,
            np.where(u < p_self + p_partner, Route.PARTNER, Route.DIRECT),
        ).astype(np.int8)
        self.churn_monthly = np.array([s.churn_monthly for s in segs])[seg]

        # Dynamic state.
        self.state = np.full(n, State.UNAWARE, dtype=np.int8)
        self.aware_source = np.zeros(n, dtype=np.int8)
        self.evaluate_from = np.zeros(n, dtype=np.int32)  # period from which it may evaluate
        self.return_at = np.zeros(n, dtype=np.int32)  # period a lost account becomes aware again
        self.ever_bought = np.zeros(n, dtype=bool)
        self.seller = np.full(n, NO_SELLER, dtype=np.int32)
        self.customer_since = np.full(n, -1, dtype=np.int32)

        # Network word of mouth, built on demand.
        self.indptr: NDArray[np.int64] | None = None
        self.indices: NDArray[np.int64] | None = None
        if market.awareness.word_of_mouth == "network":
            self._build_network(market.awareness.network_degree, streams)

    def _build_network(self, degree: int, streams: Streams) -> None:
        """Build a symmetric random network with mean degree ``degree`` (CSR)."""
        n = self.n
        rng = streams.get("population.network")
        half = max(1, degree // 2)
        src = np.repeat(np.arange(n, dtype=np.int64), half)
        dst = rng.integers(0, n, size=n * half)
        keep = src != dst
        src, dst = src[keep], dst[keep]
        rows = np.concatenate([src, dst])
        cols = np.concatenate([dst, src])
        order = np.lexsort((cols, rows))
        rows, cols = rows[order], cols[order]
        self.indptr = np.concatenate(([0], np.cumsum(np.bincount(rows, minlength=n)))).astype(
            np.int64
        )
        self.indices = cols.astype(np.int64)

    def state_counts(self) -> NDArray[np.int64]:
        """Number of accounts in each :class:`State`, in enum order."""
        # One comparison per state: faster than bincount, which first widens the int8 codes.
        # Plain int codes: comparing with the IntEnum members would widen the array to int64.
        return np.array([np.count_nonzero(self.state == c) for c in STATE_CODES], dtype=np.int64)

    def record(self, account: int) -> dict[str, Any]:
        """Return one account's attributes and state as a plain record.

        Args:
            account: Account index in [0, N).

        Returns:
            A dict with the account's segment, territory, vertical, seats, willingness to pay,
            needs, preferred route, state and seller index.
        """
        if not 0 <= account < self.n:
            raise IndexError(f"account {account} is outside [0, {self.n})")
        return {
            "account": account,
            "segment": SEGMENTS[int(self.segment[account])],
            "territory": self.territory_names[int(self.territory[account])],
            "vertical": self.vertical_names[int(self.vertical[account])],
            "seats": float(self.seats[account]),
            "wtp_per_seat": float(self.wtp[account]),
            "price_sensitivity": float(self.price_sensitivity[account]),
            "needs_implementation": bool(self.needs_implementation[account]),
            "no_it_staff": bool(self.no_it_staff[account]),
            "preferred_route": Route(int(self.route[account])).name.lower(),
            "state": State(int(self.state[account])).name.lower(),
            "ever_bought": bool(self.ever_bought[account]),
            "seller": int(self.seller[account]),
        }
