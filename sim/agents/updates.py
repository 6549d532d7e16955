"""End-of-period update of every seller at once: effort cost, commitment, trust, histories, exit.

The rules (SPEC §2.4), for each partner p, with m the months per period:

- effort cost = effort_base · commitment · m while active (distributors: opex share × sales);
- expected profit per unit of effort e moves toward this period's gross profit (before effort)
  per month divided by max(commitment, 0.05), by α = min(1, m / memory_months);
- target commitment = max(e, 0) / (max(e, 0) + rival profit) × (0.4 + 0.6 · trust)
  (+ the exclusivity bonus for exclusive holders — when some program tier is
  ``exclusivity_eligible``, only for holders in an eligible tier), clipped to [0, 1];
  commitment closes 1 − (1 − commitment_speed)^m of its gap to the target;
- trust recovers 1 − (1 − trust_recovery)^m of its gap to 1, then falls by a factor
  (1 − trust_loss_to_direct) per deal it bid on that the direct reps won this period, and by
  (1 − trust_loss_to_store) and (1 − trust_loss_to_partner) per deal the online store or
  another partner won;
- only live partners (active or onboarding) are updated: an exited partner's expected profit,
  commitment and trust stay at their values at exit;
- exit is decided by :func:`sim.agents.exits.exits` (per-partner reviews, collapsed trust).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from sim.agents.exits import exits
from sim.agents.state import COL, SellerState, costs, income
from sim.program.tiers import exclusivity_by_tier

if TYPE_CHECKING:
    from sim.model import ChannelModel
    from sim.scenario.schema import Scenario


def end_period(model: ChannelModel, active: NDArray[np.bool_]) -> NDArray[np.int64]:
    """Close every seller's period and return the partners that decide to exit.

    Args:
        model: The model, after this period's flows were booked into the seller state.
        active: Per seller, whether it is active this period.

    Returns:
        Indices of partners that exit now.
    """
    st = model.seller_state
    cfg = model.config
    m = model.period_months
    ledger = st.row("period")[: st.n]
    # Effort at its commitment, plus opex on sales for the roles that have it (distributors;
    # the other term is zero for each role).
    effort = (
        st.effort_base * st.commitment * m
        + st.opex_share_of_sales * ledger[:, COL["distributor_sales"]]
    )
    ledger[:, COL["effort_cost"]] += np.where(active & st.is_partner, effort, 0.0)
    profit = income(ledger) - costs(ledger)
    update_commitment_and_trust(st, profit + ledger[:, COL["effort_cost"]], cfg, m)
    st.push_history(ledger[:, COL["vendor_revenue"]], profit, ledger[:, COL["purchases"]])
    st.row("total")[: st.n] += ledger
    ledger[:] = 0.0
    return exits(st, active, cfg.partner, m)


def update_commitment_and_trust(
    st: SellerState, gross_profit: NDArray[np.float64], cfg: Scenario, m: float
) -> None:
    """Move live partners' expected profit, commitment and trust (SPEC §2.4); reset conflicts.

    Exited partners are left as they were at exit.

    Args:
        st: The seller state.
        gross_profit: Each seller's profit of the period before its effort cost.
        cfg: The scenario.
        m: Months per period.
    """
    n = st.n
    partner = st.is_partner & st.live  # exited partners are frozen
    # Commitment toward the vendor's share of expected profit per unit of effort.
    commitment = st.row("commitment")[:n]
    trust = st.row("trust")[:n]
    expected = st.row("expected_profit_per_effort")[:n]
    gross = gross_profit / m
    per_effort = gross / np.maximum(commitment, 0.05)
    alpha = min(1.0, m / cfg.partner.memory_months)
    new_expected = expected + alpha * (per_effort - expected)
    vendor = np.maximum(new_expected, 0.0)
    rival = st.rival_profit
    total = vendor + rival
    target = np.divide(vendor, total, out=np.zeros(n), where=total > 0)
    target *= 0.4 + 0.6 * trust
    holds = st.exclusive
    if exclusivity_by_tier(cfg.program):  # exclusivity is earned: only in an eligible tier
        holds = holds & st.row("exclusivity_eligible")[:n]
    target += np.where(holds, cfg.program.exclusivity_commitment_bonus, 0.0)
    target = np.clip(target, 0.0, 1.0)
    speed = 1.0 - (1.0 - cfg.partner.commitment_speed) ** m
    new_commitment = commitment + speed * (target - commitment)

    # Trust: slow recovery, multiplicative losses from conflicts lost this period.
    conflict = cfg.program.conflict
    recovery = 1.0 - (1.0 - conflict.trust_recovery) ** m
    new_trust = trust + recovery * (1.0 - trust)
    new_trust *= (1.0 - conflict.trust_loss_to_direct) ** st.lost_to_direct_period
    new_trust *= (1.0 - conflict.trust_loss_to_store) ** st.lost_to_store_period
    new_trust *= (1.0 - conflict.trust_loss_to_partner) ** st.lost_to_partner_period

    expected[partner] = new_expected[partner]
    commitment[partner] = new_commitment[partner]
    trust[partner] = new_trust[partner]
    for rival_channel in ("direct", "store", "partner"):
        st.row(f"lost_to_{rival_channel}_period")[:n] = 0
