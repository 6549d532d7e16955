"""Cross-reference and implementation checks run after the schema validates a scenario."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

from sim.names import (
    IMPLEMENTED_CONFLICT_RULES,
    IMPLEMENTED_PARTNER_TYPES,
    PARTNER_TYPES,
    SEGMENTS,
    TIERS,
    ConflictRule,
)
from sim.scenario.schema import Scenario, Tier


@dataclass(frozen=True)
class Problem:
    """One problem with a scenario value.

    Attributes:
        key: Dotted key path, e.g. ``partners.var.count``.
        value: The offending value, as written.
        accepted: What is accepted instead.
    """

    key: str
    value: object
    accepted: str


def _check_names(key: str, values: list[str] | None, known: tuple[str, ...]) -> list[Problem]:
    """One problem per value of ``values`` that is not in ``known`` (none when unset)."""
    if values is None:
        return []
    return [Problem(f"{key}", v, f"one of {', '.join(known)}") for v in values if v not in known]


def check_scenario(scenario: Scenario) -> list[Problem]:
    """Check what the schema alone cannot: cross-references and unimplemented features.

    Args:
        scenario: A scenario that passed schema validation.

    Returns:
        The problems found, empty when the scenario is usable.
    """
    territories = tuple(scenario.market.territories)
    return [
        *_check_direct(scenario, territories),
        *_check_partner_types(scenario, territories),
        *_check_exclusivity(scenario, territories),
        *_check_program_features(scenario),
        *_check_supply(scenario),
        *_check_tiers(scenario),
        *_check_program_fees(scenario),
    ]


def _check_direct(scenario: Scenario, territories: tuple[str, ...]) -> list[Problem]:
    """The direct force's segments and territories, and self-serve's segments, are known."""
    problems: list[Problem] = []
    problems += _check_names("direct.segments", scenario.direct.segments, SEGMENTS)
    problems += _check_names("direct.territories", scenario.direct.territories, territories)
    problems += _check_names(
        "direct.self_serve.segments", scenario.direct.self_serve.segments, SEGMENTS
    )
    problems += _check_names(
        "program.conflict.named_segments", scenario.program.conflict.named_segments, SEGMENTS
    )
    return problems


def _check_partner_types(scenario: Scenario, territories: tuple[str, ...]) -> list[Problem]:
    """Each partner type: known segments, implemented, coverage within the market's size."""
    problems: list[Problem] = []
    for ptype in PARTNER_TYPES:
        params = scenario.partners.of(ptype)
        problems += _check_names(f"partners.{ptype}.segments", params.segments, SEGMENTS)
        if params.count > 0 and ptype not in IMPLEMENTED_PARTNER_TYPES:
            problems.append(
                Problem(
                    f"partners.{ptype}.count",
                    params.count,
                    f"0 (partner type '{ptype}' is not implemented yet)",
                )
            )
        if params.territories_each > len(territories):
            problems.append(
                Problem(
                    f"partners.{ptype}.territories_each",
                    params.territories_each,
                    f"at most the number of territories ({len(territories)})",
                )
            )
        n_verticals = len(scenario.market.verticals)
        if params.verticals_each is not None and params.verticals_each > n_verticals:
            problems.append(
                Problem(
                    f"partners.{ptype}.verticals_each",
                    params.verticals_each,
                    f"at most the number of verticals ({n_verticals})",
                )
            )
    return problems


def _check_exclusivity(scenario: Scenario, territories: tuple[str, ...]) -> list[Problem]:
    """The exclusivity tables name partner types, and exclusive types fit their territories."""
    problems: list[Problem] = []
    for table in ("exclusivity", "exclusivity_holders"):
        for ptype in getattr(scenario.program, table):
            if ptype not in PARTNER_TYPES:
                problems.append(
                    Problem(
                        f"program.{table}.{ptype}",
                        ptype,
                        f"a partner type: {', '.join(PARTNER_TYPES)}",
                    )
                )
    for ptype, mode in scenario.program.exclusivity.items():
        if mode != "exclusive" or ptype not in PARTNER_TYPES:
            continue
        holders = scenario.program.exclusivity_holders.get(ptype, 1)
        count = scenario.partners.of(ptype).count
        limit = holders * len(territories)
        if count > limit:
            problems.append(
                Problem(
                    f"partners.{ptype}.count",
                    count,
                    f"at most {limit} under exclusivity ({holders} holder(s) × "
                    f"{len(territories)} territories)",
                )
            )
        if scenario.partners.of(ptype).territories_each != 1:
            problems.append(
                Problem(
                    f"partners.{ptype}.territories_each",
                    scenario.partners.of(ptype).territories_each,
                    "1 for an exclusive partner type",
                )
            )
    for ptype, holders in scenario.program.exclusivity_holders.items():
        if holders < 1:
            problems.append(Problem(f"program.exclusivity_holders.{ptype}", holders, "an int ≥ 1"))
    return problems


def _check_program_features(scenario: Scenario) -> list[Problem]:
    """The program asks only for features the model implements (conflict rule, registration)."""
    problems: list[Problem] = []
    rule = scenario.program.conflict.rule
    if rule not in IMPLEMENTED_CONFLICT_RULES:
        implemented = ", ".join(sorted(IMPLEMENTED_CONFLICT_RULES))
        problems.append(
            Problem(
                "program.conflict.rule",
                rule.value,
                f"{implemented} ('{rule.value}' is not implemented yet)",
            )
        )
    reg = scenario.program.deal_registration
    if rule == ConflictRule.REGISTERED_WINS and not reg.enabled:
        problems.append(
            Problem(
                "program.conflict.rule",
                rule.value,
                "a rule other than 'registered_wins' unless program.deal_registration.enabled",
            )
        )
    return problems


def _check_tier_keys(key: str, tiers: list[str], defined: list[str]) -> list[Problem]:
    """One problem per tier that is not a tier name, or not a tier the program defines."""
    problems = []
    for tier in tiers:
        if tier not in TIERS:
            problems.append(Problem(f"{key}.{tier}", tier, f"a tier: {', '.join(TIERS)}"))
        elif tier not in defined:
            accepted = f"a tier program.tiers defines ({', '.join(defined)})"
            problems.append(Problem(f"{key}.{tier}", tier, accepted))
    return problems


def _check_program_fees(scenario: Scenario) -> list[Problem]:
    """Program fees and auto-approval thresholds name tiers the program defines."""
    program = scenario.program
    defined = [t for t in TIERS if t in program.tiers]
    approve = list(program.deal_registration.auto_approve_below)
    return [
        *_check_tier_keys("program.fees", list(program.fees), defined),
        *_check_tier_keys("program.deal_registration.auto_approve_below", approve, defined),
    ]


def _check_supply(scenario: Scenario) -> list[Problem]:
    """Hardware sells above cost, and the distributor's stock policy is consistent."""
    problems: list[Problem] = []
    hw = scenario.product.hardware
    if hw.units_per_seat > 0 and hw.unit_cost > hw.unit_price:
        problems.append(
            Problem("product.hardware.unit_cost", hw.unit_cost, f"≤ unit_price ({hw.unit_price})")
        )
    dist = scenario.partners.distributor
    if dist.reorder_point >= dist.order_up_to:
        problems.append(
            Problem(
                "partners.distributor.reorder_point",
                dist.reorder_point,
                f"< order_up_to ({dist.order_up_to})",
            )
        )
    if dist.order_up_to > dist.stock_capacity or dist.initial_stock > dist.stock_capacity:
        problems.append(
            Problem(
                "partners.distributor.order_up_to",
                dist.order_up_to,
                f"≤ stock_capacity ({dist.stock_capacity}), as must initial_stock",
            )
        )
    return problems


TIER_CRITERIA: tuple[str, ...] = (
    "min_revenue",
    "min_certified",
    "min_certified_share",
    "min_deals",
)
"""The criteria of a tier, each of which must not fall from one tier to the next."""


def _check_tiers(scenario: Scenario) -> list[Problem]:
    """Tier names are known, ``registered`` admits everyone, and criteria rise tier by tier.

    Tiers are ordered as in :data:`~sim.names.TIERS`; each listed tier's criteria are at least
    the ones of the listed tier below it, and at least one is higher (else both tiers would
    admit the same partners).
    """
    tiers = scenario.program.tiers
    problems = [
        Problem(f"program.tiers.{name}", name, f"a tier name: {', '.join(TIERS)}")
        for name in tiers
        if name not in TIERS
    ]
    base = tiers.get("registered")
    if base is not None:
        problems += [
            Problem(f"program.tiers.registered.{c}", getattr(base, c), "0 (every partner enters)")
            for c in TIER_CRITERIA
            if getattr(base, c)
        ]
    listed = [(name, tiers[name]) for name in TIERS if name in tiers]
    for (low_name, low), (name, tier) in pairwise(listed):
        problems += _check_tier_order(low_name, low, name, tier)
    return problems


def _check_tier_order(low_name: str, low: Tier, name: str, tier: Tier) -> list[Problem]:
    """Problems with a tier whose criteria are not above the ones of the tier below it."""
    falling = [c for c in TIER_CRITERIA if getattr(tier, c) < getattr(low, c)]
    problems = [
        Problem(
            f"program.tiers.{name}.{c}", getattr(tier, c), f"≥ {low_name}'s ({getattr(low, c)})"
        )
        for c in falling
    ]
    if not falling and all(getattr(tier, c) == getattr(low, c) for c in TIER_CRITERIA):
        problems.append(
            Problem(f"program.tiers.{name}", "its criteria", f"at least one above {low_name}'s")
        )
    return problems
