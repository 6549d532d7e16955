"""Routing the vendor's leads under ``program.lead_routing``, with acceptance and reassignment.

The direct team keeps its share of the leads (``marketing.direct_lead_share``) as before; the
rest go to a covering partner chosen by the scenario's policy (:mod:`sim.program.lead_routing`).
With ``acceptance`` on, the partner offered a lead may refuse it (not accept it within the
timeout); the lead is then offered to the next candidate under the same policy, up to
``max_reassignments`` times, and a lead nobody accepted goes back to the direct team or stays
unworked. :class:`LeadRouter` holds what persists between periods: the round-robin pointer per
territory, the snapshots of bids and wins behind the trailing win rates, and the leads each
seller has taken.

Random draws: the first offer uses the two uniforms per lead of the ``leads`` stream that
geographic routing always drew (so ``geographic`` without acceptance gives exactly the former
results); later offers draw from ``leads.routing`` and acceptance from ``leads.acceptance``, a
fixed number per lead whatever happens, so two policies meet the same acceptance draws.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence

import numpy as np
from numpy.typing import NDArray

from sim.agents.base import Seller
from sim.agents.state import SellerState
from sim.engine.period import PeriodContext
from sim.names import LeadRoutingPolicy
from sim.program.lead_routing import (
    AssignDraws,
    RoutingInputs,
    acceptance_probability,
    assign_leads,
    get_policy,
)
from sim.sales.desk_bank import UNLIMITED, DeskBank
from sim.sales.leads import LeadCandidates, lead_candidates, route_leads
from sim.sales.tables import SellerTable
from sim.scenario.schema import LeadRouting

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


def desk_free_share(
    sellers: Sequence[Seller], desks: DeskBank, process_desks: list[int]
) -> FloatArray:
    """Each seller's free desk capacity as a share of its slots: ``1 − (busy + queued) / slots``.

    Clipped to [0, 1]; 1 for an unlimited desk or a seller without one.

    Args:
        sellers: Every seller.
        desks: The desk bank.
        process_desks: Indices of the sellers whose desk is a SimPy process.
    """
    n = len(sellers)
    slots = np.zeros(n)
    used = np.zeros(n)
    m = min(n, len(desks.slots))
    slots[:m] = desks.slots[:m]
    used[:m] = desks.busy[:m]
    used += desks.queue_lengths(n)
    for i in process_desks:
        desk = sellers[i].desk
        assert desk is not None
        slots[i] = UNLIMITED if desk.slots is None else desk.slots
        used[i] = desk.in_progress + desk.queue_length
    free = np.ones(n)
    limited = (slots > 0) & (slots < UNLIMITED)
    free[limited] = np.clip(1.0 - used[limited] / slots[limited], 0.0, 1.0)
    return free


class LeadRouter:
    """Routes each period's vendor leads and keeps the routing state between periods.

    Args:
        routing: ``program.lead_routing``.
        state: The seller state (commitment, cumulative bids and wins).
        free_capacity: Returns each seller's free desk capacity share (:func:`desk_free_share`);
            called only by the ``capacity`` policy and the acceptance step.
        period_months: Months per period.
    """

    def __init__(
        self,
        routing: LeadRouting,
        state: SellerState,
        free_capacity: Callable[[], FloatArray],
        period_months: float,
    ) -> None:
        self.routing = routing
        self.policy = get_policy(routing.policy.value)
        self.served = np.zeros(0)
        """When each seller was last offered a lead (``round_robin``'s turns; 0: never)."""
        self.state = state
        self.free_capacity = free_capacity
        window = max(1, round(routing.performance_months / period_months))
        self._snapshots: deque[tuple[IntArray, IntArray]] = deque(maxlen=window + 1)
        self.received = np.zeros(0, dtype=np.int64)
        """Leads each seller has taken over the run (the direct team's included)."""
        self.log: list[tuple[int, IntArray, IntArray]] = []
        """Each period's leads: (period, accounts, owners), for analysing where leads went."""

    def record(self, period: int, accounts: IntArray, owners: IntArray) -> None:
        """Keep one period's leads and their owners in :attr:`log`."""
        self.log.append((period, accounts, owners))

    def observe(self) -> None:
        """Snapshot the sellers' cumulative bids and wins (once per period, for win rates)."""
        if self.routing.policy == LeadRoutingPolicy.PERFORMANCE:
            self._snapshots.append((self.state.bids.copy(), self.state.wins.copy()))

    def win_rates(self) -> FloatArray:
        """Each seller's win rate over the trailing window, shrunk to the partners' pooled rate.

        ``(wins + k · pooled) / (bids + k)`` with ``k = performance_prior_bids`` and ``pooled``
        the partners' wins over their bids in the window (0.5 before any bid).
        """
        n = self.state.n
        bids, wins = self.state.bids.astype(np.float64), self.state.wins.astype(np.float64)
        if self._snapshots:
            old_bids, old_wins = self._snapshots[0]
            bids[: len(old_bids)] -= old_bids
            wins[: len(old_wins)] -= old_wins
        partner = self.state.is_partner[:n]
        pooled = wins[partner].sum() / bids[partner].sum() if bids[partner].sum() > 0 else 0.5
        k = self.routing.performance_prior_bids
        rates: FloatArray = (wins + k * pooled) / np.maximum(bids + k, 1e-12)
        return rates

    def _inputs(self, c: LeadCandidates, table: SellerTable) -> RoutingInputs:
        """The policy's inputs for the leads going to partners (computed only where used)."""
        policy = self.routing.policy
        cols = c.partners
        n_cols = len(cols)
        ones = np.ones(n_cols)
        priority = np.broadcast_to(
            np.asarray(table.lead_priority, dtype=np.float64), (len(table.can_bid),)
        )
        return RoutingInputs(
            priority=priority[cols],
            win_rate=self.win_rates()[cols] if policy == LeadRoutingPolicy.PERFORMANCE else ones,
            free=self.free_capacity()[cols] if policy == LeadRoutingPolicy.CAPACITY else ones,
            served=_grown(self.served, self.state.n)[cols],
        )

    def _draws(self, first: FloatArray, ctx: PeriodContext) -> AssignDraws:
        """The first-offer draws and, with acceptance on, the reassignment and acceptance draws."""
        n = len(first)
        if not self.routing.acceptance:
            return AssignDraws(first=first, again=np.zeros((n, 0)), accept=None)
        k = self.routing.max_reassignments
        again = ctx.streams.get("leads.routing").random((n, k))
        accept = ctx.streams.get("leads.acceptance").random((n, k + 1))
        return AssignDraws(first=first, again=again, accept=accept)

    def _accept_p(self, partners: IntArray) -> FloatArray | None:
        """Each candidate partner's chance to accept a lead in time (None: acceptance off)."""
        r = self.routing
        if not r.acceptance:
            return None
        free = self.free_capacity()[partners]
        commitment = self.state.commitment[partners]
        return acceptance_probability(commitment, free, r.acceptance_timeout_days, r.response_days)

    def route(
        self,
        territory: NDArray[np.integer],
        segment: NDArray[np.integer],
        vertical: NDArray[np.integer],
        table: SellerTable,
        direct: int,
        ctx: PeriodContext,
        projects: NDArray[np.bool_],
    ) -> IntArray:
        """Route one period's leads: the seller that works each, or -1.

        Under every policy but ``geographic`` (which keeps its original rule, so that baseline's
        results stay), a partner that bids only on projects (an SI) is no candidate for a lead
        whose account needs no implementation: it could not bid on it.

        Args:
            territory: Territory of each lead's account.
            segment: Segment of each lead's account.
            vertical: Vertical of each lead's account.
            table: This period's seller table.
            direct: Seller index of the direct team.
            ctx: The scenario (``marketing.direct_lead_share``), streams and counters.
            projects: Per lead, whether its account needs implementation.

        Returns:
            The seller each lead is routed to, or -1.
        """
        n = len(territory)
        rng = ctx.streams.get("leads")
        if self.routing.policy == LeadRoutingPolicy.GEOGRAPHIC and not self.routing.acceptance:
            # The original rule with the same draws, without the candidate tables (faster).
            share = ctx.config.marketing.direct_lead_share
            owners = route_leads(territory, segment, vertical, table, direct, share, rng)
            to_partners = int(np.count_nonzero((owners >= 0) & (owners != direct)))
            self._count(owners, direct, np.zeros(to_partners, dtype=np.int64), 0, ctx)
            return owners
        u = rng.random(n)
        pick = rng.random(n)
        fit = None if self.routing.policy == LeadRoutingPolicy.GEOGRAPHIC else projects
        c = lead_candidates(territory, segment, vertical, table, direct, fit)
        owners = np.where(c.to_direct(u, ctx.config.marketing.direct_lead_share), direct, -1)
        rows = np.flatnonzero((owners < 0) & c.has_partner)
        inputs = self._inputs(c, table)
        done = assign_leads(
            c.cand[rows],
            self.policy,
            inputs,
            self._draws(pick[rows], ctx),
            self._accept_p(c.partners),
        )
        taker = c.seller(done.taker)
        refused = done.taker < 0
        escalate = refused & c.direct_ok[rows] & (self.routing.unaccepted == "direct")
        owners[rows] = np.where(escalate, direct, taker)
        if self.routing.policy == LeadRoutingPolicy.ROUND_ROBIN:
            self._serve(c.seller(done.first), taker)
        self._count(owners, direct, done.reassigned, int(escalate.sum()), ctx)
        return owners.astype(np.int64)

    def _serve(self, *offers: IntArray) -> None:
        """Move the partners offered leads, in lead order, to the back of the round-robin line."""
        self.served = _grown(self.served, self.state.n)
        clock = float(self.served.max(initial=0.0))
        for sellers in offers:
            took = sellers[sellers >= 0]
            np.maximum.at(self.served, took, clock + 1.0 + np.arange(len(took)))
            clock += len(took)

    def _count(
        self,
        owners: IntArray,
        direct: int,
        reassigned: IntArray,
        escalated: int,
        ctx: PeriodContext,
    ) -> None:
        """Add this period's leads to the counters and to each seller's leads taken."""
        p = ctx.counters
        p.leads += len(owners)
        p.leads_direct += int(np.count_nonzero(owners == direct))
        p.leads_to_partners += len(reassigned)
        p.leads_accepted += int(np.count_nonzero((owners >= 0) & (owners != direct)))
        p.leads_reassigned += int(reassigned.sum())
        p.leads_escalated += escalated
        p.leads_unworked += int(np.count_nonzero(owners < 0))
        n = self.state.n
        self.received = _grown(self.received, n)
        self.received += np.bincount(owners[owners >= 0], minlength=n)[:n]


def _grown[G: np.generic](values: NDArray[G], n: int) -> NDArray[G]:
    """A per-seller array padded with zeros to ``n`` sellers (new recruits)."""
    if len(values) >= n:
        return values
    return np.concatenate([values, np.zeros(n - len(values), dtype=values.dtype)])
