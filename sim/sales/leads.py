"""Vendor leads: which drawn accounts become leads (first eligible draws), and who may take them."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from sim.arrays import run_starts
from sim.market.population import AWARE, UNAWARE
from sim.program.lead_routing import uniform_pick
from sim.sales.tables import SellerTable

IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]


SEQUENTIAL_DRAWS = 1500
"""Up to this many draws (four times as many for several sources) a Python loop is faster
than the array version: it stops as soon as each source has its accounts."""


def pick_first_eligible(
    draws: list[IntArray], wanted: list[int], eligible: list[BoolArray]
) -> list[IntArray]:
    """For each source in turn, its first ``wanted`` eligible draws, in draw order.

    Source ``j`` (an affiliate) goes through its draws ``draws[j]`` in order, skipping those
    that are not eligible, accounts it drew before, and accounts an earlier source took; it
    stops after ``wanted[j]`` accounts. The rule is sequential. Few draws are walked one by
    one; many are computed for all sources at once with arrays, and source by source only
    when two sources took the same account.

    Args:
        draws: Candidate accounts drawn by each source, in draw order.
        wanted: How many accounts each source takes at most.
        eligible: For each source, whether each of its draws may become a lead at all.

    Returns:
        The accounts each source took, in draw order.
    """
    if not draws:
        return []
    sizes = [len(d) for d in draws]
    total = sum(sizes)
    if total <= SEQUENTIAL_DRAWS or (len(draws) > 1 and total <= 4 * SEQUENTIAL_DRAWS):
        return _pick_sequentially(draws, wanted, eligible)
    cand = np.concatenate(draws).astype(np.int64)
    group = np.repeat(np.arange(len(draws)), sizes)
    ok = np.concatenate(eligible).astype(bool)
    # Only the first draw of an account by the same source counts.
    key = group * (int(cand.max()) + 1 if len(cand) else 1) + cand
    by_key = np.argsort(key, kind="stable")  # equal keys keep draw order: the first comes first
    sorted_key = key[by_key]
    is_first = np.zeros(len(cand), dtype=bool)
    is_first[by_key[run_starts(sorted_key)]] = True
    ok &= is_first
    # The first ``wanted`` of them per source.
    seen = np.cumsum(ok)
    starts = np.cumsum(sizes) - np.asarray(sizes)
    before = np.concatenate(([0], seen))[starts]  # eligible draws of the earlier sources
    rank = seen - before[group]
    keep = ok & (rank <= np.asarray(wanted, dtype=np.int64)[group])
    picked = cand[keep]
    if len(draws) == 1:
        return [picked]  # one source: its first draws of each account are distinct already
    if run_starts(np.sort(picked)).all():  # no account taken by two sources
        ends = np.cumsum(np.bincount(group[keep], minlength=len(draws))).tolist()
        return [picked[a:b] for a, b in zip([0, *ends[:-1]], ends, strict=True)]
    # Two sources took the same account: the earlier one keeps it; go source by source.
    return _pick_sequentially(draws, wanted, eligible)


def _pick_sequentially(
    draws: list[IntArray], wanted: list[int], eligible: list[BoolArray]
) -> list[IntArray]:
    """The rule of :func:`pick_first_eligible`, one draw at a time."""
    taken: set[int] = set()
    chosen: list[IntArray] = []
    for d, k, e in zip(draws, wanted, eligible, strict=True):
        mine: list[int] = []
        if k > 0:
            for account in d[e].tolist():  # ineligible draws are never taken: skip them at once
                if account not in taken:
                    taken.add(account)
                    mine.append(account)
                    if len(mine) == k:
                        break
        chosen.append(np.array(mine, dtype=np.int64))
    return chosen


def may_open(state: NDArray[np.int8], accounts: IntArray, taken: BoolArray) -> BoolArray:
    """Whether a lead or referral may open an opportunity for each account.

    It may when the account is unaware or aware and has no opportunity this period yet.

    Args:
        state: Every account's state code.
        accounts: The drawn accounts.
        taken: Per account, whether it opens an opportunity this period already.
    """
    drawn = state[accounts]
    return ((drawn == UNAWARE) | (drawn == AWARE)) & ~taken[accounts]


@dataclass(frozen=True)
class LeadCandidates:
    """Who may take each lead of a batch.

    Attributes:
        direct_ok: Per lead, whether the direct team covers its account and can bid.
        partners: Seller indices of the partners that can bid this period (the columns).
        cand: (leads, partners) whether each of them covers the lead's territory, segment and
            vertical.
    """

    direct_ok: BoolArray
    partners: IntArray
    cand: BoolArray

    @property
    def has_partner(self) -> BoolArray:
        """Per lead, whether some partner covers it."""
        return np.asarray(self.cand.any(axis=1))

    def seller(self, column: IntArray) -> IntArray:
        """The seller index of each partner column (-1 stays -1)."""
        padded: IntArray = np.append(self.partners, -1)  # column -1 reads the -1 at the end
        return padded[column]

    def to_direct(self, u: NDArray[np.float64], direct_share: float) -> BoolArray:
        """Leads direct keeps: it covers them and (``u < direct_share`` or no partner does)."""
        return np.asarray(self.direct_ok & ((u < direct_share) | ~self.has_partner))


def lead_candidates(
    territory: NDArray[np.integer],
    segment: NDArray[np.integer],
    vertical: NDArray[np.integer],
    table: SellerTable,
    direct: int,
    projects: BoolArray | None = None,
) -> LeadCandidates:
    """The sellers that may take each lead: those covering its account and able to bid.

    Args:
        territory: Territory of each lead's account.
        segment: Segment of each lead's account.
        vertical: Vertical of each lead's account.
        table: This period's seller table.
        direct: Seller index of the direct team.
        projects: Per lead, whether its account needs implementation; when given, a partner
            that bids only on projects (an SI) is no candidate for the other leads.
    """
    d = direct
    direct_ok = (
        table.territories[d, territory] & table.segments[d, segment] & table.verticals[d, vertical]
    ) & table.can_bid[d]
    partners = np.flatnonzero(~table.is_direct & table.can_bid).astype(np.int64)
    cand = (
        table.territories[partners][:, territory]
        & table.segments[partners][:, segment]
        & table.verticals[partners][:, vertical]
    ).T
    if projects is not None:
        cand &= ~(table.projects_only[partners][None, :] & ~projects[:, None])
    return LeadCandidates(np.asarray(direct_ok), partners, np.ascontiguousarray(cand))


def route_leads(
    territory: NDArray[np.integer],
    segment: NDArray[np.integer],
    vertical: NDArray[np.integer],
    table: SellerTable,
    direct: int,
    direct_share: float,
    rng: np.random.Generator,
) -> IntArray:
    """Geographic routing: direct keeps its share; the rest go to a covering partner.

    A lead goes to direct with probability ``direct_share`` (or when no partner covers it),
    otherwise to a partner drawn uniformly among those covering the account's territory,
    segment and vertical that can bid; -1 when nobody covers it. The other policies, and
    acceptance and reassignment, are in :mod:`sim.engine.lead_router`.

    Args:
        territory: Territory of each lead's account.
        segment: Segment of each lead's account.
        vertical: Vertical of each lead's account.
        table: This period's seller table.
        direct: Seller index of the direct team.
        direct_share: ``marketing.direct_lead_share``.
        rng: The ``leads`` stream (two uniform draws per lead).

    Returns:
        The seller each lead is routed to, or -1.
    """
    n = len(territory)
    u = rng.random(n)
    pick = rng.random(n)
    c = lead_candidates(territory, segment, vertical, table, direct)
    chosen = uniform_pick(c.cand, pick)  # the k-th covering partner in seller order
    owners: IntArray = np.where(c.to_direct(u, direct_share), direct, c.seller(chosen))
    return owners


def account_cells(
    territory: NDArray[np.integer], segment: NDArray[np.integer], n_segments: int
) -> dict[tuple[int, int], IntArray]:
    """Account indices by (territory, segment), for sampling leads and referrals.

    Args:
        territory: Every account's territory.
        segment: Every account's segment.
        n_segments: Number of segments.

    Returns:
        The accounts of each non-empty (territory, segment) cell, in account order.
    """
    key = territory.astype(np.int64) * n_segments + segment
    order = np.argsort(key, kind="stable")
    cells: dict[tuple[int, int], IntArray] = {}
    bounds = np.flatnonzero(np.diff(key[order])) + 1
    for chunk in np.split(order, bounds):
        if len(chunk):
            k = int(key[chunk[0]])
            cells[(k // n_segments, k % n_segments)] = chunk
    return cells
