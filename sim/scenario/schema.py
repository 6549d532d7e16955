"""The scenario schema: the one place every parameter is declared.

Every field carries its default, unit and valid range. Rates are per month and durations in
months, whatever ``time.period`` is: the model converts them for weekly periods. Defaults cite
the published ranges of industry.md (listed in ``docs/sources.md``) where one exists. The names
the schema accepts (partner types, segments, conflict rules) are declared in :mod:`sim.names`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from sim.names import SEGMENTS, ConflictRule, LeadRoutingPolicy

Probability = Annotated[float, Field(ge=0.0, le=1.0)]
Share = Annotated[float, Field(ge=0.0, lt=1.0)]
NonNegative = Annotated[float, Field(ge=0.0)]
Positive = Annotated[float, Field(gt=0.0)]


class Strict(BaseModel):
    """Base of every schema table: unknown keys are errors, values are validated on assignment."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class WordOfMouth(StrEnum):
    """Which accounts an account's word of mouth reaches."""

    MARKET = "market"
    TERRITORY = "territory"
    NETWORK = "network"


class ProductModel(StrEnum):
    """How the product is sold."""

    PERPETUAL = "perpetual"
    SUBSCRIPTION = "subscription"
    HYBRID = "hybrid"


class PricingPolicy(StrEnum):
    """How a partner sets its customer discount."""

    BEST_RESPONSE = "best_response"
    """Margin per territory × segment as the best response to the sellers met there."""
    PASS_THROUGH = "pass_through"
    """A fixed share of its discount passed to the customer."""


# ---------------------------------------------------------------------------------------------
# time
# ---------------------------------------------------------------------------------------------


class Time(Strict):
    """Run length and period."""

    periods: int = Field(60, ge=1, le=2000, description="Run length in periods.")
    period: Literal["month", "week"] = Field("month", description="Length of one period.")


# ---------------------------------------------------------------------------------------------
# market
# ---------------------------------------------------------------------------------------------


class Awareness(Strict):
    """Bass diffusion of awareness."""

    innovation: Probability = Field(0.01, description="Bass p: external influence per month.")
    imitation: NonNegative = Field(
        0.35, description="Bass q: word-of-mouth influence per month (≥ 0)."
    )
    word_of_mouth: WordOfMouth = Field(
        WordOfMouth.MARKET,
        description="Group whose customer share drives word of mouth: market, territory, network.",
    )
    network_degree: int = Field(
        8, ge=2, le=200, description="Mean neighbours per account when word_of_mouth='network'."
    )


class Segment(Strict):
    """One customer segment: size, seats, willingness to pay, needs, churn, sales cycle."""

    share: NonNegative = Field(description="Relative share of accounts (normalised).")
    seats_median: Positive = Field(description="Median seats per account (lognormal).")
    seats_sigma: NonNegative = Field(0.6, description="Lognormal sigma of seats.")
    wtp_per_seat: Positive = Field(
        description="Median willingness to pay per seat per month (currency), lognormal."
    )
    # Assumption (docs/sources.md): budgets per seat vary by ±15 % (lognormal sigma); with the
    # recalibrated price sensitivity this keeps the spread of the price term near 2 utility units.
    wtp_sigma: NonNegative = Field(0.15, description="Lognormal sigma of willingness to pay.")
    price_sensitivity: NonNegative = Field(description="Logit weight of cost / budget.")
    needs_implementation: Probability = Field(
        description="Probability an account needs implementation services."
    )
    no_it_staff: Probability = Field(description="Probability an account has no IT staff.")
    prefers_self_serve: Probability = Field(
        description="Probability the account prefers to buy self-serve online."
    )
    prefers_partner: Probability = Field(
        description="Probability the account prefers to buy through a partner "
        "(the rest prefer vendor direct, after self-serve)."
    )
    churn_monthly: Probability = Field(
        description="Subscription churn hazard per month before service-quality effects."
    )
    sales_cycle_months: NonNegative = Field(description="Mean sales cycle in months.")
    # Seat expansion and contraction (docs/model.md §7.14a, docs/sources.md): each month a
    # customer adds ``market.seat_change`` of its seats with probability ``expansion_monthly``,
    # else removes that share with probability ``contraction_monthly``.
    expansion_monthly: Probability = Field(
        0.0, description="Probability per month that a customer adds seats (an expansion)."
    )
    contraction_monthly: Probability = Field(
        0.0, description="Probability per month that a customer removes seats (a contraction)."
    )

    @model_validator(mode="after")
    def _one_change_a_month(self) -> Segment:
        if self.expansion_monthly + self.contraction_monthly > 1.0:
            raise ValueError("expansion_monthly + contraction_monthly must be at most 1")
        return self


def _default_segments() -> dict[str, Segment]:
    # Cycles: SMB ~1 month, mid 1–3, enterprise 3–6 (industry.md, Sales cycles).
    # Churn: SMB 3–7 %/month, mid 7–12 %/year, enterprise 5–7 %/year (industry.md, SaaS churn).
    # Expansion and contraction (docs/sources.md, "Seat expansion and contraction"): net revenue
    # retention minus gross retention ≈ 15 (SMB), 18 (mid), 25 (enterprise) points a year
    # (segment medians NRR 97 / 108 / 118 %, GRR ~80–90 %; ChartMogul 2024, Optifai 2025, via
    # knowledgelib.io and optif.ai [T]); with a step of 20 % of seats, a yearly expansion of x
    # needs x / (12 · 0.2) expansions a month; contraction ≈ 3–5 % of MRR a year (assumption).
    return {
        "smb": Segment(
            share=0.70,
            seats_median=12,
            wtp_per_seat=45.0,
            price_sensitivity=16.0,
            needs_implementation=0.15,
            no_it_staff=0.6,
            prefers_self_serve=0.35,
            prefers_partner=0.4,
            churn_monthly=0.04,
            expansion_monthly=0.06,
            contraction_monthly=0.02,
            sales_cycle_months=1.0,
        ),
        "mid": Segment(
            share=0.25,
            seats_median=80,
            wtp_per_seat=50.0,
            price_sensitivity=13.0,
            needs_implementation=0.5,
            no_it_staff=0.2,
            prefers_self_serve=0.05,
            prefers_partner=0.5,
            churn_monthly=0.008,
            expansion_monthly=0.075,
            contraction_monthly=0.015,
            sales_cycle_months=2.0,
        ),
        "enterprise": Segment(
            share=0.05,
            seats_median=600,
            wtp_per_seat=55.0,
            price_sensitivity=10.0,
            needs_implementation=0.9,
            no_it_staff=0.02,
            prefers_self_serve=0.0,
            prefers_partner=0.45,
            churn_monthly=0.005,
            expansion_monthly=0.10,
            contraction_monthly=0.01,
            sales_cycle_months=4.5,
        ),
    }


class Rival(Strict):
    """The rival vendor customers may choose instead."""

    enabled: bool = Field(True, description="Whether customers can choose the rival.")
    utility: float = Field(-0.5, description="Logit utility of the rival's offer.")
    contract_months: NonNegative = Field(
        24, description="Months a lost account stays with the rival before it is aware again."
    )


class Choice(Strict):
    """The customer's multinomial logit."""

    scale: Positive = Field(1.0, description="Logit scale (higher = more deterministic).")
    horizon_months: Positive = Field(
        36, description="Horizon over which one-off and recurring costs are compared (months)."
    )
    # Recalibrated with the price sensitivities (docs/model.md §7.26): an offer at list to a
    # median account keeps about the utility it had before best-response pricing.
    value_fit: float = Field(10.0, description="Base value fit of the vendor's product.")
    vertical_fit: float = Field(
        0.3, description="Extra value fit when the seller specialises in the account's vertical."
    )
    implementation_fit: float = Field(
        0.5, description="Extra value fit when an account needing implementation gets services."
    )
    # Assumption (docs/sources.md): an account without IT staff that runs a product itself
    # (setup, administration, updates, first-line support) spends about 35 USD per seat per
    # month on it — above an MSP's fee for the same work (the MSP's scale), and a fraction of
    # the 100–185 USD per user per month MSPs charge for running all of an SMB's IT
    # (industry.md, MSPs [T]). It replaces the old flat ``managed_fit`` bonus.
    self_run_cost: NonNegative = Field(
        35.0,
        description="Cost per seat per month (currency) to an account without IT staff of "
        "running a product it bought unmanaged; in its cost of ownership and in its budget.",
    )
    # Assumption (docs/sources.md): a seller does not quote an offer costing more than twice
    # the account's budget; 0 quotes every offer.
    max_cost_to_budget: NonNegative = Field(
        2.0,
        description="An offer whose cost of ownership exceeds this multiple of the account's "
        "budget is not made (0 = no cut-off: every offer is made).",
    )
    preferred_route: float = Field(
        0.4, description="Extra utility when the offer matches the account's preferred route."
    )
    service_quality_weight: float = Field(
        1.0, description="Utility per unit of seller service quality."
    )
    incumbency: float = Field(
        0.3, description="Utility bonus of a seller already serving the account's territory."
    )
    lead_owner: float = Field(
        0.5, description="Utility bonus of the seller a lead or referral was routed to."
    )


class Market(Strict):
    """The customer population and its behaviour."""

    customers: int = Field(10_000, ge=1, le=1_000_000, description="Number of accounts N.")
    evaluation_rate: Probability = Field(
        0.15, description="Per-month probability an aware account opens an opportunity."
    )
    reevaluation_months: NonNegative = Field(
        6, description="Months an account that chose no decision waits before re-evaluating."
    )
    churn_return_months: NonNegative = Field(
        # Assumption (docs/sources.md): churned accounts typically re-tender at their next
        # budget or contract cycle, taken as 18 months, the middle of a 12–24 month range.
        18,
        description="Months after churning or lapsing before an account is aware again and "
        "may buy back (a win-back); 0 = never.",
    )
    seat_change: Share = Field(
        # Assumption (docs/sources.md): one change adds or removes a fifth of the seats.
        0.2,
        description="Share of a customer's seats added by an expansion or removed by a "
        "contraction (0 ≤ x < 1).",
    )
    no_decision: bool = Field(True, description="Whether 'no decision' is an option.")
    no_decision_utility: float = Field(0.0, description="Logit utility of no decision.")
    awareness: Awareness = Field(default_factory=Awareness)
    segments: dict[str, Segment] = Field(
        default_factory=_default_segments,
        description="Segments smb, mid, enterprise (all three required).",
    )
    territories: dict[str, NonNegative] = Field(
        default_factory=lambda: {"north": 0.3, "south": 0.25, "east": 0.25, "west": 0.2},
        description="Territory names with relative weights.",
    )
    verticals: dict[str, NonNegative] = Field(
        default_factory=lambda: {
            "manufacturing": 0.25,
            "finance": 0.2,
            "healthcare": 0.2,
            "retail": 0.2,
            "public": 0.15,
        },
        description="Vertical names with relative weights.",
    )
    rival: Rival = Field(default_factory=Rival)
    choice: Choice = Field(default_factory=Choice)

    @model_validator(mode="after")
    def _check_tables(self) -> Market:
        if set(self.segments) != set(SEGMENTS):
            raise ValueError(f"market.segments must define exactly {', '.join(SEGMENTS)}")
        if not self.territories or sum(self.territories.values()) <= 0:
            raise ValueError("market.territories needs at least one territory with weight > 0")
        if not self.verticals or sum(self.verticals.values()) <= 0:
            raise ValueError("market.verticals needs at least one vertical with weight > 0")
        if sum(s.share for s in self.segments.values()) <= 0:
            raise ValueError("market.segments shares must not all be 0")
        return self


# ---------------------------------------------------------------------------------------------
# product and vendor
# ---------------------------------------------------------------------------------------------


class Hardware(Strict):
    """Hardware shipped with the product (0 units = software only)."""

    units_per_seat: NonNegative = Field(0.0, description="Hardware units per seat.")
    unit_price: NonNegative = Field(600.0, description="List price per unit (currency).")
    unit_cost: NonNegative = Field(420.0, description="Vendor cost of goods per unit.")


class Product(Strict):
    """What is sold and how it is billed."""

    model: ProductModel = Field(ProductModel.SUBSCRIPTION, description="Revenue model.")
    list_price: Positive = Field(
        40.0,
        description="List price per seat: one-off licence (perpetual, hybrid) "
        "or per month (subscription).",
    )
    subscription_price: Positive = Field(
        40.0,
        description="Per seat per month: the recurring part of 'hybrid' and the price of "
        "new subscriptions after subscription_from_month.",
    )
    subscription_from_month: int | None = Field(
        None, ge=1, description="Month from which new sales are subscriptions (none = never)."
    )
    maintenance_rate_annual: Share = Field(
        0.20, description="Maintenance per year as share of the licence (industry 18–22 %)."
    )
    maintenance_renewal: Probability = Field(
        0.9, description="Probability maintenance is renewed at each anniversary."
    )
    cogs_share: Share = Field(
        0.12, description="Software cost of goods as share of vendor net revenue."
    )
    cost_per_seat_month: NonNegative = Field(
        0.0,
        description="Vendor cost per customer seat per month (hosting, support), beside "
        "cogs_share (currency; assumption, 0 = none).",
    )
    hardware: Hardware = Field(default_factory=Hardware)


class Marketing(Strict):
    """Vendor marketing."""

    brand_spend: NonNegative = Field(50_000.0, description="Brand spend per month (currency).")
    brand_effect_per_100k: Probability = Field(
        0.004, description="Awareness probability per month added per 100k of brand spend."
    )
    lead_spend: NonNegative = Field(30_000.0, description="Lead-generation spend per month.")
    cost_per_lead: Positive = Field(300.0, description="Cost of one lead (currency).")
    direct_lead_share: Probability = Field(
        0.4, description="Share of vendor leads direct keeps; the rest go to partners."
    )


class SelfServe(Strict):
    """The vendor's online store (revenue counts under direct)."""

    enabled: bool = Field(True, description="Whether accounts can buy online.")
    segments: list[str] = Field(default_factory=lambda: ["smb"], description="Segments served.")
    service_quality: float = Field(0.0, description="Service quality of the self-serve offer.")


class Direct(Strict):
    """The vendor's own sales force."""

    reps: int | Literal["unlimited"] = Field(
        20, description="Direct reps (int ≥ 0, 0 = no direct channel) or 'unlimited'."
    )
    cost_per_rep: NonNegative = Field(14_000.0, description="Fully loaded cost per rep per month.")
    concurrent_opportunities: int = Field(
        12, ge=1, le=1000, description="Opportunities one rep works at once."
    )
    max_queue: int = Field(
        40, ge=0, description="Direct bids while its waiting queue is shorter than this."
    )
    discount: Share = Field(0.05, description="Discount off list direct reps give.")
    reach_per_rep: Probability = Field(
        0.05,
        description="Chance one rep reaches an opportunity direct covers; direct bids with "
        "probability 1 − (1 − reach_per_rep)^reps (1 when reps are 'unlimited').",
    )
    segments: list[str] = Field(
        default_factory=lambda: ["smb", "mid", "enterprise"], description="Segments covered."
    )
    territories: list[str] | None = Field(None, description="Territories covered (none = all).")
    service_quality: float = Field(0.3, description="Service quality of a direct sale.")
    cycle_multiplier: Positive = Field(1.0, description="Sales cycle relative to the segment.")
    self_serve: SelfServe = Field(default_factory=SelfServe)

    @model_validator(mode="before")
    @classmethod
    def _reps_range(cls, data: object) -> object:
        if isinstance(data, dict):
            reps = data.get("reps")
            if isinstance(reps, int) and not isinstance(reps, bool) and reps < 0:
                raise ValueError("direct.reps must be an int ≥ 0 or 'unlimited'")
        return data


class Recruitment(Strict):
    """Partner recruitment: targets and onboarding."""

    enabled: bool = Field(True, description="Replace exited partners up to the target counts.")
    cost_per_partner: NonNegative = Field(8_000.0, description="Cost to recruit one partner.")
    onboarding_months: NonNegative = Field(3.0, description="Months before a new partner can sell.")
    max_per_month: int = Field(2, ge=0, description="Recruits per type per month at most.")


class Finance(Strict):
    """Finance settings."""

    currency: str = Field("USD", min_length=1, max_length=8, description="Currency code.")
    discount_rate_annual: NonNegative = Field(
        0.10, description="Annual discount rate for NPV (≥ 0)."
    )


# ---------------------------------------------------------------------------------------------
# partners
# ---------------------------------------------------------------------------------------------


class PartnerType(Strict):
    """Parameters shared by every partner type."""

    count: int = Field(0, ge=0, le=100_000, description="Partners of this type at start.")
    discount: Share = Field(0.25, description="Base discount off list, in [0, 1).")
    pass_through: Probability = Field(
        0.4, description="Share of its discount the partner passes to the customer."
    )
    pricing_policy: PricingPolicy = Field(
        PricingPolicy.BEST_RESPONSE,
        description="How it sets its customer price: 'best_response' (margin per territory × "
        "segment against the sellers it meets there) or 'pass_through' (fixed share).",
    )
    # Assumption (docs/sources.md): an open partner reaches accounts outside its home
    # territories with a tenth of its home reach (no local presence there).
    away_reach: Probability = Field(
        0.1,
        description="Bid probability outside its home territories relative to home (open "
        "partners; an exclusive holder sells only in its own territories).",
    )
    reps: int = Field(3, ge=0, le=10_000, description="Sales reps per partner (median size).")
    concurrent_opportunities: int = Field(6, ge=1, le=1000, description="Per rep.")
    max_queue: int = Field(6, ge=0, description="Bids while its queue is shorter than this.")
    cost_per_rep: NonNegative = Field(
        3_000.0,
        description="Monthly cost of one rep's effort at full commitment to this vendor.",
    )
    territories_each: int = Field(1, ge=1, description="Territories each partner covers.")
    verticals_each: int | None = Field(
        None, ge=1, description="Verticals each partner specialises in (none = all)."
    )
    segments: list[str] = Field(
        default_factory=lambda: ["smb", "mid"], description="Segments served."
    )
    service_quality: float = Field(0.5, description="Base service quality.")
    capability_sigma: NonNegative = Field(
        0.0,
        description="Standard deviation of a partner's service quality around its type's "
        "(capability differences between partners of one type; 0 = all alike).",
    )
    services_attach: Probability = Field(
        0.0, description="Probability a deal carries partner services."
    )
    services_ratio: NonNegative = Field(
        0.0, description="Services revenue as a multiple of the deal's first-year product value."
    )
    services_margin: Probability = Field(0.35, description="Partner gross margin on services.")
    cycle_multiplier: Positive = Field(1.0, description="Sales cycle relative to the segment.")
    two_tier_share: Probability = Field(
        0.0, description="Share of these partners that buy through a distributor."
    )
    rival_profit_per_rep: NonNegative = Field(
        4_000.0,
        description="Monthly profit per rep that rival vendors' programs offer this partner.",
    )
    initial_commitment: Probability = Field(0.5, description="Commitment at start.")
    initial_trust: Probability = Field(0.8, description="Trust in the vendor at start.")
    reach_per_rep: Probability = Field(
        0.25,
        description="Chance one committed rep reaches an opportunity it covers; a partner bids "
        "with probability 1 − (1 − reach_per_rep)^(reps × commitment).",
    )
    weight: NonNegative = Field(
        1.8, description="Dispersion of partner size: lognormal sigma of reps (0 = all equal)."
    )
    # Partner programs evaluate partners quarterly to annually (industry.md §4.6, tier engine
    # evaluation cadence; Cisco VIP program periods of 3 or 6 months [P-vendor]); 6 months, the
    # semi-annual middle of that range, is the default (docs/sources.md).
    review_months: float = Field(
        6.0,
        gt=0,
        le=12,
        description="Months between a partner's exit reviews (its business review), in (0, 12].",
    )
    # Training and certification (docs/model.md §7.21). Every reselling type can certify its
    # reps; a type with certification_quality 0 certifies only to reach a program tier (never
    # with one tier, so baseline's SIs and MSPs do not certify). Cost and duration: assumption
    # (vendor certifications cost a few thousand per person and take weeks to months of study;
    # docs/sources.md "Certification cost and time"); the subsidy share is an assumption.
    certification_cost: NonNegative = Field(
        6_000.0, description="Cost of certifying one rep (currency; assumption, 2k–10k)."
    )
    certification_months: NonNegative = Field(
        2.0, description="Months to certify one rep (assumption, 1–3)."
    )
    certification_subsidy: Probability = Field(
        0.25,
        description="Share of the certification cost the vendor pays, in [0, 1] (assumption).",
    )
    certification_quality: NonNegative = Field(
        0.0,
        description="Service quality added when all reps are certified (pro rata by certified "
        "share; assumption, 0–0.3; 0 = certifies only to reach a tier).",
    )


class DistributorType(PartnerType):
    """Distributors: two-tier wholesale, credit lines, hardware stock."""

    count: int = Field(0, ge=0, le=100_000)
    discount: Share = Field(
        0.06,
        description="Distributor margin as share of its selling price (industry gross 5–7 %).",
    )
    segments: list[str] = Field(default_factory=list, description="End-customer segments sold.")
    reps: int = Field(0, ge=0, le=10_000)
    cost_per_rep: NonNegative = Field(8_000.0)
    territories_each: int = Field(2, ge=1)
    opex_share: Share = Field(
        0.045, description="Distributor operating cost as share of its sales (industry 4–5 %)."
    )
    credit_line: NonNegative = Field(
        150_000.0, description="Credit line per reseller (currency of outstanding purchases)."
    )
    payment_terms_months: Positive = Field(1.0, description="Months resellers take to pay.")
    initial_stock: NonNegative = Field(800.0, description="Hardware units in stock at start.")
    reorder_point: NonNegative = Field(300.0, description="Reorder when stock falls to this.")
    order_up_to: Positive = Field(1_200.0, description="Reorder up to this stock level.")
    lead_time_months: NonNegative = Field(1.0, description="Replenishment lead time.")
    stock_capacity: Positive = Field(5_000.0, description="Warehouse capacity in units.")


class VarType(PartnerType):
    """Value-added resellers."""

    # VAR discounts 20–40 % (industry.md, Margins by partner type).
    discount: Share = Field(0.30)
    services_attach: Probability = Field(0.6)
    services_ratio: NonNegative = Field(0.5)
    verticals_each: int | None = Field(2, ge=1)
    two_tier_share: Probability = Field(0.5)
    certification_quality: NonNegative = Field(
        0.15, description="Service quality per certified rep share (all reps certified = +x)."
    )


class SiType(PartnerType):
    """System integrators."""

    discount: Share = Field(0.25)
    segments: list[str] = Field(default_factory=lambda: ["mid", "enterprise"])
    reps: int = Field(3, ge=0)
    concurrent_opportunities: int = Field(3, ge=1)
    max_queue: int = Field(3, ge=0)
    cost_per_rep: NonNegative = Field(6_000.0)
    territories_each: int = Field(2, ge=1)
    services_attach: Probability = Field(0.9)
    services_ratio: NonNegative = Field(1.5)
    services_margin: Probability = Field(0.3)
    service_quality: float = Field(0.7)
    cycle_multiplier: Positive = Field(1.4)
    rival_profit_per_rep: NonNegative = Field(8_000.0)


class MspType(PartnerType):
    """Managed service providers."""

    discount: Share = Field(0.25)
    segments: list[str] = Field(default_factory=lambda: ["smb", "mid"])
    pass_through: Probability = Field(0.2)
    managed_fee_per_seat: NonNegative = Field(
        25.0, description="MSP's management fee per seat per month (its services revenue)."
    )
    services_margin: Probability = Field(0.5)
    churn_factor: Positive = Field(
        0.4, description="Churn hazard multiplier of MSP-managed accounts."
    )
    service_quality: float = Field(0.6)
    two_tier_share: Probability = Field(0.7)


class AffiliateType(PartnerType):
    """Affiliates: awareness and referral leads; paid commissions; never close."""

    discount: Share = Field(0.0)
    reps: int = Field(0, ge=0)
    segments: list[str] = Field(default_factory=lambda: ["smb"])
    cost_per_rep: NonNegative = Field(0.0)
    commission: Share = Field(
        0.2, description="Commission on referred revenue (SaaS affiliates 20–30 %)."
    )
    commission_months: NonNegative = Field(
        12, description="Months the recurring commission lasts (0 = one-off on first payment)."
    )
    # Flat per-sale rewards beside percentage ones (industry.md §4.5, PartnerStack, Dub [P]).
    referral_bounty: NonNegative = Field(
        0.0,
        description="Flat bounty per referred account that becomes a new customer (currency; "
        "assumption, 0 = none).",
    )
    referrals_per_month: NonNegative = Field(
        3.0, description="Referral leads an affiliate sends per month at full commitment."
    )
    reach: Probability = Field(
        0.0005, description="Awareness probability per month it adds in its territories."
    )
    fixed_cost: NonNegative = Field(800.0, description="Affiliate's cost per month.")
    rival_profit_per_rep: NonNegative = Field(1_500.0)


# The four roles below have no published defaults in the reference (industry.md covers
# resellers, distributors, MSPs and affiliates); every role-specific default is an assumption,
# documented with its reasoning in docs/sources.md ("Ecosystem roles").


class OemType(PartnerType):
    """OEMs: embed the product in their own offer, sell to their own market, pay a royalty.

    An OEM does not sell to the N accounts: it ships units of its own product to its own
    market, ``units_per_month × commitment × F(age)`` with F the Bass adoption curve of its own
    market since it joined, and pays ``royalty_per_unit`` on each (docs/model.md §7.27).
    """

    discount: Share = Field(0.0)
    reps: int = Field(0, ge=0)
    segments: list[str] = Field(default_factory=list, description="None of the N accounts.")
    cost_per_rep: NonNegative = Field(0.0)
    # Assumption (docs/sources.md): a mid-size OEM product line carrying the embedded licence.
    units_per_month: NonNegative = Field(
        200.0,
        description="Units of its own product it ships per month at full commitment once its "
        "market has matured (assumption; range 0–10,000).",
    )
    royalty_per_unit: NonNegative = Field(
        30.0,
        description="Royalty the OEM pays the vendor per unit shipped (currency; assumption, "
        "5–15 % of a unit price of a few hundred; range 0–500).",
    )
    margin_per_unit: NonNegative = Field(
        120.0,
        description="OEM's gross margin per unit on its own sales before the royalty "
        "(currency; assumption; range 0–1,000).",
    )
    # Bass (1969) averages over many product categories (Sultan, Farley & Lehmann 1990):
    # p ≈ 0.03, q ≈ 0.38 per year; here per month of the OEM's own market, an assumption.
    market_innovation: Probability = Field(
        0.03, description="Bass p of the OEM's own market, per month (assumption; 0.001–0.1)."
    )
    market_imitation: NonNegative = Field(
        0.2, description="Bass q of the OEM's own market, per month (assumption; 0–1)."
    )
    fixed_cost: NonNegative = Field(
        5_000.0,
        description="OEM's monthly cost of integrating and supporting the embedded product at "
        "full commitment (currency; assumption; range 0–50,000).",
    )
    rival_profit_per_rep: NonNegative = Field(10_000.0)
    # Assumption: OEM product lines differ less in volume than resellers in size (1.8).
    weight: NonNegative = Field(
        1.0,
        description="Dispersion of OEM size: lognormal sigma of its volume, effort cost and "
        "outside option (0 = all equal; assumption).",
    )


class IsvType(PartnerType):
    """ISVs: add-ons that raise the product's value fit in their verticals; add-on revenue."""

    discount: Share = Field(0.0)
    reps: int = Field(0, ge=0)
    cost_per_rep: NonNegative = Field(0.0)
    segments: list[str] = Field(default_factory=lambda: ["smb", "mid", "enterprise"])
    verticals_each: int | None = Field(1, ge=1)
    territories_each: int = Field(2, ge=1)
    # Assumption (docs/sources.md): an add-on that fits the vertical is worth as much to its
    # accounts as a seller that specialises in it (``market.choice.vertical_fit`` = 0.3).
    addon_fit: NonNegative = Field(
        0.3,
        description="Value-fit bonus (utility) of every offer to accounts of its verticals in "
        "its territories at full commitment (assumption; range 0–1).",
    )
    addon_price_per_seat: NonNegative = Field(
        4.0,
        description="ISV's add-on price per customer seat per month (currency; assumption; "
        "range 0–50).",
    )
    addon_attach: Probability = Field(
        0.3,
        description="Share of the vendor's customer seats in its cells that buy the add-on "
        "(assumption; range 0–1).",
    )
    addon_margin: Probability = Field(
        0.8, description="ISV's gross margin on add-on revenue (assumption; software 0.7–0.9)."
    )
    fixed_cost: NonNegative = Field(
        3_000.0,
        description="ISV's monthly cost of maintaining the add-on at full commitment "
        "(currency; assumption; range 0–20,000).",
    )
    rival_profit_per_rep: NonNegative = Field(3_000.0)


class AllianceType(PartnerType):
    """Alliance partners: co-marketing in their customer base; the vendor funds it."""

    discount: Share = Field(0.0)
    reps: int = Field(0, ge=0)
    cost_per_rep: NonNegative = Field(0.0)
    segments: list[str] = Field(default_factory=lambda: ["smb", "mid", "enterprise"])
    territories_each: int = Field(2, ge=1)
    # Assumption (docs/sources.md): what its co-marketing funds would buy as MDF (4,000 a month
    # × 0.03 per 100k ≈ 0.0012) plus about as much from its own customer base: 0.002, the
    # reach of four affiliates (affiliate reach 0.0005).
    reach: Probability = Field(
        0.002,
        description="Awareness probability per month it adds in its territories at full "
        "commitment (assumption; range 0–0.02).",
    )
    co_marketing_per_month: NonNegative = Field(
        4_000.0,
        description="Co-marketing funds the vendor pays each active alliance partner per month "
        "(an MDF-like cost; currency; assumption; range 0–50,000).",
    )
    joint_revenue_per_seat: NonNegative = Field(
        2.0,
        description="Its revenue from joint solutions per vendor customer seat it covers per "
        "month (currency; assumption; range 0–20).",
    )
    joint_attach: Probability = Field(
        0.3, description="Share of covered customer seats that buy the joint solution."
    )
    joint_margin: Probability = Field(
        0.5, description="Its gross margin on joint-solution revenue (assumption; 0.3–0.7)."
    )
    fixed_cost: NonNegative = Field(
        2_000.0,
        description="Its monthly cost of the alliance at full commitment (assumption).",
    )
    rival_profit_per_rep: NonNegative = Field(3_000.0)


class BrokerType(PartnerType):
    """Brokers: bring large procurements (enterprise) to the sellers; paid a referral fee."""

    discount: Share = Field(0.0)
    reps: int = Field(0, ge=0)
    cost_per_rep: NonNegative = Field(0.0)
    segments: list[str] = Field(default_factory=lambda: ["enterprise"])
    territories_each: int = Field(2, ge=1)
    referrals_per_month: NonNegative = Field(
        0.5,
        description="Procurement opportunities it brings per month at full commitment "
        "(assumption; range 0–5).",
    )
    # Referral (finder's) fees of 5–20 % of first-year value are common; 10 % is an
    # assumption in the middle (docs/sources.md).
    referral_fee: Share = Field(
        0.10,
        description="Fee the vendor pays on a won referred deal, as a share of its vendor net "
        "first-year value (assumption; range 0.05–0.2).",
    )
    fixed_cost: NonNegative = Field(
        1_500.0, description="Broker's monthly cost at full commitment (assumption)."
    )
    rival_profit_per_rep: NonNegative = Field(2_000.0)


class Partners(Strict):
    """Partner populations by type."""

    distributor: DistributorType = Field(default_factory=DistributorType)
    var: VarType = Field(default_factory=VarType)
    si: SiType = Field(default_factory=SiType)
    msp: MspType = Field(default_factory=MspType)
    affiliate: AffiliateType = Field(default_factory=AffiliateType)
    oem: OemType = Field(default_factory=OemType)
    isv: IsvType = Field(default_factory=IsvType)
    alliance: AllianceType = Field(default_factory=AllianceType)
    broker: BrokerType = Field(default_factory=BrokerType)

    def of(self, ptype: str) -> PartnerType:
        """Return the parameters of one partner type.

        Args:
            ptype: A name from :data:`sim.names.PARTNER_TYPES`.

        Returns:
            That type's parameter table.
        """
        params: PartnerType = getattr(self, ptype)
        return params


# ---------------------------------------------------------------------------------------------
# program
# ---------------------------------------------------------------------------------------------


class Conflict(Strict):
    """Channel-conflict rule."""

    rule: ConflictRule = Field(ConflictRule.FREE_FOR_ALL, description="Named conflict rule.")
    named_segments: list[str] = Field(
        default_factory=lambda: ["enterprise"],
        description="Segments whose accounts are the direct reps' named accounts under "
        "'named_accounts' (smb, mid, enterprise).",
    )
    trust_loss_to_direct: Probability = Field(
        0.02,
        description="Share of its trust a partner loses per deal it bid on that the vendor's "
        "direct reps won (assumption).",
    )
    # Assumption (no published figure): losing to the vendor's online store or to another
    # partner is felt far less than losing to the vendor's own reps; a quarter of the loss.
    trust_loss_to_store: Probability = Field(
        0.005,
        description="Share of its trust a partner loses per deal it bid on that the vendor's "
        "online store won (assumption).",
    )
    trust_loss_to_partner: Probability = Field(
        0.005,
        description="Share of its trust a partner loses per deal it bid on that another partner "
        "won, whatever its price (assumption; replaces trust_loss_undercut).",
    )
    trust_recovery: Probability = Field(
        0.05, description="Per month, trust recovers this share of its gap to 1."
    )
    # Assumption (no published figure): a rep's usual commission on bookings, ~8–10 %.
    channel_neutral_comp_share: Share = Field(
        0.08,
        description="Under 'channel_neutral': share of a partner deal's first-year vendor net "
        "paid to the direct reps who stood down on it (assumption; range 0.05–0.15).",
    )
    # Assumption (no published figure): the rep's help is worth as much as a routed lead in the
    # account's utility (market.choice.lead_owner = 0.5); range 0–1.
    channel_neutral_assist_utility: NonNegative = Field(
        0.5,
        description="Under 'channel_neutral': utility bonus of a partner's offer where the "
        "direct reps stood down and assist (assumption; range 0–1).",
    )


class RegistrationApproval(StrEnum):
    """How the vendor approves a deal registration (docs/model.md, deal registration)."""

    AUTOMATIC = "automatic"
    """Every registration is approved unseen; a second registrant gets the full discount too."""
    FIRST_COME = "first_come"
    """The first registrant of an account is approved; later ones are second registrants."""
    PROOF_OF_ENGAGEMENT = "proof_of_engagement"
    """First come, but approved only if the partner has worked the account (bid on it before,
    or it is the partner's routed lead)."""
    AUTO_BELOW_SIZE = "auto_below_size"
    """First come; approved unseen below the partner's tier's deal size, else only with proof
    of engagement."""


class SecondRegistrant(StrEnum):
    """What a partner gets that registers an account another partner holds."""

    REJECT = "reject"
    """Its registration is rejected."""
    REDUCED_DISCOUNT = "reduced_discount"
    """Approved without protection, at ``second_registrant_share`` of the extra discount."""


class DealRegistration(Strict):
    """Deal registration: partners register the accounts they work (docs/model.md)."""

    enabled: bool = Field(False, description="Whether deal registration exists.")
    # industry.md §Deal registration: extra discount 5–20 %+ (DealRegPlease); unregistered
    # partners pay 8–20 % more (Haink).
    extra_discount: Share = Field(
        0.10,
        description="Extra discount off list on a registered deal's buy price, paid by the "
        "vendor (share of list, industry 5–20 %).",
    )
    # industry.md §Deal registration: protection 60–90 days (Kiflo via PartnerStandard).
    protection_months: NonNegative = Field(
        3.0, description="Months a registration protects its account (industry 60–90 days)."
    )
    # industry.md §4.1: extensions allowed once (Magentrix); protected pricing 90 days,
    # extendable (Gumdrop). Length: assumption, one more protection period of 60–90 days.
    extension_months: NonNegative = Field(
        3.0,
        description="Months of the one extension a registration gets when its deal is still "
        "in its sales cycle at expiry (assumption; 0 = no extension; range 0–3).",
    )
    approval: RegistrationApproval = Field(
        RegistrationApproval.FIRST_COME,
        description="Approval policy: automatic, first_come, proof_of_engagement, "
        "auto_below_size (industry.md §4.1).",
    )
    # industry.md §4.1: routing by tier, e.g. Gold auto-approves under $50K (Salesforce PRM
    # pattern). Per tier name (sim.names.TIERS); a tier not listed is never auto-approved.
    auto_approve_below: dict[str, NonNegative] = Field(
        default_factory=dict,
        description="Per tier: deal size (first-year list amount, currency) below which "
        "'auto_below_size' approves unseen (industry: e.g. 50k for the top tier).",
    )
    second_registrant: SecondRegistrant = Field(
        SecondRegistrant.REJECT,
        description="What a second registrant of an account gets: reject or reduced_discount.",
    )
    # industry.md §Deal registration: the second registrant gets half the first partner's
    # discount (Gumdrop T&C).
    second_registrant_share: Probability = Field(
        0.5,
        description="Share of the extra discount a second registrant gets under "
        "'reduced_discount' (industry: one vendor gives half).",
    )


class MdfWorkflow(StrEnum):
    """How MDF funds flow from accrual to reimbursement."""

    IMMEDIATE = "immediate"
    """The whole balance is spent the next period and reimbursed at once (the original rule)."""
    CLAIMS = "claims"
    """Request → activity → claim → reimbursement with delays; unused funds expire."""


class MdfAllocation(StrEnum):
    """How the discretionary MDF budget is divided among partners."""

    REVENUE = "revenue"
    """Pro rata to each partner's trailing-12-month purchases."""
    GROWTH = "growth"
    """Pro rata to each partner's purchase growth (last half-year over the one before)."""


class Mdf(Strict):
    """Earned co-op / MDF accrual, the discretionary budget and the claims workflow."""

    accrual_rate: Share = Field(
        0.03, description="MDF accrued as share of partner purchases (industry 2–5 %)."
    )
    # Assumption derived from two figures (docs/sources.md, "MDF awareness effect"): vendor brand
    # spend buys 0.004 per 100k over the whole market (``marketing.brand_effect_per_100k``); MDF
    # is spent in one territory (a quarter of the market in baseline: 4× the density per account)
    # and co-op costs are commonly split 50/50 (industry.md §MDF, Transformance [T]: the partner
    # matches the vendor's reimbursement, 2× the spend), so 0.004 · 4 · 2 ≈ 0.03. Range 0–0.05.
    awareness_per_100k: Probability = Field(
        0.03,
        description="Awareness probability per month per 100k MDF spent in a territory "
        "(assumption: brand effect × territory density × co-op match; range 0–0.05).",
    )
    workflow: MdfWorkflow = Field(
        MdfWorkflow.IMMEDIATE,
        description="'immediate' (spend next period, reimbursed at once) or 'claims' "
        "(request → activity → claim → reimbursement; expiry).",
    )
    # Discretionary (proposal-based) MDF beside earned co-op: industry.md §MDF, PartnerChannels
    # [T]; no published size: assumption (0 = none).
    discretionary_budget: NonNegative = Field(
        0.0,
        description="Vendor's discretionary MDF budget per month allocated to active reselling "
        "partners (currency; assumption, 0 = none).",
    )
    allocation: MdfAllocation = Field(
        MdfAllocation.REVENUE,
        description="Rule dividing the discretionary budget: 'revenue' (trailing purchases) or "
        "'growth' (purchase growth).",
    )
    request_share: Probability = Field(
        1.0,
        description="Share of its open funds an active partner requests each period under "
        "'claims' (assumption, range 0.2–1).",
    )
    activity_months: NonNegative = Field(
        1.0,
        description="Months from an approved request to the marketing activity under 'claims' "
        "(assumption, range 0–3).",
    )
    # Claim reimbursement delays: a monthly invoice cycle (industry.md §4.5, PartnerStack [P]).
    claim_delay_months: NonNegative = Field(
        2.0,
        description="Months from the activity (claim) to reimbursement under 'claims' "
        "(assumption, range 1–3).",
    )
    expiry_months: Annotated[float, Field(gt=0.0)] = Field(
        12.0,
        description="Months after which unrequested funds expire under 'claims' (use-it-or-lose-"
        "it; assumption, range 3–12).",
    )
    claim_rejection: Share = Field(
        0.0,
        description="Share of claimed spend the vendor rejects (claim compliance; the partner "
        "bears it; assumption, range 0–0.2).",
    )


class Incentives(Strict):
    """Incentives paid to partners."""

    new_logo_bonus: NonNegative = Field(
        0.0, description="Bonus per new customer a partner closes (currency)."
    )
    # Back-end growth rebates over a rolling previous-four-quarter baseline (industry.md §4.5,
    # Cisco Perform Plus [P-vendor]); the rates themselves are not published: assumption.
    growth_rebate: Share = Field(
        0.0,
        description="Rebate as share of a partner's purchases above its growth baseline "
        "(0 = off; assumption, range 0–0.10).",
    )
    growth_threshold: NonNegative = Field(
        0.10,
        description="Growth over the trailing-12-month purchases (per settlement window) "
        "before the rebate starts (assumption, range 0–0.3).",
    )
    rebate_settlement_months: Annotated[float, Field(ge=1.0, le=12.0)] = Field(
        12.0,
        description="Months between rebate settlements (3 = quarterly, 12 = annual; "
        "industry.md §4.5: 3- or 6-month program periods).",
    )


class Tier(Strict):
    """One program tier: the criteria a partner meets at a review, and the benefits it gets.

    Criteria and benefits follow the tier engine of industry.md §4.6 (criteria vector of
    trailing-12-month revenue, certifications and closed deals; benefit table of discount,
    MDF accrual, lead priority and protection). A tier with all criteria 0 admits everyone.
    """

    min_revenue: NonNegative = Field(
        0.0,
        description="Trailing-12-month vendor net revenue of its deals, at least (currency; "
        "industry.md §4.2: Silver $50–100K, Gold $250–500K, Platinum $1M+).",
    )
    min_certified: int = Field(0, ge=0, description="Certified reps, at least (count).")
    min_certified_share: Probability = Field(
        0.0, description="Certified reps as a share of its reps, at least, in [0, 1]."
    )
    min_deals: int = Field(
        0, ge=0, description="Deals won in the trailing 12 months, at least (count)."
    )
    extra_discount: Share = Field(
        0.0,
        description="Discount off list on top of the type's base discount, in [0, 1) "
        "(industry.md: sample schedules step 5 points a tier, 20/25/30/35 %).",
    )
    mdf_rate: Share = Field(
        0.0,
        description="MDF accrual on top of program.mdf.accrual_rate, share of purchases "
        "(industry.md: accrual 2–5 % of purchases in all).",
    )
    lead_priority: NonNegative = Field(
        1.0,
        description="Weight of its claim on routed leads (tier_weighted routing; 1 = neutral; "
        "assumption).",
    )
    protection_months: NonNegative = Field(
        0.0,
        description="Deal-registration protection in months (0 = the program's "
        "deal_registration.protection_months; industry.md: 60–90 days).",
    )
    exclusivity_eligible: bool = Field(
        False, description="Whether partners in this tier may hold territory exclusivity."
    )


class LeadRouting(Strict):
    """Routing of the vendor's leads to partners.

    The share of the leads direct keeps is ``marketing.direct_lead_share``.
    """

    # industry.md §4.4 (Leadtributor [P-vendor]): geographic, round-robin, capacity-based,
    # attribute and hybrid routing; tier-based push routing (Salesforce pattern [T]).
    policy: LeadRoutingPolicy = Field(
        LeadRoutingPolicy.GEOGRAPHIC,
        description="Which covering partner gets a lead: geographic (uniform among those "
        "covering the territory), round_robin, tier_weighted, performance or capacity.",
    )
    # industry.md §4.4: leads not accepted within a window are reassigned to the next partner or
    # escalated to the vendor (Leadtributor, Core dna [P-vendor]). Off keeps today's routing.
    acceptance: bool = Field(
        False,
        description="Whether a partner may refuse a lead (not accept it within the timeout); "
        "false: every routed lead is accepted at once.",
    )
    # Assumption: industry.md §4.4 cites time-outs in minutes for consumer leads (HomeJunction,
    # BostonLogic [P-vendor]) and "set windows" for B2B partners (Core dna); 1–5 working days.
    acceptance_timeout_days: Positive = Field(
        3.0,
        description="Days a partner has to accept a lead before it is reassigned "
        "(assumption; range 1–5).",
    )
    # Assumption: a fully committed partner with a free desk accepts within two days on average.
    response_days: Positive = Field(
        2.0,
        description="Mean days a fully committed partner with a free desk takes to accept a "
        "lead; p(accept) = 1 − exp(−timeout · commitment · free share / response_days) "
        "(assumption; range 0.5–10).",
    )
    max_reassignments: int = Field(
        2,
        ge=0,
        le=10,
        description="Times a refused lead is offered to the next partner before it is given up "
        "(assumption; range 0–10).",
    )
    # industry.md §4.4: "auto-reassign to the next partner or escalate to the vendor".
    unaccepted: Literal["direct", "unworked"] = Field(
        "direct",
        description="Where a lead every partner offered it refused goes: 'direct' (the reps "
        "take it when they cover it) or 'unworked' (no owner).",
    )
    # Assumption: two quarters, as the partner's own profit memory (partner.memory_months).
    performance_months: Positive = Field(
        6.0, description="Trailing window of the win rate 'performance' routing weighs (months)."
    )
    # Assumption: a partner with few bids is rated near the partners' pooled win rate.
    performance_prior_bids: NonNegative = Field(
        10.0,
        description="Pseudo-bids at the partners' pooled win rate added to each partner's "
        "trailing record under 'performance' (assumption; range 0–50).",
    )


class Program(Strict):
    """The partner program the vendor designs."""

    conflict: Conflict = Field(default_factory=Conflict)
    deal_registration: DealRegistration = Field(default_factory=DealRegistration)
    exclusivity: dict[str, Literal["open", "exclusive"]] = Field(
        default_factory=dict, description="Per partner type: 'open' or 'exclusive'."
    )
    exclusivity_holders: dict[str, int] = Field(
        default_factory=dict, description="Per partner type: holders per territory (default 1)."
    )
    exclusivity_commitment_bonus: Probability = Field(
        0.15, description="Commitment target bonus of an exclusive holder."
    )
    mdf: Mdf = Field(default_factory=Mdf)
    incentives: Incentives = Field(default_factory=Incentives)
    # The fixed part of a two-part tariff (Jeuland & Shugan 1983; docs/sources.md, "Program
    # fees"); no published fee level in industry.md: assumption, 0 = no fee.
    fees: dict[str, NonNegative] = Field(
        default_factory=dict,
        description="Annual partner-program fee per tier (tier name → currency per year), "
        "charged monthly to active reselling partners (assumption; none by default).",
    )
    overhead_per_partner: NonNegative = Field(
        150.0, description="Program overhead per active partner per month (portal, support)."
    )
    tiers: dict[str, Tier] = Field(
        default_factory=lambda: {"registered": Tier()},
        description="The program's tiers by name (registered, silver, gold, platinum; "
        "'registered', with no criteria, is there unless listed; criteria rise with the tier).",
    )

    @field_validator("tiers")
    @classmethod
    def _with_registered(cls, tiers: dict[str, Tier]) -> dict[str, Tier]:
        """Every program has the entry tier: ``registered`` without benefits unless listed."""
        return tiers if "registered" in tiers else {"registered": Tier(), **tiers}

    # Programs evaluate tiers quarterly to annually (industry.md §4.6 tier engine cadence;
    # Cisco VIP periods of 3 or 6 months [P-vendor]); 6 months is the middle of that range.
    tier_review_months: float = Field(
        6.0, gt=0, le=12, description="Months between program-wide tier reviews, in (0, 12]."
    )
    # industry.md §4.6: "demotion grace"; one review of grace is an assumption.
    tier_demotion_grace: int = Field(
        1,
        ge=0,
        le=4,
        description="Reviews a partner may fail its tier's criteria before it is moved down "
        "(0 = at the first failed review; assumption).",
    )
    tier_certification_reach: Probability = Field(
        0.8,
        description="A partner certifies towards the next tier when its revenue and deals are "
        "at least this share of the tier's (assumption, 0.5–1).",
    )
    lead_routing: LeadRouting = Field(default_factory=LeadRouting)


class Partner(Strict):
    """Partner behaviour shared by all types."""

    commitment_speed: Probability = Field(
        0.15, description="Share of the gap to its target commitment closed per month."
    )
    # Assumption (docs/sources.md): two failed semi-annual reviews = a year of sustained shortfall.
    exit_reviews: int = Field(
        2,
        ge=1,
        le=100,
        description="Consecutive failed exit reviews after which a partner exits.",
    )
    # Assumption (docs/sources.md): 0 = a partner stays while it covers its own costs (switching
    # costs, relationships); > 0 makes it leave for a better rival program.
    exit_outside_share: NonNegative = Field(
        0.0,
        description="A review fails when the window's profit < this × rival_profit × commitment "
        "× window months (what its effort would earn elsewhere).",
    )
    exit_trust: Probability = Field(0.15, description="A partner exits when trust falls below.")
    # Assumption (docs/sources.md): resellers revise street prices quarterly, the cadence of
    # vendors' price lists and promotions.
    pricing_review_months: Positive = Field(
        3.0, description="Months between best-response pricing reviews."
    )
    pricing_damping: float = Field(
        0.5,
        gt=0,
        le=1,
        description="Share of the step to its best response a reseller takes per round, (0, 1].",
    )
    # Numerical setting: 24 accounts per cell give the same equilibrium margins as 32 to
    # within 0.003 of list in baseline, at 7 % less run time (README, Performance).
    pricing_panel: int = Field(
        24,
        ge=1,
        le=10_000,
        description="Accounts per territory × segment sampled to represent the market in "
        "pricing reviews.",
    )
    memory_months: Positive = Field(
        6.0, description="Averaging window of the partner's profit expectations (months)."
    )


# ---------------------------------------------------------------------------------------------
# scenario
# ---------------------------------------------------------------------------------------------


class Scenario(Strict):
    """A complete scenario: every parameter with its default."""

    description: str = Field("", description="One-line description.")
    seed: int = Field(1, ge=0, description="Default root seed.")
    time: Time = Field(default_factory=Time)
    market: Market = Field(default_factory=Market)
    product: Product = Field(default_factory=Product)
    marketing: Marketing = Field(default_factory=Marketing)
    direct: Direct = Field(default_factory=Direct)
    partners: Partners = Field(default_factory=Partners)
    partner: Partner = Field(default_factory=Partner)
    recruitment: Recruitment = Field(default_factory=Recruitment)
    program: Program = Field(default_factory=Program)
    finance: Finance = Field(default_factory=Finance)
