"""Timeseries columns of the program levers and roles: leads, registration, ecosystem, money.

Each group declares its columns (name → meaning; :mod:`sim.metrics` puts them into ``COLUMNS``)
and the function that fills them in a period's row from the model at the period's end.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sim.model import ChannelModel

LEAD_COLUMNS: dict[str, str] = {
    "leads": "vendor leads placed this period",
    "leads_direct": "leads the direct team works (its share, those no partner covers, escalated)",
    "leads_to_partners": "leads first routed to a partner (program.lead_routing.policy)",
    "leads_accepted": "leads a partner accepted (at the first offer or after reassignment)",
    "leads_reassigned": "offers of refused leads to the next partner (one lead may count more)",
    "leads_escalated": "leads every partner offered them refused, taken back by the direct team",
    "leads_unworked": "leads nobody works (no covering seller, or refused and not escalated)",
}
"""The lead-routing columns, each the :class:`~sim.engine.period.PeriodCounters` field so named."""


ECOSYSTEM_COLUMNS: dict[str, str] = {
    "oem_units": "units OEMs shipped to their own markets this period (royalties: revenue_oem)",
    "isv_fit_bonus": "mean ISV add-on value-fit bonus (utility) over this period's opportunities",
    "isv_addon_revenue": "ISVs' add-on revenue from the vendor's customers this period (theirs)",
    "alliance_reach": "awareness probability per month alliance partners add, mean over "
    "territories",
    "alliance_co_marketing": "co-marketing funds paid to alliance partners (part of mdf)",
    "broker_opportunities": "opportunities brokers brought this period",
    "broker_fees": "referral fees paid to brokers on won deals (part of commissions)",
}
"""The ecosystem roles' columns (OEM, ISV, alliance, broker)."""

REGISTRATION_COLUMNS: dict[str, str] = {
    "registrations_submitted": "deal registrations submitted this period",
    "registrations_approved": "deal registrations approved this period (protected, or second "
    "registrants at a reduced discount)",
    "registrations_protected": "accounts a deal registration protects at period end",
    "registered_deals": "opportunities won this period by a partner with an approved registration",
    "registration_discount": "first-year extra discount of the registered deals won this period "
    "(less vendor net; inside discounts, not a cost line)",
    "channel_neutral_comp": "direct reps' pay on partner deals they assisted (channel_neutral; "
    "part of program_cost)",
    "channel_neutral_deals": "partner deals won this period the direct reps assisted",
}
"""The deal-registration and channel-neutral columns."""

PROGRAM_MONEY_COLUMNS: dict[str, str] = {
    "program_fee_income": "partner-program fees charged to partners (vendor income; adds to "
    "contribution_margin)",
    "mdf_accrued": "MDF accrued (share of purchases) and allocated (discretionary) this period",
    "mdf_spent": "MDF spent on partners' marketing activities this period (drives awareness)",
    "mdf_rejected": "MDF claims rejected this period (spent by the partner, not reimbursed)",
    "mdf_expired": "MDF funds that expired unrequested this period",
    "mdf_open": "MDF funds open at period end: unrequested, activity pending or claim pending",
    "growth_rebates": "growth rebates paid at this period's settlement (part of rebates_bonuses)",
}
"""The MDF funds', growth rebates' and program fees' columns (docs/model.md §7.16, §7.16a)."""


def lead_columns(row: dict[str, float], model: ChannelModel) -> None:
    """Vendor leads: where they went, accepted, reassigned, escalated, unworked."""
    p = model.counters
    for name in LEAD_COLUMNS:
        row[name] = getattr(p, name)


def ecosystem_columns(row: dict[str, float], model: ChannelModel) -> None:
    """What the OEMs, ISVs, alliance partners and brokers did this period."""
    e = model.ecosystem.counters
    row["oem_units"] = e.oem_units
    row["isv_fit_bonus"] = e.isv_fit_bonus
    row["isv_addon_revenue"] = e.isv_addon_revenue
    row["alliance_reach"] = e.alliance_reach
    row["alliance_co_marketing"] = e.alliance_co_marketing
    row["broker_opportunities"] = float(e.broker_opportunities)
    row["broker_fees"] = e.broker_fees


def registration_columns(row: dict[str, float], model: ChannelModel) -> None:
    """Deal registrations and the reps' assistance under ``channel_neutral``."""
    p = model.counters
    row["registrations_submitted"] = p.registrations_submitted
    row["registrations_approved"] = p.registrations_approved
    row["registrations_protected"] = model.registrations.active_protected()
    row["registered_deals"] = p.registered_deals
    row["registration_discount"] = p.registration_discount
    row["channel_neutral_deals"] = p.channel_neutral_deals


def program_money_columns(row: dict[str, float], model: ChannelModel) -> None:
    """Program fees, the MDF funds' movements and growth rebates of the period."""
    books = model.program_books
    row["program_fee_income"] = books.fee_income
    mdf = books.mdf
    row["mdf_accrued"] = mdf.accrued
    row["mdf_spent"] = mdf.spent
    row["mdf_rejected"] = mdf.rejected
    row["mdf_expired"] = mdf.expired
    row["mdf_open"] = mdf.open
    row["growth_rebates"] = books.growth_rebates
