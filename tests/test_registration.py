"""Deal registration on hand-made inputs: the state machine, approval policies, the discount."""

from __future__ import annotations

import numpy as np
import pytest

from sim.economics.waterfall import price_ratios
from sim.engine.deal_terms import registered_ratios
from sim.program.approval import Submissions, eligible, register_round
from sim.program.registration import BidRegistrations, Register, RegistrationTerms, Status
from sim.scenario.schema import DealRegistration, RegistrationApproval, SecondRegistrant

NO_DECISION, RIVAL = -1, -2
OPEN, WON = 0, 1


def ints(*values: int) -> np.ndarray:
    return np.array(values, dtype=np.int64)


def terms(**changes: object) -> RegistrationTerms:
    cfg = DealRegistration(enabled=True, protection_months=3.0, extension_months=2.0)
    return RegistrationTerms.of(cfg.model_copy(update=changes), 1.0)


def protected_one(register: Register, account: int = 5, partner: int = 7) -> int:
    """One registration, approved and protected until period 4 (submitted in period 1)."""
    ids = register.submit(ints(account), ints(partner), 1)
    register.review(ids, np.array([True]), np.array([1.0]))
    register.protect(ids, 4.0)
    return int(ids[0])


def status(register: Register, rid: int) -> Status:
    return Status(int(register["status"][rid]))


# --- transitions ----------------------------------------------------------------------------


def test_submit_review_protect() -> None:
    r = Register(10)
    ids = r.submit(ints(1, 2), ints(3, 4), period=2)
    assert [status(r, i) for i in ids] == [Status.SUBMITTED, Status.SUBMITTED]
    r.review(ids, np.array([True, False]), np.array([1.0, 1.0]))
    assert [status(r, i) for i in ids] == [Status.APPROVED, Status.REJECTED]
    assert r["share"].tolist() == [1.0, 0.0]
    r.protect(ids[:1], 5.0)
    assert status(r, 0) == Status.PROTECTED
    assert r.holder[1] == 0 and r.holder[2] == -1
    assert r["expires"][0] == 5.0


def test_won_when_the_deal_closes() -> None:
    r = Register(10)
    rid = protected_one(r)
    winner = r.settle(ints(5), ints(7), BidRegistrations(ints(0), ints(rid)), ints(40))
    assert winner.tolist() == [rid]
    assert r["opportunity"][rid] == 40
    assert status(r, rid) == Status.PROTECTED  # in its sales cycle
    outcome = np.zeros(41, dtype=np.int8)
    r.advance(2, outcome, 2.0)
    assert status(r, rid) == Status.PROTECTED
    outcome[40] = WON
    r.advance(3, outcome, 2.0)
    assert status(r, rid) == Status.WON
    assert r.holder[5] == -1


@pytest.mark.parametrize("chosen", [3, RIVAL])
def test_lost_when_another_seller_or_the_rival_wins(chosen: int) -> None:
    r = Register(10)
    rid = protected_one(r)
    winner = r.settle(ints(5), ints(chosen), BidRegistrations(ints(0), ints(rid)), ints(0))
    assert winner.tolist() == [-1]
    assert status(r, rid) == Status.LOST
    assert r.holder[5] == -1


def test_holder_that_did_not_bid_loses_the_account_to_the_winner() -> None:
    r = Register(10)
    rid = protected_one(r)
    r.settle(ints(5), ints(3), BidRegistrations(ints(), ints()), ints(0))
    assert status(r, rid) == Status.LOST


def test_no_decision_keeps_protection_until_it_expires() -> None:
    r = Register(10)
    rid = protected_one(r)
    r.settle(ints(5), ints(NO_DECISION), BidRegistrations(ints(0), ints(rid)), ints(0))
    assert status(r, rid) == Status.PROTECTED
    r.advance(3, np.zeros(1, dtype=np.int8), 2.0)
    assert status(r, rid) == Status.PROTECTED
    r.advance(4, np.zeros(1, dtype=np.int8), 2.0)  # no deal in a cycle: no extension
    assert status(r, rid) == Status.EXPIRED
    assert r.holder[5] == -1


def test_one_extension_while_the_deal_is_in_its_cycle() -> None:
    r = Register(10)
    rid = protected_one(r)
    r.settle(ints(5), ints(7), BidRegistrations(ints(0), ints(rid)), ints(0))
    outcome = np.array([OPEN], dtype=np.int8)
    r.advance(4, outcome, 2.0)
    assert status(r, rid) == Status.PROTECTED
    assert r["expires"][rid] == 6.0 and r["extended"][rid]
    r.advance(6, outcome, 2.0)  # still in its cycle: the one extension is used
    assert status(r, rid) == Status.EXPIRED


def test_no_extension_when_its_length_is_zero() -> None:
    r = Register(10)
    rid = protected_one(r)
    r.settle(ints(5), ints(7), BidRegistrations(ints(0), ints(rid)), ints(0))
    r.advance(4, np.array([OPEN], dtype=np.int8), 0.0)
    assert status(r, rid) == Status.EXPIRED


# --- a round of submissions -----------------------------------------------------------------


def subs(
    opp: tuple[int, ...],
    partner: tuple[int, ...],
    lead: tuple[bool, ...] | None = None,
    size: float = 1000.0,
) -> Submissions:
    n = len(opp)
    o = ints(*opp)
    return Submissions(
        opp=o,
        account=o + 100,  # opportunity i is on account 100 + i
        partner=ints(*partner),
        lead=np.array(lead if lead is not None else (False,) * n),
        size=np.full(n, size),
        tier=np.zeros(n, dtype=np.int64),
    )


def rng() -> np.random.Generator:
    return np.random.default_rng(3)


def test_first_registrant_is_protected_second_rejected() -> None:
    r = Register(200)
    t = terms(second_registrant=SecondRegistrant.REJECT)
    reg = register_round(r, t, subs((0, 0, 1), (4, 5, 6)), 1, rng())
    first = int(r.holder[100])
    assert r["partner"][first] in (4, 5)
    assert r.holder[101] >= 0 and r["partner"][r.holder[101]] == 6
    statuses = sorted(Status(s) for s in r["status"])
    assert statuses == [Status.REJECTED, Status.PROTECTED, Status.PROTECTED]
    assert (reg >= 0).sum() == 2  # the rejected bid has no live registration
    assert r["expires"][first] == 1 + t.protection_periods


def test_second_registrant_gets_the_reduced_discount() -> None:
    r = Register(200)
    t = terms(second_registrant=SecondRegistrant.REDUCED_DISCOUNT, second_registrant_share=0.5)
    register_round(r, t, subs((0, 0), (4, 5)), 1, rng())
    second = 1 - int(r.holder[100])
    assert status(r, second) == Status.APPROVED
    assert r["share"][second] == 0.5
    assert r["share"][r.holder[100]] == 1.0


def test_a_later_period_registrant_is_a_second_registrant() -> None:
    r = Register(200)
    t = terms(second_registrant=SecondRegistrant.REJECT)
    register_round(r, t, subs((0,), (4,)), 1, rng())
    reg = register_round(r, t, subs((0, 0), (4, 5)), 2, rng())
    assert r.size == 2  # the holder did not submit again
    assert reg[0] == 0 and reg[1] == -1
    assert status(r, 1) == Status.REJECTED


def test_automatic_approves_every_registrant_in_full() -> None:
    r = Register(200)
    t = terms(approval=RegistrationApproval.AUTOMATIC)
    register_round(r, t, subs((0, 0), (4, 5)), 1, rng())
    assert r["share"].tolist() == [1.0, 1.0]
    assert sorted(Status(s) for s in r["status"]) == [Status.APPROVED, Status.PROTECTED]


def test_submission_order_is_drawn() -> None:
    holders = set()
    for seed in range(12):
        r = Register(200)
        register_round(r, terms(), subs((0, 0), (4, 5)), 1, np.random.default_rng(seed))
        holders.add(int(r["partner"][r.holder[100]]))
    assert holders == {4, 5}


def test_proof_of_engagement_needs_an_earlier_bid_or_the_lead() -> None:
    r = Register(200)
    t = terms(approval=RegistrationApproval.PROOF_OF_ENGAGEMENT)
    s = subs((0, 1, 2), (4, 5, 6), lead=(False, True, False))
    r.mark_worked(ints(102), ints(6))
    assert eligible(r, t, s).tolist() == [False, True, True]
    register_round(r, t, s, 1, rng())
    assert r.holder[100] == -1 and r.holder[101] >= 0 and r.holder[102] >= 0


def test_auto_below_size_per_tier() -> None:
    r = Register(200)
    t = terms(
        approval=RegistrationApproval.AUTO_BELOW_SIZE, auto_approve_below={"registered": 5000.0}
    )
    assert eligible(r, t, subs((0,), (4,), size=4999.0)).tolist() == [True]
    assert eligible(r, t, subs((0,), (4,), size=5000.0)).tolist() == [False]
    # Above the size, proof of engagement still gets it approved.
    r.mark_worked(ints(100), ints(4))
    assert eligible(r, t, subs((0,), (4,), size=9e9)).tolist() == [True]
    # A tier without a size is never approved unseen.
    assert eligible(
        Register(200),
        terms(approval=RegistrationApproval.AUTO_BELOW_SIZE),
        subs((0,), (4,), size=1.0),
    ).tolist() == [False]


def test_worked_pairs() -> None:
    r = Register(10)
    r.mark_worked(ints(1, 2), ints(3, 4))
    r.mark_worked(ints(1), ints(5))
    assert r.worked(ints(1, 1, 2, 2, 9), ints(3, 5, 4, 3, 3)).tolist() == [
        True,
        True,
        True,
        False,
        False,
    ]


# --- the extra discount ---------------------------------------------------------------------


def test_extra_discount_is_paid_by_vendor_and_distributor_at_the_same_customer_price() -> None:
    d = np.array([0.3, 0.3, 0.25])
    pt = np.array([0.5, 0.5, 0.0])
    dm = np.array([0.0, 0.08, 0.0])
    extra = np.array([0.1, 0.1, 0.0])
    base = price_ratios(d, pt, dm)
    reg = registered_ratios(d, pt, dm, extra)
    np.testing.assert_allclose(reg.customer, base.customer)
    np.testing.assert_allclose(reg.reseller - base.reseller, extra)
    np.testing.assert_allclose(
        (base.vendor - reg.vendor) + (base.distributor - reg.distributor), extra
    )
    np.testing.assert_allclose(reg.reseller + reg.distributor + reg.vendor, reg.customer)
    assert reg.vendor[0] == pytest.approx(base.vendor[0] - 0.1)


def test_a_tiers_protection_benefit_sets_the_expiry() -> None:
    r = Register(200)
    s = subs((0, 1), (4, 5))
    s = Submissions(s.opp, s.account, s.partner, s.lead, s.size, s.tier, np.array([6.0, 0.5]))
    register_round(r, terms(), s, 2, rng())
    assert r["expires"][r.holder[100]] == 8.0
    assert r["expires"][r.holder[101]] == 2.5
