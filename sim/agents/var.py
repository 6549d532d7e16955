"""Value-added resellers: resale with services; certifications raise service quality."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import simpy

from sim.agents.base import Partner, Status
from sim.scenario.schema import VarType


class ValueAddedReseller(Partner):
    """A VAR: sells with implementation and support services, often vertically specialised.

    It certifies one more rep at a time when its recent margin from the vendor repays the
    certification within a year; a certification takes time (a SimPy process) and raises its
    service quality, which raises its win rate and lowers its customers' churn.
    """

    params: VarType

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.certified = 0
        self.certifying = False
        self.base_quality = self.service_quality

    def act(self) -> None:
        """Start a certification when it pays back within a year."""
        if self.status != Status.ACTIVE or self.certifying or self.certified >= self.reps:
            return
        p = self.params
        net_cost = p.certification_cost * (1.0 - p.certification_subsidy)
        recent_gp = self.trailing_revenue * self.discount * (1.0 - self.pass_through)
        if recent_gp * p.certification_quality > net_cost:
            self.certifying = True
            # The partner pays the whole cost; the vendor reimburses its subsidy share.
            subsidy = p.certification_cost * p.certification_subsidy
            self.ledger.add("other_cost", p.certification_cost)
            self.ledger.add("subsidies", subsidy)
            self.model.vendor_costs_period["certification_subsidy"] += subsidy
            self.model.env.process(self._certify())

    def _certify(self) -> Generator[simpy.Event, Any, None]:
        yield self.model.env.timeout(self.params.certification_months / self.model.period_months)
        self.certified += 1
        self.certifying = False
        self.service_quality = self.base_quality + self.params.certification_quality * (
            self.certified / max(self.reps, 1)
        )
