"""Offers and choice for one batch of opportunities (SPEC §2.2 step 3), vectorised.

The model passes a :class:`SellerTable` (every seller as arrays, built once per period) and the
opportunities; this module decides who bids, builds the utilities and draws the choice.
Opportunities are processed by (territory, segment) cell so that each matrix has only the
sellers that cover the cell.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import NamedTuple, Protocol

import numpy as np
from numpy.typing import NDArray

from sim.economics.choice import logit_choice_ragged
from sim.market.population import ROUTE_DIRECT, ROUTE_PARTNER
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
        stood_counts: Number of sellers that stood down under the conflict rule.
        stood_sellers: Those sellers, per opportunity in seller order.
        before: The kinds of conflict among the bids before the conflict rule (the conflicts
            the rule decided; ``conflicts`` when nobody stood down).
        protected: The seller whose deal registration protected each opportunity's account, or
            -1.
        assisted: Whether the direct reps stood down and assisted the partners (channel
            neutral).
    """

    chosen: IntArray
    bid_counts: IntArray
    bid_offsets: IntArray
    bid_sellers: NDArray[np.int32]
    conflicts: Conflicts
    stood_counts: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    stood_sellers: NDArray[np.int32] = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    before: Conflicts | None = None
    protected: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    assisted: BoolArray = field(default_factory=lambda: np.zeros(0, dtype=bool))

    def __post_init__(self) -> None:
        """Fill what was left out: nobody stood down, nothing protected or assisted."""
        n = len(self.chosen)
        if len(self.stood_counts) != n:
            self.stood_counts = np.zeros(n, dtype=np.int64)
        if len(self.protected) != n:
            self.protected = np.full(n, -1, dtype=np.int64)
        if len(self.assisted) != n:
            self.assisted = np.zeros(n, dtype=bool)

    @property
    def conflicts_before(self) -> Conflicts:
        """The conflicts among the bids before the conflict rule."""
        return self.conflicts if self.before is None else self.before


class Registrar(Protocol):
    """Deal registration as :func:`choose` sees it (``RegistrationRound``)."""

    def holders(self) -> IntArray:
        """Per opportunity, the partner whose registration protects its account, or -1."""
        ...

    def __call__(self, idx: IntArray, opp: IntArray, seller: IntArray) -> IntArray:
        """Register a block's bids before the conflict rule.

        Args:
            idx: The block's opportunities.
            opp: Each bid's opportunity.
            seller: Each bid's seller.

        Returns:
            Per opportunity of the block, the protected seller or -1.
        """
        ...


@dataclass(frozen=True)
class BidPolicy:
    """What the program decides about the bids: registration, the conflict rule, assistance.

    Attributes:
        rule: The conflict rule (who may bid among those that can reach the account).
        registrar: Deal registration, or None when the program has none.
        assist_utility: Utility bonus of the partners' offers where the direct reps stood down
            (``channel_neutral``; 0 otherwise).
    """

    rule: ConflictRuleFn
    registrar: Registrar | None = None
    assist_utility: float = 0.0


@dataclass
class _Collected:
    """Bids and stood-down sellers of the blocks done so far."""

    rows: list[IntArray]
    cols: list[NDArray[np.int32]]
    stood_rows: list[IntArray]
    stood_cols: list[NDArray[np.int32]]


def choose(
    opps: Opportunities,
    table: SellerTable,
    params: Choice,
    policy: BidPolicy,
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
        policy: Deal registration, the conflict rule and the reps' assistance.
        rival_utility: Utility of the rival, or None when there is no rival.
        no_decision_utility: Utility of no decision, or None when it is not an option.
        u_bids: Stream for the sellers' bid draws.
        u_choice: Stream for the accounts' choice draws.

    Returns:
        The choice of every opportunity and the bidders.
    """
    n = len(opps.account)
    chosen = np.full(n, NO_DECISION, dtype=np.int64)
    protected = np.full(n, -1, dtype=np.int64)
    assisted = np.zeros(n, dtype=bool)
    done = _Collected([], [], [], [])
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
    # A partner holding an account's registration works it: it bids whenever it can.
    works = policy.registrar.holders() if policy.registrar is not None else opps.owner
    for idx in blocks:
        row, col = _bids(opps, table, params, cover, idx, u_bids, works)
        if policy.registrar is not None:
            protected[idx] = policy.registrar(idx, idx[row], bidders[col])
        row, col, s_row, s_col = _ruled(policy.rule, row, col, idx, opps, ctx, protected, bidders)
        # One entry per bid: the bidding seller and its opportunity.
        seller = bidders[col]
        util = offer_utilities(opps, table, params, idx[row], seller)
        if policy.assist_utility and len(s_row):
            help_rows = np.zeros(len(idx), dtype=bool)
            help_rows[s_row[ctx.reps()[s_col]]] = True
            assisted[idx] = help_rows
            partner = table.route[seller] == ROUTE_PARTNER
            util = util + policy.assist_utility * (help_rows[row] & partner)
        chosen[idx] = _decide(util, row, seller, outside, params.scale, u_all[idx])
        done.rows.append(idx[row])
        done.cols.append(seller.astype(np.int32))
        done.stood_rows.append(idx[s_row])
        done.stood_cols.append(bidders[s_col].astype(np.int32))
    return _result(chosen, done, table, protected, assisted)


def _ruled(
    rule: ConflictRuleFn,
    row: IntArray,
    col: IntArray,
    idx: IntArray,
    opps: Opportunities,
    ctx: ConflictContext,
    protected: IntArray,
    bidders: IntArray,
) -> tuple[IntArray, IntArray, IntArray, IntArray]:
    """Apply the conflict rule to a block's bids.

    Returns:
        The bids that stay and those that stood down, each as row-major (row, column) pairs.
    """
    none = np.zeros(0, dtype=np.int64)
    if rule is free_for_all:
        # Free for all keeps every bid: the pairs are already in the row-major order
        # np.nonzero would give.
        return row, col, none, none
    matrix = np.zeros((len(idx), len(bidders)), dtype=bool)
    matrix[row, col] = True
    column = np.full(int(bidders.max()) + 1 if len(bidders) else 1, -1, dtype=np.int64)
    column[bidders] = np.arange(len(bidders))
    held = protected[idx]
    held_col = np.full(len(idx), -1, dtype=np.int64)
    known = (held >= 0) & (held < len(column))
    held_col[known] = column[held[known]]
    may = rule(matrix, replace(ctx, named=opps.named[idx], protected=held_col))
    k_row, k_col = np.nonzero(may)
    s_row, s_col = np.nonzero(matrix & ~may)
    return k_row, k_col, s_row, s_col


def _result(
    chosen: IntArray,
    done: _Collected,
    table: SellerTable,
    protected: IntArray,
    assisted: BoolArray,
) -> ChoiceResult:
    """Assemble the choice result from the blocks' bids and stood-down sellers."""
    n = len(chosen)
    bid_sellers, bid_counts = _in_bid_order(done.rows, done.cols, n)
    offsets = np.concatenate(([0], np.cumsum(bid_counts))).astype(np.int64)
    conflicts = bid_conflicts(bid_counts, bid_sellers, table.route, table.partner_type)
    stood, stood_counts = _in_bid_order(done.stood_rows, done.stood_cols, n)
    before = conflicts
    if len(stood):
        every, every_counts = _in_bid_order(
            done.rows + done.stood_rows, done.cols + done.stood_cols, n
        )
        before = bid_conflicts(every_counts, every, table.route, table.partner_type)
    return ChoiceResult(
        chosen,
        bid_counts,
        offsets,
        bid_sellers,
        conflicts,
        stood_counts,
        stood,
        before,
        protected,
        assisted,
    )


def _bids(
    opps: Opportunities,
    table: SellerTable,
    params: Choice,
    cover: Coverage,
    idx: IntArray,
    u_bids: np.random.Generator,
    works: IntArray,
) -> tuple[IntArray, IntArray]:
    """The bids on a block of opportunities, before the conflict rule.

    A seller always reaches the opportunity it was routed as a lead and one whose account its
    deal registration protects (``works``: that seller per opportunity, or -1).

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
    bid = (draws < p_bid) | (opps.owner[opp] == seller) | (works[opp] == seller)
    row, col, seller, opp = row[bid], col[bid], seller[bid], opp[bid]
    made = within_cut_off(opps, table, params, opp, seller)
    return row[made], col[made]


class _OutsideOptions(NamedTuple):
    """The options every account has besides the bids: the rival (first, if any), no decision."""

    utilities: FloatArray
    has_rival: bool


def _decide(
    util: FloatArray,
    row: IntArray,
    seller: IntArray,
    outside: _OutsideOptions,
    scale: float,
    u_block: FloatArray,
) -> IntArray:
    """Each account's choice in a block: a bidding seller, the rival or no decision.

    Args:
        util: Each offer's utility.
        row: Each offer's opportunity, as a position in the block.
        seller: Each offer's seller.
        outside: The options every account has besides the bids.
        scale: The logit scale.
        u_block: The block's choice draws, in block order.
    """
    m = len(u_block)
    pick = logit_choice_ragged(util, row, m, outside.utilities, scale, u_block)
    result = np.full(m, NO_DECISION, dtype=np.int64)
    is_offer = (pick >= 0) & (pick < len(seller))
    result[is_offer] = seller[pick[is_offer]]
    if outside.has_rival:
        result[pick == len(seller)] = RIVAL
    return result


def _in_bid_order(
    rows: list[IntArray], cols: list[NDArray[np.int32]], n: int
) -> tuple[NDArray[np.int32], IntArray]:
    """Sellers in opportunity order, then seller order, and their count per opportunity."""
    if not rows:
        return np.zeros(0, dtype=np.int32), np.zeros(n, dtype=np.int64)
    r_all = np.concatenate(rows)
    c_all = np.concatenate(cols)
    o = np.lexsort((c_all, r_all))
    sellers: NDArray[np.int32] = c_all[o]
    return sellers, np.bincount(r_all, minlength=n).astype(np.int64)


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
