"""Training and certification of a partner's reps, shared by every reselling role.

A partner certifies one rep at a time. It starts when the certification repays its cost net of
the vendor's subsidy (:func:`certification_pays`); the partner pays the cost and the vendor
reimburses its subsidy share at once (cost line ``certification_subsidy``); the certification
takes ``certification_months`` (a SimPy process), then the rep counts as certified: the
partner's service quality rises by ``certification_quality`` × its certified share (which
raises its utility in the customers' choice, so its win rate, and lowers its customers'
churn), and its certified reps count towards the program tiers' criteria.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import simpy

if TYPE_CHECKING:
    from sim.agents.base import Partner


def certification_pays(partner: Partner) -> bool:
    """Whether certifying one more rep repays its cost net of the vendor's subsidy.

    Its value is the service quality it brings (the trailing year's margin from the vendor ×
    ``certification_quality``) plus, when certified reps are what keeps the partner from the
    next program tier, its share of that tier's benefits over a year
    (:func:`sim.program.tiers.certification_gain`, through the model's tier program).

    Args:
        partner: An active partner with reps still to certify.
    """
    p = partner.params
    model = partner.model
    if p.certification_quality == 0.0 and not model.tier_program.table.has_tiers:
        return False  # nothing to gain: no quality effect and no tiers to reach
    net_cost = p.certification_cost * (1.0 - p.certification_subsidy)
    recent_gp = partner.trailing_revenue * partner.discount * (1.0 - partner.pass_through)
    gain, missing = model.tier_program.certification_value(model, partner.index)
    per_rep = gain / missing if missing > 0 else 0.0
    return bool(recent_gp * p.certification_quality + per_rep > net_cost)


def maybe_certify(partner: Partner) -> None:
    """Start certifying one more of the partner's reps if it pays (:func:`certification_pays`).

    Args:
        partner: An active partner, not certifying now, with reps still to certify.
    """
    if not certification_pays(partner):
        return
    p = partner.params
    partner.certifying = True
    # The partner pays the whole cost; the vendor reimburses its subsidy share.
    subsidy = p.certification_cost * p.certification_subsidy
    partner.ledger.add("other_cost", p.certification_cost)
    partner.ledger.add("subsidies", subsidy)
    partner.model.vendor_costs_period["certification_subsidy"] += subsidy
    partner.model.env.process(_certify(partner))


def _certify(partner: Partner) -> Generator[simpy.Event, Any, None]:
    """A certification: it takes ``certification_months``, then raises service quality."""
    model = partner.model
    yield model.env.timeout(partner.params.certification_months / model.period_months)
    partner.certified += 1
    partner.certifying = False
    partner.service_quality = partner.base_quality + partner.params.certification_quality * (
        partner.certified / max(partner.reps, 1)
    )
