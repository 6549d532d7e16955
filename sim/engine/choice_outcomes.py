"""After the choice: accounts lost or undecided, and each seller's bid and conflict counts."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from sim.agents.state import SellerState
from sim.billing import DatedEvents
from sim.market.population import Population, State
from sim.sales.offers import NO_DECISION, RIVAL, ChoiceResult, SellerTable

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

    Partners that lost a conflict to direct sales or to a cheaper partner lose trust at the
    end of the period (``lost_to_direct_period``, ``undercut_period``).

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
    in_conflict = res.party_counts[opp_of_bid] >= 2
    is_partner = ~table.is_direct[bidder]
    lost = in_conflict & is_partner & (winner >= 0) & (winner != bidder)
    safe_winner = np.maximum(winner, 0)
    to_direct = lost & table.is_direct[safe_winner]
    undercut = (
        lost
        & ~table.is_direct[safe_winner]
        & (table.customer_ratio[safe_winner] < table.customer_ratio[bidder])
    )
    st = state
    st.row("bids")[:n_s] += np.bincount(res.bid_sellers, minlength=n_s)
    st.row("wins")[:n_s] += np.bincount(chosen[chosen >= 0], minlength=n_s)
    st.row("conflicts")[:n_s] += np.bincount(bidder[in_conflict], minlength=n_s)
    lost_direct = np.bincount(bidder[to_direct], minlength=n_s)
    st.row("lost_to_direct_period")[:n_s] += lost_direct
    st.row("conflicts_lost_to_direct")[:n_s] += lost_direct
    st.row("undercut_period")[:n_s] += np.bincount(bidder[undercut], minlength=n_s)
