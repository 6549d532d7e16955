"""Tests for sim.program.conflict: named conflict rules as pure functions."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from sim.program.conflict import (
    ConflictContext,
    conflict_mask,
    free_for_all,
    get_rule,
    known_rules,
)

bid_masks = st.tuples(st.integers(0, 12), st.integers(1, 8)).flatmap(
    lambda shape: hnp.arrays(np.bool_, shape)
)


def _ctx(n_sellers: int) -> ConflictContext:
    is_direct = np.zeros(n_sellers, dtype=bool)
    is_direct[0] = True
    return ConflictContext(is_direct=is_direct, is_partner=~is_direct)


def test_free_for_all_is_registered() -> None:
    assert "free_for_all" in known_rules()
    assert get_rule("free_for_all") is free_for_all
    assert known_rules() == sorted(known_rules())


def test_unknown_rule_lists_known_ones() -> None:
    with pytest.raises(KeyError, match="free_for_all"):
        get_rule("no_such_rule")


@settings(max_examples=100, deadline=None)
@given(can_reach=bid_masks)
def test_free_for_all_returns_its_input(can_reach: np.ndarray) -> None:
    out = free_for_all(can_reach.copy(), _ctx(can_reach.shape[1]))
    np.testing.assert_array_equal(out, can_reach)
    assert out.shape == can_reach.shape


@pytest.mark.parametrize("name", known_rules())
def test_every_rule_only_removes_bidders(name: str) -> None:
    rng = np.random.default_rng(4)
    can_reach = rng.random((30, 6)) < 0.5
    out = np.asarray(get_rule(name)(can_reach.copy(), _ctx(6)))
    assert out.shape == can_reach.shape
    assert not np.any(out & ~can_reach)


def test_conflict_mask_hand_made() -> None:
    bids = np.array(
        [
            [False, False, False],
            [True, False, False],
            [True, True, False],
            [True, True, True],
            [False, True, True],
        ]
    )
    np.testing.assert_array_equal(conflict_mask(bids), [False, False, True, True, True])


@settings(max_examples=100, deadline=None)
@given(bids=bid_masks)
def test_conflict_mask_counts_two_or_more(bids: np.ndarray) -> None:
    mask = conflict_mask(bids)
    assert mask.shape == (bids.shape[0],)
    for row, flag in zip(bids, mask, strict=True):
        assert bool(flag) == (int(row.sum()) >= 2)


# -- partner_first and named_accounts on hand-made bids ------------------------------------------
# Sellers: 0 the direct reps, 1 the online store, 2-3 partners.
ROLES = ConflictContext(
    is_direct=np.array([True, True, False, False]),
    is_partner=np.array([False, False, True, True]),
    is_reps=np.array([True, False, False, False]),
)
BIDS = np.array(
    [
        [True, False, True, False],  # reps and a partner
        [True, True, False, False],  # reps and the store, no partner
        [False, True, False, True],  # the store and a partner
        [True, False, False, False],  # the reps alone
    ]
)


def test_partner_first_removes_the_reps_where_a_partner_bids() -> None:
    out = get_rule("partner_first")(BIDS.copy(), ROLES)
    np.testing.assert_array_equal(
        out,
        [
            [False, False, True, False],
            [True, True, False, False],
            [False, True, False, True],  # the store is not affected
            [True, False, False, False],
        ],
    )


def test_named_accounts_gives_the_reps_only_named_accounts() -> None:
    named = np.array([True, False, True, False])
    out = get_rule("named_accounts")(BIDS.copy(), replace(ROLES, named=named))
    np.testing.assert_array_equal(
        out,
        [
            [True, False, False, False],  # named: partners stand down
            [False, True, False, False],  # not named: the reps stand down, the store stays
            [False, True, False, False],
            [False, False, False, False],
        ],
    )
    # Without named accounts the reps stand down everywhere.
    assert not get_rule("named_accounts")(BIDS.copy(), ROLES)[:, 0].any()


# -- registered_wins and channel_neutral on hand-made bids ---------------------------------------
# Sellers as above: 0 the direct reps, 1 the online store, 2-3 partners.
ALL_BID = np.array(
    [
        [True, True, True, True],  # everybody; partner 2 protected
        [True, True, True, True],  # everybody; partner 3 protected
        [True, True, False, True],  # partner 2 protected but it does not bid
        [True, True, True, True],  # nobody protected
    ]
)


def test_registered_wins_leaves_the_protected_partner_alone() -> None:
    protected = np.array([2, 3, 2, -1])
    out = get_rule("registered_wins")(ALL_BID.copy(), replace(ROLES, protected=protected))
    np.testing.assert_array_equal(
        out,
        [
            [False, False, True, False],  # reps, store and the other partner stand down
            [False, False, False, True],
            [True, True, False, True],  # the holder does not bid: nobody stands down
            [True, True, True, True],
        ],
    )
    # Without registrations it is free for all.
    np.testing.assert_array_equal(get_rule("registered_wins")(ALL_BID.copy(), ROLES), ALL_BID)


def test_channel_neutral_bids_are_partner_first() -> None:
    rng = np.random.default_rng(5)
    bids = rng.random((40, 4)) < 0.5
    neutral = get_rule("channel_neutral")(bids.copy(), ROLES)
    np.testing.assert_array_equal(neutral, get_rule("partner_first")(bids.copy(), ROLES))
    partner_bid = bids[:, 2:].any(axis=1)
    assert not (neutral[:, 0] & partner_bid).any()  # no rep bids where a partner bids
    assert (neutral[~partner_bid, 0] == bids[~partner_bid, 0]).all()


def test_every_declared_rule_is_implemented() -> None:
    from sim.names import IMPLEMENTED_CONFLICT_RULES, ConflictRule

    assert set(IMPLEMENTED_CONFLICT_RULES) == set(ConflictRule)
    assert known_rules() == sorted(r.value for r in ConflictRule)
