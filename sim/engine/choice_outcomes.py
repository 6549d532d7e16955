"""After the choice: accounts lost or undecided, and each seller's bid and conflict counts."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from sim.agents.state import SellerState
from sim.billing import DatedEvents
from sim.engine.period import PeriodCounters
from sim.market.population import ROUTE_DIRECT, ROUTE_PARTNER, ROUTE_SELF_SERVE, Population, State
from sim.program.approval import RegistrationRound
from sim.sales.conflicts import Conflicts
from sim.sales.offers import NO_DECISION, RIVAL, ChoiceResult
from sim.sales.tables import Opportunities, SellerTable
from sim.sales.unserved import Unserved, unserved_reasons
from sim.scenario.schema import Choice

IntArray = NDArray[np.int64]


def settle_lost(
    pop: Population,
    accounts: IntArray,
    chosen: IntArray,
    returns: DatedEvents,
    period: int,
    rival_contract_periods: int,
    reevaluation_periods: int,
) -> tuple[int, int]:
    """Accounts that chose the rival are lost until its contract ends; undecided ones wait.

    Args:
        pop: The population (states and re-evaluation dates are updated).
        accounts: The opportunities' accounts.
        chosen: The chosen seller of each, or ``RIVAL`` / ``NO_DECISION``.
        returns: When lost accounts come back (``return_at``).
        period: The current period.
        rival_contract_periods: Periods a rival contract lasts.
        reevaluation_periods: Periods before an undecided account evaluates again.

    Returns:
        How many were lost to the rival and how many made no decision.
    """
    to_rival = accounts[chosen == RIVAL]
    pop.state[to_rival] = State.LOST
    returns.set(to_rival, period + rival_contract_periods)
    nd = chosen == NO_DECISION
    pop.state[accounts[nd]] = State.AWARE
    pop.evaluate_from[accounts[nd]] = period + reevaluation_periods
    return len(to_rival), int(nd.sum())


def count_bids(state: SellerState, n_sellers: int, res: ChoiceResult, table: SellerTable) -> None:
    """Count bids, wins and conflicts per seller.

    A partner that bid on an opportunity another seller won lost a conflict: to the direct
    reps, to the online store or to another partner (``conflicts_lost_to_*`` running counts;
    ``lost_to_*_period`` for the end-of-period trust update).

    Args:
        state: The seller state (counters are added to).
        n_sellers: Number of sellers.
        res: The outcome of offers and choice.
        table: This period's seller table.
    """
    n_s = n_sellers
    chosen = res.chosen
    # One row per bid: its opportunity's winner and whether the opportunity is a conflict.
    opp_of_bid = np.repeat(np.arange(len(chosen)), res.bid_counts)
    bidder = res.bid_sellers.astype(np.int64)
    winner = chosen[opp_of_bid]
    in_conflict = res.conflicts.any[opp_of_bid]
    is_partner = table.route[bidder] == ROUTE_PARTNER
    lost = is_partner & (winner >= 0) & (winner != bidder)
    winner_route = table.route[np.maximum(winner, 0)]
    st = state
    st.row("bids")[:n_s] += np.bincount(res.bid_sellers, minlength=n_s)
    st.row("wins")[:n_s] += np.bincount(chosen[chosen >= 0], minlength=n_s)
    st.row("conflicts")[:n_s] += np.bincount(bidder[in_conflict], minlength=n_s)
    for channel, name in (
        (ROUTE_DIRECT, "direct"),
        (ROUTE_SELF_SERVE, "store"),
        (ROUTE_PARTNER, "partner"),
    ):
        losses = np.bincount(bidder[lost & (winner_route == channel)], minlength=n_s)
        st.row(f"lost_to_{name}_period")[:n_s] += losses
        st.row(f"conflicts_lost_to_{name}")[:n_s] += losses


def tally_conflicts(counters: PeriodCounters, conflicts: Conflicts) -> None:
    """Add one batch's conflicts by kind to the period's counters.

    Args:
        counters: The period's counters (``conflicts``, ``conflicts_direct``,
            ``conflicts_store``, ``conflicts_partner``, ``opportunities_partner_bid``).
        conflicts: The conflicts of each opportunity of the batch.
    """
    counters.conflicts += int(conflicts.any.sum())
    counters.conflicts_direct += int(conflicts.direct.sum())
    counters.conflicts_store += int(conflicts.store.sum())
    counters.conflicts_partner += int(conflicts.partner.sum())
    counters.conflicts_same_type += int(conflicts.same_type.sum())
    counters.opportunities_partner_bid += int(conflicts.partner_bid.sum())


def count_unserved(counters: PeriodCounters, reasons: NDArray[np.int8]) -> None:
    """Add one batch's opportunities without an offer, by reason, to the period's counters.

    Args:
        counters: The period's counters (``unserved`` and ``unserved_*``).
        reasons: The :class:`~sim.sales.unserved.Unserved` reason of each opportunity.
    """
    counts = np.bincount(reasons, minlength=len(Unserved))
    counters.unserved += int(counts[1:].sum())
    counters.unserved_no_seller += int(counts[Unserved.NO_SELLER])
    counters.unserved_queues_full += int(counts[Unserved.QUEUES_FULL])
    counters.unserved_over_budget += int(counts[Unserved.OVER_BUDGET])
    counters.unserved_not_reached += int(counts[Unserved.NOT_REACHED])


def tally_choice(
    counters: PeriodCounters,
    state: SellerState,
    opps: Opportunities,
    res: ChoiceResult,
    table: SellerTable,
    choice: Choice,
) -> None:
    """Count one batch's bids, wins, conflicts and unserved opportunities.

    Per seller (bids, wins, conflicts lost by channel) and in the period's counters (conflicts
    by kind, unserved opportunities by reason).

    Args:
        counters: The period's counters.
        state: The seller state.
        opps: The opportunities.
        res: The outcome of offers and choice.
        table: This period's seller table.
        choice: Choice parameters (the cut-off, for the unserved reasons).
    """
    count_bids(state, len(table.can_bid), res, table)
    tally_conflicts(counters, res.conflicts)
    count_unserved(counters, unserved_reasons(opps, table, choice, res.bid_counts == 0))


def tally_registrations(
    counters: PeriodCounters,
    registrar: RegistrationRound | None,
    terms: dict[str, NDArray[np.float64]],
    registered: NDArray[np.bool_],
) -> None:
    """Add one batch's deal registrations to the period's counters.

    Args:
        counters: The period's counters (``registrations_submitted``,
            ``registrations_approved``, ``registered_deals``, ``registration_discount``).
        registrar: The batch's registration round (None: no deal registration).
        terms: The batch's deal terms (``registration_discount``: first-year extra discount).
        registered: Whether each opportunity was won by a partner with an approved registration.
    """
    if registrar is None:
        return
    counters.registrations_submitted += registrar.submitted
    counters.registrations_approved += registrar.approved
    counters.registered_deals += int(np.count_nonzero(registered))
    counters.registration_discount += float(terms["registration_discount"].sum())
