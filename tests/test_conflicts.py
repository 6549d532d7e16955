"""Channel conflict by kind: direct reps, online store or another partner against a partner.

The counting on hand-made bids, the per-seller losses and their trust penalties, the period
accounting of a run, the edge case of no direct reps, and ``channel_conflict`` against
``baseline`` on common seeds.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from sim.agents.state import SellerState
from sim.agents.updates import update_commitment_and_trust
from sim.analysis.kpis import summary_kpis
from sim.engine.choice_outcomes import count_bids, tally_conflicts
from sim.engine.period import PeriodCounters
from sim.market.population import Route
from sim.model import ChannelModel
from sim.outputs import deals_frame, partners_frame
from sim.run import run_model
from sim.sales.conflicts import bid_conflicts
from sim.sales.offers import ChoiceResult
from sim.sales.tables import SellerTable
from sim.scenario import load_scenario
from sim.scenario.schema import Scenario

# Sellers: 0 the direct reps, 1 the online store, 2-4 partners.
ROUTE = np.array([Route.DIRECT, Route.SELF_SERVE, *[Route.PARTNER] * 3], dtype=np.int8)
# Bids per opportunity and, in the comment, the conflicts each one is.
BIDS: list[list[int]] = [
    [0, 1],  # reps and store without a partner: no conflict, no partner bid
    [0, 2],  # direct
    [1, 2],  # store
    [2, 3],  # partner
    [0, 1, 2, 3],  # direct, store and partner at once
    [],  # nobody bid
    [4],  # a partner alone: a partner bid, no conflict
]
CHOSEN = np.array([1, 0, 1, 3, 0, -1, 4], dtype=np.int64)
# Partner types: partners 2 and 3 are of one type, partner 4 of another.
KIND = np.array([-1, -1, 1, 1, 2], dtype=np.int64)


def _result() -> ChoiceResult:
    counts = np.array([len(b) for b in BIDS], dtype=np.int64)
    sellers = np.array([s for b in BIDS for s in b], dtype=np.int32)
    offsets = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
    return ChoiceResult(
        CHOSEN, counts, offsets, sellers, bid_conflicts(counts, sellers, ROUTE, KIND)
    )


def _table() -> SellerTable:
    n = len(ROUTE)
    no = np.zeros(n, dtype=bool)
    return SellerTable(
        can_bid=~no,
        bid_probability=np.ones(n),
        territories=np.ones((n, 1), dtype=bool),
        segments=np.ones((n, 3), dtype=bool),
        verticals=np.ones((n, 1), dtype=bool),
        specialised=np.zeros((n, 1), dtype=bool),
        route=ROUTE,
        is_direct=ROUTE != Route.PARTNER,
        services=no,
        managed=no,
        projects_only=no,
        service_quality=np.zeros(n),
        # Partner 3 is dearer than partner 2: losing to a cheaper or dearer partner is the same.
        price_month=np.array([0.9, 1.0, 0.8, 0.95, 0.8])[:, None, None] * np.ones((1, 1, 3)),
        reach=np.ones((n, 1)),
        incumbent=np.zeros((n, 1), dtype=bool),
        selling=~no,
        partner_type=KIND,
    )


def _state(n: int) -> SellerState:
    st = SellerState(1)
    for _ in range(n):
        st.allocate()
    st.row("is_partner")[:n] = ROUTE[:n] == Route.PARTNER
    return st


def test_conflicts_by_kind_on_hand_made_bids() -> None:
    c = _result().conflicts
    assert c.direct.tolist() == [False, True, False, False, True, False, False]
    assert c.store.tolist() == [False, False, True, False, True, False, False]
    assert c.partner.tolist() == [False, False, False, True, True, False, False]
    assert c.same_type.tolist() == [False, False, False, True, True, False, False]
    assert c.partner_bid.tolist() == [False, True, True, True, True, False, True]
    assert c.any.tolist() == [False, True, True, True, True, False, False]
    counters = PeriodCounters()
    tally_conflicts(counters, c)
    tally_conflicts(counters, c)  # a second batch of the period adds to the first
    assert (counters.conflicts_direct, counters.conflicts_store) == (4, 4)
    assert (counters.conflicts_partner, counters.conflicts) == (4, 8)
    assert counters.conflicts_same_type == 4
    assert counters.opportunities_partner_bid == 10


def test_losses_by_winner_channel_on_hand_made_choice() -> None:
    st = _state(len(ROUTE))
    count_bids(st, len(ROUTE), _result(), _table())
    # Partner 2 lost to the reps twice (opps 1 and 4), to the store once (2), to partner 3
    # once (3); partner 3 lost to the reps once (4); partner 4 bid alone and won.
    assert st.conflicts_lost_to_direct.tolist() == [0, 0, 2, 1, 0]
    assert st.conflicts_lost_to_store.tolist() == [0, 0, 1, 0, 0]
    assert st.conflicts_lost_to_partner.tolist() == [0, 0, 1, 0, 0]
    assert st.lost_to_direct_period.tolist() == st.conflicts_lost_to_direct.tolist()
    assert st.bids.tolist() == [3, 3, 4, 2, 1]
    assert st.wins.tolist() == [2, 2, 0, 1, 1]
    # Bids on opportunities in conflict of any kind (opps 1-4): the store's opp 0 is none.
    assert st.conflicts.tolist() == [2, 2, 4, 2, 0]


def test_trust_falls_by_the_winner_channel() -> None:
    cfg = Scenario()
    conflict = cfg.program.conflict
    assert conflict.trust_loss_to_direct > conflict.trust_loss_to_store > 0.0
    assert conflict.trust_loss_to_direct > conflict.trust_loss_to_partner > 0.0
    st = _state(5)
    st.row("is_partner")[:5] = True
    st.row("live")[:5] = True  # active or onboarding: exited partners are not updated
    st.row("trust")[:5] = 0.5
    st.row("commitment")[:5] = 0.5
    # Seller 0 lost nothing; 1 lost two to the reps, 2 two to the store, 3 two to a partner.
    st.row("lost_to_direct_period")[1] = 2
    st.row("lost_to_store_period")[2] = 2
    st.row("lost_to_partner_period")[3] = 2
    update_commitment_and_trust(st, np.zeros(5), cfg, 1.0)
    trust = st.trust
    recovered = trust[0]
    np.testing.assert_allclose(trust[1], recovered * (1 - conflict.trust_loss_to_direct) ** 2)
    np.testing.assert_allclose(trust[2], recovered * (1 - conflict.trust_loss_to_store) ** 2)
    np.testing.assert_allclose(trust[3], recovered * (1 - conflict.trust_loss_to_partner) ** 2)
    for name in ("direct", "store", "partner"):
        assert not st.row(f"lost_to_{name}_period").any(), name


def _tiny(*overrides: str) -> tuple[ChannelModel, pd.DataFrame, dict[str, object]]:
    loaded = load_scenario("tiny", list(overrides))
    model, retention = run_model(loaded, seed=3)
    ts = model.metrics.frame()
    kpis = summary_kpis(ts, partners_frame(model), deals_frame(model), loaded.scenario, retention)
    return model, ts, kpis


@pytest.fixture(scope="module")
def tiny() -> tuple[ChannelModel, pd.DataFrame, dict[str, object]]:
    return _tiny()


def test_period_accounting(tiny: tuple[ChannelModel, pd.DataFrame, dict[str, object]]) -> None:
    model, ts, kpis = tiny
    kinds = ts[["conflicts_direct", "conflicts_store", "conflicts_partner"]].to_numpy()
    total = ts["conflicts"].to_numpy()
    assert (total <= kinds.sum(axis=1)).all()
    assert (total[:, None] >= kinds).all()
    assert (ts["opportunities_partner_bid"].to_numpy()[:, None] >= kinds).all()
    assert (ts["opportunities_partner_bid"] <= ts["opportunities_opened"]).all()
    assert kinds[:, 0].sum() > 0 and kinds[:, 1].sum() > 0 and kinds[:, 2].sum() > 0
    # The book's per-opportunity flag is the same count.
    assert int(np.asarray(model.book["conflict"]).sum()) == int(total.sum())
    with_partner = ts["opportunities_partner_bid"].sum()
    for kpi, col in (
        ("conflict_rate", "conflicts_direct"),
        ("store_conflict_rate", "conflicts_store"),
        ("partner_conflict_rate", "conflicts_partner"),
    ):
        assert kpis[kpi] == pytest.approx(ts[col].sum() / with_partner), kpi
    # partners.csv: a partner's losses by channel add up to the runs' counts per seller.
    p = partners_frame(model)
    lost = p[["conflicts_lost_to_direct", "conflicts_lost_to_store", "conflicts_lost_to_partner"]]
    assert (lost.iloc[0] == 0).all()  # the direct row never loses a conflict
    assert (lost.sum(axis=1) <= p["bids"] - p["wins"]).all()
    assert lost.sum().min() > 0


@pytest.mark.parametrize("store", ["true", "false"])
def test_no_direct_reps_no_direct_conflict(store: str) -> None:
    _, ts, kpis = _tiny("direct.reps=0", f"direct.self_serve.enabled={store}")
    assert ts["conflicts_direct"].sum() == 0
    assert ts["opportunities_partner_bid"].sum() > 0
    assert kpis["conflict_rate"] == 0.0
    assert (ts["conflicts_store"].sum() > 0) == (store == "true")


def _direct_rate(m: ChannelModel) -> float:
    ts = m.metrics.frame()
    return float(ts["conflicts_direct"].sum() / ts["opportunities_partner_bid"].sum())


@pytest.mark.slow
def test_channel_conflict_has_more_direct_conflict_than_baseline(
    run_scenario: Callable[..., ChannelModel],
) -> None:
    seeds = (1, 2, 3)
    base = [_direct_rate(run_scenario("baseline", seed=s)) for s in seeds]
    conflict = [_direct_rate(run_scenario("channel_conflict", seed=s)) for s in seeds]
    # 60 reps under free_for_all meet partners far more often than baseline's 20.
    assert np.mean(conflict) > np.mean(base) + 0.2, (base, conflict)
    assert all(c > b for b, c in zip(base, conflict, strict=True)), (base, conflict)
