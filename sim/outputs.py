"""Tables of a finished run: partners, deals and per-account recurring revenue.

Every function reads a model after :meth:`~sim.model.ChannelModel.run` and returns plain pandas
objects in a deterministic order, so that the same run always gives the same bytes when written.
The deals table is built column-wise with numpy and pyarrow (no Python loop per deal): a run can
hold a million opportunities.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from sim.names import SEGMENTS
from sim.program.registration import STATUS_NAMES
from sim.sales.book import ConflictKind, Outcome, Source

if TYPE_CHECKING:
    from sim.model import ChannelModel

DIRECT_ID = "direct"
"""The ``partner_id`` of the vendor's own channels (direct team and self-serve store)."""

PARTNER_COLUMNS: tuple[str, ...] = (
    "partner_id",
    "type",
    "tier",
    "territories",
    "status",
    "revenue",
    "customer_revenue",
    "resale_margin",
    "distributor_margin",
    "distributor_sales",
    "services_revenue",
    "mdf_received",
    "rebates",
    "commissions",
    "costs",
    "profit",
    "win_rate",
    "bids",
    "wins",
    "conflicts_lost_to_direct",
    "conflicts_lost_to_store",
    "conflicts_lost_to_partner",
    "commitment",
    "trust",
    "onboarded_period",
    "exited_period",
    "profit_after_exit",
    "closes_deals",
    "leads_received",
    "program_fees",
)
"""Columns of ``partners.csv``, in order."""

_LOST_COLUMNS: tuple[str, ...] = (
    "conflicts_lost_to_direct",
    "conflicts_lost_to_store",
    "conflicts_lost_to_partner",
)
"""Conflicts a partner lost, by the winner's channel (direct reps, online store, partner)."""

DEAL_COLUMNS: tuple[str, ...] = (
    "opportunity_id",
    "period",
    "period_opened",
    "account",
    "segment",
    "territory",
    "seller",
    "seller_type",
    "offer_type",
    "parties",
    "n_bidders",
    "registered",
    "conflict",
    "distributor",
    "source",
    "referrer",
    "list_amount",
    "customer_discount",
    "customer_price",
    "reseller_margin",
    "distributor_margin",
    "vendor_net",
    "services_revenue",
    "managed_fee",
    "hardware_units",
    "no_it_staff",
    "outcome",
    "cycle_months",
    "registration_status",
    "protected_by",
    "registration_discount",
    "conflict_kind",
    "conflict_rule",
    "stood_down",
    "assisted",
)
"""Columns of ``deals.parquet``, in order (a ``scenario`` column comes first when asked for)."""

_OUTCOME_NAMES: dict[int, str] = {
    int(Outcome.OPEN): "open",
    int(Outcome.WON): "won",
    int(Outcome.RIVAL): "rival",
    int(Outcome.NO_DECISION): "no_decision",
}
_SOURCE_NAMES: dict[int, str] = {int(s): s.name.lower() for s in Source}
OFFER_TYPES: tuple[str, ...] = ("resale", "managed", "direct", "store", "referral")
"""Offer types of a won deal: a partner's resale (with its services), an MSP's managed offer
(the product plus its monthly fee), the direct reps, the online store, and the online store on
an affiliate's referral."""
_ID_PATTERN = re.compile(r"(.*?)-(\d+)")


def _partner_sort_key(partner_id: str) -> tuple[int, str, int, str]:
    """Sort key: ``direct`` first, then type and number (``var-2`` before ``var-10``)."""
    if partner_id == DIRECT_ID:
        return (0, "", 0, "")
    match = _ID_PATTERN.fullmatch(partner_id)
    if match:
        return (1, match[1], int(match[2]), partner_id)
    return (1, partner_id, -1, partner_id)


def _joined_names(names: list[str], mask: NDArray[np.bool_]) -> str:
    return ";".join(name for name, on in zip(names, mask, strict=True) if on)


@dataclass
class _GroupTotals:
    """The sellers sharing one ``partner_id`` (direct team and store share ``direct``), summed."""

    ledger: dict[str, float]
    lost: dict[str, int]
    territories: NDArray[np.bool_]
    costs: float = 0.0
    profit: float = 0.0
    at_exit: float = 0.0  # NaN unless every member has exited
    bids: int = 0
    wins: int = 0

    @classmethod
    def of(cls, members: list[Any], n_territories: int) -> _GroupTotals:
        """Sum the members' ledgers, counts and coverage."""
        g = cls(
            ledger=dict.fromkeys(members[0].ledger.total, 0.0),
            lost=dict.fromkeys(_LOST_COLUMNS, 0),
            territories=np.zeros(n_territories, dtype=bool),
        )
        for s in members:
            for key, value in s.ledger.total.items():
                g.ledger[key] += float(value)
            g.costs += float(s.ledger.costs(s.ledger.total))
            g.profit += float(s.ledger.profit(s.ledger.total))
            g.at_exit += float(s.profit_at_exit) if s.exited_period is not None else float("nan")
            g.bids += int(s.bids)
            g.wins += int(s.wins)
            for col in _LOST_COLUMNS:
                g.lost[col] += int(getattr(s, col))
            g.territories |= np.asarray(s.territories, dtype=bool)
        return g


def partners_frame(model: ChannelModel) -> pd.DataFrame:
    """One row per ``partner_id`` with its totals over the run (``partners.csv``).

    The direct team and the self-serve store share the ``partner_id`` ``direct`` and are summed
    into one row (territories are their union; status, tier, commitment and trust are the direct
    team's). Money columns are totals over the run in the scenario's currency:

    * ``revenue``: the vendor's net revenue from the seller's deals;
    * ``customer_revenue``, ``resale_margin``, ``distributor_margin``, ``distributor_sales``
      (a distributor's sales to resellers), ``services_revenue``, ``mdf_received``,
      ``rebates`` (bonuses and rebates), ``commissions``: from the seller's ledger;
    * ``costs``: the partner's own costs over the run;
    * ``profit``: its profit (income − costs) up to and including the period it exited (the run
      total for a partner that has not exited), and ``profit_after_exit``: the run-off after it
      (an exited partner keeps its customers and finishes the deals it won, so their margins and
      commissions still reach its ledger), so ``profit + profit_after_exit`` = income − costs;
    * ``commitment`` and ``trust``: at the end of the run, i.e. at exit for an exited partner
      (they no longer change after it);
    * ``closes_deals``: whether it works opportunities itself (affiliates refer, distributors
      without end-customer segments wholesale; neither closes deals);
    * ``leads_received``: vendor leads it worked over the run (routed to it and accepted, or
      kept or taken back by the direct team; ``program.lead_routing``);
    * ``program_fees``: the partner-program fees it paid (part of ``costs``).

    ``conflicts_lost_to_direct``, ``conflicts_lost_to_store`` and ``conflicts_lost_to_partner``
    count the opportunities the partner bid on that the direct reps, the online store or another
    partner won (zero on the ``direct`` row).

    Args:
        model: A model that has run.

    Returns:
        The table, ``direct`` first, then partners sorted by type and number. ``onboarded_period``
        and ``exited_period`` are nullable ints (empty when the partner has not exited).
    """
    names = list(model.population.territory_names)
    groups: dict[str, list[Any]] = {}
    for seller in model.sellers:
        groups.setdefault(seller.partner_id, []).append(seller)
    received = np.append(model.lead_router.received, np.zeros(len(model.sellers), np.int64))
    rows: list[dict[str, Any]] = []
    for pid in sorted(groups, key=_partner_sort_key):
        members = groups[pid]
        lead = members[0]
        g = _GroupTotals.of(members, len(names))
        total, lost = g.ledger, g.lost
        is_direct = pid == DIRECT_ID
        rows.append(
            {
                "partner_id": pid,
                "type": str(lead.kind),
                "tier": "" if is_direct else str(lead.tier),
                "territories": _joined_names(names, g.territories),
                "status": str(lead.status),
                "revenue": total["vendor_revenue"],
                "customer_revenue": total["customer_revenue"],
                "resale_margin": total["resale_margin"],
                "distributor_margin": total["distributor_margin"],
                "distributor_sales": total["distributor_sales"],
                "services_revenue": total["services_revenue"],
                "mdf_received": total["mdf_received"],
                "rebates": total["bonuses"],
                "commissions": total["commissions"],
                "costs": g.costs,
                "profit": g.profit if np.isnan(g.at_exit) else g.at_exit,
                "win_rate": g.wins / g.bids if g.bids else 0.0,
                "bids": g.bids,
                "wins": g.wins,
                **lost,
                "commitment": float(lead.commitment),
                "trust": float(lead.trust),
                "onboarded_period": lead.onboarded_period,
                "exited_period": None if is_direct else lead.exited_period,
                "profit_after_exit": 0.0 if np.isnan(g.at_exit) else g.profit - g.at_exit,
                "closes_deals": bool(lead.closes_deals),
                "leads_received": int(sum(received[s.index] for s in members)),
                "program_fees": total["program_fees"],
            }
        )
    frame = pd.DataFrame(rows, columns=list(PARTNER_COLUMNS))
    for col in ("bids", "wins", *_LOST_COLUMNS):
        frame[col] = frame[col].astype(np.int64)
    for col in ("onboarded_period", "exited_period"):
        frame[col] = frame[col].astype("Int64")
    return frame


def _strings(names: list[str], codes: NDArray[np.integer[Any]]) -> pa.Array:
    """Strings by code, ``""`` where the code is negative, as an arrow string array."""
    table = pa.array([*names, ""], type=pa.string())
    idx = np.where(codes >= 0, codes, len(names)).astype(np.int64)
    return table.take(pa.array(idx))


def _parties(
    csr: tuple[NDArray[np.int64], NDArray[np.int32]],
    rows: NDArray[np.int64],
    pid_code: NDArray[np.int64],
    pid_names: list[str],
) -> pa.Array:
    """``;``-joined partner ids of each selected opportunity's sellers, in seller order.

    Sellers (the book's bidders, or those that stood down) are sorted by seller index; the two
    sellers sharing ``direct`` appear once.
    """
    offsets, sellers = csr
    n_opps = len(offsets) - 1
    counts = np.diff(offsets)
    owner = np.repeat(np.arange(n_opps, dtype=np.int64), counts)
    order = np.lexsort((sellers.astype(np.int64), owner))
    owner = owner[order]
    codes = pid_code[sellers[order].astype(np.int64)]
    keep = np.ones(len(codes), dtype=bool)
    if len(codes) > 1:
        keep[1:] = (owner[1:] != owner[:-1]) | (codes[1:] != codes[:-1])
    owner, codes = owner[keep], codes[keep]
    new_counts = np.bincount(owner, minlength=n_opps).astype(np.int64)
    new_offsets = np.concatenate(([0], np.cumsum(new_counts))).astype(np.int32)
    values = _strings(pid_names, codes)
    lists = pa.ListArray.from_arrays(pa.array(new_offsets, type=pa.int32()), values)
    chosen = lists.take(pa.array(rows))
    return pc.binary_join(chosen, ";")


def _labels(labels: dict[int, str]) -> list[str]:
    """Labels of codes 0 … max as a list (codes without a label show as their number)."""
    return [labels.get(i, str(i)) for i in range(max(labels) + 1)]


def _offer_types(
    model: ChannelModel, seller: NDArray[np.int64], source: NDArray[np.int8]
) -> pa.Array:
    """Each deal's :data:`OFFER_TYPES` entry (``""`` where nobody won)."""
    kind = np.array(
        [
            OFFER_TYPES.index(
                "managed" if s.managed else ("resale" if s.is_partner else s.route.value)
            )
            if s.route.value != "self_serve"
            else OFFER_TYPES.index("store")
            for s in model.sellers
        ],
        dtype=np.int64,
    )
    code = np.where(seller >= 0, kind[np.maximum(seller, 0)], -1)
    referral = (code == OFFER_TYPES.index("store")) & (source == int(Source.REFERRAL))
    code = np.where(referral, OFFER_TYPES.index("referral"), code)
    return _strings(list(OFFER_TYPES), code)


def _partner_ids(model: ChannelModel) -> tuple[list[str], NDArray[np.int64]]:
    """The distinct ``partner_id`` values in seller order, and each seller's code among them.

    The direct team and the self-serve store share the id ``direct``, so they share a code.
    """
    pid_names: list[str] = []
    pid_index: dict[str, int] = {}
    for s in model.sellers:
        pid_index.setdefault(s.partner_id, len(pid_names))
        if len(pid_names) < len(pid_index):
            pid_names.append(s.partner_id)
    pid_code = np.array([pid_index[s.partner_id] for s in model.sellers], dtype=np.int64)
    return pid_names, pid_code


def _id_codes(pid_code: NDArray[np.int64], seller: NDArray[np.int64]) -> NDArray[np.int64]:
    """The ``partner_id`` code of each seller index, -1 where the index is -1 (nobody)."""
    safe = np.where(seller >= 0, seller, 0)
    return np.where(seller >= 0, pid_code[safe], -1)


def deals_frame(model: ChannelModel, scenario_name: str | None = None) -> pd.DataFrame:
    """One row per closed or lost opportunity (``deals.parquet``).

    Opportunities still open at the end of the run (won but in their sales cycle or awaiting
    stock) are left out. Columns:

    * ``opportunity_id``: the row of the model's opportunity book;
    * ``period``: the period the deal closed (``floor(closed_time) + 1``) or was lost (the
      period it was opened); ``period_opened``;
    * ``account``, ``segment``, ``territory`` (names);
    * ``seller`` (a ``partner_id``, ``""`` when nobody won), ``seller_type``, ``offer_type``
      (:data:`OFFER_TYPES`: resale, managed, direct, store, referral); ``parties``
      (``;``-joined partner ids of the bidders, in seller order), ``n_bidders``, ``registered``,
      ``conflict`` (two or more bidders);
    * ``distributor`` (``partner_id`` of the two-tier distributor or ``""``);
    * ``source`` (``organic``, ``vendor_lead``, ``referral``, ``broker``) and ``referrer`` (the
      referring affiliate's or broker's ``partner_id``, or ``""``);
    * the price waterfall of the first-year value: ``list_amount``, ``customer_discount``
      (list − customer price), ``customer_price``, ``reseller_margin``, ``distributor_margin``,
      ``vendor_net``; ``services_revenue``, ``managed_fee`` (an MSP's fee over the first
      year), ``hardware_units``; ``no_it_staff`` (the account has no IT staff);
    * ``outcome``: ``won``, ``rival`` or ``no_decision``;
    * ``cycle_months``: (closed time − won time) × months per period for won deals, NaN
      for lost ones.

    Args:
        model: A model that has run.
        scenario_name: When given, a first column ``scenario`` holds it (to concatenate the
            deals of several runs). Run directories leave it out, so that running a run's
            ``scenario.resolved.toml`` reproduces the same bytes.

    Returns:
        The table, in opportunity order.
    """
    book = model.book
    outcome = np.asarray(book["outcome"], dtype=np.int64)
    rows = np.flatnonzero(outcome != int(Outcome.OPEN)).astype(np.int64)
    out = outcome[rows]
    won = out == int(Outcome.WON)
    pid_names, pid_code = _partner_ids(model)
    kinds = [str(s.kind) for s in model.sellers]

    def ints(col: str) -> NDArray[np.int64]:
        return np.asarray(book[col], dtype=np.int64)[rows]

    def floats(col: str) -> NDArray[np.float64]:
        return np.asarray(book[col], dtype=np.float64)[rows]

    seller_idx = ints("seller")
    accounts = ints("account")
    pop = model.population
    closed = floats("closed_time")
    opened = ints("period_opened")
    period = np.where(won, np.floor(np.where(won, closed, 0.0)).astype(np.int64) + 1, opened)
    list_amount = floats("list_amount")
    customer_price = floats("customer_price")
    cycle = np.where(won, (closed - floats("won_time")) * float(model.period_months), np.nan)
    columns: dict[str, Any] = {
        "opportunity_id": rows,
        "period": period.astype(np.int64),
        "period_opened": opened,
        "account": accounts,
        "segment": _strings(list(SEGMENTS), pop.segment[accounts].astype(np.int64)),
        "territory": _strings(pop.territory_names, pop.territory[accounts].astype(np.int64)),
        "seller": _strings(pid_names, _id_codes(pid_code, seller_idx)),
        "seller_type": _strings(kinds, seller_idx),
        "offer_type": _offer_types(model, seller_idx, np.asarray(book["source"])[rows]),
        "parties": _parties(book.bidders(), rows, pid_code, pid_names),
        "n_bidders": np.asarray(book["n_bidders"], dtype=np.int64)[rows],
        "registered": np.zeros(len(rows), dtype=bool),  # set by _program_columns
        "conflict": np.asarray(book["conflict"], dtype=bool)[rows],
        "distributor": _strings(pid_names, _id_codes(pid_code, ints("distributor"))),
        "source": _strings(_labels(_SOURCE_NAMES), np.asarray(book["source"])[rows]),
        "referrer": _strings(pid_names, _id_codes(pid_code, ints("referrer"))),
        "list_amount": list_amount,
        "customer_discount": list_amount - customer_price,
        "customer_price": customer_price,
        "reseller_margin": floats("reseller_margin"),
        "distributor_margin": floats("distributor_margin"),
        "vendor_net": floats("vendor_net"),
        "services_revenue": floats("services_revenue"),
        "managed_fee": floats("managed_fee"),
        "hardware_units": floats("hardware_units"),
        "no_it_staff": pop.no_it_staff[accounts],
        "outcome": _strings(_labels(_OUTCOME_NAMES), out),
        "cycle_months": cycle,
    }
    columns.update(_program_columns(model, rows, seller_idx, pid_code, pid_names))
    # Through arrow: string columns stay arrow-backed, without one Python object per deal.
    frame = pa.table(columns).to_pandas()
    if scenario_name is not None:
        frame.insert(0, "scenario", scenario_name)
    return frame


_CONFLICT_KINDS: list[str] = [
    ";".join(k.name.lower() for k in ConflictKind if code & k) for code in range(8)
]
"""``conflict_kind`` text of each ``conflict_before`` bit code."""


def _program_columns(
    model: ChannelModel,
    rows: NDArray[np.int64],
    seller: NDArray[np.int64],
    pid_code: NDArray[np.int64],
    pid_names: list[str],
) -> dict[str, Any]:
    """Deal registration and conflict-rule columns of the selected opportunities.

    * ``registered``: the winner held an approved registration on the deal;
      ``registration_status``: the final status of the winner's registration, else of the
      registration that protected the account (``""``: none); ``protected_by``: the partner
      whose registration protected the account when it chose; ``registration_discount``: the
      extra discount the registrant got on the first-year value;
    * ``conflict_kind``: the kinds of conflict among the bids before the conflict rule
      (``direct``, ``store``, ``partner``, ``;``-joined); ``conflict_rule``: the scenario's rule
      on those rows (the rule that decided the conflict); ``stood_down``: the parties the rule
      made stand down; ``assisted``: the direct reps stood down and assisted (channel neutral).
    """
    book = model.book
    register = model.registrations
    reg = np.asarray(book["registration"], dtype=np.int64)[rows]
    known = reg >= 0
    safe = np.where(known, reg, 0)
    partner = register.cols["partner"][safe]
    status = np.where(known, register.cols["status"][safe], -1).astype(np.int64)
    kind = np.asarray(book["conflict_before"], dtype=np.int64)[rows]
    rule = model.config.program.conflict.rule.value
    return {
        "registered": known & (seller >= 0) & (partner == seller),
        "registration_status": _strings(list(STATUS_NAMES), status),
        "protected_by": _strings(
            pid_names, _id_codes(pid_code, np.asarray(book["protected_by"], np.int64)[rows])
        ),
        "registration_discount": np.asarray(book["registration_discount"])[rows],
        "conflict_kind": _strings(_CONFLICT_KINDS, kind),
        "conflict_rule": _strings([rule], np.where(kind > 0, 0, -1)),
        "stood_down": _parties(book.stood_down(), rows, pid_code, pid_names),
        "assisted": np.asarray(book["assisted"], dtype=bool)[rows],
    }


def account_mrr(model: ChannelModel) -> NDArray[np.float64]:
    """Monthly recurring vendor net revenue of every account now (0 for non-customers).

    The same definition as the timeseries' ``mrr`` column: (monthly list amount + annual
    maintenance list / 12) × the vendor's share of list, for accounts in state ``customer``;
    partner services (MSP fees) are not vendor revenue and are left out.

    Args:
        model: The model, between periods.

    Returns:
        One value per account.
    """
    from sim.market.population import State

    con = model.contracts
    active = np.asarray(model.population.state) == int(State.CUSTOMER)
    mrr = (np.asarray(con.monthly_list) + np.asarray(con.maint_annual_list) / 12.0) * np.asarray(
        con.r_vendor
    )
    return np.where(active, mrr, 0.0).astype(np.float64)
