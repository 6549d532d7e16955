"""Offers and choice for one batch of opportunities (SPEC §2.2 step 3), vectorised.

The model passes a :class:`SellerTable` (every seller as arrays, built once per period) and the
opportunities; this module decides who bids, builds the utilities and draws the choice.
Opportunities are processed by (territory, segment) cell so that each matrix has only the
sellers that cover the cell.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from sim.economics.choice import logit_choice_ragged
from sim.market.population import ROUTE_DIRECT
from sim.program.conflict import ConflictContext, ConflictRuleFn, free_for_all
from sim.sales.conflicts import Conflicts, bid_conflicts
from sim.sales.coverage import Coverage, coverage
from sim.sales.tables import Opportunities, SellerTable
from sim.sales.utility import offer_utilities, role_fits, within_cut_off
from sim.scenario.schema import Choice

BoolArray = NDArray[np.bool_]
FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

RIVAL = -2
"""Chosen-seller code of an opportunity lost to the rival."""
NO_DECISION = -1
"""Chosen-seller code of an opportunity that ended in no decision (or had no option)."""


@dataclass
class ChoiceResult:
    """Outcome of offers and choice, element-wise over the batch.

    Attributes:
        chosen: Seller index, or ``RIVAL`` / ``NO_DECISION``.
        bid_counts: Number of sellers that bid.
        bid_offsets: CSR offsets into ``bid_sellers`` (length n + 1).
        bid_sellers: Bidding seller indices, per opportunity in seller order.
        conflicts: The kinds of conflict on each opportunity
            (:func:`~sim.sales.conflicts.bid_conflicts`).
    """

    chosen: IntArray
    bid_counts: IntArray
    bid_offsets: IntArray
    bid_sellers: NDArray[np.int32]
    conflicts: Conflicts


def choose(
    opps: Opportunities,
    table: SellerTable,
    params: Choice,
    rule: ConflictRuleFn,
    rival_utility: float | None,
    no_decision_utility: float | None,
    u_bids: np.random.Generator,
    u_choice: np.random.Generator,
) -> ChoiceResult:
    """Decide who bids on each opportunity and which option each account chooses.

    Args:
        opps: The opportunities opened this period.
        table: The sellers this period.
        params: Choice parameters.
        rule: The conflict rule (who may bid among those that can reach the account).
        rival_utility: Utility of the rival, or None when there is no rival.
        no_decision_utility: Utility of no decision, or None when it is not an option.
        u_bids: Stream for the sellers' bid draws.
        u_choice: Stream for the accounts' choice draws.

    Returns:
        The choice of every opportunity and the bidders.
    """
    n = len(opps.account)
    chosen = np.full(n, NO_DECISION, dtype=np.int64)
    bid_counts = np.zeros(n, dtype=np.int64)
    rows: list[IntArray] = []
    cols: list[NDArray[np.int32]] = []
    u_all = u_choice.random(n)
    n_seg = table.segments.shape[1]
    cell = opps.territory.astype(np.int64) * n_seg + opps.segment
    # Small codes sort by radix as int16 (numpy's stable sort of 16-bit integers).
    order = np.argsort(
        cell.astype(np.int16) if n_seg * table.territories.shape[1] < 2**15 else cell, kind="stable"
    )
    shared = np.array([u for u in (rival_utility, no_decision_utility) if u is not None])
    outside = _OutsideOptions(shared, rival_utility is not None)
    cover = coverage(opps.territory, opps.segment, opps.vertical, table.cover, table.can_bid)
    bidders = cover.bidders
    ctx = ConflictContext(
        is_direct=table.is_direct[bidders],
        is_partner=~table.is_direct[bidders],
        is_reps=table.route[bidders] == ROUTE_DIRECT,
    )
    if n * max(len(bidders), 1) <= BLOCK_ELEMENTS:
        blocks = [order]  # every cell in one matrix: the cells in order, as _blocks would
    else:
        bounds = np.flatnonzero(np.diff(cell[order])) + 1
        blocks = _blocks(np.split(order, bounds), len(bidders))
    for idx in blocks:
        m = len(idx)
        row, col = _bids(opps, table, params, cover, idx, u_bids)
        if rule is not free_for_all:
            # The conflict rule sees opportunities × sellers that can bid. (Free for all keeps
            # every bid: the pairs are already in the row-major order np.nonzero would give.)
            matrix = np.zeros((m, len(bidders)), dtype=bool)
            matrix[row, col] = True
            row, col = np.nonzero(rule(matrix, replace(ctx, named=opps.named[idx])))
        # One entry per bid: the bidding seller and its opportunity.
        seller = bidders[col]
        opp = idx[row]
        chosen[idx] = _decide(opps, table, params, idx, row, seller, outside, u_all[idx])
        rows.append(opp)
        cols.append(seller.astype(np.int32))
        bid_counts[idx] = np.bincount(row, minlength=m)
    offsets = np.concatenate(([0], np.cumsum(bid_counts))).astype(np.int64)
    bid_sellers = _in_bid_order(rows, cols)
    conflicts = bid_conflicts(bid_counts, bid_sellers, table.route, table.partner_type)
    return ChoiceResult(chosen, bid_counts, offsets, bid_sellers, conflicts)


def _bids(
    opps: Opportunities,
    table: SellerTable,
    params: Choice,
    cover: Coverage,
    idx: IntArray,
    u_bids: np.random.Generator,
) -> tuple[IntArray, IntArray]:
    """The bids on a block of opportunities, before the conflict rule.

    Returns:
        Row-major (opportunity in the block, position in ``cover.bidders``) pairs.
    """
    bidders = cover.bidders
    # Sellers covering each opportunity's territory, segment and vertical, as pairs in the
    # row-major order of an opportunities × bidders matrix; an SI only where implementation
    # is needed.
    row, col = cover.pairs(idx)
    seller = bidders[col]
    opp = idx[row]
    fits = role_fits(opps, table, opp, seller)
    row, col, seller, opp = row[fits], col[fits], seller[fits], opp[fits]
    # It reaches the account with its bid probability there (one draw per pair), always its
    # lead; it makes an offer unless the offer is far above the account's budget (checked
    # only on the pairs it reaches: most pairs are not reached).
    draws = u_bids.random(len(row))
    p_bid = table.bid_probability[seller] * table.reach[seller, opps.territory[opp]]
    bid = (draws < p_bid) | (opps.owner[opp] == seller)
    row, col, seller, opp = row[bid], col[bid], seller[bid], opp[bid]
    made = within_cut_off(opps, table, params, opp, seller)
    return row[made], col[made]


class _OutsideOptions(NamedTuple):
    """The options every account has besides the bids: the rival (first, if any), no decision."""

    utilities: FloatArray
    has_rival: bool


def _decide(
    opps: Opportunities,
    table: SellerTable,
    params: Choice,
    idx: IntArray,
    row: IntArray,
    seller: IntArray,
    outside: _OutsideOptions,
    u_block: FloatArray,
) -> IntArray:
    """Each account's choice in a block: a bidding seller, the rival or no decision.

    Args:
        opps: The opportunities.
        table: The sellers.
        params: Choice weights and scale.
        idx: The block's opportunities.
        row: Each bid's opportunity, as a position in the block.
        seller: Each bid's seller.
        outside: The options every account has besides the bids.
        u_block: The block's choice draws, in block order.
    """
    m = len(idx)
    opp = idx[row]
    util = offer_utilities(opps, table, params, opp, seller)
    pick = logit_choice_ragged(util, row, m, outside.utilities, params.scale, u_block)
    result = np.full(m, NO_DECISION, dtype=np.int64)
    is_offer = (pick >= 0) & (pick < len(seller))
    result[is_offer] = seller[pick[is_offer]]
    if outside.has_rival:
        result[pick == len(seller)] = RIVAL
    return result


def _in_bid_order(rows: list[IntArray], cols: list[NDArray[np.int32]]) -> NDArray[np.int32]:
    """Bidders in opportunity order, then seller order."""
    if not rows:
        return np.zeros(0, dtype=np.int32)
    r_all = np.concatenate(rows)
    c_all = np.concatenate(cols)
    o = np.lexsort((c_all, r_all))
    bid_sellers: NDArray[np.int32] = c_all[o]
    return bid_sellers


BLOCK_ELEMENTS = 250_000
"""Largest opportunities × sellers matrix built at once; bigger batches go cell by cell."""


def _blocks(cells: list[IntArray], n_sellers: int) -> list[IntArray]:
    """Merge consecutive (territory, segment) cells into blocks of bounded matrix size.

    Small markets then need one block per period; large ones are cut at cell boundaries so that
    no block's opportunities × bidders arrays exceed ``BLOCK_ELEMENTS``.
    """
    blocks: list[IntArray] = []
    current: list[IntArray] = []
    size = 0
    width = max(n_sellers, 1)
    for cell in cells:
        if len(cell) == 0:
            continue
        if current and (size + len(cell)) * width > BLOCK_ELEMENTS:
            blocks.append(np.concatenate(current))
            current, size = [], 0
        current.append(cell)
        size += len(cell)
    if current:
        blocks.append(np.concatenate(current))
    return blocks
